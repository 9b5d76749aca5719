"""SMTP protocol behaviour over raw sockets: size limits, BDAT/CHUNKING, PIPELINING,
session bounds (recipients, connections per IP, idle timeout, line length, error limit)
and settings that change while the server runs."""
import socket
import time

import pytest

from conftest import (HOST, RawSMTP, assert_reply, count_everywhere, make_message, new_token,
                      queue_id_of, scaled, wait_until)


def open_tx(c: RawSMTP, rcpts=("alice@example.com",), sender="x@remote.example", mail_args=""):
    c.greet()
    c.ehlo()
    assert_reply(c.cmd(f"MAIL FROM:<{sender}>{mail_args}"), 250, "2.1.0")
    for r in rcpts:
        assert_reply(c.cmd(f"RCPT TO:<{r}>"), 250, "2.1.5")


# ---------------------------------------------------------------------------
# EHLO and basic commands


def test_greeting_and_ehlo_keywords(server):
    with RawSMTP(server.smtp_port) as c:
        g = c.greet()
        assert g.text.startswith("mx.test.local ESMTP")
        kw = [ln[4:] for ln in c.ehlo().lines]
        assert kw[0] == "mx.test.local"
        for k in ("PIPELINING", "SIZE 20971520", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME",
                  "DSN", "SMTPUTF8", "CHUNKING"):
            assert k in kw, (k, kw)
        assert_reply(c.cmd("NOOP"), 250, "2.0.0")
        assert_reply(c.cmd("VRFY alice"), 252, "2.0.0")
        assert_reply(c.cmd("EXPN sales"), 502, "5.5.1")
        assert_reply(c.cmd("QUIT"), 221, "2.0.0")
        assert c.is_closed()


