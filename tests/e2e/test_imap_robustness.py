"""IMAP robustness end to end: kill -9 during EXPUNGE, a Dovecot-written Maildir taken
over, 8 sessions racing on one INBOX with SMTP deliveries, hostile literals and syntax,
memory under garbage, 50 IDLE sessions woken by one delivery, and STARTTLS injection."""
from __future__ import annotations

import os
import random
import re
import socket
import threading
import time

import pytest

from conftest import (HOST, PASSWORDS, SANITIZED, deliver, maildir_files, new_token, scaled,
                      standard_directory, wait_until)
from imap_client import RawIMAP, imap_ssl, tls_context

FETCH_RE = re.compile(rb"^\* (\d+) FETCH \(")


def parse_fetch(resp) -> list[dict]:
    """The FETCH lines of a RawIMAP response: [{seq, uid, flags, body?, subject?}]."""
    out = []
    for ln in resp.untagged:
        m = FETCH_RE.match(ln)
        if not m:
            continue
        head = ln.split(b"\r\n", 1)[0]
        d = {"seq": int(m.group(1))}
        u = re.search(rb"UID (\d+)", head)
        if u:
            d["uid"] = int(u.group(1))
        f = re.search(rb"FLAGS \(([^)]*)\)", ln)
        if f:
            d["flags"] = frozenset(x for x in f.group(1).decode().split() if x != "\\Recent")
        lit = re.search(rb"\{(\d+)\}\r\n", ln)
        if lit:
            size = int(lit.group(1))
            d["body"] = ln[lit.end():lit.end() + size]
            s = re.search(rb"(?m)^Subject: (\S+)", d["body"])
            d["subject"] = s.group(1).decode() if s else ""
        out.append(d)
    return out


def code(resp, name: str) -> int:
    for ln in resp.untagged + [resp.tagged]:
        m = re.search(rb"\[" + name.encode() + rb" (\d+)\]", ln)
        if m:
            return int(m.group(1))
    raise AssertionError(f"no {name} in {resp}")


def exists(resp) -> int:
    m = resp.find(rb"^\* \d+ EXISTS")
    assert m, resp
    return int(m[-1].split()[1])


def small(token: str, extra: bytes = b"") -> bytes:
    return (f"From: <x@example.com>\r\nSubject: {token}\r\nMessage-ID: <{token}@t>\r\n\r\n"
            f"body {token}\r\n").encode() + extra


def append_many(c: RawIMAP, box: str, msgs: list[tuple[bytes, str]]) -> None:
    """Pipelined LITERAL+ APPENDs in one write, then every tagged OK."""
    tags, buf = [], b""
    for data, flags in msgs:
        t = c.tag()
        tags.append(t)
        buf += b"%s APPEND %s (%s) {%d+}\r\n%s\r\n" % (t.encode(), box.encode(), flags.encode(),
                                                        len(data), data)
    c.send(buf)
    for t in tags:
        r = c.read_until(t)
        assert r.ok, r


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def srv(server_factory):
    return server_factory("rob", setup=standard_directory)


# -- crash during EXPUNGE -------------------------------------------------------------------

