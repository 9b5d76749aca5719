"""IMAP end to end: the real server driven by imaplib and a byte-level client over 143
(STARTTLS) and 993, covering login rules, folders, APPEND/FETCH/STORE/SEARCH/SORT/THREAD,
COPY/MOVE/EXPUNGE, CONDSTORE/QRESYNC, concurrent sessions, IDLE and malformed input."""
from __future__ import annotations

import base64
import imaplib
import re
import time

import pytest

from conftest import HOST, PASSWORDS, deliver, new_token, scaled, standard_directory
from imap_client import RawIMAP, imap_ssl, mutf7_encode, wait_for

MSG = (b"From: Alice Example <alice@example.com>\r\n"
       b"To: Bob <bob@example.com>\r\n"
       b"Subject: {subject}\r\n"
       b"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <{mid}@example.com>\r\n"
       b"MIME-Version: 1.0\r\n"
       b"Content-Type: multipart/mixed; boundary=XX\r\n"
       b"\r\n"
       b"--XX\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n"
       b"\r\n"
       b"Hello {body}\r\n"
       b"--XX\r\n"
       b"Content-Type: application/octet-stream\r\n"
       b"Content-Transfer-Encoding: base64\r\n"
       b"\r\n"
       b"AAECAwQF\r\n"
       b"--XX--\r\n")


def message(subject="Greetings", body="world", mid=None) -> bytes:
    mid = mid or new_token("m")
    return (MSG.replace(b"{subject}", subject.encode()).replace(b"{body}", body.encode())
            .replace(b"{mid}", mid.encode()))


def append(c: imaplib.IMAP4, box: str, data: bytes, flags: str = "", date=None) -> int:
    typ, resp = c.append(box, flags or None, date, data)
    assert typ == "OK", resp
    m = re.search(rb"APPENDUID \d+ (\d+)", resp[0])
    assert m, resp
    return int(m.group(1))


def fresh_box(c: imaplib.IMAP4, prefix="box") -> str:
    name = new_token(prefix)
    typ, _ = c.create(name)
    assert typ == "OK"
    return name


@pytest.fixture
def srv(server_factory):
    return server_factory("imap", setup=standard_directory)


# -- connection and login ---------------------------------------------------------------------

def test_greeting_refuses_plaintext_login_before_starttls(server):
    with RawIMAP(server.imap_port) as c:
        assert c.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1")
        assert b"STARTTLS" in c.greeting and b"LOGINDISABLED" in c.greeting
        assert b"AUTH=PLAIN" not in c.greeting
        r = c.cmd(f'LOGIN alice "{PASSWORDS["alice"]}"')
        assert r.status == "NO" and b"[PRIVACYREQUIRED]" in r.tagged
        r = c.cmd("AUTHENTICATE PLAIN")
        assert r.status == "NO"
        r = c.cmd("SELECT INBOX")
        assert r.status == "BAD"


def test_starttls_then_login_and_capabilities(server):
    with RawIMAP(server.imap_port) as c:
        c.starttls()
        r = c.cmd("CAPABILITY")
        caps = r.find(rb"^\* CAPABILITY")[0]
        assert b"AUTH=PLAIN" in caps and b"STARTTLS" not in caps and b"LOGINDISABLED" not in caps
        r = c.login()
        for cap in [b"IDLE", b"MOVE", b"UIDPLUS", b"CONDSTORE", b"QRESYNC", b"ESEARCH", b"SORT",
                    b"THREAD=REFERENCES", b"SPECIAL-USE", b"LIST-STATUS", b"QUOTA", b"BINARY",
                    b"APPENDLIMIT=", b"STATUS=SIZE", b"SAVEDATE", b"NAMESPACE"]:
            assert cap in r.tagged, cap
        assert c.cmd("STARTTLS").status == "BAD"


def test_plaintext_login_when_allowed(srv):
    srv.set("allow_plaintext_auth", "true")
    c = imaplib.IMAP4(HOST, srv.imap_port, timeout=scaled(30))
    try:
        assert c.login("alice", PASSWORDS["alice"])[0] == "OK"
        assert c.select("INBOX")[0] == "OK"
    finally:
        c.logout()


