"""Dovecot's imaptest against the real server: its scripted suite (src/tests: one file per
command or extension, each command with the responses RFC 3501/9051 and the extension RFCs
require) over plain IMAP on 143 and over implicit TLS on 993, asserting no failed group,
and a 30-second stress run (10 clients sending random commands, the tool tracking every
mailbox state they should see) with no error. Groups whose capability Magpie does not
advertise are skipped by the tool itself and counted, not failed. The tool is built once
per source version (imaptest_tool.py)."""
from __future__ import annotations

import pytest

import imaptest_tool
from conftest import scaled

USER, PASSWORD = "tester", "imaptest-pass-1"


@pytest.fixture(scope="module")
def tool():
    if not (imaptest_tool.SRC / "BUILD.sh").exists():
        pytest.skip(f"imaptest source not at {imaptest_tool.SRC} (set MAGPIE_IMAPTEST_SRC)")
    return imaptest_tool.build()


@pytest.fixture
def srv(server_factory):
    def setup(m):
        m.cli("user", "add", USER, "--password-stdin", input=PASSWORD + "\n")
        # imaptest logs in with LOGIN on the plain port, as the suite's scripts expect.
        m.cli("settings", "set", "allow_plaintext_auth", "true")
    return server_factory("imaptest", setup=setup)


def test_summary_parser_reads_the_tool_line():
    s = imaptest_tool.parse_summary(
        "*** Test fetch command 3/9 (line 12)\n - failed: missing\n\n"
        "71 test groups: 1 failed, 12 skipped due to missing capabilities\n")
    assert (s.groups, s.failed, s.skipped) == (71, 1, 12)
    assert s.failures() == ["fetch"]
    with pytest.raises(AssertionError):
        imaptest_tool.parse_summary("imaptest: Fatal: connect() failed\n")


@pytest.mark.parametrize("tls", [False, True], ids=["imap", "imaps"])
def test_scripted_suite_has_no_failed_group(tool, srv, tls):
    port = srv.imaps_port if tls else srv.imap_port
    s = imaptest_tool.run_suite(tool, port, USER, PASSWORD, tls, timeout=scaled(600))
    print(f"imaptest {'imaps' if tls else 'imap'}: {s.groups} test groups, {s.failed} failed, "
          f"{s.skipped} skipped")
    assert s.groups >= 71, s.output[-4000:]
    assert s.failed == 0, f"failed groups {s.failures()}:\n{s.output[-12000:]}"
    srv.assert_alive()


def test_stress_run_has_no_error(tool, srv, tmp_path):
    mbox = imaptest_tool.suite_mbox(tool, tmp_path / "suite.mbox")
    out = imaptest_tool.run_stress(tool, srv.imap_port, USER, PASSWORD, mbox, clients=10,
                                   secs=30, timeout=scaled(120))
    assert "Totals:" in out, out[-4000:]  # the run finished and printed its table
    errors = imaptest_tool.stress_errors(out)
    assert not errors, "\n".join(errors[:50])
    srv.assert_alive()
