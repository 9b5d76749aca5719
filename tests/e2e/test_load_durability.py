"""Many concurrent clients, kill -9 durability, and the maillog trail."""
import os
import re
import signal
import smtplib
import threading
import time

import pytest

from conftest import (HOST, PASSWORDS, RawSMTP, assert_reply, files_containing, maildir_files,
                      make_message, new_token, queue_id_of, scaled, standard_directory, wait_until)


def small_directory(m):
    for u in ("u0", "u1", "u2", "u3"):
        m.cli("user", "add", u)
    m.cli("domain", "add", "load.test", "--group-addresses")
    m.cli("group", "add", "pair", "--member", "u2,u3")
    m.cli("settings", "set", "smtp_max_connections_per_ip", "500")


def tokens_in(maildir) -> dict[str, int]:
    """Counts every token (Subject) across a Maildir's new/ and cur/."""
    counts: dict[str, int] = {}
    for p in maildir_files(maildir):
        m = re.search(rb"\r\nSubject: (\S+)\r\n", p.read_bytes())
        if m:
            counts[m.group(1).decode()] = counts.get(m.group(1).decode(), 0) + 1
    return counts


def test_100_concurrent_clients(server_factory):
    m = server_factory("load", setup=small_directory)
    n_clients, per_client = 100, 3
    barrier = threading.Barrier(n_clients, timeout=scaled(60))
    sent: dict[str, str] = {}  # token -> recipient
    errors = []
    lock = threading.Lock()

    def client(i):
        try:
            with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(60)) as s:
                s.ehlo(f"c{i}.test")
                barrier.wait()
                for k in range(per_client):
                    token = f"load-{i}-{k}-{os.getpid()}"
                    rcpt = "pair@load.test" if (i + k) % 5 == 0 else f"u{(i + k) % 2}@load.test"
                    s.sendmail(f"c{i}@remote.example", [rcpt], make_message(token, to=rcpt))
                    with lock:
                        sent[token] = rcpt
        except Exception as e:  # collected and reported below
            errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(scaled(120))
    assert not any(t.is_alive() for t in threads), "clients hung"
    assert not errors, errors[:5]
    assert len(sent) == n_clients * per_client

    expected = {f"u{j}": set() for j in range(4)}
    for token, rcpt in sent.items():
        if rcpt.startswith("pair"):
            expected["u2"].add(token); expected["u3"].add(token)
        else:
            expected[rcpt.split("@")[0]].add(token)
    for user, toks in expected.items():
        wait_for = len(toks)
        wait_until(lambda: len(maildir_files(m.maildir(user))) >= wait_for, 60,
                   what=f"{wait_for} messages for {user}")
    wait_until(lambda: m.queue_files("active") == [], 30, what="empty queue")
    for user, toks in expected.items():
        got = tokens_in(m.maildir(user))
        assert set(got) == toks, f"{user}: missing {toks - set(got)} extra {set(got) - toks}"
        assert all(v == 1 for v in got.values()), {k: v for k, v in got.items() if v != 1}


def durable_msg(token: str) -> bytes:
    return make_message(token, body_size=3000) + f"END-{token}\r\n".encode()


def check_complete(maildir):
    for p in maildir_files(maildir):
        data = p.read_bytes()
        m = re.search(rb"\r\nSubject: (\S+)\r\n", data)
        assert m, f"{p} has no subject: half written?"
        assert data.endswith(b"END-" + m.group(1) + b"\r\n"), f"{p} is truncated"
        size = int(p.name.split(",S=")[1].split(":")[0].split(",")[0])
        assert size == len(data), f"{p}: S={size} but {len(data)} bytes"


