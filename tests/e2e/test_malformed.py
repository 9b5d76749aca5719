"""Malformed and hostile input over raw sockets. After each case the server must answer
with the protocol's error, stay alive and serving, and leave no half message in any
mailbox and nothing behind in queue/tmp or queue/active."""
import os
import socket
import ssl
import time

import pytest

from conftest import (HOST, RawSMTP, assert_reply, count_everywhere, make_message, new_token,
                      queue_id_of, scaled, wait_until)


def assert_clean(server, token: str | None = None):
    server.assert_alive()
    if token:
        assert count_everywhere(server, token) == {}, f"{token} was delivered"
    wait_until(lambda: server.queue_files("tmp") == [], 10, what="queue/tmp to be empty")
    wait_until(lambda: server.queue_files("active") == [], 20, what="queue/active to be empty")
    for box in (server.data / "mail").iterdir() if (server.data / "mail").exists() else []:
        assert not list((box / "tmp").iterdir()), f"leftover in {box}/tmp"


def start_data(c: RawSMTP, rcpt="alice@example.com"):
    c.greet(); c.ehlo()
    assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
    assert_reply(c.cmd(f"RCPT TO:<{rcpt}>"), 250, "2.1.5")
    assert_reply(c.cmd("DATA"), 354)


def test_bare_lf_in_data(server):
    token = new_token("barelf")
    with RawSMTP(server.smtp_port) as c:
        start_data(c)
        c.send(f"Subject: {token}\r\n\r\nline one\nline two\r\n.\r\n".encode())
        assert_reply(c.reply(), 554, "5.6.0", "bare <LF>")
        assert_reply(c.cmd("NOOP"), 250, "2.0.0")
    assert_clean(server, token)


def test_bare_lf_dot_does_not_end_data(server):
    # "\n.\n" must not end the message (SMTP smuggling); only CRLF.CRLF does.
    token = new_token("smuggle")
    with RawSMTP(server.smtp_port) as c:
        start_data(c)
        c.send(f"Subject: {token}\r\n\r\nbody\n.\nMAIL FROM:<evil@remote.example>\r\n".encode())
        c.send(b".\r\n")
        assert_reply(c.reply(), 554, "5.6.0")
        assert_reply(c.cmd("NOOP"), 250, "2.0.0")
    assert_clean(server, token)


def test_nul_in_command(server):
    with RawSMTP(server.smtp_port) as c:
        c.greet()
        c.send(b"EHLO a\x00b\r\n")
        assert_reply(c.reply(), 500, "5.5.2", "NUL")
        c.send(b"\x00\x00\x00\r\n")
        assert_reply(c.reply(), 500, "5.5.2")
        c.ehlo()
    assert_clean(server)


def test_nul_in_data(server):
    token = new_token("nul")
    with RawSMTP(server.smtp_port) as c:
        start_data(c)
        c.send(f"Subject: {token}\r\n\r\nbinary \x00 here\r\n.\r\n".encode())
        assert_reply(c.reply(), 554, "5.6.0", "NUL")
    assert_clean(server, token)


def test_overlong_line_in_data(server):
    token = new_token("longline")
    with RawSMTP(server.smtp_port) as c:
        start_data(c)
        c.send(f"Subject: {token}\r\n\r\n".encode() + b"z" * 70000 + b"\r\n.\r\n")
        assert_reply(c.reply(), 554, "5.6.0", "line too long")
        assert_reply(c.cmd("RSET"), 250, "2.0.0")
    assert_clean(server, token)


