"""Filter end to end: messages sent over SMTP to the real server are scored, flagged,
delivered to Junk, greylisted, quarantined or rejected at the end of DATA, and bypass,
allow and block lists change that."""
from __future__ import annotations

import re
import smtplib
import time
from pathlib import Path

import pytest

from conftest import HOST, files_containing, new_token, scaled, standard_directory, wait_until

# The GTUBE test message as SpamAssassin ships it (Debian's spamassassin package), so the
# pattern comes from outside this project.
SAMPLE_SPAM = Path("/usr/share/doc/spamassassin/examples/sample-spam.txt")
needs_sample = pytest.mark.skipif(not SAMPLE_SPAM.is_file(),
                                  reason="spamassassin's sample-spam.txt is not installed")


def sample_gtube() -> str:
    for line in SAMPLE_SPAM.read_text().splitlines():
        if "GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL" in line:
            return line.strip()
    raise AssertionError(f"no GTUBE line in {SAMPLE_SPAM}")


GTUBE = sample_gtube() if SAMPLE_SPAM.is_file() else ""


def clean_message(token: str, sender="friend@remote.example", to="alice@example.com") -> str:
    return (f"From: Friend <{sender}>\r\nTo: {to}\r\nSubject: hello {token}\r\n"
            f"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{token}@remote.example>\r\n"
            f"\r\nJust a normal note, {token}.\r\n")


def sloppy_message(token: str, to="alice@example.com") -> str:
    """No Date and no Message-ID: MISSING_DATE (1.0) + MISSING_MID (2.5) = 3.5."""
    return f"From: x@remote.example\r\nTo: {to}\r\nSubject: offer {token}\r\n\r\nbuy {token}\r\n"


def send(m, msg: str, sender="friend@remote.example", rcpts=("alice@example.com",)):
    with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        return s.sendmail(sender, list(rcpts), msg.encode())


def send_expect(m, msg: str, code: int, sender="friend@remote.example", rcpts=("alice@example.com",)):
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(m, msg, sender, rcpts)
    assert e.value.smtp_code == code, e.value
    return e.value.smtp_error.decode()


def delivered(m, user: str, token: str, folder: str = "", timeout=20):
    base = m.maildir(user) / folder if folder else m.maildir(user)
    return wait_until(lambda: files_containing(base, token), timeout, what=f"{token} in {base}")


@pytest.fixture
def srv(server_factory):
    return server_factory("filter", setup=standard_directory)


@needs_sample
def test_gtube_is_rejected(srv):
    # SpamAssassin's own sample message, as it is.
    sample = re.sub(r"\r?\n", "\r\n", SAMPLE_SPAM.read_text())
    text = send_expect(srv, sample, 554)
    assert "5.7.1" in text and "GTUBE" in text
    assert "GTUBE" in srv.wait_log(r"filter\[\d+\]: \w+: .*action=reject")[0]
    # Whatever the thresholds and the quarantine say.
    srv.set("spam_reject_threshold", "1000000")
    srv.set("spam_quarantine", "shared")
    token = new_token("g")
    send_expect(srv, clean_message(token).replace("Just a normal note", GTUBE), 554)
    assert not files_containing(srv.public_dir("shared"), token)
    assert not files_containing(srv.maildir("alice"), token)


@needs_sample
def test_gtube_variants_only_when_enabled(srv):
    """Rspamd's variants: Y (add header) and Z (rewrite subject) flag, A accepts; off by
    default, since they let a sender choose the verdict."""
    flag = "Y" + GTUBE[1:]
    token = new_token("gy")
    send(srv, clean_message(token).replace("Just a normal note", flag))
    f = delivered(srv, "alice", token)[0]
    assert "/.Junk/" not in str(f) and b"GTUBE" not in f.read_bytes().split(b"\r\n\r\n")[0]
    srv.set("gtube_patterns", "all")
    token = new_token("gy")
    send(srv, clean_message(token).replace("Just a normal note", flag))
    f = delivered(srv, "alice", token, ".Junk")[0]
    assert b"X-Spam: Yes" in f.read_bytes()
    token = new_token("ga")
    send(srv, clean_message(token).replace("Just a normal note", "A" + GTUBE[1:]))
    f = delivered(srv, "alice", token)[0]
    assert "/.Junk/" not in str(f) and b"GTUBE=0.00" in f.read_bytes()
    srv.set("gtube_patterns", "disabled")
    token = new_token("gd")
    send(srv, clean_message(token).replace("Just a normal note", GTUBE))
    delivered(srv, "alice", token)


