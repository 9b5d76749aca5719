"""Outbound delivery (issue 5) through Debian's real Postfix as an authenticated smarthost
with TLS: a private Postfix instance (STARTTLS, `smtpd_tls_auth_only`, SASL through a
private Dovecot auth service, relaying only for authenticated clients) in front of a sink.
Magpie's default relay rule points at it with `--tls` and credentials."""
from __future__ import annotations

import json
import os
import re
import shutil
import smtplib

import pytest

from conftest import HOST, new_token, scaled, standard_directory, wait_until, make_message
from peers import DnsServer, PostfixSmarthost, SmtpSink, make_ca_and_cert
from test_outbound import queue_list, submit

_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])
_missing = [b for b in ("postfix", "dovecot") if not shutil.which(b, path=_PATH)]
if _missing:
    pytest.skip(f"{' and '.join(_missing)} not installed (scripts/deps.sh --test)", allow_module_level=True)
if os.geteuid() != 0:
    pytest.skip("a private Postfix instance needs root (its master drops privileges)", allow_module_level=True)

RELAY_USER, RELAY_PASS = "relayuser", "relay-pass-7"


@pytest.fixture(scope="module")
def dns(tmp_path_factory):
    d = DnsServer(tmp_path_factory.mktemp("dns"), ["relay.example"],
                  ["smarthost.relay.example. IN A 127.0.0.1"])
    yield d
    d.stop()


@pytest.fixture
def smarthost(tmp_path):
    """(Postfix smarthost, the sink it relays everything to, the CA Magpie must trust)."""
    ca, crt, key = make_ca_and_cert(tmp_path / "pki", "smarthost.relay.example")
    sink = SmtpSink()
    try:
        pf = PostfixSmarthost(tmp_path / "smarthost", (crt, key), (HOST, sink.port), {RELAY_USER: RELAY_PASS})
    except BaseException:
        sink.stop()
        raise
    try:
        yield pf, sink, ca
    finally:
        pf.stop()
        sink.stop()


def magpie_with_smarthost(server_factory, dns, pf, ca, password: str, **settings):
    m = server_factory("pfsh", setup=standard_directory, dns_resolver=dns.address, start=False)
    m.cli("settings", "set", "smtp_outbound_port", "9")  # MX delivery would fail: only the rule works
    m.cli("settings", "set", "tls_ca_file", str(ca))
    for k, v in settings.items():
        m.cli("settings", "set", k, str(v))
    m.cli("relay", "add", "--type", "default", "--host", "smarthost.relay.example", "--port", str(pf.port),
          "--username", RELAY_USER, "--password-stdin", "--tls", input=password + "\n")
    m.start()
    return m


def postfix_queue_id(pf: PostfixSmarthost, token: str, timeout: float = 30) -> str:
    """The Postfix queue id of the message whose Message-ID carries token (cleanup logs it)."""
    line = pf.wait_log(rf"\]: [0-9A-F]+: message-id=<{re.escape(token)}@test\.local>", timeout)[0]
    return re.search(r"\]: ([0-9A-F]+): message-id=", line).group(1)


def assert_relayed_with_tls_and_sasl(pf: PostfixSmarthost, token: str, rcpt: str):
    qid = postfix_queue_id(pf, token)
    log = pf.log()
    client = [ln for ln in log.splitlines() if f"]: {qid}: client=" in ln]
    assert client and "sasl_method=PLAIN, sasl_username=relayuser" in client[0], (client, log[-3000:])
    # the same smtpd process logged the TLS handshake of this session before the client= line
    smtpd = re.search(r"postfix/smtpd\[(\d+)\]", client[0]).group(1)
    before = log[:log.index(client[0])].splitlines()
    tls = [ln for ln in before if f"postfix/smtpd[{smtpd}]:" in ln and "TLS connection established from" in ln]
    assert tls, f"no TLS handshake logged by smtpd[{smtpd}] before {qid}:\n{log[-3000:]}"
    pf.wait_log(rf"\]: {qid}: to=<{re.escape(rcpt)}>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent")


