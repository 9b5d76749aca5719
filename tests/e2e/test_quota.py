"""Mailbox quotas end to end: per-user quotas set with the CLI, SMTP RCPT refused with
552 5.2.2 when the mailbox is full, the delivery agent bouncing a copy that no longer
fits (5.2.2, "mailbox full"), IMAP APPEND/COPY refused with [OVERQUOTA], GETQUOTAROOT
numbers, unlimited overriding quota_default, and space freed by EXPUNGE."""
from __future__ import annotations

import json
import re

import pytest

from conftest import (RawSMTP, assert_reply, count_everywhere, files_containing, make_message,
                      new_token,
                      queue_id_of, standard_directory, wait_until)
from imap_client import imap_ssl

PASSWORD = "quota-secret-1"


@pytest.fixture(scope="module")
def m(module_factory):
    return module_factory("quota", setup=standard_directory)


def new_user(m, quota: str | None = None) -> str:
    """A fresh user with a password (and a quota), so tests do not share mailboxes."""
    name = new_token("q").replace("-", "")[:30].lower()
    opts = ["--quota", quota] if quota else []
    m.add_user(name, PASSWORD, *opts)
    return name


def imap(m, user: str):
    return imap_ssl(m, user, PASSWORD)


def fill(c, size: int, box: str = "INBOX"):
    """APPENDs one message of exactly `size` bytes."""
    head = f"Subject: {new_token('fill')}\r\n\r\n".encode()
    typ, resp = c.append(box, None, None, head + b"x" * (size - len(head) - 2) + b"\r\n")
    return typ, resp


def storage(c, box: str = "INBOX") -> tuple[int, int] | None:
    """(used KiB, limit KiB) from GETQUOTAROOT, None when no STORAGE limit is reported."""
    typ, data = c.getquotaroot(box)
    assert typ == "OK", data
    text = b" ".join(d for part in data for d in part if isinstance(d, bytes))
    assert re.search(rb'"?' + box.encode() + rb'"? ""', text), text
    mm = re.search(rb"STORAGE (\d+) (\d+)", text)
    return (int(mm.group(1)), int(mm.group(2))) if mm else None


def rcpt_reply(m, rcpt: str, size: int | None = None):
    with RawSMTP(m.smtp_port) as c:
        c.greet()
        c.ehlo()
        mail = "MAIL FROM:<ext@remote.example>" + (f" SIZE={size}" if size else "")
        assert_reply(c.cmd(mail), 250)
        r = c.cmd(f"RCPT TO:<{rcpt}>")
        c.cmd("QUIT")
        return r


def test_cli_sets_shows_and_clears_quota(m):
    u = new_user(m, "500M")
    assert f"{u} " in m.cli("user", "show", u).stdout
    assert "quota=500M" in m.cli("user", "show", u).stdout
    assert json.loads(m.cli("user", "show", u, "--json").stdout)["quota"] == 500 << 20
    m.change("user", "set", u, "--quota", "2g")
    assert "quota=2G" in m.cli("user", "show", u).stdout
    m.change("user", "set", u, "--quota", "unlimited")
    assert "quota=unlimited" in m.cli("user", "show", u).stdout
    assert json.loads(m.cli("user", "show", u, "--json").stdout)["quota"] == 0
    m.change("user", "set", u, "--quota", "default")
    line = [ln for ln in m.cli("user", "list").stdout.splitlines() if ln.startswith(u + " ")]
    assert line and "quota=default" in line[0]
    users = json.loads(m.cli("user", "list", "--json").stdout)
    assert [x["quota"] for x in users if x["name"] == u] == [None]
    bad = m.cli("user", "set", u, "--quota", "lots", check=False)
    assert bad.returncode == 1 and "not a quota" in bad.stderr
    assert m.cli("user", "add", new_token("x").replace("-", "")[:20], "--quota=-5",
                 check=False).returncode != 0


def test_imap_append_overquota_and_getquotaroot(m):
    u = new_user(m, "10K")
    c = imap(m, u)
    assert storage(c) == (0, 10)
    assert fill(c, 4000)[0] == "OK"
    assert storage(c) == (4, 10)  # KiB, rounded up (RFC 9208 §5.1)
    typ, resp = fill(c, 7000)
    assert typ == "NO" and b"[OVERQUOTA]" in resp[0], resp
    # COPY over quota is refused too, and the usage did not change.
    c.select("INBOX")
    assert fill(c, 3000)[0] == "OK"
    typ, resp = c.copy("1:2", "Archive")
    assert typ == "NO" and b"[OVERQUOTA]" in resp[0], resp
    assert storage(c, "Archive") == (7, 10)
    c.logout()


def test_rcpt_552_when_full_and_other_recipient_still_gets_it(m):
    u = new_user(m)
    c = imap(m, u)
    assert fill(c, 3000)[0] == "OK"  # no quota yet
    m.change("user", "set", u, "--quota", "2K")
    # The first check after the change may not know the usage yet (it is computed on the
    # blocking pool, never on the SMTP thread); it is known within moments.
    wait_until(lambda: rcpt_reply(m, f"{u}@example.com").code == 552, 10,
               what="552 at RCPT")
    r = rcpt_reply(m, f"{u}@example.com")
    assert_reply(r, 552, "5.2.2")
    assert f"<{u}@example.com>: Recipient address rejected: Mailbox full" in r.text
    assert storage(c) == (3, 2)
    c.logout()

    # One message to both: refused for the full mailbox, delivered to alice.
    token = new_token()
    with RawSMTP(m.smtp_port) as s:
        s.greet()
        s.ehlo()
        assert_reply(s.cmd("MAIL FROM:<ext@remote.example>"), 250)
        assert_reply(s.cmd(f"RCPT TO:<{u}@example.com>"), 552, "5.2.2")
        assert_reply(s.cmd("RCPT TO:<alice@example.com>"), 250)
        assert_reply(s.cmd("DATA"), 354)
        s.send(make_message(token, to="alice@example.com") + b".\r\n")
        r = s.reply()
        assert_reply(r, 250)
        s.cmd("QUIT")
    m.wait_delivered(queue_id_of(r.text))
    assert count_everywhere(m, token) == {"alice": 1}
    m.wait_log(rf"reject: RCPT from \[127\.0\.0\.1\]: 552 5\.2\.2 <{u}@example\.com>")


