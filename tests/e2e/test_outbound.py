"""Outbound delivery (issue 5) against real peers on 127.0.0.1: unbound serving MX/A
records, Postfix's smtp-sink and a scriptable sink as receiving MX and smarthost."""
from __future__ import annotations

import json
import re
import smtplib
import ssl
import subprocess

import pytest

from conftest import (HOST, HOSTNAME, PASSWORDS, new_token, scaled, standard_directory, wait_until,
                      files_containing, make_message)
from peers import DnsServer, PostfixSink, SmtpSink, make_ca_and_cert

ZONES = ["remote.example", "backup.example", "nullmx.example", "nomx.example", "relay.example"]
RECORDS = [
    "remote.example. IN MX 10 mx.remote.example.",
    "mx.remote.example. IN A 127.0.0.1",
    # the first MX accepts no connections (nothing listens on 127.0.0.2), the second does
    "backup.example. IN MX 10 dead.backup.example.",
    "backup.example. IN MX 20 mx.backup.example.",
    "dead.backup.example. IN A 127.0.0.2",
    "mx.backup.example. IN A 127.0.0.1",
    "nullmx.example. IN MX 0 .",
    "nomx.example. IN A 127.0.0.1",  # no MX: the domain's own address (implicit MX)
    "smarthost.relay.example. IN A 127.0.0.1",
]


@pytest.fixture(scope="module")
def dns(tmp_path_factory):
    d = DnsServer(tmp_path_factory.mktemp("dns"), ZONES, RECORDS)
    yield d
    d.stop()


@pytest.fixture
def sink():
    s = SmtpSink()
    yield s
    s.stop()


def outbound_server(server_factory, dns, sink_port, name="out", **settings):
    m = server_factory(name, setup=standard_directory, dns_resolver=dns.address, start=False)
    m.cli("settings", "set", "smtp_outbound_port", str(sink_port))
    m.cli("settings", "set", "queue_retry_min", "1")
    m.cli("settings", "set", "queue_retry_max", "2")
    for k, v in settings.items():
        m.cli("settings", "set", k, str(v))
    m.start()
    return m


def submit(m, rcpts, token, sender="alice@example.com", port=None, extra_headers=""):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP_SSL(HOST, port or m.submissions_port, timeout=scaled(30), context=ctx) as s:
        s.login("alice", PASSWORDS["alice"])
        s.sendmail(sender, rcpts, extra_headers.encode() + make_message(token, sender=sender, to=rcpts[0]))


def queue_list(m) -> list[dict]:
    return json.loads(m.cli("queue", "list", "--json").stdout or "[]")


def dsn_in(m, user, token):
    return [p for p in files_containing(m.maildir(user), token)
            if b"multipart/report" in p.read_bytes() and b"delivery-status" in p.read_bytes()]


def test_mx_delivery_to_postfix_smtp_sink(server_factory, dns, tmp_path):
    pf = PostfixSink(tmp_path / "pf")
    try:
        m = outbound_server(server_factory, dns, pf.port)
        token = new_token("mx")
        submit(m, ["bob@remote.example"], token)
        wait_until(lambda: any(token.encode() in p.read_bytes() for p in pf.files()), 30,
                   what="message at smtp-sink")
        m.wait_log(r"to=<bob@remote\.example>, relay=mx\.remote\.example\[127\.0\.0\.1\]:\d+, .*status=sent")
        wait_until(lambda: not queue_list(m), 20, what="queue empty")
    finally:
        pf.stop()


def test_mx_order_fallback_implicit_mx_and_params(server_factory, dns, sink):
    m = outbound_server(server_factory, dns, sink.port)
    token = new_token("mxo")
    submit(m, ["a@backup.example", "b@nomx.example"], token)
    msgs = sink.wait_messages(2)
    assert sorted(r for msg in msgs for r in msg.rcpts) == ["a@backup.example", "b@nomx.example"]
    m.wait_log(r"to=<a@backup\.example>, relay=mx\.backup\.example\[127\.0\.0\.1\]")


