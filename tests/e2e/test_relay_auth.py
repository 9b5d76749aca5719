"""Relay authorisation, internal-only addresses, submission, STARTTLS, implicit TLS,
AUTH PLAIN/LOGIN, auth failure limits and the sender/login match.

This module's server does NOT trust 127.0.0.1 (trusted_networks is empty), so the test
client counts as an outside sender unless it authenticates or relay_from names it."""
import base64
import smtplib
import ssl
import subprocess

import pytest

from conftest import (HOST, PASSWORDS, RawSMTP, assert_reply, count_everywhere, deliver,
                      make_message, new_token, queue_id_of, scaled, standard_directory)


def _setup(m):
    standard_directory(m)
    m.cli("settings", "set", "trusted_networks", "")
    m.cli("settings", "set", "smtp_auth_failure_delay_ms", "50")


@pytest.fixture(scope="module")
def outside(module_factory):
    return module_factory("outside", setup=_setup)


def tls_ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


# ---------------------------------------------------------------------------
# port 25 from outside


def test_internal_address_refused_from_outside(outside):
    with RawSMTP(outside.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<staff@example.com>"), 550, "5.7.1", "Access denied")
        # a public address in the same session is fine
        assert_reply(c.cmd("RCPT TO:<carol@example.com>"), 250, "2.1.5")


def test_relay_denied_from_outside(outside):
    with RawSMTP(outside.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<someone@remote.example>"), 554, "5.7.1", "Relay access denied")
    assert "Relay access denied" in outside.log()


def test_relay_denied_with_smtplib(outside):
    with smtplib.SMTP(HOST, outside.smtp_port, timeout=scaled(30)) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
            s.sendmail("x@remote.example", ["a@elsewhere.example"], make_message(new_token()))
        code, text = e.value.recipients["a@elsewhere.example"]
        assert code == 554 and text.startswith(b"5.7.1 ")


def test_auth_not_offered_on_port_25(outside):
    with RawSMTP(outside.smtp_port) as c:
        c.greet()
        assert not any("AUTH" in ln for ln in c.ehlo().lines)
        assert_reply(c.auth_plain("alice", PASSWORDS["alice"]), 503, "5.5.1")


def test_relay_from_network_allows_relay_and_internal(outside):
    qdir = outside.data / "queue" / "active"
    outside.set("relay_from", "127.0.0.0/8")
    try:
        token = new_token("relay")
        with RawSMTP(outside.smtp_port) as c:
            c.greet(); c.ehlo()
            assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
            assert_reply(c.cmd("RCPT TO:<someone@remote.example>"), 250, "2.1.5")
            assert_reply(c.cmd("RCPT TO:<staff@example.com>"), 250, "2.1.5")
            assert_reply(c.cmd("DATA"), 354)
            c.send(make_message(token) + b".\r\n")
            r = c.reply()
            assert_reply(r, 250, "2.0.0")
        qid = queue_id_of(r.text)
        # the local part is delivered, the remote one stays queued
        outside.wait_log(rf"{qid}: to=<someone@remote.example>, relay=none.*status=queued")
        outside.wait_log(rf"{qid}: to=<staff@example.com>.*status=sent")
        assert (qdir / qid).is_file()
        assert count_everywhere(outside, token) == {"carol": 1}
    finally:
        outside.set("relay_from", "")


def test_trusted_networks_allow_relay(outside):
    outside.set("trusted_networks", "127.0.0.1")
    try:
        with RawSMTP(outside.smtp_port) as c:
            c.greet(); c.ehlo()
            assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
            assert_reply(c.cmd("RCPT TO:<someone@remote.example>"), 250, "2.1.5")
            assert_reply(c.cmd("RCPT TO:<staff@example.com>"), 250, "2.1.5")
            assert_reply(c.cmd("RSET"), 250, "2.0.0")
    finally:
        outside.set("trusted_networks", "")
    with RawSMTP(outside.smtp_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<someone@remote.example>"), 554, "5.7.1")


# ---------------------------------------------------------------------------
# submission (587) and submissions (465)


def test_submission_requires_starttls_then_auth(outside):
    with RawSMTP(outside.submission_port) as c:
        c.greet()
        ehlo = c.ehlo()
        assert "STARTTLS" in ehlo.lines[-1] or any("STARTTLS" in ln for ln in ehlo.lines)
        assert not any("AUTH" in ln for ln in ehlo.lines)  # not before TLS
        assert_reply(c.cmd("MAIL FROM:<alice@example.com>"), 530, "5.7.0", "STARTTLS")
        assert_reply(c.auth_plain("alice", PASSWORDS["alice"]), 538, "5.7.11")
        c.starttls()
        ehlo = c.ehlo()
        assert any("AUTH PLAIN LOGIN" in ln for ln in ehlo.lines)
        assert not any("STARTTLS" in ln for ln in ehlo.lines)
        assert_reply(c.cmd("MAIL FROM:<alice@example.com>"), 530, "5.7.0", "Authentication required")


def test_allow_plaintext_auth(outside):
    outside.set("allow_plaintext_auth", True)
    try:
        with RawSMTP(outside.submission_port) as c:
            c.greet()
            assert any("AUTH PLAIN LOGIN" in ln for ln in c.ehlo().lines)
            assert_reply(c.cmd("MAIL FROM:<alice@example.com>"), 530, "5.7.0", "Authentication required")
            assert_reply(c.auth_plain("alice", PASSWORDS["alice"]), 235, "2.7.0")
            assert_reply(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0")
    finally:
        outside.set("allow_plaintext_auth", False)
    with RawSMTP(outside.submission_port) as c:
        c.greet(); c.ehlo()
        assert_reply(c.auth_plain("alice", PASSWORDS["alice"]), 538, "5.7.11")


def test_starttls_auth_plain_and_relay(outside):
    token = new_token("sub")
    with smtplib.SMTP(HOST, outside.submission_port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        s.starttls(context=tls_ctx())
        s.ehlo("client.test")
        s.login("alice", PASSWORDS["alice"])  # smtplib picks PLAIN... or LOGIN; both tested below
        s.mail("alice@example.com")
        assert s.rcpt("friend@remote.example")[0] == 250
        assert s.rcpt("staff@example.com")[0] == 250  # internal reachable when authenticated
        code, text = s.data(make_message(token, sender="alice@example.com"))
        assert code == 250
    qid = queue_id_of(text.decode())
    outside.wait_log(rf"{qid}: to=<staff@example.com>.*status=sent")
    assert (outside.data / "queue" / "active" / qid).is_file()
    f = [p for p in (outside.maildir("carol") / "new").iterdir() if token.encode() in p.read_bytes()]
    assert len(f) == 1
    assert b"with ESMTPSA id " + qid.encode() in f[0].read_bytes()  # RFC 3848


def test_implicit_tls_465(outside):
    token = new_token("465")
    with smtplib.SMTP_SSL(HOST, outside.submissions_port, timeout=scaled(30), context=tls_ctx()) as s:
        code, lines = s.ehlo("client.test")
        assert code == 250
        assert b"STARTTLS" not in lines and b"AUTH PLAIN LOGIN" in lines
        s.login("bob", PASSWORDS["bob"])
        s.sendmail("bob@example.com", ["alice@example.com"], make_message(token, sender="bob@example.com"))
    outside.wait_log(r"to=<alice@example.com>.*status=sent", count=1)
    from conftest import wait_until
    wait_until(lambda: count_everywhere(outside, token) == {"alice": 1}, 20, what="delivery")


def test_implicit_tls_requires_auth(outside):
    with RawSMTP(outside.submissions_port, tls=True) as c:
        c.greet(); c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<bob@example.com>"), 530, "5.7.0", "Authentication required")
        assert_reply(c.cmd("STARTTLS"), 554, "5.5.1")  # already TLS


def test_auth_login_success_and_failure(outside):
    with RawSMTP(outside.submissions_port, tls=True) as c:
        c.greet(); c.ehlo()
        r = c.cmd("AUTH LOGIN")
        assert r.code == 334 and r.text == "VXNlcm5hbWU6"
        assert c.cmd(b64("carol")).code == 334
        assert_reply(c.cmd(b64("wrong")), 535, "5.7.8")
        r = c.cmd("AUTH LOGIN " + b64("carol"))
        assert r.code == 334 and r.text == "UGFzc3dvcmQ6"
        assert_reply(c.cmd(b64(PASSWORDS["carol"])), 235, "2.7.0")
        assert_reply(c.cmd("AUTH PLAIN " + b64("\0carol\0x")), 503, "5.5.1")  # already
    outside.wait_log(r"sasl_method=LOGIN, sasl_username=carol")
    outside.wait_log(r"SASL LOGIN authentication failed for user carol")


def test_auth_plain_failure_with_smtplib(outside):
    with smtplib.SMTP_SSL(HOST, outside.submissions_port, timeout=scaled(30), context=tls_ctx()) as s:
        s.ehlo("client.test")
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            s.login("alice", "not-the-password")
        assert e.value.smtp_code == 535 and e.value.smtp_error.startswith(b"5.7.8")


def test_auth_cancel_and_bad_base64(outside):
    with RawSMTP(outside.submissions_port, tls=True) as c:
        c.greet(); c.ehlo()
        assert c.cmd("AUTH PLAIN").code == 334
        assert_reply(c.cmd("*"), 501, "5.7.0")
        assert c.cmd("AUTH PLAIN").code == 334
        assert_reply(c.cmd("!!notbase64!!"), 501, "5.5.2")
        assert_reply(c.cmd("AUTH CRAM-MD5"), 504, "5.5.4")


def test_too_many_auth_failures_close_with_421(outside):
    with RawSMTP(outside.submissions_port, tls=True) as c:
        c.greet(); c.ehlo()
        assert_reply(c.auth_plain("alice", "bad1"), 535, "5.7.8")
        assert_reply(c.auth_plain("alice", "bad2"), 535, "5.7.8")
        assert_reply(c.auth_plain("alice", "bad3"), 535, "5.7.8")  # 3rd = smtp_max_auth_failures
        assert_reply(c.reply(), 421, "4.7.0", "too many authentication failures")
        assert c.is_closed()
    # a disabled user cannot log in either
    outside.change("user", "passwd", "dave", input="dave-pw\n")
    with RawSMTP(outside.submissions_port, tls=True) as c:
        c.greet(); c.ehlo()
        assert_reply(c.auth_plain("dave", "dave-pw"), 535, "5.7.8")


def test_sender_login_match(outside):
    outside.set("enforce_sender_login_match", True)
    try:
        with RawSMTP(outside.submissions_port, tls=True) as c:
            c.greet(); c.ehlo()
            assert_reply(c.auth_plain("alice", PASSWORDS["alice"]), 235, "2.7.0")
            assert_reply(c.cmd("MAIL FROM:<bob@example.com>"), 553, "5.7.1", "not owned by user alice")
            assert_reply(c.cmd("MAIL FROM:<info@example.com>"), 250, "2.1.0")  # info@ -> alice
            assert_reply(c.cmd("RSET"), 250, "2.0.0")
            assert_reply(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0")
        assert "not owned by user alice" in outside.log()
    finally:
        outside.set("enforce_sender_login_match", False)
    with RawSMTP(outside.submissions_port, tls=True) as c:
        c.greet(); c.ehlo()
        assert_reply(c.auth_plain("alice", PASSWORDS["alice"]), 235, "2.7.0")
        assert_reply(c.cmd("MAIL FROM:<bob@example.com>"), 250, "2.1.0")


def test_swaks_submission_with_starttls_and_auth(outside):
    token = new_token("swaks")
    p = subprocess.run(["swaks", "--server", f"{HOST}:{outside.submission_port}", "--tls",
                        "--auth", "LOGIN", "--auth-user", "bob", "--auth-password", PASSWORDS["bob"],
                        "--from", "bob@example.com", "--to", "carol@example.com",
                        "--header", f"Subject: {token}", "--timeout", str(int(scaled(30)))],
                       capture_output=True, text=True, timeout=scaled(60))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "235 2.7.0" in p.stdout
    qid = queue_id_of(p.stdout)
    outside.wait_delivered(qid)
    assert count_everywhere(outside, token) == {"carol": 1}