def sink_copies(sink: SmtpSink, token: str) -> int:
    return sum(token.encode() in msg.data for msg in sink.messages)


def test_postfix_refuses_unauthenticated_relay(smarthost):
    pf, sink, _ = smarthost
    with smtplib.SMTP(HOST, pf.port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        assert not s.has_extn("auth"), "AUTH must only be offered after STARTTLS"
        with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
            s.sendmail("x@example.com", ["y@world.example"], make_message(new_token("pfu")))
        assert e.value.recipients["y@world.example"][0] == 554
    assert not sink.messages


def test_authenticated_tls_relay_through_postfix(server_factory, dns, smarthost):
    pf, sink, ca = smarthost
    m = magpie_with_smarthost(server_factory, dns, pf, ca, RELAY_PASS)
    token = new_token("pfsh")
    submit(m, ["out@world.example"], token)
    wait_until(lambda: sink_copies(sink, token), 60, what="message relayed by Postfix to the sink")
    msg = [x for x in sink.messages if token.encode() in x.data][0]
    assert msg.rcpts == ["out@world.example"] and msg.mail_from == "alice@example.com"
    assert b"DKIM-Signature:" in msg.data  # Magpie signed it on submission; Postfix passed it on
    assert_relayed_with_tls_and_sasl(pf, token, "out@world.example")
    m.wait_log(r"to=<out@world\.example>, relay=smarthost\.relay\.example\[127\.0\.0\.1\]:"
               + str(pf.port) + r", .*status=sent")
    wait_until(lambda: not queue_list(m), 20, what="Magpie's queue empty")


def test_wrong_password_defers_then_fixed_password_delivers_once(server_factory, dns, smarthost):
    pf, sink, ca = smarthost
    # no automatic retry meanwhile: only `queue resend` tries again
    m = magpie_with_smarthost(server_factory, dns, pf, ca, "not-the-password",
                              queue_retry_min=3600, queue_retry_max=3600)
    token = new_token("pfpw")
    submit(m, ["later@world.example"], token)
    m.wait_log(r"to=<later@world\.example>, relay=smarthost\.relay\.example\[127\.0\.0\.1\]:\d+, .*dsn=4\.7\.8, "
               r"status=deferred \(SASL authentication failed; "
               r"host smarthost\.relay\.example\[127\.0\.0\.1\]:\d+ said: 535 ", timeout=60)
    pf.wait_log(r"warning: .*\[127\.0\.0\.1\]: SASL PLAIN authentication failed")
    items = wait_until(lambda: [i for i in queue_list(m) if i.get("reason")], 20, what="deferred in queue")
    assert items[0]["recipients"] == ["later@world.example"]
    assert "SASL authentication failed" in items[0]["reason"]
    assert "535 5.7.8" in items[0]["reason"], items[0]["reason"]  # Postfix's reply is passed on
    assert not sink.messages and "client=" not in pf.log()  # Postfix accepted nothing

    rid = json.loads(m.cli("relay", "list", "--json").stdout)[0]["id"]
    m.change("relay", "edit", str(rid), "--username", RELAY_USER, "--password-stdin", input=RELAY_PASS + "\n")
    rule = json.loads(m.cli("relay", "list", "--json").stdout)[0]
    assert rule.get("tls_required") is True, f"editing the credentials must keep --tls: {rule}"
    m.cli("queue", "resend", "--all")
    wait_until(lambda: sink_copies(sink, token), 60, what="message relayed after the password fix")
    assert_relayed_with_tls_and_sasl(pf, token, "later@world.example")
    m.wait_log(r"to=<later@world\.example>, relay=smarthost\.relay\.example\[127\.0\.0\.1\]:\d+, .*status=sent")
    # Magpie removes a message only after its last hand-off: a second copy would have been
    # sent (and logged by Postfix) before the queue emptied.
    wait_until(lambda: not queue_list(m), 20, what="Magpie's queue empty")
    assert sink_copies(sink, token) == 1
    assert len(re.findall(rf"message-id=<{re.escape(token)}@test\.local>", pf.log())) == 1