def test_dsn_parameters_are_passed_on(server_factory, dns, sink):
    m = outbound_server(server_factory, dns, sink.port)
    token = new_token("dsnp")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP_SSL(HOST, m.submissions_port, timeout=scaled(30), context=ctx) as s:
        s.login("alice", PASSWORDS["alice"])
        s.sendmail("alice@example.com", ["x@remote.example"], make_message(token, sender="alice@example.com"),
                   mail_options=["RET=HDRS", "ENVID=env+2B1"], rcpt_options=["NOTIFY=SUCCESS,FAILURE"])
    msg = sink.wait_messages(1)[0]
    assert "RET=HDRS" in msg.mail_params and "ENVID=env+2B1" in msg.mail_params
    assert "NOTIFY=SUCCESS,FAILURE" in msg.rcpt_params[0]


def test_permanent_failure_bounces_with_dsn(server_factory, dns, sink):
    sink.rcpt_reply = lambda a: "550 5.1.1 <%s>: no such user" % a if a.startswith("nobody") else "250 2.1.5 Ok"
    m = outbound_server(server_factory, dns, sink.port)
    token = new_token("bnc")
    submit(m, ["nobody@remote.example", "ok@remote.example"], token)
    sink.wait_messages(1)
    assert sink.messages[0].rcpts == ["ok@remote.example"]
    wait_until(lambda: dsn_in(m, "alice", token), 30, what="DSN in alice's INBOX")
    dsn = dsn_in(m, "alice", token)[0].read_bytes().decode()
    assert "Final-Recipient: rfc822; nobody@remote.example" in dsn
    assert "Action: failed" in dsn and "Status: 5.1.1" in dsn
    assert "Diagnostic-Code: smtp; 550 5.1.1" in dsn
    assert "ok@remote.example" not in dsn.split("message/delivery-status")[1].split("--")[0]
    assert re.search(r"^From: .*MAILER-DAEMON@", dsn, re.M)
    m.wait_log(r"to=<nobody@remote\.example>.*dsn=5\.1\.1, status=bounced")
    wait_until(lambda: not queue_list(m), 20, what="queue empty")


def test_null_sender_never_gets_a_dsn(server_factory, dns, sink):
    sink.rcpt_reply = lambda a: "550 5.1.1 no such user"
    m = outbound_server(server_factory, dns, sink.port)
    token = new_token("nul")
    with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:  # 127.0.0.1 is trusted: may relay
        s.sendmail("", ["gone@remote.example"], make_message(token, sender="MAILER-DAEMON@elsewhere.example"))
    m.wait_log(r"to=<gone@remote\.example>.*status=bounced")
    wait_until(lambda: not queue_list(m), 20, what="queue empty")
    assert "sender non-delivery notification" not in m.log()


def test_null_mx_and_unknown_domain_bounce(server_factory, dns, sink):
    m = outbound_server(server_factory, dns, sink.port)
    token = new_token("nmx")
    submit(m, ["a@nullmx.example", "b@no-such-domain.example"], token)
    wait_until(lambda: dsn_in(m, "alice", token), 30, what="DSN")
    dsn = dsn_in(m, "alice", token)[0].read_bytes().decode()
    assert "Status: 5.1.10" in dsn and "Status: 5.1.2" in dsn


def test_deferred_then_resend_delivers_once(server_factory, dns):
    port = __import__("conftest").free_port()
    m = outbound_server(server_factory, dns, port, queue_retry_min=3600, queue_retry_max=3600)
    token = new_token("dfr")
    submit(m, ["later@remote.example"], token)
    m.wait_log(r"to=<later@remote\.example>.*status=deferred \(connect to")
    items = wait_until(lambda: [i for i in queue_list(m) if i.get("reason")], 20, what="deferred in queue")
    assert "connect to" in items[0]["reason"]
    assert items[0]["recipients"] == ["later@remote.example"]
    s = SmtpSink(port)
    try:
        m.cli("queue", "resend", items[0]["id"])
        s.wait_messages(1)
        # A message leaves the queue only after its last delivery: nothing can follow.
        wait_until(lambda: not queue_list(m), 20, what="queue empty")
        assert len(s.messages) == 1
    finally:
        s.stop()


