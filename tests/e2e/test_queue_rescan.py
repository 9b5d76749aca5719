"""No committed message waits for a restart (issue 14, finding 5): hand-offs dropped on
purpose by the debug-build fault hook (MAGPIE_FAULT_DROP_HANDOFF) — SMTP to the delivery
agent, and the agent to the outbound manager — are found by the periodic queue rescan and
delivered; `magpie queue list` marks a message nobody tried as OVERDUE."""
import json
import os
import time

import pytest

from conftest import (HOST, MAGPIE_BIN, files_containing, make_message, new_token,
                      queue_id_of, send_raw_message, standard_directory, wait_until)
from peers import SmtpSink


def _has_fault_hook() -> bool:
    with open(MAGPIE_BIN, "rb") as f:
        return b"MAGPIE_FAULT_DROP_HANDOFF" in f.read()


pytestmark = pytest.mark.skipif(not _has_fault_hook(), reason="release build: no fault hook")


def test_dropped_handoffs_are_delivered_by_the_rescan(server_factory, monkeypatch):
    sink = SmtpSink()
    try:
        def setup(m):
            standard_directory(m)
            m.cli("settings", "set", "queue_rescan_interval", "2")
            m.cli("relay", "add", "--type", "default", "--host", HOST, "--port", str(sink.port))
        monkeypatch.setenv("MAGPIE_FAULT_DROP_HANDOFF", "local,remote")
        m = server_factory("rescan", setup=setup)
        monkeypatch.delenv("MAGPIE_FAULT_DROP_HANDOFF")

        # 1. SMTP -> agent dropped: the local copy still arrives.
        token = new_token("rl")
        r = send_raw_message(m.smtp_port, "ext@remote.example", ["alice@example.com"],
                             make_message(token, to="alice@example.com"))
        qid = queue_id_of(r.text)
        m.wait_log(rf"local.*{qid}: fault injection: hand-off dropped")
        m.wait_log(rf"{qid}: found in the queue but not scheduled; scheduling it", timeout=30)
        m.wait_delivered(qid)
        assert len(files_containing(m.maildir("alice"), token)) == 1

        # 2. agent -> outbound manager dropped: the remote copy still goes out, once.
        token2 = new_token("rr")
        r = send_raw_message(m.smtp_port, "alice@example.com",
                             ["bob@example.com", "v@remote.example"],
                             make_message(token2, sender="alice@example.com", to="v@remote.example"))
        qid2 = queue_id_of(r.text)
        m.wait_log(rf"qmgr.*{qid2}: fault injection: hand-off dropped")
        m.wait_log(rf"{qid2}: found in the queue but not scheduled; scheduling it", timeout=30)
        msgs = sink.wait_messages(1)
        assert token2.encode() in msgs[0].data
        m.wait_log(rf"\b{qid2}: removed\b")
        assert len(files_containing(m.maildir("bob"), token2)) == 1
        assert len([x for x in sink.messages if token2.encode() in x.data]) == 1
    finally:
        sink.stop()


def test_queue_list_marks_overdue(server_factory):
    """An entry that nobody tried for more than 5 minutes is OVERDUE (the server is
    stopped, so no one tries it)."""
    m = server_factory("overdue", setup=standard_directory)
    sink_port = 9  # nothing listens: the attempt defers
    m.change("relay", "add", "--type", "default", "--host", HOST, "--port", str(sink_port))
    r = send_raw_message(m.smtp_port, "alice@example.com", ["v@remote.example"],
                         make_message(new_token("od"), sender="alice@example.com"))
    qid = queue_id_of(r.text)
    m.wait_log(rf"{qid}: to=<v@remote.example>.*deferred")
    m.stop()
    defer = m.data / "queue" / "active" / f"{qid}.defer"
    assert defer.exists()
    items = json.loads(m.cli("queue", "list", "--json").stdout)
    assert [i["overdue"] for i in items if i["id"] == qid] == [False]
    assert "OVERDUE" not in m.cli("queue", "list").stdout
    # The next attempt was due ten minutes ago.
    text = defer.read_text()
    lines = [ln if not ln.startswith("next ") else f"next {int(time.time()) - 600}"
             for ln in text.splitlines()]
    defer.write_text("\n".join(lines) + "\n")
    items = json.loads(m.cli("queue", "list", "--json").stdout)
    assert [i["overdue"] for i in items if i["id"] == qid] == [True]
    assert f"{qid} " in m.cli("queue", "list").stdout and "OVERDUE" in m.cli("queue", "list").stdout
