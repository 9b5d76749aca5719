"""A full disk: the data folder on a small tmpfs. Nothing acknowledged may be lost, a
message that does not fit gets 452 4.3.1, no partial file is left behind, and the server
keeps serving once there is room again."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import (Magpie, RawSMTP, assert_reply, deliver, files_containing, make_message, new_token,
                      standard_directory, wait_until)


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_full_disk_gets_452_and_loses_nothing(server_factory, small_disk):
    m = server_factory("disk", setup=standard_directory, start=False)
    # put the data folder on the small disk
    target = small_disk / "data"
    shutil.copytree(m.data, target)
    shutil.rmtree(m.data)
    m.data.symlink_to(target)
    m.start()

    token_ok, _ = deliver(m, ["alice@example.com"])           # fits
    filler = small_disk / "filler"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"x" * max(0, free - 300_000))          # leave about 300 KB

    token_big = new_token("big")
    data = make_message(token_big, body_size=1_000_000)
    with RawSMTP(m.smtp_port) as c:
        c.greet()
        c.ehlo()
        assert_reply(c.cmd("MAIL FROM:<ext@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5")
        assert_reply(c.cmd("DATA"), 354)
        c.send(data + b".\r\n")
        assert_reply(c.reply(), 452, "4.3.1")
        # the session goes on: a small message in the same connection fits
        token_small = new_token("small")
        assert_reply(c.cmd("MAIL FROM:<ext@remote.example>"), 250, "2.1.0")
        assert_reply(c.cmd("RCPT TO:<alice@example.com>"), 250, "2.1.5")
        assert_reply(c.cmd("DATA"), 354)
        c.send(make_message(token_small) + b".\r\n")
        assert_reply(c.reply(), 250, "2.0.0")
    wait_until(lambda: files_containing(m.maildir("alice"), token_small), 20, what="small message delivered")
    assert not files_containing(m.maildir("alice"), token_big)
    assert not list((m.data / "queue" / "tmp").glob("*")), "partial queue file left behind"
    # room again: big messages are accepted and delivered
    filler.unlink()
    deliver(m, ["alice@example.com"], token=token_big, body_size=1_000_000)
    assert len(files_containing(m.maildir("alice"), token_ok)) == 1
    m.assert_alive()