def test_kill9_during_expunge_leaves_consistent_mailbox(srv):
    rng = random.Random(4242)
    for rnd, delay in enumerate([0.0, 0.005, 0.03, 0.15, 0.6]):
        box = f"Crash{rnd}"
        folder = srv.maildir("alice") / f".{box}"
        with RawIMAP(srv.imaps_port, tls=True, timeout=60) as c:
            c.login("alice")
            assert c.cmd(f"CREATE {box}").ok
            msgs, want = [], {}
            for i in range(240):
                tok = new_token(f"x{rnd}")
                flags = ["\\Deleted"] if i % 5 else []  # 4 of 5 are to be expunged
                flags += rng.sample(["\\Seen", "\\Flagged", "\\Answered", "$Later"], rng.randint(0, 2))
                msgs.append((small(tok, b"y" * rng.randint(0, 3000)), " ".join(flags)))
                want[tok] = msgs[-1][0]
            append_many(c, box, msgs)
            r = c.cmd(f"SELECT {box}")
            uidvalidity = code(r, "UIDVALIDITY")
            before = {d["subject"]: d for d in parse_fetch(
                c.cmd("FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))}
            assert len(before) == 240
            c.send(b"e1 EXPUNGE\r\n")
            if delay:
                time.sleep(delay)
            srv.kill9()
        srv.start()

        tokens_on_disk = []
        for f in maildir_files(folder):
            tokens_on_disk.append(re.search(rb"(?m)^Subject: (\S+)", f.read_bytes()).group(1).decode())
        assert len(tokens_on_disk) == len(set(tokens_on_disk)), "a message was duplicated"
        with RawIMAP(srv.imaps_port, tls=True, timeout=60) as c:
            c.login("alice")
            r = c.cmd(f"SELECT {box}")
            assert r.ok, r
            assert code(r, "UIDVALIDITY") == uidvalidity
            assert exists(r) == len(tokens_on_disk)
            after = parse_fetch(c.cmd("FETCH 1:* (UID FLAGS BODY.PEEK[])"))
            assert len(after) == len(tokens_on_disk)
            uids = [d["uid"] for d in after]
            assert uids == sorted(set(uids))
            for d in after:
                tok = d["subject"]
                assert d["body"] == want[tok], tok
                assert d["uid"] == before[tok]["uid"], (tok, d, before[tok])
                assert d["flags"] == before[tok]["flags"], (tok, d, before[tok])
            present = {d["subject"] for d in after}
            for tok, b in before.items():
                if "\\Deleted" not in b["flags"]:
                    assert tok in present, f"{tok} was not deleted but is gone"
            # The mailbox works on: no UID handed out twice, EXPUNGE finishes the job.
            extra = small(new_token("after"))
            r = c.cmd(b"APPEND %s {%d+}\r\n%s" % (box.encode(), len(extra), extra))
            assert r.ok, r
            new_uid = int(re.search(rb"APPENDUID \d+ (\d+)", r.tagged).group(1))
            assert new_uid > max(b["uid"] for b in before.values())
            assert c.cmd("EXPUNGE").ok
            r = c.cmd("NOOP")
            r = c.cmd(f"STATUS {box} (MESSAGES)")
            assert r.has(rb"MESSAGES 49\)"), r  # 48 kept + the new one
        assert len(maildir_files(folder)) == 49


# -- a Dovecot Maildir taken over ---------------------------------------------------------

def test_dovecot_maildir_taken_over(server_factory):
    m = server_factory("dove", start=False, setup=standard_directory)
    root = m.maildir("alice")
    bodies = {}

    # Dovecot keeps INTERNALDATE as the file's mtime: distinct from the names' times here.
    mtimes = {"dv-three": 1500000000, "dv-seven": 1600000000, "dv-twelve": 1650000000,
              "dv-unlisted": 1550000000}

    def put(folder, sub, base, info, token):
        data = small(token, b"from dovecot\r\n")
        bodies[token] = data
        name = f"{base},S={len(data)},W={len(data)}" + (f":2,{info}" if info is not None else "")
        (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / sub / name).write_bytes(data)
        if token in mtimes:
            os.utime(folder / sub / name, (mtimes[token], mtimes[token]))
        return f"{base},S={len(data)},W={len(data)}"

    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    b3 = put(root, "cur", "1700000001.M1P100.oldhost", "S", "dv-three")
    b7 = put(root, "cur", "1700000002.M2P100.oldhost", "FRab", "dv-seven")
    b12 = put(root, "new", "1700000003.M3P100.oldhost", None, "dv-twelve")
    put(root, "cur", "1700000004.M4P100.oldhost", "Tc", "dv-unlisted")  # not in the uidlist
    (root / "dovecot-uidlist").write_text(
        "3 V1234567890 N50 G0123456789abcdef0123456789abcdef\n"
        f"3 :{b3}:2,S\n"
        f"7 W123 S456 :{b7}\n"
        "9 :1700000009.M9P100.oldhost,S=99\n"  # expunged by Dovecot: no file
        f"12 :{b12}\n")
    (root / "dovecot-keywords").write_text("0 $Important\n1 Project-X\n2 Later\n")
    work = root / ".Work"
    for sub in ("cur", "new", "tmp"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    (work / "maildirfolder").write_text("")
    w5 = put(work, "cur", "1600000005.M5P7.oldhost", "RS", "dv-work5")
    w6 = put(work, "cur", "1600000006.M6P7.oldhost", "", "dv-work6")
    (work / "dovecot-uidlist").write_text(f"1 987654 20\n5 {w5}:2,RS\n6 {w6}\n")
    (root / "subscriptions").write_text("Work\n")
    m.start()

    expect_inbox = {3: ("dv-three", {"\\Seen"}),
                    7: ("dv-seven", {"\\Flagged", "\\Answered", "$Important", "Project-X"}),
                    12: ("dv-twelve", set()),
                    50: ("dv-unlisted", {"\\Deleted", "Later"})}
    expect_work = {5: ("dv-work5", {"\\Answered", "\\Seen"}), 6: ("dv-work6", set())}
    for _round in range(2):  # as found, then after a restart (Magpie rewrote the uidlist)
        with RawIMAP(m.imaps_port, tls=True) as c:
            c.login("alice")
            r = c.cmd("SELECT INBOX")
            assert code(r, "UIDVALIDITY") == 1234567890 and code(r, "UIDNEXT") == 51, r
            flags_line = r.find(rb"^\* FLAGS")[0]
            for kw in (b"$Important", b"Project-X", b"Later"):
                assert kw in flags_line, r
            # Dates are read from the files when first needed: by SEARCH, SORT, FETCH.
            r = c.cmd("UID SEARCH SINCE 1-Jan-2020")
            assert r.status == "OK", r
            assert [ln.strip() for ln in r.find(rb"^\* SEARCH")] == [b"* SEARCH 7 12"], r
            r = c.cmd("UID SORT (ARRIVAL) UTF-8 ALL")
            assert [ln.strip() for ln in r.find(rb"^\* SORT")] == [b"* SORT 3 50 7 12"], r
            r = c.cmd("UID FETCH 3 (INTERNALDATE)")
            assert r.has(rb'INTERNALDATE "14-Jul-2017 02:40:00 \+0000"'), r
            got = {d["uid"]: (d["subject"], set(d["flags"]))
                   for d in parse_fetch(c.cmd("FETCH 1:* (UID FLAGS BODY.PEEK[])"))}
            assert got == expect_inbox
            for d in parse_fetch(c.cmd("FETCH 1:* (UID BODY.PEEK[])")):
                assert d["body"] == bodies[d["subject"]]
            r = c.cmd("SELECT Work")
            assert code(r, "UIDVALIDITY") == 987654 and code(r, "UIDNEXT") == 20, r
            got = {d["uid"]: (d["subject"], set(d["flags"]))
                   for d in parse_fetch(c.cmd("FETCH 1:* (UID FLAGS BODY.PEEK[])"))}
            assert got == expect_work
            r = c.cmd('LSUB "" "*"')
            assert r.has(rb"Work"), r
        m.restart()
    text = (root / "dovecot-uidlist").read_text()
    assert text.startswith("3 V1234567890 ") and f"7 W123 S456 :{b7}" in text, text


# -- concurrency ----------------------------------------------------------------------------

def _fetch_view(c) -> list[tuple[int, int, frozenset]]:
    typ, data = c.fetch("1:*", "(UID FLAGS)")
    assert typ == "OK", data
    out = []
    for d in data:
        if not d:
            continue
        m = re.match(rb"(\d+) \((.*)\)$", d)
        uid = int(re.search(rb"UID (\d+)", m.group(2)).group(1))
        fl = re.search(rb"FLAGS \(([^)]*)\)", m.group(2)).group(1).decode().split()
        out.append((int(m.group(1)), uid, frozenset(f for f in fl if f != "\\Recent")))
    return sorted(out)


def test_eight_sessions_and_deliveries_race_on_one_inbox(srv):
    n_sessions, n_ops = 8, 80
    lock = threading.Lock()
    uid_token: dict[int, str] = {}     # INBOX UID -> token, as ever seen
    tokens: set[str] = set()           # appended and delivered
    deleted: set[str] = set()          # tokens whose message the test flagged \Deleted
    errors: list[str] = []
    c0 = imap_ssl(srv)
    assert c0.create("Other")[0] == "OK"
    c0.logout()

    assigned: set[int] = set()          # UIDs from APPENDUID and COPYUID

    def learn(uid: int, tok: str, fresh: bool):
        """fresh: the UID was just handed out (APPENDUID/COPYUID), else seen in a FETCH
        (possibly by another session before the appender heard of it)."""
        with lock:
            if fresh:
                if uid in assigned:
                    errors.append(f"UID {uid} handed out twice ({uid_token.get(uid)}, {tok})")
                assigned.add(uid)
            old = uid_token.get(uid)
            if old is not None and old != tok:
                errors.append(f"UID {uid} was {old}, now {tok}")
            uid_token[uid] = tok

    sessions = []

    def worker(i: int):
        rng = random.Random(1000 + i)
        c = imap_ssl(srv)
        sessions.append(c)
        c.select("INBOX")
        known: list[int] = []
        for k in range(n_ops):
            op = rng.choice(["append", "append", "store", "store", "copy", "move", "expunge",
                             "fetch", "fetch", "noop"])
            c.untagged_responses.clear()
            if op == "append" or not known and op in ("store", "copy", "move"):
                tok = f"race-{i}-{k}"
                with lock:
                    tokens.add(tok)
                fl = rng.choice([None, r"(\Seen)", r"(\Flagged $X)"])
                typ, resp = c.append("INBOX", fl, None, small(tok))
                assert typ == "OK", resp
                learn(int(re.search(rb"APPENDUID \d+ (\d+)", resp[0]).group(1)), tok, True)
            elif op == "store":
                uid = rng.choice(known)
                flags = rng.sample(["\\Seen", "\\Flagged", "\\Answered", "$A", "$B", "\\Deleted"],
                                   rng.randint(1, 3))
                how = rng.choice(["+FLAGS", "-FLAGS", "FLAGS"])
                if how != "-FLAGS" and "\\Deleted" in flags:
                    with lock:
                        deleted.add(uid_token[uid])
                typ, resp = c.uid("STORE", str(uid), how, "(" + " ".join(flags) + ")")
                assert typ == "OK", resp
            elif op == "copy":
                uid = rng.choice(known)
                dest = rng.choice(["INBOX", "Other"])
                typ, resp = c.uid("COPY", str(uid), dest)
                assert typ == "OK", resp
                cu = re.search(rb"COPYUID \d+ (\d+) (\d+)", resp[0] or b"")
                if cu and dest == "INBOX":
                    learn(int(cu.group(2)), uid_token[uid], True)
            elif op == "move":
                typ, resp = c.uid("MOVE", str(rng.choice(known)), "Other")
                assert typ == "OK", resp
            elif op == "expunge":
                assert c.expunge()[0] == "OK"
            elif op == "fetch":
                # UID FETCH: "1:*" by sequence number is BAD once the other sessions have
                # emptied the mailbox; a UID range is valid whatever the mailbox holds.
                typ, data = c.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                assert typ == "OK", data
                known = []
                for d in data:
                    if isinstance(d, tuple):
                        uid = int(re.search(rb"UID (\d+)", d[0]).group(1))
                        tok = re.search(rb"Subject: (\S+)", d[1]).group(1).decode()
                        learn(uid, tok, False)
                        known.append(uid)
            else:
                assert c.noop()[0] == "OK"

    def run(i):
        try:
            worker(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"session {i}: {type(e).__name__}: {e}")

    def deliveries():
        try:
            for _ in range(12):
                tok, _qid = deliver(srv, ["alice@example.com"])
                with lock:
                    tokens.add(tok)
        except Exception as e:  # noqa: BLE001
            errors.append(f"delivery: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_sessions)]
    threads.append(threading.Thread(target=deliveries))
    for t in threads:
        t.start()
    deadline = time.monotonic() + scaled(180)
    for t in threads:
        t.join(max(1, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "sessions still running after the deadline"
    assert not errors, "\n".join(errors)

    fresh = imap_ssl(srv)
    fresh.select("INBOX")
    truth = _fetch_view(fresh)
    for i, c in enumerate(sessions):
        assert c.noop()[0] == "OK"
        c.untagged_responses.clear()
        assert _fetch_view(c) == truth, f"session {i} disagrees with a fresh session"
        c.logout()
    uids = [u for _s, u, _f in truth]
    assert uids == sorted(set(uids)) and [s for s, _u, _f in truth] == list(range(1, len(truth) + 1))

    def tokens_in(box):
        fresh.select(box, readonly=True)
        typ, data = fresh.fetch("1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out = {}
        for d in data:
            if isinstance(d, tuple):
                uid = int(re.search(rb"UID (\d+)", d[0]).group(1))
                out[uid] = re.search(rb"Subject: (\S+)", d[1]).group(1).decode()
        return out

    inbox, other = tokens_in("INBOX"), tokens_in("Other")
    for uid, tok in inbox.items():
        if uid in uid_token:
            assert uid_token[uid] == tok, (uid, tok, uid_token[uid])
    lost = tokens - set(inbox.values()) - set(other.values()) - deleted
    assert not lost, f"messages lost: {sorted(lost)}"
    assert set(other.values()) <= tokens
    fresh.logout()
    srv.assert_alive()


# -- literals and syntax --------------------------------------------------------------------

def test_never_ending_literals_do_not_block_others(srv):
    stuck = []
    for announce in (b"{1000000}", b"{1000000+}"):
        c = RawIMAP(srv.imaps_port, tls=True)
        c.login("alice")
        c.send(b"s1 APPEND INBOX " + announce + b"\r\n")
        if not announce.endswith(b"+}"):
            assert c.line().startswith(b"+ ")
        c.send(b"z" * 10240)
        stuck.append(c)
    with RawIMAP(srv.imaps_port, tls=True) as o:
        o.login("alice")
        assert o.cmd("SELECT INBOX").ok
        data = small(new_token("free"))
        assert o.cmd(b"APPEND INBOX {%d+}\r\n%s" % (len(data), data)).ok
        assert o.cmd("NOOP").ok
        stuck[0].close()
        r = o.cmd("STATUS INBOX (MESSAGES)")
        assert r.has(rb"MESSAGES 1\)"), r
    stuck[1].close()
    inbox = srv.maildir("alice")
    wait_until(lambda: not any((inbox / "tmp").iterdir()), 10, what="tmp/ to be empty")
    with RawIMAP(srv.imaps_port, tls=True) as o:
        o.login("alice")
        assert o.cmd("STATUS INBOX (MESSAGES)").has(rb"MESSAGES 1\)")


def test_literals_parens_sequence_sets_and_names(srv):
    with RawIMAP(srv.imaps_port, tls=True) as c:
        c.login("alice")
        # A synchronizing literal that is too big is refused without "+", and the
        # connection goes on.
        for cmd in (b"a1 LOGIN {99999999}\r\n", b"a2 APPEND INBOX {4000000000}\r\n",
                    b"a3 SEARCH TEXT {99999999}\r\n"):
            c.send(cmd)
            r = c.read_until(cmd.split()[0].decode())
            assert r.status in ("NO", "BAD"), (cmd, r)
            assert c.cmd("NOOP").ok
        # LITERAL+ APPEND, then the message reads back byte for byte.
        data = small(new_token("lp"), b"\x00binary? no: " + "é".encode() + b"\r\n")
        data = data.replace(b"\x00", b"")
        r = c.cmd(b"APPEND INBOX (\\Seen) {%d+}\r\n%s" % (len(data), data))
        assert r.ok, r
        uid = int(re.search(rb"APPENDUID \d+ (\d+)", r.tagged).group(1))
        assert c.cmd("SELECT INBOX").ok
        got = parse_fetch(c.cmd(f"UID FETCH {uid} (BODY.PEEK[])"))
        assert got[0]["body"] == data
        bad = ["FETCH 1 (FLAGS", "FETCH 1 FLAGS)", "FETCH 1 (FLAGS))", "SEARCH (ALL",
               "SEARCH ALL)", "SEARCH ((ALL)", "STORE 1 +FLAGS (\\Seen",
               "SEARCH " + "(" * 10000 + "ALL" + ")" * 10000,
               "FETCH 1 " + "(" * 10000, "APPEND INBOX " + "(" * 10000,
               "SEARCH " + "(" * 10000]
        for s in ("1:*:2", "4294967296", "0", "0:3", "*:0", "1,,2", "1:", ":1", "-1", "1.5",
                  "99999999999999999999"):
            bad += [f"FETCH {s} FLAGS", f"UID FETCH {s} FLAGS", f"STORE {s} +FLAGS (\\Seen)",
                    f"UID SEARCH UID {s}"]
        for b in bad:
            r = c.cmd(b)
            assert r.status == "BAD", (b[:60], r)
        assert c.cmd("UID FETCH 4294967295 FLAGS").ok  # the largest UID is valid
        # Mailbox names: broken modified UTF-7 and invalid UTF-8 are refused, nothing made.
        for name in (b"&Jjo", b"&AGE-", b"&2D0-", b"&Jjo!-", b"caf&AOk", b"&-&ZeVn",
                     b'"bad\xff\xfe"', b'"\xc3\x28"', b'"\xed\xa0\x80"',
                     b'"over\xf4\x90\x80\x80long"'):
            for verb in (b"CREATE", b"SELECT", b"STATUS"):
                cmd = verb + b" " + name + (b" (MESSAGES)" if verb == b"STATUS" else b"")
                r = c.cmd(cmd)
                assert r.status in ("BAD", "NO"), (cmd, r)
        r = c.cmd('LIST "" "*"')
        names = [ln for ln in r.untagged if ln.startswith(b"* LIST")]
        assert len(names) == 6, names  # INBOX and the five special-use folders
        assert c.cmd("NOOP").ok


def _drain(sock, stop: threading.Event, counter: list[int]):
    sock.settimeout(0.5)
    while not stop.is_set():
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return
        if not data:
            return
        counter[0] += data.count(b"\r\n")


def test_memory_stays_bounded_under_garbage(srv):
    pid = srv.proc.pid
    before = rss_kib(pid)
    # A 60 MB line without CRLF, then a CRLF, before login, on the plain port.
    for payload in (b"g1 LOGIN " + b"A" * (60 << 20) + b"\r\n",
                    b"".join(b"b%d FROB %d\r\n" % (i, i) for i in range(100_000)),
                    b"x APPEND INBOX (" + b"(" * (1 << 20) + b"\r\n"):
        s = socket.create_connection((HOST, srv.imap_port), timeout=scaled(60))
        stop, counter = threading.Event(), [0]
        t = threading.Thread(target=_drain, args=(s, stop, counter))
        t.start()
        try:
            view = memoryview(payload)
            for off in range(0, len(view), 1 << 20):
                s.sendall(view[off:off + (1 << 20)])
        except OSError:
            pass  # the server may hang up on a flood; that is fine
        time.sleep(0.5)
        stop.set()
        t.join(scaled(30))
        s.close()
        assert counter[0] >= 1  # at least the greeting, and BADs
    with RawIMAP(srv.imaps_port, tls=True) as c:
        c.login("alice")
        assert c.cmd("SELECT INBOX").ok
    after = rss_kib(pid)
    bound = (400 if SANITIZED else 64) << 10
    print(f"VmRSS {before} KiB -> {after} KiB")
    assert after - before < bound, f"VmRSS grew from {before} KiB to {after} KiB"


# -- IDLE ----------------------------------------------------------------------------------

def test_one_delivery_wakes_fifty_idlers(srv):
    srv.set("mail_max_connections_per_user_ip", "60")
    conns = []
    try:
        for i in range(50):
            c = RawIMAP(srv.imaps_port, tls=True, timeout=30)
            conns.append(c)
            c.login("alice")
            r = c.cmd("SELECT INBOX")
            assert exists(r) == 0, r
            c.send(b"i IDLE\r\n")
            assert c.line().startswith(b"+ ")
        deliver(srv, ["alice@example.com"])
        deadline = time.monotonic() + scaled(20)
        for i, c in enumerate(conns):
            c.sock.settimeout(max(0.1, deadline - time.monotonic()))
            while True:
                ln = c.line()
                if ln == b"* 1 EXISTS\r\n":
                    break
                assert ln.startswith(b"* ") and not ln.startswith(b"* BYE"), (i, ln)
        for c in conns:
            c.sock.settimeout(scaled(15))
            c.send(b"DONE\r\n")
            assert c.read_until("i").ok
    finally:
        for c in conns:
            c.close()


# -- STARTTLS injection ----------------------------------------------------------------------

def test_starttls_discards_pipelined_commands(srv):
    srv.set("allow_plaintext_auth", "true")
    with RawIMAP(srv.imap_port) as c:
        c.send(b"s1 STARTTLS\r\ns2 LOGIN alice " + PASSWORDS["alice"].encode() +
               b"\r\ns3 SELECT INBOX\r\n")
        r = c.read_until("s1")
        assert r.ok, r
        assert c.buf == b"", c.buf  # nothing answered in plaintext after the OK
        c.sock = tls_context().wrap_socket(c.sock)
        c.buf = b""
        r = c.cmd("NOOP")
        assert r.ok and not r.untagged, r  # no late answer to s2/s3
        r = c.cmd("SELECT INBOX")
        assert r.status == "BAD", r  # not logged in: the injected LOGIN was dropped
        r = c.cmd("CAPABILITY")
        assert b"STARTTLS" not in r.untagged[0]
        c.login("alice")
        assert c.cmd("SELECT INBOX").ok


# -- SASL ---------------------------------------------------------------------------------

def test_sasl_challenges_are_base64(srv):
    """RFC 9051 §6.2.2: an AUTHENTICATE challenge is base64; PLAIN's is empty ("+ ").
    (offlineimap's imaplib2 decodes it and failed on a "+ Ready" text.)"""
    import base64
    with RawIMAP(srv.imaps_port, tls=True) as c:
        c.send(b"a AUTHENTICATE PLAIN\r\n")
        ln = c.line()
        assert ln in (b"+ \r\n", b"+\r\n"), ln
        c.send(base64.b64encode(b"\0alice\0" + PASSWORDS["alice"].encode()) + b"\r\n")
        assert c.read_until("a").ok
    with RawIMAP(srv.imaps_port, tls=True) as c:
        c.send(b"b AUTHENTICATE LOGIN\r\n")
        for answer in (b"alice", PASSWORDS["alice"].encode()):
            ln = c.line()
            assert ln.startswith(b"+ ")
            base64.b64decode(ln[2:].strip(), validate=True)  # raises binascii.Error if not
            c.send(base64.b64encode(answer) + b"\r\n")
        assert c.read_until("b").ok