def test_huge_header(server):
    server.set("smtp_header_size_limit", 4096)
    try:
        token = new_token("hdr")
        hdr = "".join(f"X-Filler-{i}: {'h' * 60}\r\n" for i in range(200))
        with RawSMTP(server.smtp_port) as c:
            start_data(c)
            c.send(f"Subject: {token}\r\n{hdr}\r\nbody\r\n.\r\n".encode())
            assert_reply(c.reply(), 552, "5.3.4", "header too big")
            # a long body with a small header is fine
            token2 = new_token("hdr-ok")
            assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
            assert_reply(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5")
            assert_reply(c.cmd("DATA"), 354)
            c.send(make_message(token2, body_size=20000) + b".\r\n")
            r = c.reply()
            assert_reply(r, 250, "2.0.0")
        server.wait_delivered(queue_id_of(r.text))
        assert count_everywhere(server, token2) == {"alice": 1}
    finally:
        server.reset("smtp_header_size_limit")
    assert_clean(server, token)


@pytest.mark.parametrize("junk", [
    b"\xff\xfe\xfd garbage \x80\x81\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64) + b"\r\n",
    b"MAIL FROM:<<<>>>\r\nRCPT TO:<@@@>\r\nDATA\r\n",
    b"\r\n\r\n\r\n",
    b"EHLO\r\nHELO\r\nEHLO a b c\r\n",
])
def test_garbage_commands(server, junk):
    with RawSMTP(server.smtp_port) as c:
        c.greet()
        c.send(junk)
        # every line gets an error reply (5xx), never a success, and the server keeps going
        n = junk.count(b"\n")
        replies = c.replies(n)
        assert all(500 <= r.code < 600 for r in replies), replies
        assert_reply(c.cmd("NOOP"), 250, "2.0.0")
    assert_clean(server)


def test_client_vanishes_mid_data(server):
    tokens = []
    for i in range(3):
        token = new_token("vanish")
        tokens.append(token)
        c = RawSMTP(server.smtp_port)
        start_data(c)
        msg = make_message(token, body_size=200000)
        c.send(msg[: len(msg) // 2])
        time.sleep(0.05 * i)
        c.close()  # no end of data
    server.wait_log(r"lost connection after DATA", count=3)
    for t in tokens:
        assert_clean(server, t)


def test_client_vanishes_mid_bdat(server):
    token = new_token("vanishbdat")
    msg = make_message(token, body_size=50000)
    c = RawSMTP(server.smtp_port)
    c.greet(); c.ehlo()
    assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
    assert_reply(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5")
    c.send(f"BDAT 1000\r\n".encode() + msg[:1000])
    assert_reply(c.reply(), 250, "2.0.0")
    c.send(f"BDAT {len(msg)} LAST\r\n".encode() + msg[:5000])
    c.close()
    server.wait_log(r"lost connection after BDAT")
    assert_clean(server, token)


def test_client_resets_connection_mid_data(server):
    token = new_token("rst")
    c = RawSMTP(server.smtp_port)
    start_data(c)
    c.send(make_message(token)[:40])
    # SO_LINGER 0: close sends RST instead of FIN
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    c.close()
    assert_clean(server, token)


def test_plaintext_and_garbage_on_implicit_tls_port(server):
    s = socket.create_connection((HOST, server.submissions_port), timeout=scaled(10))
    s.sendall(b"EHLO plain.text\r\n" + os.urandom(300))
    s.settimeout(scaled(10))
    try:
        while s.recv(4096):
            pass
    except (ConnectionResetError, socket.timeout, TimeoutError):
        pass
    s.close()
    # a proper TLS client still works
    with RawSMTP(server.submissions_port, tls=True) as c:
        c.greet()
        c.ehlo()
    assert_clean(server)


def test_tls_handshake_abandoned_after_starttls(server):
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("STARTTLS"), 220, "2.0.0")
        c.send(b"\x16\x03\x01\x00\x05hello")  # a truncated ClientHello, then gone
    assert_clean(server)


def test_many_half_open_connections_then_normal_service(server):
    socks = [socket.create_connection((HOST, server.smtp_port), timeout=scaled(10)) for _ in range(30)]
    for i, s in enumerate(socks):
        if i % 3 == 0:
            s.sendall(b"EHLO x\r\nMAIL FROM:<a@remote.example>\r\n")
        elif i % 3 == 1:
            s.sendall(b"EHL")
    for s in socks:
        s.close()
    token = new_token("after")
    with RawSMTP(server.smtp_port) as c:
        start_data(c, "bob@example.com")
        c.send(make_message(token) + b".\r\n")
        r = c.reply()
        assert_reply(r, 250, "2.0.0")
    server.wait_delivered(queue_id_of(r.text))
    assert count_everywhere(server, token) == {"bob": 1}
    assert_clean(server)