def test_transient_4xx_is_retried(server_factory, dns, sink):
    calls = {"n": 0}

    def rcpt(a):
        calls["n"] += 1
        return "451 4.3.0 try later" if calls["n"] == 1 else "250 2.1.5 Ok"
    sink.rcpt_reply = rcpt
    m = outbound_server(server_factory, dns, sink.port)
    submit(m, ["retry@remote.example"], new_token("t4"))
    m.wait_log(r"to=<retry@remote\.example>.*dsn=4\.3\.0, status=deferred")
    sink.wait_messages(1, timeout=30)
    m.wait_log(r"to=<retry@remote\.example>.*status=sent")


def test_lifetime_exceeded_bounces(server_factory, dns):
    port = __import__("conftest").free_port()
    m = outbound_server(server_factory, dns, port, queue_lifetime=2)
    token = new_token("life")
    submit(m, ["never@remote.example"], token)
    wait_until(lambda: dsn_in(m, "alice", token), 40, what="expiry DSN")
    dsn = dsn_in(m, "alice", token)[0].read_bytes().decode()
    assert "Status: 4.4.7" in dsn and "Action: failed" in dsn
    assert "delivery time expired" in dsn


def test_restart_keeps_queue_and_delivers_once(server_factory, dns):
    port = __import__("conftest").free_port()
    m = outbound_server(server_factory, dns, port)
    tokens = [new_token("rs") for _ in range(5)]
    for t in tokens:
        submit(m, ["keep@remote.example"], t)
    wait_until(lambda: len(queue_list(m)) == 5, 20, what="5 queued")
    m.stop()
    s = SmtpSink(port)
    try:
        m.start()
        s.wait_messages(5, timeout=40)
        wait_until(lambda: not queue_list(m), 20, what="queue empty")
        got = sorted(t for t in tokens for msg in s.messages if t.encode() in msg.data)
        assert got == sorted(tokens)  # each exactly once
    finally:
        s.stop()


def test_dkim_signature_verifies_with_dkimpy(server_factory, dns, sink):
    dkim = pytest.importorskip("dkim")
    m = outbound_server(server_factory, dns, sink.port)
    txt = m.cli("dkim", "show", "example.com", "--txt").stdout.strip()
    token = new_token("dk")
    submit(m, ["v@remote.example"], token)
    msg = sink.wait_messages(1)[0]
    assert msg.data.startswith(b"DKIM-Signature:")

    def dnsfunc(name, timeout=5):
        assert name in (b"default._domainkey.example.com.", "default._domainkey.example.com.")
        return txt.encode()
    assert dkim.verify(msg.data, dnsfunc=dnsfunc)
    # mail arriving on port 25 is not signed
    with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:
        s.sendmail("alice@example.com", ["w@remote.example"], make_message(new_token("dk25"), sender="alice@example.com"))
    msgs = sink.wait_messages(2)
    assert not msgs[1].data.startswith(b"DKIM-Signature:")


