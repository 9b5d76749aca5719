"""The filter's DNS checks end to end, against unbound on 127.0.0.1 serving test zones:
SPF pass/fail, DKIM pass/fail (messages signed by python3-dkim with a key published in
the zone), DMARC alignment and policy (scored, then enforced), a DNSBL listing of the
client address and a URIBL listing of a linked domain. Results show up as rule symbols
in the maillog and as an Authentication-Results header on the delivered message."""
from __future__ import annotations

import base64
import re
import smtplib
import subprocess
import time

import dkim
import pytest

from conftest import HOST, HOSTNAME, files_containing, new_token, scaled, standard_directory, wait_until
from peers import DnsServer


def rsa_key(tmp) -> tuple[bytes, str]:
    """A 1024-bit RSA key (its p= fits one TXT string) and its DKIM record."""
    key = tmp / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "1024"], check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return key.read_bytes(), "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


ZONES = ["pass.test", "fail.test", "signed.test", "nopolicy.test", "client.test", "bl.test", "uri.test"]


@pytest.fixture(scope="module")
def dns_and_key(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dnsf")
    priv, record = rsa_key(tmp)
    records = [
        'pass.test. TXT "v=spf1 ip4:127.0.0.0/8 -all"',
        '_dmarc.pass.test. TXT "v=DMARC1; p=reject"',
        'fail.test. TXT "v=spf1 ip4:192.0.2.1 -all"',
        '_dmarc.fail.test. TXT "v=DMARC1; p=reject"',
        'signed.test. TXT "v=spf1 ip4:192.0.2.1 -all"',
        '_dmarc.signed.test. TXT "v=DMARC1; p=reject; adkim=s"',
        f'sel._domainkey.signed.test. TXT "{record}"',
        'nopolicy.test. TXT "v=spf1 ip4:192.0.2.1 ~all"',
        "1.0.0.127.bl.test. A 127.0.0.2",
        "evil-link.zz.uri.test. A 127.0.0.2",
    ]
    d = DnsServer(tmp, ZONES, records)
    yield d, priv
    d.stop()


@pytest.fixture
def srv(server_factory, dns_and_key):
    dns, _ = dns_and_key

    def setup(m):
        standard_directory(m)
        m.cli("settings", "set", "spf_dkim_dmarc_checks", "true")

    return server_factory("fdns", setup=setup, dns_resolver=dns.address)


def message(token: str, sender: str, body: str = "") -> str:
    return (f"From: Someone <{sender}>\r\nTo: alice@example.com\r\nSubject: note {token}\r\n"
            f"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{token}@{sender.split('@')[1]}>\r\n"
            f"\r\n{body or 'A plain note'} {token}.\r\n")


def sign(msg: str, priv: bytes, domain="signed.test") -> bytes:
    sig = dkim.sign(msg.encode(), b"sel", domain.encode(), priv,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + msg.encode()


def send(m, data, sender: str):
    with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        return s.sendmail(sender, ["alice@example.com"], data)


def delivered_head(m, token: str) -> str:
    f = wait_until(lambda: files_containing(m.maildir("alice"), token)
                   or files_containing(m.maildir("alice") / ".Junk", token), 20, what=token)[0]
    return f.read_bytes().split(b"\r\n\r\n", 1)[0].decode()


def filter_line(m, token_sender: str) -> str:
    return m.wait_log(r"filter\[\d+\]: \w+: from=<" + re.escape(token_sender) + r">.*")[-1]


def auth_results(head: str) -> str:
    m = re.search(r"^Authentication-Results: (.*)$", head, re.M)
    assert m, head
    return m.group(1)


def test_spf_pass_and_dmarc_pass(srv):
    token = new_token("sp")
    sender = f"{token}@pass.test"
    send(srv, message(token, sender), sender)
    ar = auth_results(delivered_head(srv, token))
    assert ar.split(";")[0] == HOSTNAME, ar  # our authserv-id first (RFC 8601 §2.5)
    assert f"spf=pass smtp.mailfrom={sender}" in ar
    assert "dkim=none" in ar
    assert "dmarc=pass (p=reject) header.from=pass.test" in ar
    line = filter_line(srv, sender)
    assert "R_SPF_ALLOW" in line and "DMARC_POLICY_ALLOW" in line and "R_DKIM_NA" in line


def test_spf_fail_scores_and_dmarc_reject_is_scored_not_enforced(srv):
    token = new_token("sf")
    sender = f"{token}@fail.test"
    send(srv, message(token, sender), sender)
    ar = auth_results(delivered_head(srv, token))
    assert f"spf=fail smtp.mailfrom={sender}" in ar
    assert "dmarc=fail (p=reject) header.from=fail.test" in ar
    line = filter_line(srv, sender)
    assert "R_SPF_FAIL(1.00)" in line and "DMARC_POLICY_REJECT(2.00)" in line


def test_dmarc_enforce_rejects_then_aligned_dkim_passes(srv, dns_and_key):
    _, priv = dns_and_key
    srv.set("dmarc_enforce", True)
    token = new_token("de")
    sender = f"{token}@fail.test"
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(srv, message(token, sender).encode(), sender)
    assert e.value.smtp_code == 554 and b"5.7.1" in e.value.smtp_error
    assert b"DMARC policy of fail.test" in e.value.smtp_error
    time.sleep(0.3)
    assert not files_containing(srv.maildir("alice"), token)
    # SPF fails for signed.test too, but its aligned DKIM signature passes DMARC.
    token = new_token("dk")
    sender = f"{token}@signed.test"
    send(srv, sign(message(token, sender), priv), sender)
    ar = auth_results(delivered_head(srv, token))
    assert "spf=fail" in ar
    assert "dkim=pass header.d=signed.test header.s=sel" in ar
    assert "dmarc=pass" in ar
    assert "R_DKIM_ALLOW" in filter_line(srv, sender)


def test_dkim_signature_broken_in_transit_fails(srv, dns_and_key):
    _, priv = dns_and_key
    token = new_token("db")
    sender = f"{token}@signed.test"
    data = sign(message(token, sender), priv).replace(b"A plain note", b"A changed note")
    send(srv, data, sender)
    ar = auth_results(delivered_head(srv, token))
    assert re.search(r"dkim=fail \([^)]*\) header.d=signed.test", ar), ar
    assert "dmarc=fail" in ar
    assert "R_DKIM_REJECT(1.00)" in filter_line(srv, sender)


def test_softfail_without_dmarc_record(srv):
    token = new_token("so")
    sender = f"{token}@nopolicy.test"
    send(srv, message(token, sender), sender)
    ar = auth_results(delivered_head(srv, token))
    assert "spf=softfail" in ar and "dmarc=none header.from=nopolicy.test" in ar
    assert "R_SPF_SOFTFAIL" in filter_line(srv, sender)


def test_null_sender_checks_the_helo_name(srv):
    token = new_token("nh")
    # The HELO "client.test" has no SPF record (client.test is not served: NXDOMAIN).
    with smtplib.SMTP(HOST, srv.smtp_port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        s.sendmail("", ["alice@example.com"], message(token, "bounce@pass.test").encode())
    ar = auth_results(delivered_head(srv, token))
    assert "spf=none smtp.helo=client.test" in ar


def test_dnsbl_listing_of_the_client_flags_the_message(srv):
    srv.set("dnsbl_lists", "bl.test=7")
    token = new_token("bl")
    sender = f"{token}@pass.test"
    send(srv, message(token, sender), sender)
    head = delivered_head(srv, token)
    assert "X-Spam: Yes" in head
    assert "RBL_BL_TEST(7.00){127.0.0.1:127.0.0.2}" in filter_line(srv, sender)


def test_uribl_listing_of_a_linked_domain(srv):
    srv.set("uribl_lists", "uri.test=2.5")
    token = new_token("ub")
    sender = f"{token}@pass.test"
    send(srv, message(token, sender, "See http://www.evil-link.zz/offer?id=1 and http://fine.zz/"), sender)
    delivered_head(srv, token)
    line = filter_line(srv, sender)
    assert "URIBL_URI_TEST(2.50){evil-link.zz:127.0.0.2}" in line
    assert "fine.zz" not in line


def test_authenticated_submission_skips_spf(srv):
    token = new_token("au")
    sender = "alice@example.com"
    with smtplib.SMTP(HOST, srv.submission_port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        s.starttls()
        s.ehlo("client.test")
        s.login("alice", "alice-secret-1")
        s.sendmail(sender, ["bob@example.com"], message(token, sender).encode())
    f = wait_until(lambda: files_containing(srv.maildir("bob"), token), 20, what=token)[0]
    head = f.read_bytes().split(b"\r\n\r\n", 1)[0].decode()
    assert "spf=" not in head


def test_checks_switched_off(srv):
    srv.set("spf_dkim_dmarc_checks", False)
    token = new_token("of")
    sender = f"{token}@fail.test"
    send(srv, message(token, sender), sender)
    head = delivered_head(srv, token)
    assert "Authentication-Results" not in head
    assert "R_SPF" not in filter_line(srv, sender)