def test_authenticate_plain_with_initial_response_and_login_mechanism(server):
    with RawIMAP(server.imaps_port, tls=True) as c:
        ir = base64.b64encode(b"\0bob\0" + PASSWORDS["bob"].encode()).decode()
        r = c.cmd(f"AUTHENTICATE PLAIN {ir}")
        assert r.ok and b"[CAPABILITY" in r.tagged
    with RawIMAP(server.imaps_port, tls=True) as c:
        c.send("a AUTHENTICATE LOGIN\r\n")
        assert base64.b64decode(c.line()[2:].strip()) == b"Username:"
        c.send(base64.b64encode(b"carol") + b"\r\n")
        assert base64.b64decode(c.line()[2:].strip()) == b"Password:"
        c.send(base64.b64encode(PASSWORDS["carol"].encode()) + b"\r\n")
        assert c.read_until("a").ok
    with RawIMAP(server.imaps_port, tls=True) as c:
        c.send("b AUTHENTICATE PLAIN\r\n")
        assert c.line().startswith(b"+")
        c.send("*\r\n")
        assert c.read_until("b").status == "BAD"
        assert c.cmd("NOOP").ok


def test_bad_password_then_disconnect_after_limit(server):
    with RawIMAP(server.imaps_port, tls=True) as c:
        for i in range(2):
            r = c.cmd("LOGIN alice wrong-password")
            assert r.status == "NO" and b"[AUTHENTICATIONFAILED]" in r.tagged
        r = c.cmd("LOGIN alice wrong-password")
        assert r.status == "NO" and r.has(rb"^\* BYE")
        assert c.is_closed()
    with pytest.raises(imaplib.IMAP4.error):
        imap_ssl(server, "nobody", "x")