def test_relay_rule_precedence(server_factory, dns):
    sinks = {k: SmtpSink() for k in ("rcpt_exact", "rcpt_domain", "sender", "default")}
    try:
        m = outbound_server(server_factory, dns, 9)  # MX delivery would fail: port 9
        m.cli("relay", "add", "--type", "default", "--host", HOST, "--port", str(sinks["default"].port))
        m.cli("relay", "add", "--type", "sender", "--pattern", "example.com", "--host", HOST,
              "--port", str(sinks["sender"].port))
        m.cli("relay", "add", "--type", "recipient", "--pattern", "far.example", "--host", HOST,
              "--port", str(sinks["rcpt_domain"].port))
        m.cli("relay", "add", "--type", "recipient", "--pattern", "vip@far.example", "--host", HOST,
              "--port", str(sinks["rcpt_exact"].port))
        cases = [("vip@far.example", "alice@example.com", "rcpt_exact"),     # exact beats domain
                 ("x@far.example", "alice@example.com", "rcpt_domain"),      # recipient beats sender
                 ("x@any.example", "alice@example.com", "sender"),           # sender beats default
                 ("x@any.example", "someone@other.org", "default")]          # default last
        m.sync()  # the running server has loaded every rule above
        for rcpt, sender, _ in cases:
            with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:
                s.sendmail(sender, [rcpt], make_message(new_token("rr"), sender=sender, to=rcpt))
        for rcpt, sender, which in cases:
            wait_until(lambda: any(rcpt in msg.rcpts and msg.mail_from == sender for msg in sinks[which].messages),
                       30, what=f"{rcpt} from {sender} at {which}")
        # a disabled rule is skipped
        rules = json.loads(m.cli("relay", "list", "--json").stdout)
        exact = [r for r in rules if r.get("pattern") == "vip@far.example"][0]
        m.change("relay", "disable", str(exact["id"]))
        with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:
            s.sendmail("alice@example.com", ["vip@far.example"], make_message(new_token("rr2")))
        wait_until(lambda: sum("vip@far.example" in msg.rcpts for msg in sinks["rcpt_domain"].messages) == 1,
                   30, what="disabled exact rule skipped")
    finally:
        for s in sinks.values():
            s.stop()


def test_smarthost_with_auth_and_required_tls(server_factory, dns, tmp_path):
    ca, crt, key = make_ca_and_cert(tmp_path / "pki", "smarthost.relay.example")
    s = SmtpSink(tls_cert=(crt, key), auth=("relayuser", "relaypass"))
    try:
        m = outbound_server(server_factory, dns, 9, tls_ca_file=str(ca))
        m.cli("relay", "add", "--type", "default", "--host", "smarthost.relay.example", "--port", str(s.port),
              "--username", "relayuser", "--password-stdin", "--tls", input="relaypass\n")
        m.sync()
        submit(m, ["out@world.example"], new_token("sh"))
        msg = s.wait_messages(1)[0]
        assert msg.tls and msg.auth_user == "relayuser"
        # a wrong password defers (and says why), it does not bounce
        rid = json.loads(m.cli("relay", "list", "--json").stdout)[0]["id"]
        m.change("relay", "edit", str(rid), "--username", "relayuser", "--password-stdin", input="wrong\n")
        submit(m, ["out2@world.example"], new_token("sh2"))
        m.wait_log(r"to=<out2@world\.example>.*status=deferred \(SASL authentication failed")
    finally:
        s.stop()


def test_required_tls_with_untrusted_certificate_defers(server_factory, dns, tmp_path):
    ca, crt, key = make_ca_and_cert(tmp_path / "pki", "smarthost.relay.example")
    s = SmtpSink(tls_cert=(crt, key))
    try:
        m = outbound_server(server_factory, dns, 9)  # no tls_ca_file: the test CA is unknown
        m.cli("relay", "add", "--type", "default", "--host", "smarthost.relay.example", "--port", str(s.port),
              "--tls")
        m.sync()
        submit(m, ["x@world.example"], new_token("tlsv"))
        m.wait_log(r"to=<x@world\.example>.*status=deferred \(TLS with .* failed: certificate verification failed")
        assert not s.messages
    finally:
        s.stop()


def test_chunking_peer_gets_bdat(server_factory, dns):
    s = SmtpSink(chunking=True)
    try:
        m = outbound_server(server_factory, dns, s.port)
        token = new_token("bd")
        submit(m, ["c@remote.example"], token)
        msg = s.wait_messages(1)[0]
        assert msg.via_bdat and token.encode() in msg.data
    finally:
        s.stop()


def test_relay_domain_forwards_any_local_part(server_factory, dns, sink):
    m = server_factory("rd", setup=standard_directory, dns_resolver=dns.address, start=False)
    m.cli("domain", "add", "branch.example", "--relay", f"{HOST}:{sink.port}")
    m.cli("settings", "set", "trusted_networks", "")
    m.start()
    with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:
        s.sendmail("ext@remote.example", ["anyone@branch.example"], make_message(new_token("rd")))
    msg = sink.wait_messages(1)[0]
    assert msg.rcpts == ["anyone@branch.example"]