def test_clean_message_gets_a_status_header(srv):
    token = new_token("c")
    send(srv, clean_message(token))
    f = delivered(srv, "alice", token)[0]
    head = f.read_bytes().split(b"\r\n\r\n", 1)[0]
    assert b"X-Spam-Status: No, score=" in head and b"X-Spam: Yes" not in head
    assert "/.Junk/" not in str(f)


def test_flagged_spam_goes_to_junk_with_headers(srv):
    srv.set("spam_flag_threshold", "3")
    token = new_token("f")
    send(srv, sloppy_message(token))
    f = delivered(srv, "alice", token, ".Junk")[0]
    head = f.read_bytes().split(b"\r\n\r\n", 1)[0]
    assert b"X-Spam: Yes" in head
    assert b"MISSING_DATE=1.00" in head and b"MISSING_MID=2.50" in head
    srv.set("move_spam_to_junk", "false")
    token = new_token("f")
    send(srv, sloppy_message(token))
    f = delivered(srv, "alice", token)[0]
    assert "/.Junk/" not in str(f) and b"X-Spam: Yes" in f.read_bytes()


def test_reject_threshold_and_quarantine(srv):
    srv.set("spam_reject_threshold", "3")
    send_expect(srv, sloppy_message(new_token("r")), 554)
    srv.set("spam_quarantine", "shared")
    token = new_token("q")
    send(srv, sloppy_message(token))
    wait_until(lambda: files_containing(srv.public_dir("shared"), token), 20, what="quarantined copy")
    assert not files_containing(srv.maildir("alice"), token)


@needs_sample
def test_bypass_rules_skip_every_check(srv):
    gtube = clean_message("x").replace("Just a normal note", GTUBE)
    srv.set("filter_bypass_senders", "trusted.example")
    token = new_token("b")
    send(srv, gtube.replace("x.", f"{token}."), sender="boss@trusted.example")
    delivered(srv, "alice", token)
    send_expect(srv, gtube, 554, sender="boss@sub.trusted.example")  # exact domain only
    srv.set("filter_bypass_recipients", "bob@example.com")
    token = new_token("b")
    send(srv, gtube.replace("x.", f"{token}."), rcpts=("bob@example.com",))
    delivered(srv, "bob", token)
    srv.set("filter_bypass_ips", "127.0.0.1")
    token = new_token("b")
    send(srv, gtube.replace("x.", f"{token}."))
    delivered(srv, "alice", token)
    assert "(bypass)" in srv.log()


@needs_sample
def test_allow_and_block_lists(srv):
    srv.set("spam_reject_threshold", "3")
    srv.set("filter_block_from", "spammer.example")
    text = send_expect(srv, clean_message(new_token("k")), 554, sender="a@mx.spammer.example")
    assert "blocked" in text
    srv.set("filter_allow_from", "mx.spammer.example")  # allow wins over block
    token = new_token("a")
    send(srv, clean_message(token), sender="a@mx.spammer.example")
    delivered(srv, "alice", token)
    srv.set("filter_allow_to", "example.com")  # domain and its subdomains
    token = new_token("a")
    send(srv, sloppy_message(token), sender="x@else.example")  # 3.5 >= 3, but allowed
    f = delivered(srv, "alice", token)[0]
    assert b"X-Spam-Status" not in f.read_bytes().split(b"\r\n\r\n")[0]
    assert "ALLOWLIST" in srv.wait_log(rf"filter\[\d+\]: \w+: from=<x@else.example>.*ALLOWLIST")[0]
    # GTUBE is rejected even for allowed mail, as in Rspamd (test mail only carries it).
    send_expect(srv, clean_message(new_token("a")).replace("Just a normal note", GTUBE), 554,
                sender="x@else.example")


def test_greylisting_defers_then_accepts_the_retry(srv):
    srv.set("spam_greylist_threshold", "1")
    srv.set("greylist_delay", "2")
    token = new_token("gl")
    msg = sloppy_message(token)
    text = send_expect(srv, msg, 451)
    assert "4.7.1" in text
    send_expect(srv, msg, 451)  # too early
    time.sleep(scaled(2.5))
    send(srv, msg)
    delivered(srv, "alice", token)
    token2 = new_token("gl")
    send(srv, sloppy_message(token2))  # the triplet is known now
    delivered(srv, "alice", token2)
    srv.restart()  # the table survives a restart
    token3 = new_token("gl")
    send(srv, sloppy_message(token3))
    delivered(srv, "alice", token3)