def test_master_user_opens_another_users_mailbox(srv):
    c = imap_ssl(srv, "alice")
    uid = append(c, "INBOX", message(subject="for alice only"))
    c.logout()
    with pytest.raises(imaplib.IMAP4.error):
        imap_ssl(srv, "\"alice*bob\"", PASSWORDS["bob"])  # bob is not a master user yet
    srv.set("master_users", "bob")
    c = imap_ssl(srv, "\"alice*bob\"", PASSWORDS["bob"])
    c.select("INBOX")
    typ, data = c.uid("FETCH", str(uid), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"for alice only" in data[0][1]
    c.logout()
    with pytest.raises(imaplib.IMAP4.error):
        imap_ssl(srv, "\"alice*bob\"", PASSWORDS["alice"])
    assert "master=<bob>" in srv.log()


def test_per_user_per_ip_connection_limit(srv):
    srv.set("mail_max_connections_per_user_ip", "2")
    a, b = imap_ssl(srv, "carol"), imap_ssl(srv, "carol")
    with pytest.raises(imaplib.IMAP4.error, match="LIMIT"):
        imap_ssl(srv, "carol")
    other = imap_ssl(srv, "bob")  # another user is not affected
    a.logout()
    c = wait_for(lambda: _try_login(srv, "carol"), 10, "a slot to free up")
    for x in (b, c, other):
        x.logout()
    assert "Maximum number of connections from user+IP exceeded" in srv.log()


def _try_login(m, user):
    try:
        return imap_ssl(m, user)
    except imaplib.IMAP4.error:
        return None


# -- folders ------------------------------------------------------------------------------

def test_standard_folders_with_special_use(server):
    c = imap_ssl(server, "bob")
    typ, data = c.list()
    lines = [d.decode() for d in data]
    for name, use in [("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"),
                      ("Junk", "\\Junk"), ("Archive", "\\Archive")]:
        assert any(use in ln and ln.endswith(f'"." {name}') for ln in lines), (name, lines)
    assert any(ln.endswith('"." INBOX') for ln in lines)
    typ, data = c.list('""', "*")
    typ, special = c._simple_command("LIST", "(SPECIAL-USE)", '""', "*")
    special = c._untagged_response(typ, special, "LIST")[1]
    assert len(special) == 5 and all(b"INBOX" not in s for s in special)
    typ, subs = c.lsub()
    assert len([s for s in subs if s]) >= 6
    typ, ns = c.namespace()
    assert ns[0] == b'(("" ".")) NIL NIL'
    c.logout()


def test_create_rename_delete_subscribe(server):
    c = imap_ssl(server, "bob")
    top = new_token("Proj")
    assert c.create(f"{top}.2026")[0] == "OK"
    typ, data = c.list('""', f"{top}*")
    text = b"\n".join(data)
    assert b"\\HasChildren" in text and f"{top}.2026".encode() in text
    assert c.create(f"{top}.2026")[0] == "NO"
    assert c.rename(f"{top}.2026", f"{top}.2027")[0] == "OK"
    typ, data = c.list('""', f"{top}.%")
    assert [d for d in data if d and b".2027" in d] and not [d for d in data if d and b".2026" in d]
    assert c.subscribe(f"{top}.2027")[0] == "OK"
    typ, data = c.lsub('""', f"{top}.*")
    assert any(b"2027" in d for d in data if d)
    assert c.unsubscribe(f"{top}.2027")[0] == "OK"
    assert c.delete(f"{top}.2027")[0] == "OK"
    typ, data = c.delete(f"{top}.2027")
    assert typ == "NO" and b"NONEXISTENT" in data[0]
    assert c.select("No.Such.Box")[0] == "NO"
    assert c.delete("INBOX")[0] == "NO"
    name = "Entwürfe ünd Ähnliches"
    assert c.create('"' + mutf7_encode(name) + '"')[0] == "OK"
    typ, data = c.list('""', "*")
    assert any(mutf7_encode(name).encode() in d for d in data)
    c.logout()


def test_status_and_list_status(server):
    c = imap_ssl(server, "carol")
    box = fresh_box(c)
    first, second = message(), message()
    append(c, box, first, r"(\Seen)")
    append(c, box, second)
    typ, data = c.status(box, "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY SIZE HIGHESTMODSEQ DELETED)")
    s = data[0].decode()
    assert "MESSAGES 2" in s and "UNSEEN 1" in s and "UIDNEXT 3" in s and "DELETED 0" in s
    size = int(re.search(r"SIZE (\d+)", s).group(1))
    assert size == len(first) + len(second)
    typ, data = c._simple_command("LIST", '""', box, "RETURN", "(STATUS (MESSAGES UNSEEN))")
    assert typ == "OK"
    st = c._untagged_response(typ, data, "STATUS")[1]
    assert st and b"MESSAGES 2" in st[0]
    typ, data = c.status("No.Such", "(MESSAGES)")
    assert typ == "NO"
    c.logout()


# -- messages -------------------------------------------------------------------------------

def test_append_select_fetch_roundtrip(server):
    c = imap_ssl(server, "carol")
    box = fresh_box(c)
    data = message(subject="Round trip", body="é body")
    date = imaplib.Time2Internaldate(time.mktime((2026, 3, 4, 5, 6, 7, 0, 0, -1)))
    uid = append(c, box, data, r"(\Flagged $Work)", date)
    typ, sel = c.select(box)
    assert typ == "OK" and sel[0] == b"1"
    typ, resp = c.uid("FETCH", str(uid), "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
    meta, body = resp[0]
    assert body == data
    assert f"RFC822.SIZE {len(data)}".encode() in meta
    assert b"\\Flagged" in meta and b"$Work" in meta and b"\\Seen" not in meta
    assert imaplib.Internaldate2tuple(meta)[:5] == time.localtime(time.mktime((2026, 3, 4, 5, 6, 7, 0, 0, -1)))[:5]
    typ, resp = c.fetch("1", "(ENVELOPE BODYSTRUCTURE)")
    meta = resp[0]
    assert b'"Round trip"' in meta and b'("Alice Example" NIL "alice" "example.com")' in meta
    assert b'"mixed" ("boundary" "xx")' in meta.lower()
    typ, resp = c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[1] BODY.PEEK[2]<0.4> BINARY.PEEK[2] BINARY.SIZE[2])")
    joined = b"".join(m[0] + m[1] for m in resp if isinstance(m, tuple))
    assert b"Subject: Round trip\r\n\r\n" in joined
    assert "Hello é body".encode() in joined
    assert b"AAEC" in joined
    assert b"\x00\x01\x02\x03\x04\x05" in joined
    assert b"BINARY.SIZE[2] 6" in b"".join(x if isinstance(x, bytes) else x[0] + x[1] for x in resp)
    typ, resp = c.fetch("1", "(FLAGS)")
    assert b"\\Seen" not in resp[0]
    typ, resp = c.fetch("1", "(BODY[TEXT])")
    typ, resp = c.fetch("1", "(FLAGS)")
    assert b"\\Seen" in resp[0]
    c.logout()


def test_sequence_sets_reversed_overlapping_and_star(server):
    """Ranges are resolved one by one: reversed, overlapping, repeated and out-of-order
    ranges give each message once, in order; "*" and UIDs past the last mean the last."""
    c = imap_ssl(server, "carol")
    box = fresh_box(c)
    uids = [append(c, box, message(subject=f"n{i}")) for i in range(6)]
    c.select(box)
    c.uid("STORE", str(uids[1]), "+FLAGS", r"(\Deleted)")
    c.expunge()  # a gap in the UIDs: 5 messages, UIDs not contiguous
    left = [u for u in uids if u != uids[1]]

    def seqs(typ_resp):
        typ, resp = typ_resp
        assert typ == "OK", resp
        return [int(x.split()[0]) for x in resp if x]

    def fetched_uids(typ_resp):
        typ, resp = typ_resp
        assert typ == "OK", resp
        return [int(re.search(rb"UID (\d+)", x).group(1)) for x in resp if x]

    assert seqs(c.fetch("4:2", "(FLAGS)")) == [2, 3, 4]
    assert seqs(c.fetch("5,1,3:2,2,*", "(FLAGS)")) == [1, 2, 3, 5]
    assert seqs(c.fetch("*:4", "(FLAGS)")) == [4, 5]
    assert fetched_uids(c.uid("FETCH", f"{uids[-1] + 100}:*", "(FLAGS)")) == [left[-1]]
    assert fetched_uids(c.uid("FETCH", f"{uids[1]}", "(FLAGS)")) == []
    assert fetched_uids(c.uid("FETCH", f"{left[3]}:{uids[0]},{left[1]}", "(FLAGS)")) == left[:4]
    assert fetched_uids(c.uid("FETCH", f"{uids[1]}:{uids[2]}", "(FLAGS)")) == [uids[2]]
    # Thousands of overlapping ranges: each message once (the spans are merged before
    # they are listed, so the work and memory follow the messages, not the ranges).
    assert seqs(c.fetch(",".join(["1:*", "2:3", "*"] * 3000), "(FLAGS)")) == [1, 2, 3, 4, 5]
    assert fetched_uids(c.uid("FETCH", ",".join([f"1:{uids[-1] + 9}"] * 3000), "(FLAGS)")) == left
    with pytest.raises(imaplib.IMAP4.error, match="sequence set"):
        c.fetch("6", "(FLAGS)")  # past the last message: BAD
    c.logout()


def test_multiappend_and_size_limit_before_literal(srv):
    srv.set("max_message_size", "2000")
    with RawIMAP(srv.imaps_port, tls=True) as c:
        c.login("alice")
        a, b = b"Subject: one\r\n\r\nx\r\n", b"Subject: two\r\n\r\ny\r\n"
        c.send(b"m1 APPEND INBOX (\\Seen) {%d+}\r\n%s {%d+}\r\n%s\r\n" % (len(a), a, len(b), b))
        r = c.read_until("m1")
        assert r.ok and re.search(rb"\[APPENDUID \d+ 1:2\]", r.tagged), r
        c.send(b"m2 APPEND INBOX {5000}\r\n")
        r = c.read_until("m2")  # refused instead of "+": no literal follows
        assert r.status == "NO" and b"[TOOBIG]" in r.tagged
        assert c.cmd("NOOP").ok
        r = c.cmd("STATUS INBOX (MESSAGES)")
        assert r.has(rb"MESSAGES 2")


def test_quota_overquota_and_getquotaroot(srv):
    srv.set("quota_default", "3000")
    c = imap_ssl(srv, "bob")
    append(c, "INBOX", b"Subject: small\r\n\r\n" + b"x" * 1500 + b"\r\n")
    typ, data = c.getquotaroot("INBOX")
    assert typ == "OK"
    assert b"STORAGE 2 2" in b" ".join(data[1]), data
    typ, resp = c.append("INBOX", None, None, b"Subject: big\r\n\r\n" + b"y" * 2000 + b"\r\n")
    assert typ == "NO" and b"OVERQUOTA" in resp[0]
    c.logout()


def test_store_flags_and_keywords(server):
    c = imap_ssl(server, "carol")
    box = fresh_box(c)
    for _ in range(3):
        append(c, box, message())
    c.select(box)
    typ, resp = c.store("1:2", "+FLAGS", r"(\Seen $Label1)")
    assert typ == "OK" and len(resp) == 2 and all(b"$Label1" in r for r in resp)
    typ, resp = c.store("2", "-FLAGS", r"(\Seen)")
    assert b"\\Seen" not in resp[0] and b"$Label1" in resp[0]
    typ, resp = c.store("3", "FLAGS", r"(\Answered \Draft)")
    assert b"\\Answered" in resp[0] and b"\\Draft" in resp[0]
    typ, resp = c.store("1:3", "+FLAGS.SILENT", r"(\Flagged)")
    assert typ == "OK" and resp == [None]
    typ, resp = c.fetch("1:3", "(FLAGS)")
    assert all(b"\\Flagged" in r for r in resp)
    with pytest.raises(imaplib.IMAP4.error):
        c.store("1", "+FLAGS", r"(\Bogus)")
    c.logout()


def test_store_flags_rename_maildir_files(srv):
    c = imap_ssl(srv, "alice")
    append(c, "INBOX", message())
    c.select("INBOX")
    c.store("1", "+FLAGS", r"(\Seen \Flagged)")
    c.logout()
    files = list((srv.maildir("alice") / "cur").iterdir())
    assert len(files) == 1 and files[0].name.endswith(":2,FS"), files


def test_search_keys(server):
    c = imap_ssl(server, "carol")
    box = fresh_box(c)
    append(c, box, message(subject="Invoice 42", body="please pay"), r"(\Seen)")
    append(c, box, message(subject="Lunch", body="pizza time"))
    append(c, box, b"From: x@y.z\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\n" + b"z" * 5000 + b"\r\n")
    c.select(box)

    def s(*crit, uid=False):
        typ, data = (c.uid("SEARCH", *crit) if uid else c.search(None, *crit))
        assert typ == "OK", data
        return data[0].split()

    assert s("ALL") == [b"1", b"2", b"3"]
    assert s("SUBJECT", "invoice") == [b"1"]
    assert s("BODY", "PIZZA") == [b"2"]
    assert s("TEXT", "pay") == [b"1"]
    assert s("FROM", "alice") == [b"1", b"2"]
    assert s("UNSEEN") == [b"2", b"3"]
    assert s("LARGER", "4000") == [b"3"]
    assert s("NOT", "LARGER", "4000", "SEEN") == [b"1"]
    assert s("OR", "SUBJECT", "lunch", "SUBJECT", "invoice") == [b"1", b"2"]
    assert s("HEADER", "Message-ID", "example.com") == [b"1", b"2"]
    assert s("SINCE", "1-Jan-2020") == [b"1", b"2", b"3"]
    assert s("BEFORE", "1-Jan-2020") == []
    assert s("2:*") == [b"2", b"3"]
    assert s("UID", "1:2", uid=True) == [b"1", b"2"]
    c.literal = "Grüße".encode()
    typ, data = c.search("UTF-8", "SUBJECT")
    assert typ == "OK" and data[0].split() == [b"3"]
    typ, data = c.search("X-NO-SUCH-CHARSET", "ALL")
    assert typ == "NO" and b"[BADCHARSET" in data[0]
    c.logout()


def test_esearch_and_searchres(server):
    with RawIMAP(server.imaps_port, tls=True) as c:
        c.login("carol")
        box = new_token("es")
        assert c.cmd(f"CREATE {box}").ok
        for i in range(5):
            m = b"Subject: n%d\r\n\r\nbody\r\n" % i
            assert c.cmd(b"APPEND %s {%d+}\r\n%s" % (box.encode(), len(m), m)).ok
        assert c.cmd(f"SELECT {box}").ok
        r = c.cmd("UID SEARCH RETURN (MIN MAX COUNT ALL) 2:4")
        es = r.find(rb'^\* ESEARCH \(TAG "t\d+"\) UID ')
        assert len(es) == 1, r
        for item in (b" MIN 2", b" MAX 4", b" COUNT 3", b" ALL 2:4"):
            assert item in es[0], (item, es)
        r = c.cmd("SEARCH RETURN (SAVE) SUBJECT n3")
        assert r.ok and not r.has(rb"ESEARCH")
        r = c.cmd("FETCH $ (UID)")
        assert r.find(rb"FETCH") == [b"* 4 FETCH (UID 4)\r\n"], r


def test_sort_and_thread(server):
    with RawIMAP(server.imaps_port, tls=True) as c:
        c.login("carol")
        box = new_token("st")
        assert c.cmd(f"CREATE {box}").ok
        msgs = [
            b"Subject: beta\r\nMessage-ID: <a@x>\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nx\r\n",
            b"Subject: Re: beta\r\nMessage-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\nReferences: <a@x>\r\nDate: Wed, 4 Nov 2026 10:00:00 +0000\r\n\r\nxx\r\n",
            b"Subject: alpha\r\nMessage-ID: <c@x>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nxxxxxxxx\r\n",
        ]
        for m in msgs:
            assert c.cmd(b"APPEND %s {%d+}\r\n%s" % (box.encode(), len(m), m)).ok
        assert c.cmd(f"SELECT {box}").ok
        assert c.cmd("SORT (SUBJECT) UTF-8 ALL").find(rb"^\* SORT") == [b"* SORT 3 1 2\r\n"]
        assert c.cmd("SORT (REVERSE SIZE) UTF-8 ALL").find(rb"^\* SORT") == [b"* SORT 2 3 1\r\n"]
        assert c.cmd("SORT (DATE) UTF-8 ALL").find(rb"^\* SORT") == [b"* SORT 3 1 2\r\n"]
        assert c.cmd("THREAD REFERENCES UTF-8 ALL").find(rb"^\* THREAD") == [b"* THREAD (3)(1 2)\r\n"]
        assert c.cmd("UID THREAD ORDEREDSUBJECT UTF-8 ALL").find(rb"^\* THREAD") == [b"* THREAD (3)(1 2)\r\n"]
        assert c.cmd("THREAD NOSUCH UTF-8 ALL").status == "BAD"


def test_copy_move_with_uidplus(server):
    c = imap_ssl(server, "carol")
    src, dst = fresh_box(c, "src"), fresh_box(c, "dst")
    for i in range(4):
        append(c, src, message(subject=f"m{i}"))
    c.select(src)
    typ, resp = c.copy("1:2", dst)
    assert typ == "OK" and re.search(rb"\[COPYUID \d+ 1:2 1:2\]", resp[0]), resp
    typ, resp = c._simple_command("MOVE", "3", dst)
    assert typ == "OK"
    untagged = c.untagged_responses
    assert any(b"COPYUID" in x for x in untagged.get("OK", [])), untagged
    assert untagged.get("EXPUNGE") == [b"3"], untagged
    typ, data = c.status(dst, "(MESSAGES)")
    assert b"MESSAGES 3" in data[0]
    typ, data = c.copy("1", "No.Such.Box")
    assert typ == "NO" and b"TRYCREATE" in data[0]
    typ, data = c.fetch("1:*", "(UID)")
    assert [re.search(rb"UID (\d+)", d).group(1) for d in data] == [b"1", b"2", b"4"]
    c.logout()


def test_expunge_and_uid_expunge(server):
    c = imap_ssl(server, "carol")
    box = fresh_box(c)
    for i in range(5):
        append(c, box, message(subject=f"e{i}"))
    c.select(box)
    c.store("1,3,5", "+FLAGS", r"(\Deleted)")
    typ, data = c.uid("EXPUNGE", "5")
    assert typ == "OK" and c.untagged_responses.pop("EXPUNGE") == [b"5"]
    typ, data = c.expunge()
    assert data == [b"3", b"1"] or data == [b"1", b"2"], data
    typ, data = c.fetch("1:*", "(UID)")
    assert [re.search(rb"UID (\d+)", d).group(1) for d in data] == [b"2", b"4"]
    c.close()
    typ, data = c.status(box, "(MESSAGES)")
    assert b"MESSAGES 2" in data[0]
    c.logout()


def test_close_expunges_and_unselect_does_not(server):
    c = imap_ssl(server, "carol")
    box = fresh_box(c)
    for i in range(3):
        append(c, box, message())
    c.select(box)
    c.store("1", "+FLAGS", r"(\Deleted)")
    assert c._simple_command("UNSELECT")[0] == "OK"
    assert b"MESSAGES 3" in c.status(box, "(MESSAGES)")[1][0]
    c.select(box)
    c.close()
    assert b"MESSAGES 2" in c.status(box, "(MESSAGES)")[1][0]
    c.select(box, readonly=True)
    typ, data = c.store("1", "+FLAGS", r"(\Deleted)")
    assert typ == "NO"
    c.logout()


def test_condstore_and_qresync(server):
    with RawIMAP(server.imaps_port, tls=True) as c:
        c.login("carol")
        box = new_token("qr")
        assert c.cmd(f"CREATE {box}").ok
        for i in range(4):
            m = b"Subject: q%d\r\n\r\nbody\r\n" % i
            assert c.cmd(b"APPEND %s {%d+}\r\n%s" % (box.encode(), len(m), m)).ok
        assert c.cmd("ENABLE QRESYNC").has(rb"^\* ENABLED QRESYNC")
        r = c.cmd(f"SELECT {box}")
        uv = int(r.find(rb"UIDVALIDITY")[0].split(b"UIDVALIDITY ")[1].split(b"]")[0])
        hms = int(r.find(rb"HIGHESTMODSEQ")[0].split(b"HIGHESTMODSEQ ")[1].split(b"]")[0])
        r = c.cmd("STORE 2 +FLAGS (\\Seen)")
        m2 = int(re.search(rb"MODSEQ \((\d+)\)", r.untagged[0]).group(1))
        assert m2 > hms
        r = c.cmd(f"STORE 1:2 (UNCHANGEDSINCE {hms}) +FLAGS (\\Flagged)")
        assert r.ok and b"[MODIFIED 2]" in r.tagged, r
        r = c.cmd(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {hms})")
        uids = sorted(int(re.search(rb"UID (\d+)", x).group(1)) for x in r.find(rb"FETCH"))
        assert uids == [1, 2], r
        assert c.cmd("STORE 4 +FLAGS.SILENT (\\Deleted)").ok
        r = c.cmd("EXPUNGE")
        assert r.has(rb"^\* VANISHED 4"), r
        assert c.cmd("UNSELECT").ok
        r = c.cmd(f"SELECT {box} (QRESYNC ({uv} {hms} 1:4))")
        assert r.has(rb"^\* VANISHED \(EARLIER\) 4"), r
        changed = sorted(int(re.search(rb"UID (\d+)", x).group(1)) for x in r.find(rb"FETCH"))
        assert changed == [1, 2], r


def test_two_sessions_see_each_others_changes(server):
    a, b = imap_ssl(server, "carol"), imap_ssl(server, "carol")
    box = fresh_box(a)
    for i in range(3):
        append(a, box, message())
    a.select(box)
    b.select(box)
    append(b, box, message())
    b.store("1", "+FLAGS", r"(\Answered)")
    b.store("2", "+FLAGS", r"(\Deleted)")
    b.expunge()
    a.untagged_responses.clear()
    typ, data = a.noop()
    u = a.untagged_responses
    assert u.get("EXPUNGE") == [b"2"], u
    assert u.get("EXISTS") == [b"3"], u
    assert any(b"\\Answered" in f for f in u.get("FETCH", [])), u
    a.logout()
    b.logout()


def test_idle_wakes_on_delivery_and_other_sessions(srv):
    with RawIMAP(srv.imaps_port, tls=True) as c:
        c.login("alice")
        assert c.cmd("SELECT INBOX").ok
        c.send("i1 IDLE\r\n")
        assert c.line().startswith(b"+ ")
        deliver(srv, ["alice@example.com"])
        assert c.line() == b"* 1 EXISTS\r\n"
        other = imap_ssl(srv, "alice")
        other.select("INBOX")
        other.store("1", "+FLAGS", r"(\Flagged)")
        ln = c.line()
        while b"RECENT" in ln:
            ln = c.line()
        assert re.match(rb"\* 1 FETCH \(FLAGS \(.*\\Flagged", ln), ln
        other.logout()
        c.send("DONE\r\n")
        assert c.read_until("i1").ok
        c.send("i2 IDLE\r\n")
        assert c.line().startswith(b"+ ")
        c.send("NOOP\r\n")
        assert c.read_until("i2").status == "BAD"
        assert c.cmd("NOOP").ok


def test_move_deleted_to_trash_option(srv):
    srv.set("move_deleted_to_trash", "true")
    c = imap_ssl(srv, "bob")
    uid = append(c, "INBOX", message(subject="to the trash"))
    c.select("INBOX")
    c.uid("STORE", str(uid), "+FLAGS", r"(\Deleted)")
    c.expunge()
    c.select("Trash")
    typ, data = c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"to the trash" in data[0][1] and b"\\Deleted" not in data[0][0]
    c.store("1", "+FLAGS", r"(\Deleted)")
    c.expunge()  # expunged in Trash itself: gone for good
    assert b"MESSAGES 0" in c.status("Trash", "(MESSAGES)")[1][0]
    c.logout()


def test_large_fetch_streams_every_message(srv):
    c = imap_ssl(srv, "alice")
    body = b"Subject: big\r\n\r\n" + (b"0123456789" * 7 + b"\r\n") * 300
    for _ in range(60):
        append(c, "INBOX", body)
    c.logout()
    with RawIMAP(srv.imaps_port, tls=True, timeout=60) as r:
        r.login("alice")
        r.cmd("SELECT INBOX")
        resp = r.cmd("FETCH 1:* (BODY.PEEK[])")
        assert resp.ok and len(resp.find(rb"FETCH")) == 60
        assert all(ln.endswith(body + b")\r\n") for ln in resp.untagged)


# -- robustness --------------------------------------------------------------------------------

def test_malformed_commands_get_bad_and_server_survives(server):
    with RawIMAP(server.imaps_port, tls=True) as c:
        c.login("carol")
        c.cmd("SELECT INBOX")
        for bad in ["FETCH 1 (FLAGS", "FETCH 0 FLAGS", "FETCH 1:x FLAGS", "SEARCH ((((((ALL",
                    "STORE 1 +FLAGS (\\Seen", "LIST", "CREATE &Jjo", "FROBNICATE",
                    "SEARCH " + "(" * 100 + "ALL" + ")" * 100, "FETCH 1 BODY[1.2.3.x]"]:
            r = c.cmd(bad)
            assert r.status in ("BAD", "NO"), (bad, r)
        c.send(b"x1 APPEND INBOX {99999999999}\r\n")
        r = c.read_until("x1")
        assert r.status in ("BAD", "NO")
        c.send(b"x2 LOGIN " + b"a" * 70000 + b"\r\n")
        assert c.read_until("x2").status == "BAD"
        assert c.cmd("NOOP").ok
    with RawIMAP(server.imaps_port, tls=True) as c:
        c.login("carol")
        assert c.cmd("NOOP").ok


def test_index_deleted_is_rebuilt_with_same_uids_and_flags(srv):
    c = imap_ssl(srv, "alice")
    for i in range(4):
        append(c, "INBOX", message(subject=f"r{i}"))
    c.select("INBOX")
    c.store("2", "+FLAGS", r"(\Flagged $Keep)")
    typ, before = c.fetch("1:*", "(UID FLAGS)")
    uv_before = c.status("INBOX", "(UIDVALIDITY)")[1][0]
    c.logout()
    srv.stop()
    for f in srv.maildir("alice").rglob("magpie-index*"):
        f.unlink()
    srv.start()
    c = imap_ssl(srv, "alice")
    c.select("INBOX")
    typ, after = c.fetch("1:*", "(UID FLAGS)")

    # \Recent is session state (RFC 3501 §2.3.2): the first session took it, a restart
    # forgets it; every stored flag must be the same.
    def stored(data):
        return [re.sub(rb"\( ", b"(", re.sub(rb" ?\\Recent", b"", d)) for d in data]
    assert stored(before) == stored(after)
    assert before != stored(before)  # the appended messages were \Recent in the first session
    assert c.status("INBOX", "(UIDVALIDITY)")[1][0] == uv_before
    c.logout()


def test_kill_during_append_keeps_mailbox_consistent(srv):
    c = imap_ssl(srv, "alice")
    append(c, "INBOX", message(subject="before crash"))
    c.logout()
    r = RawIMAP(srv.imaps_port, tls=True)
    r.login("alice")
    r.send(b"a1 APPEND INBOX {100000}\r\n")
    assert r.line().startswith(b"+")
    r.send(b"Subject: partial\r\n\r\n" + b"p" * 5000)
    time.sleep(0.3)
    srv.kill9()
    r.close()
    srv.start()
    c = imap_ssl(srv, "alice")
    typ, data = c.select("INBOX")
    assert data == [b"1"]
    typ, data = c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"before crash" in data[0][1]
    c.logout()