def test_delay_warning_once_for_notify_delay(server_factory, dns):
    port = __import__("conftest").free_port()
    m = outbound_server(server_factory, dns, port, delay_warning_time=1)
    token = new_token("dly")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP_SSL(HOST, m.submissions_port, timeout=scaled(30), context=ctx) as s:
        s.login("alice", PASSWORDS["alice"])
        s.sendmail("alice@example.com", ["slow@remote.example", "quiet@remote.example"],
                   make_message(token, sender="alice@example.com"), rcpt_options=[])
    # quiet@ asked nothing (failures only); a second message asks for delay notices
    token2 = new_token("dly2")
    with smtplib.SMTP_SSL(HOST, m.submissions_port, timeout=scaled(30), context=ctx) as s:
        s.login("alice", PASSWORDS["alice"])
        s.sendmail("alice@example.com", ["slow@remote.example"], make_message(token2, sender="alice@example.com"),
                   rcpt_options=["NOTIFY=DELAY,FAILURE"])
    wait_until(lambda: dsn_in(m, "alice", token2), 30, what="delay DSN")
    # Three more attempts for each message after the warning (retries every 1-2 s).
    deferred = r"to=<slow@remote\.example>.*status=deferred"
    m.wait_log(deferred, timeout=30, count=len(m.wait_log(deferred)) + 6)
    dsns = dsn_in(m, "alice", token2)
    assert len(dsns) == 1, "one delay warning, not one per retry"
    text = dsns[0].read_bytes().decode()
    assert "Action: delayed" in text and "Final-Recipient: rfc822; slow@remote.example" in text
    assert not dsn_in(m, "alice", token), "no delay notice without NOTIFY=DELAY"
    assert len(queue_list(m)) == 2, "still queued after the warning"


def test_queue_show_and_delete(server_factory, dns):
    port = __import__("conftest").free_port()
    m = outbound_server(server_factory, dns, port, queue_retry_min=3600, queue_retry_max=3600)
    token = new_token("qsd")
    submit(m, ["gone@remote.example"], token)
    items = wait_until(lambda: [i for i in queue_list(m) if i.get("reason")], 20, what="deferred in queue")
    qid = items[0]["id"]
    shown = m.cli("queue", "show", qid).stdout
    assert token in shown and "gone@remote.example" in shown
    assert m.cli("queue", "show", "NOSUCHID0000000", check=False).returncode != 0
    m.cli("queue", "delete", qid)
    assert not queue_list(m)
    s = SmtpSink(port)
    try:
        m.cli("queue", "resend", "--all")
        m.wait_log(r"qmgr\[\d+\]: resend requested for all queued messages")
        assert not s.messages, "a deleted message was still sent"
        assert not dsn_in(m, "alice", token), "deleting does not bounce"
    finally:
        s.stop()


def test_bounce_for_an_undeliverable_local_sender_goes_to_postmaster(server_factory, dns, sink):
    sink.rcpt_reply = lambda a: "550 5.1.1 no such user"
    m = outbound_server(server_factory, dns, sink.port)
    token = new_token("dbl")
    with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:  # trusted network: may relay
        s.sendmail("ghost@example.com", ["x@remote.example"], make_message(token, sender="ghost@example.com"))
    m.wait_log(r"sender <ghost@example\.com> cannot receive the notification|notification to <ghost@example\.com> discarded")
    # with a postmaster address, the notification reaches it
    m.change("address", "add", "postmaster@example.com", "--to", "carol")
    token2 = new_token("dbl2")
    with smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(30)) as s:
        s.sendmail("ghost@example.com", ["y@remote.example"], make_message(token2, sender="ghost@example.com"))
    wait_until(lambda: dsn_in(m, "carol", token2), 30, what="notification at the postmaster")