def test_command_sequence_errors(server):
    with RawSMTP(server.smtp_port) as c:
        c.greet()
        assert_reply(c.cmd("MAIL FROM:<a@remote.example>"), 503, "5.5.1")  # before EHLO
        c.ehlo()
        assert_reply(c.cmd("RCPT TO:<alice@example.com>"), 503, "5.5.1")
        assert_reply(c.cmd("DATA"), 503, "5.5.1")
        assert_reply(c.cmd("MAIL FROM:<a@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("MAIL FROM:<a@remote.example>"), 503, "5.5.1")  # nested
        assert_reply(c.cmd("DATA"), 503, "5.5.1")  # no RCPT yet
        assert_reply(c.cmd("RCPT TO:"), 501)
        assert_reply(c.cmd("RCPT TO:<not an address>"), 501, "5.1.3")
        assert_reply(c.cmd("MAIL FROM:<a@remote.example> FOO=BAR"), 503, "5.5.1")
        assert_reply(c.cmd("RSET"), 250, "2.0.0")
        assert_reply(c.cmd("MAIL FROM:<a@remote.example> FOO=BAR"), 555, "5.5.4")
        assert_reply(c.cmd("MAIL FROM:<a@remote.example> SIZE=abc"), 501, "5.5.4")


# ---------------------------------------------------------------------------
# size limits


def test_size_parameter_over_limit(server):
    server.set("max_message_size", 10000)
    try:
        with RawSMTP(server.smtp_port) as c:
            c.greet()
            assert any(ln.endswith("SIZE 10000") for ln in c.ehlo().lines)
            assert_reply(c.cmd("MAIL FROM:<x@remote.example> SIZE=10001"), 552, "5.3.4")
            assert_reply(c.cmd("MAIL FROM:<x@remote.example> SIZE=10000"), 250, "2.1.0")
    finally:
        server.reset("max_message_size")


def test_actual_size_over_limit_in_data_and_bdat(server):
    server.set("max_message_size", 10000)
    try:
        token = new_token("big")
        big = make_message(token, body_size=20000)
        with RawSMTP(server.smtp_port) as c:
            open_tx(c)
            assert_reply(c.cmd("DATA"), 354)
            c.send(big + b".\r\n")
            assert_reply(c.reply(), 552, "5.3.4")
            # the session goes on: a small message in the same session is accepted
            assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
            assert_reply(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5")
            c.send(f"BDAT {len(big)} LAST\r\n".encode() + big)
            assert_reply(c.reply(), 552, "5.3.4")
            small_token = new_token("small")
            small = make_message(small_token)
            assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
            assert_reply(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5")
            assert_reply(c.cmd("DATA"), 354)
            c.send(small + b".\r\n")
            r = c.reply()
            assert_reply(r, 250, "2.0.0")
        server.wait_delivered(queue_id_of(r.text))
        assert count_everywhere(server, token) == {}
        assert count_everywhere(server, small_token) == {"alice": 1}
        assert "message file too big" in server.log()
    finally:
        server.reset("max_message_size")


# ---------------------------------------------------------------------------
# BDAT (RFC 3030)


def test_bdat_multiple_chunks(server):
    token = new_token("bdat")
    msg = make_message(token, body_size=3000)
    parts = [msg[:100], msg[100:1000], msg[1000:]]
    with RawSMTP(server.smtp_port) as c:
        open_tx(c, rcpts=("alice@example.com", "bob@example.com"))
        for p in parts[:-1]:
            c.send(f"BDAT {len(p)}\r\n".encode() + p)
            assert_reply(c.reply(), 250, "2.0.0", f"{len(p)} bytes received")
        c.send(f"BDAT {len(parts[-1])} LAST\r\n".encode() + parts[-1])
        r = c.reply()
        assert_reply(r, 250, "2.0.0", "queued as")
    server.wait_delivered(queue_id_of(r.text))
    assert count_everywhere(server, token) == {"alice": 1, "bob": 1}
    f = [p for p in (server.maildir("bob") / "new").iterdir() if token.encode() in p.read_bytes()][0]
    assert f.read_bytes().endswith(msg)  # binary-exact, no dot handling


def test_bdat_zero_last_and_dot_lines_kept(server):
    token = new_token("bdat0")
    msg = make_message(token) + b".\r\n..two dots\r\n"
    with RawSMTP(server.smtp_port) as c:
        open_tx(c)
        c.send(f"BDAT {len(msg)}\r\n".encode() + msg)
        assert_reply(c.reply(), 250, "2.0.0")
        c.send(b"BDAT 0 LAST\r\n")
        r = c.reply()
        assert_reply(r, 250, "2.0.0", "queued as")
    server.wait_delivered(queue_id_of(r.text))
    f = [p for p in (server.maildir("alice") / "new").iterdir() if token.encode() in p.read_bytes()][0]
    assert f.read_bytes().endswith(b"\r\n.\r\n..two dots\r\n")


def test_bdat_without_mail(server):
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        c.send(b"BDAT 5 LAST\r\nhello")
        assert_reply(c.reply(), 503, "5.5.1")
        # the 5 bytes were consumed as chunk data, the session is in sync
        assert_reply(c.cmd("NOOP"), 250, "2.0.0")
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        c.send(b"BDAT 3\r\nabc")  # MAIL but no RCPT
        assert_reply(c.reply(), 503, "5.5.1")
        c.send(b"BDAT 3 LAST\r\nabc")
        assert_reply(c.reply(), 503, "5.5.1")
        assert_reply(c.cmd("BDAT x"), 501, "5.5.4")
        assert_reply(c.cmd("NOOP"), 250, "2.0.0")


def test_data_after_bdat_refused(server):
    with RawSMTP(server.smtp_port) as c:
        open_tx(c)
        c.send(b"BDAT 4\r\nabcd")
        assert_reply(c.reply(), 250, "2.0.0")
        assert_reply(c.cmd("DATA"), 503, "5.5.1")
        assert_reply(c.cmd("RSET"), 250, "2.0.0")


# ---------------------------------------------------------------------------
# PIPELINING (RFC 2920)


def test_pipelined_transaction_in_one_write(server):
    token = new_token("pipe")
    msg = make_message(token)
    with RawSMTP(server.smtp_port) as c:
        c.greet()
        batch = (b"EHLO client.test\r\n"
                 b"MAIL FROM:<x@remote.example>\r\n"
                 b"RCPT TO:<alice@example.com>\r\n"
                 b"RCPT TO:<nosuch@example.com>\r\n"
                 b"RCPT TO:<bob@example.com>\r\n"
                 b"DATA\r\n")
        c.send(batch)
        r = c.replies(6)
        assert_reply(r[0], 250)
        assert_reply(r[1], 250, "2.1.0")
        assert_reply(r[2], 250, "2.1.5")
        assert_reply(r[3], 550, "5.1.1")
        assert_reply(r[4], 250, "2.1.5")
        assert_reply(r[5], 354)
        # message, then a second pipelined transaction and QUIT, all in one write
        c.send(msg + b".\r\n" + b"MAIL FROM:<>\r\nRCPT TO:<carol@example.com>\r\nRSET\r\nNOOP\r\nQUIT\r\n")
        r = c.replies(6)
        assert_reply(r[0], 250, "2.0.0", "queued as")
        assert_reply(r[1], 250, "2.1.0")
        assert_reply(r[2], 250, "2.1.5")
        assert_reply(r[3], 250, "2.0.0")
        assert_reply(r[4], 250, "2.0.0")
        assert_reply(r[5], 221, "2.0.0")
        assert c.is_closed()
    server.wait_delivered(queue_id_of(r[0].text))
    assert count_everywhere(server, token) == {"alice": 1, "bob": 1}


def test_pipelined_bdat(server):
    token = new_token("pipebdat")
    msg = make_message(token)
    with RawSMTP(server.smtp_port) as c:
        c.greet()
        c.send(b"EHLO client.test\r\nMAIL FROM:<x@remote.example>\r\nRCPT TO:<carol@example.com>\r\n"
               + f"BDAT {len(msg)} LAST\r\n".encode() + msg + b"QUIT\r\n")
        r = c.replies(5)
        assert [x.code for x in r] == [250, 250, 250, 250, 221], r
        assert r[3].enhanced == "2.0.0"
    server.wait_delivered(queue_id_of(r[3].text))
    assert count_everywhere(server, token) == {"carol": 1}


def test_starttls_discards_pipelined_plaintext(server):
    # RFC 3207 §4: commands sent after STARTTLS in the same packet must not be executed.
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        c.send(b"STARTTLS\r\nMAIL FROM:<inject@remote.example>\r\n")
        assert_reply(c.reply(), 220, "2.0.0")
        c.buf = b""
        c._wrap_tls()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 503, "5.5.1")  # EHLO again first
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")


# ---------------------------------------------------------------------------
# bounds


def test_recipient_limit(server):
    server.set("smtp_recipient_limit", 3)
    try:
        with RawSMTP(server.smtp_port) as c:
            c.greet(); c.ehlo()
            assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
            for u in ("alice", "bob", "carol"):
                assert_reply(c.cmd(f"RCPT TO:<{u}@example.com>"), 250, "2.1.5")
            assert_reply(c.cmd("RCPT TO:<gina@example.com>"), 452, "4.5.3")
            assert_reply(c.cmd("RCPT TO:<audit@example.com>"), 452, "4.5.3")
            assert_reply(c.cmd("DATA"), 354)  # the first three are kept
            c.send(make_message(new_token()) + b".\r\n")
            assert_reply(c.reply(), 250, "2.0.0")
    finally:
        server.reset("smtp_recipient_limit")


def test_connections_per_ip(server):
    server.set("smtp_max_connections_per_ip", 3)
    conns = []
    try:
        for _ in range(3):
            c = RawSMTP(server.smtp_port)
            c.greet()
            conns.append(c)
        extra = RawSMTP(server.smtp_port)
        conns.append(extra)
        assert_reply(extra.reply(), 421, "4.7.0", "too many connections")
        assert extra.is_closed()
        # after one closes, a new connection is welcome again
        conns[0].cmd("QUIT")
        conns[0].close()

        def accepted():
            with RawSMTP(server.smtp_port) as c:
                return c.reply().code == 220
        wait_until(accepted, 10, interval=0.2, what="a free connection slot")
    finally:
        for c in conns:
            c.close()
        server.reset("smtp_max_connections_per_ip")


def test_idle_timeout(server):
    server.set("smtp_idle_timeout", 2)
    try:
        with RawSMTP(server.smtp_port, timeout=30) as c:
            c.greet(); c.ehlo()
            t0 = time.monotonic()
            r = c.reply()  # nothing sent: the server speaks first
            elapsed = time.monotonic() - t0
            assert_reply(r, 421, "4.4.2", "timeout exceeded")
            assert 1.5 <= elapsed <= scaled(10), elapsed
            assert c.is_closed()
        server.wait_log(r"timeout after \d+ from 127\.0\.0\.1")
    finally:
        server.reset("smtp_idle_timeout")


def test_overlong_command_line(server):
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("NOOP " + "x" * 3000), 500, "5.5.2", "line too long")
        # far longer than any buffer, sent in pieces
        c.send(b"MAIL FROM:<" + b"a" * 200000)
        c.send(b"@remote.example>\r\n")
        assert_reply(c.reply(), 500, "5.5.2")
        assert_reply(c.cmd("NOOP"), 250, "2.0.0")
        # exactly at the limit (2048) is fine
        assert_reply(c.cmd("NOOP " + "y" * (2048 - 5)), 250, "2.0.0")


def test_hard_error_limit(server):
    server.set("smtp_hard_error_limit", 5)
    try:
        with RawSMTP(server.smtp_port) as c:
            c.greet()
            for i in range(4):
                assert_reply(c.cmd(f"BOGUS{i}"), 500, "5.5.2")
            assert_reply(c.cmd("BOGUS5"), 500, "5.5.2")
            assert_reply(c.reply(), 421, "4.7.0", "too many errors")
            assert c.is_closed()
    finally:
        server.reset("smtp_hard_error_limit")
    with RawSMTP(server.smtp_port) as c:  # default 20
        c.greet()
        c.send(b"".join(f"WHAT{i}\r\n".encode() for i in range(19)))
        assert all(r.is_(500, "5.5.2") for r in c.replies(19))
        assert_reply(c.cmd("NOOP"), 250, "2.0.0")


# ---------------------------------------------------------------------------
# run-time settings


def test_setting_change_applies_without_restart(server):
    """A CLI change is seen by new sessions within ~2 s (the reload loop runs every second)."""
    def rcpt_reply(addr):
        with RawSMTP(server.smtp_port) as c:
            c.greet(); c.ehlo()
            assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
            return c.cmd(f"RCPT TO:<{addr}>")

    assert_reply(rcpt_reply("newbie@example.com"), 550, "5.1.1")
    t0 = time.monotonic()
    server.cli("user", "add", "newbie")
    wait_until(lambda: rcpt_reply("newbie@example.com").code == 250, 3, interval=0.1,
               what="new user to be accepted")
    assert time.monotonic() - t0 < scaled(3)

    t0 = time.monotonic()
    server.cli("settings", "set", "max_message_size", "12345")

    def size_advertised():
        with RawSMTP(server.smtp_port) as c:
            c.greet()
            return any(ln.endswith("SIZE 12345") for ln in c.ehlo().lines)
    try:
        wait_until(size_advertised, 3, interval=0.1, what="new SIZE")
        assert time.monotonic() - t0 < scaled(3)
    finally:
        server.reset("max_message_size")
    server.cli("user", "set", "newbie", "--disable")
    wait_until(lambda: rcpt_reply("newbie@example.com").is_(550, "5.2.1"), 3, interval=0.1,
               what="disabled user to be refused")