@needs_sample
def test_filter_can_be_turned_off(srv):
    srv.set("filter_enabled", "false")
    token = new_token("off")
    send(srv, clean_message(token).replace("Just a normal note", GTUBE))
    f = delivered(srv, "alice", token)[0]
    assert b"X-Spam-Status" not in f.read_bytes()


def test_junk_moves_train_bayes(srv):
    import json

    from imap_client import imap_ssl

    def progress():
        return json.loads(srv.cli("spam", "status", "--json").stdout)

    for i in range(2):
        send(srv, clean_message(new_token(f"j{i}")))
    wait_until(lambda: len(list((srv.maildir("alice") / "new").iterdir())) >= 2, 20, what="two deliveries")
    c = imap_ssl(srv, "alice")
    c.select("INBOX")
    assert c._simple_command("MOVE", "1", "Junk")[0] == "OK"
    c.select("Junk")
    assert c._simple_command("MOVE", "1", "INBOX")[0] == "OK"  # back out: relearned as ham
    c.select("INBOX")
    c.copy("1", "Archive")  # not a Junk move: teaches nothing
    c.logout()
    p = progress()
    assert (p["spam_learned"], p["ham_learned"]) == (0, 1), p
    srv.change("group", "add", "spamtrainers", "--member", "bob")  # now only bob trains
    c = imap_ssl(srv, "alice")
    c.select("INBOX")
    c._simple_command("MOVE", "1:*", "Junk")
    c.logout()
    p = progress()
    assert (p["spam_learned"], p["ham_learned"]) == (0, 1), p


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def with_attachment(token: str, payload: bytes, filename: str) -> str:
    import base64
    b64 = base64.encodebytes(payload).decode().replace("\n", "\r\n")
    return (f"From: Friend <friend@remote.example>\r\nTo: alice@example.com\r\nSubject: doc {token}\r\n"
            f"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{token}@remote.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
            f"--b1\r\nContent-Type: text/plain\r\n\r\nsee attached {token}\r\n"
            f"--b1\r\nContent-Type: application/pdf; name={filename}\r\n"
            f"Content-Disposition: attachment; filename={filename}\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{b64}--b1--\r\n")


def test_virus_and_executable_attachments_are_rejected(server_factory):
    import hashlib

    def setup(m):
        standard_directory(m)
        db = m.data / "clamav"
        db.mkdir(parents=True, exist_ok=True)
        (db / "test.hdb").write_text(f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Magpie.Test.EICAR\n")

    m = server_factory("av", setup=setup)
    text = send_expect(m, with_attachment(new_token("v"), EICAR, "notes.txt"), 554)
    assert "Magpie.Test.EICAR" in text
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 200
    text = send_expect(m, with_attachment(new_token("x"), elf, "invoice.pdf"), 554)
    assert "executable" in text.lower()
    token = new_token("ok")
    send(m, with_attachment(token, b"%PDF-1.4\n% harmless\n", "report.pdf"))
    delivered(m, "alice", token)
    m.set("filter_block_executables", "false")
    token = new_token("x2")
    send(m, with_attachment(token, elf, "invoice.pdf"))
    delivered(m, "alice", token)
    m.reset("filter_block_executables")

    # The allow list skips antivirus and antispam, never attachment blocking.
    m.set("filter_allow_from", "remote.example")
    token = new_token("al")
    send(m, with_attachment(token, EICAR, "notes.txt"))
    delivered(m, "alice", token)
    text = send_expect(m, with_attachment(new_token("al"), elf, "invoice.pdf"), 554)
    assert "executable" in text.lower()
    m.reset("filter_allow_from")

    # Antispam off: no score (no X-Spam-Status, nothing rejected for it), while antivirus
    # and attachment blocking go on.
    m.set("antispam_enabled", "false")
    m.set("spam_reject_threshold", "1")
    token = new_token("as")
    send(m, f"From: x@remote.example\r\nTo: alice@example.com\r\nSubject: {token}\r\n\r\nbuy\r\n")
    f = delivered(m, "alice", token)[0]
    assert b"X-Spam-Status" not in f.read_bytes()
    text = send_expect(m, with_attachment(new_token("as"), EICAR, "notes.txt"), 554)
    assert "Magpie.Test.EICAR" in text
    text = send_expect(m, with_attachment(new_token("as"), elf, "invoice.pdf"), 554)
    assert "executable" in text.lower()
    assert re.search(r"action=accept, score=0.00, symbols=\[\], av=clean", m.log())