def test_declared_size_that_does_not_fit_is_refused_at_rcpt(m):
    u = new_user(m, "8K")
    c = imap(m, u)
    assert fill(c, 5000)[0] == "OK"
    c.logout()
    assert_reply(rcpt_reply(m, f"{u}@example.com", size=1000), 250)
    assert_reply(rcpt_reply(m, f"{u}@example.com", size=5000), 552, "5.2.2")


def test_delivery_bounces_when_quota_reached_after_rcpt(m):
    u = new_user(m, "4K")
    token = new_token()
    with RawSMTP(m.smtp_port) as s:
        s.greet()
        s.ehlo()
        assert_reply(s.cmd("MAIL FROM:<carol@example.com>"), 250)  # a local sender
        assert_reply(s.cmd(f"RCPT TO:<{u}@example.com>"), 250)  # empty mailbox: fits
        assert_reply(s.cmd("RCPT TO:<bob@example.com>"), 250)
        # Meanwhile the mailbox fills up.
        c = imap(m, u)
        assert fill(c, 3500)[0] == "OK"
        assert_reply(s.cmd("DATA"), 354)
        s.send(make_message(token, to=f"{u}@example.com", body_size=1500) + b".\r\n")
        r = s.reply()
        assert_reply(r, 250)
        s.cmd("QUIT")
    qid = queue_id_of(r.text)
    m.wait_delivered(qid)
    m.wait_log(rf"{qid}: to=<{u}@example\.com>, mailbox={u}, .*dsn=5\.2\.2, "
               rf"status=bounced \(mailbox full\)")
    assert storage(c) == (4, 4)  # 3500 bytes: only the APPENDed message
    c.logout()
    # The sender's DSN (RFC 3464) returns the message: one copy for bob, one inside it.
    dsn_line = m.wait_log(rf"{qid}: sender non-delivery notification: (\w+)")[0]
    m.wait_delivered(re.search(r"notification: (\w+)", dsn_line).group(1))
    assert count_everywhere(m, token) == {"bob": 1, "carol": 1}
    dsn = files_containing(m.maildir("carol"), token)[0].read_text(errors="replace")
    assert "Status: 5.2.2" in dsn and f"Final-Recipient: rfc822; {u}@example.com" in dsn


def test_group_members_are_checked_one_by_one(m):
    full, roomy = new_user(m, "2K"), new_user(m, "1M")
    group = new_token("g").replace("-", "")[:20]
    m.change("group", "add", group, "--member", f"{full},{roomy}")
    c = imap(m, full)
    assert fill(c, 1900)[0] == "OK"
    c.logout()
    token = new_token()
    with RawSMTP(m.smtp_port) as s:
        s.greet()
        s.ehlo()
        assert_reply(s.cmd("MAIL FROM:<ext@remote.example>"), 250)
        assert_reply(s.cmd(f"RCPT TO:<{group}@example.com>"), 250)  # one member has room
        assert_reply(s.cmd("DATA"), 354)
        s.send(make_message(token, to=f"{group}@example.com", body_size=600) + b".\r\n")
        r = s.reply()
        assert_reply(r, 250)
        s.cmd("QUIT")
    qid = queue_id_of(r.text)
    m.wait_delivered(qid)
    assert count_everywhere(m, token) == {roomy: 1}
    m.wait_log(rf"{qid}: to=<{group}@example\.com>, mailbox={full}, .*dsn=5\.2\.2, "
               rf"status=bounced \(mailbox full\)")


def test_unlimited_user_overrides_default(m):
    free, capped = new_user(m, "unlimited"), new_user(m)
    m.set("quota_default", "3K")
    try:
        c = imap(m, free)
        assert fill(c, 5000)[0] == "OK"
        assert storage(c) is None  # no limit, no STORAGE resource
        c.logout()
        assert_reply(rcpt_reply(m, f"{free}@example.com", size=100000), 250)
        c = imap(m, capped)
        assert storage(c) == (0, 3)
        typ, resp = fill(c, 5000)
        assert typ == "NO" and b"[OVERQUOTA]" in resp[0], resp
        c.logout()
        assert_reply(rcpt_reply(m, f"{capped}@example.com", size=5000), 552, "5.2.2")
    finally:
        m.reset("quota_default")


def test_expunge_frees_space(m):
    u = new_user(m, "4K")
    c = imap(m, u)
    assert fill(c, 3000)[0] == "OK"
    assert_reply(rcpt_reply(m, f"{u}@example.com", size=2000), 552, "5.2.2")
    c.select("INBOX")
    c.store("1", "+FLAGS", r"(\Deleted)")
    assert c.expunge()[0] == "OK"
    assert storage(c) == (0, 4)
    assert_reply(rcpt_reply(m, f"{u}@example.com", size=2000), 250)
    assert fill(c, 3000)[0] == "OK"
    c.logout()