@pytest.mark.parametrize("kill_after", [25, 50])
def test_kill9_loses_no_acknowledged_message(server_factory, kill_after):
    """5 connections send 10 messages each; the server is killed with SIGKILL right after
    the kill_after-th 250 arrives (25: in the middle of the batch with transactions in
    flight; 50: as soon as the last one is acknowledged, before local delivery is done).
    After a restart every acknowledged message is in the mailbox exactly once, and every
    file there is complete."""
    m = server_factory("dur", setup=small_directory)
    acked: list[str] = []
    attempted: list[str] = []
    lock = threading.Lock()
    kill_now = threading.Event()

    def killer():
        if kill_now.wait(scaled(120)):
            os.killpg(m.proc.pid, signal.SIGKILL)

    def sender(i):
        try:
            c = RawSMTP(m.smtp_port, timeout=30)
            c.greet(); c.ehlo()
            for k in range(10):
                token = f"dur-{kill_after}-{i}-{k}-{os.getpid()}"
                with lock:
                    attempted.append(token)
                rcpt = "pair@load.test" if k % 4 == 0 else f"u{i % 2}@load.test"
                # pipelined: MAIL, RCPT, DATA in one write
                c.send(f"MAIL FROM:<s{i}@remote.example>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n".encode())
                r = c.replies(3)
                if r[2].code != 354:
                    return
                c.send(durable_msg(token) + b".\r\n")
                r = c.reply()
                if r.code == 250:
                    with lock:
                        acked.append(token)
                        if len(acked) >= kill_after:
                            kill_now.set()
        except (OSError, EOFError):
            return  # the kill

    kt = threading.Thread(target=killer)
    kt.start()
    senders = [threading.Thread(target=sender, args=(i,)) for i in range(5)]
    for t in senders:
        t.start()
    for t in senders:
        t.join(scaled(120))
    kill_now.set()
    kt.join(scaled(30))
    assert not any(t.is_alive() for t in senders)
    m.proc.wait(timeout=30)
    assert m.proc.returncode == -signal.SIGKILL
    assert len(acked) >= kill_after

    m.start()
    wait_until(lambda: m.queue_files("active") == [], 60, what="recovery to empty the queue")
    boxes = {u: tokens_in(m.maildir(u)) for u in ("u0", "u1", "u2", "u3")}
    for u in boxes:
        check_complete(m.maildir(u))
    for token in acked:
        i, k = int(token.split("-")[2]), int(token.split("-")[3])
        want = ["u2", "u3"] if k % 4 == 0 else [f"u{i % 2}"]
        for u in want:
            assert boxes[u].get(token) == 1, f"acknowledged {token} found {boxes[u].get(token)} times in {u}"
    # never a duplicate, never something that was not sent
    for u, got in boxes.items():
        assert all(v == 1 for v in got.values()), (u, got)
        assert set(got) <= set(attempted)
    m.assert_alive()


def test_maillog_trail(server_factory):
    m = server_factory("log", setup=standard_directory)
    m.set("trusted_networks", "")
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    token = new_token("log")
    msgid = f"<{token}@trail.test>"
    with smtplib.SMTP_SSL(HOST, m.submissions_port, timeout=scaled(30), context=ctx) as s:
        s.login("alice", PASSWORDS["alice"])
        s.sendmail("alice@example.com", ["bob@example.com", "sales@example.com", "far@remote.example"],
                   make_message(token, sender="alice@example.com", msgid=msgid))
        s.noop()
    accepted = m.wait_log(re.escape(f"message-id={msgid}"))[0]
    qid = re.search(r": ([0-9A-Z]+): message-id=", accepted).group(1)
    text = m.log()
    assert re.search(r"submissions\[\d+\]: connect from \[127\.0\.0\.1\]", text)
    assert re.search(r"sasl_method=PLAIN, sasl_username=alice", text)
    assert re.search(rf"{qid}: from=<alice@example.com>, size=\d+, nrcpt=3", text)
    m.wait_log(rf"{qid}: to=<bob@example.com>, mailbox=bob,.*dsn=2\.0\.0, status=sent")
    m.wait_log(rf"{qid}: to=<sales@example.com>, mailbox=alice,.*status=sent")
    m.wait_log(rf"{qid}: to=<far@remote.example>, relay=none.*status=queued")
    m.wait_log(r"submissions\[\d+\]: disconnect from \[127\.0\.0\.1\]")
    # rejections are logged with the reply
    with RawSMTP(m.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<nosuch@example.com>"), 550, "5.1.1")
    m.wait_log(r"reject: RCPT from \[127\.0\.0\.1\]: 550 5\.1\.1 <nosuch@example.com>")
