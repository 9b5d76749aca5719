"""Local delivery: users, groups, addresses (domain-specific and wildcard), catch-all,
hidden copies, always_bcc, forwards, public mailboxes, and the recipient rejections."""
import smtplib
import subprocess

import pytest

from conftest import (HOST, RawSMTP, assert_reply, count_everywhere, deliver, make_message,
                      new_token, queue_id_of, scaled)


def test_user_delivery_with_smtplib(server):
    token, qid = deliver(server, ["alice@example.com"])
    assert count_everywhere(server, token) == {"alice": 1}
    f = [p for p in (server.maildir("alice") / "new").iterdir() if token.encode() in p.read_bytes()][0]
    data = f.read_bytes()
    # Return-Path and Delivered-To from the final delivery, Received with the queue id.
    assert data.startswith(b"Return-Path: <ext@remote.example>\r\nDelivered-To: alice@example.com\r\n")
    assert f"id {qid}".encode() in data
    assert b"\r\n\r\nBody of " + token.encode() in data
    assert f",S={len(data)}" in f.name  # Maildir++ size matches the file


def test_user_address_is_case_insensitive(server):
    token, _ = deliver(server, ["Alice@EXAMPLE.com"])
    assert count_everywhere(server, token) == {"alice": 1}


def test_recipient_delimiter_extension(server):
    token, _ = deliver(server, ["bob+newsletter@example.com"])
    assert count_everywhere(server, token) == {"bob": 1}


def test_group_delivers_to_each_member(server):
    token, _ = deliver(server, ["sales@example.com"])
    assert count_everywhere(server, token) == {"alice": 1, "bob": 1}


def test_group_and_member_together_deliver_once(server):
    token, _ = deliver(server, ["sales@example.com", "alice@example.com", "ALICE@example.com"])
    assert count_everywhere(server, token) == {"alice": 1, "bob": 1}


def test_domain_specific_address(server):
    token, _ = deliver(server, ["info@example.com"])
    assert count_everywhere(server, token) == {"alice": 1}
    # info@ exists only for example.com: elsewhere it is unknown
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<info@other.org>"), 550, "5.1.1")


def test_wildcard_address_in_every_domain(server):
    token, _ = deliver(server, ["hello@example.com", "hello@other.org", "hello@nousers.test"])
    assert count_everywhere(server, token) == {"bob": 1}


def test_domain_address_with_group_and_user_destinations(server):
    token, _ = deliver(server, ["team@other.org"])
    assert count_everywhere(server, token) == {"alice": 1, "bob": 1, "gina": 1}


def test_user_addresses_off_in_domain(server):
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@nousers.test>"), 550, "5.1.1")
        assert_reply(c.cmd("RCPT TO:<sales@nousers.test>"), 550, "5.1.1")


def test_catch_all(server):
    token, _ = deliver(server, ["nobody-here@catch.test"])
    assert count_everywhere(server, token) == {"carol": 1}
    # A known user in the catch-all domain still gets their own mail.
    token, _ = deliver(server, ["alice@catch.test"])
    assert count_everywhere(server, token) == {"alice": 1}


def test_hidden_copy_of_domain(server):
    token, _ = deliver(server, ["bob@hidden.test"])
    assert count_everywhere(server, token) == {"bob": 1, "audit": 1}
    # Other domains' mail is not copied.
    token, _ = deliver(server, ["bob@example.com"])
    assert count_everywhere(server, token) == {"bob": 1}


def test_always_bcc_setting(server):
    server.set("always_bcc", "archive@example.com")
    try:
        token, _ = deliver(server, ["carol@example.com"])
        assert count_everywhere(server, token) == {"carol": 1, "archive": 1}
    finally:
        server.set("always_bcc", "")
    token, _ = deliver(server, ["carol@example.com"])
    assert count_everywhere(server, token) == {"carol": 1}


def test_forward_without_copy(server):
    token, _ = deliver(server, ["erin@example.com"])
    assert count_everywhere(server, token) == {"bob": 1}


def test_forward_with_keep_copy(server):
    token, _ = deliver(server, ["frank@example.com"])
    assert count_everywhere(server, token) == {"frank": 1, "carol": 1}


def test_public_mailbox(server):
    token, _ = deliver(server, ["board@example.com"])
    assert count_everywhere(server, token) == {"public:shared": 1}
    assert len(list((server.public_dir("shared") / "new").iterdir())) >= 1


def test_postmaster_without_domain_is_accepted_syntax(server):
    # RFC 5321 §4.5.1: RCPT TO:<postmaster> must be accepted (or reach a real rejection,
    # never a syntax error). Without a postmaster address it is an unknown user.
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        r = c.cmd("RCPT TO:<postmaster>")
        assert r.code in (250, 550) and r.enhanced in ("2.1.5", "5.1.1"), r


def test_unknown_local_recipient(server):
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        r = c.cmd("RCPT TO:<nosuchuser@example.com>")
        assert_reply(r, 550, "5.1.1", "User unknown")
        assert_reply(c.cmd("DATA"), 554, "5.5.1")  # no valid recipients


def test_disabled_user(server):
    with RawSMTP(server.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<dave@example.com>"), 550, "5.2.1")


def test_mixed_good_and_bad_recipients_with_smtplib(server):
    token = new_token()
    with smtplib.SMTP(HOST, server.smtp_port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        refused = None
        try:
            s.sendmail("x@remote.example", ["alice@example.com", "nosuch@example.com", "dave@example.com"],
                       make_message(token))
        except smtplib.SMTPRecipientsRefused as e:  # pragma: no cover - all refused
            refused = e.recipients
        assert refused is None
    server.wait_log(rf"to=<alice@example.com>.*status=sent", count=1)
    from conftest import wait_until
    wait_until(lambda: count_everywhere(server, token) == {"alice": 1}, 20, what="alice copy")


def test_swaks_delivery(server):
    token = new_token("swaks")
    p = subprocess.run(["swaks", "--server", f"{HOST}:{server.smtp_port}", "--to", "bob@example.com",
                        "--from", "someone@remote.example", "--header", f"Subject: {token}",
                        "--timeout", str(int(scaled(30)))],
                       capture_output=True, text=True, timeout=scaled(60))
    assert p.returncode == 0, p.stdout + p.stderr
    qid = queue_id_of(p.stdout)
    server.wait_delivered(qid)
    assert count_everywhere(server, token) == {"bob": 1}
