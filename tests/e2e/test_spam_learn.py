"""`magpie spam learn --spam|--ham PATH...` and `magpie spam status`: training the Bayes
classifier from message files and Maildir folders, once per message (by digest), moving a
message relearned the other way, and activation at 200 spam + 200 ham."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import Magpie


def message(kind: str, n: int) -> bytes:
    words = {"spam": "cheap pills lottery winner claim your prize now",
             "ham": "meeting notes for the project review on thursday"}[kind]
    return (f"From: {kind}{n}@{kind}.example\r\nTo: user@example.com\r\n"
            f"Subject: {kind} {n}\r\nMessage-ID: <{kind}{n}@{kind}.example>\r\n"
            f"Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n\r\n{words} {n}\r\n").encode()


def maildir(base: Path, kind: str, count: int, start: int = 0) -> Path:
    d = base / f"{kind}-maildir"
    for sub in ("cur", "new", "tmp"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    for n in range(start, start + count):
        (d / ("cur" if n % 2 else "new") / f"{n}.eml").write_bytes(message(kind, n))
    return d


def learn(m: Magpie, *args: str) -> dict:
    return json.loads(m.cli("spam", "learn", "--json", *args).stdout)


def status(m: Magpie) -> dict:
    return json.loads(m.cli("spam", "status", "--json").stdout)


def test_learn_files_once_and_move(tmp_path):
    m = Magpie(tmp_path / "m")
    f = tmp_path / "one.eml"
    f.write_bytes(message("spam", 1))
    assert learn(m, "--spam", str(f)) == {"messages": 1, "learned": 1, "moved": 0,
                                          "already_known": 0, "failed": []}
    # The same message again, also as another user's copy with its own delivery headers.
    copy = tmp_path / "copy.eml"
    copy.write_bytes(b"Delivered-To: bob@example.com\r\n" + message("spam", 1))
    r = learn(m, "--spam", str(f), str(copy))
    assert (r["learned"], r["already_known"]) == (0, 2)
    r = learn(m, "--ham", str(f))
    assert (r["learned"], r["moved"]) == (1, 1)
    s = status(m)
    assert (s["spam_learned"], s["ham_learned"], s["active"]) == (0, 1, False)
    assert (m.data / "filter" / "bayes.db").is_file()
    text = m.cli("spam", "status").stdout
    assert "ham learned:  1 (needs 200)" in text and "inactive" in text


def test_maildir_folders_activate_at_200_each(tmp_path):
    m = Magpie(tmp_path / "m")
    spam = maildir(tmp_path, "spam", 200)
    ham = maildir(tmp_path, "ham", 199)
    assert learn(m, "--spam", str(spam))["learned"] == 200
    assert learn(m, "--ham", str(ham))["learned"] == 199
    s = status(m)
    assert not s["active"] and s["percent"] == 99
    extra = tmp_path / "ham-199.eml"
    extra.write_bytes(message("ham", 199))
    p = m.cli("spam", "learn", "--ham", str(extra))
    assert p.stdout.strip() == "learned 1 of 1 message(s)"
    s = status(m)
    assert s == {"spam_learned": 200, "ham_learned": 200, "min_spam": 200, "min_ham": 200,
                 "active": True, "percent": 100}


def test_errors(tmp_path):
    m = Magpie(tmp_path / "m")
    f = tmp_path / "one.eml"
    f.write_bytes(message("ham", 1))
    p = m.cli("spam", "learn", str(f), check=False)
    assert p.returncode == 2 and "--spam or --ham" in p.stderr
    p = m.cli("spam", "learn", "--spam", "--ham", str(f), check=False)
    assert p.returncode == 2
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"just some notes, no header\n")
    p = m.cli("spam", "learn", "--ham", str(f), str(tmp_path / "missing"), str(notes),
              check=False)
    assert p.returncode == 1
    assert "learned 1 of 1 message(s)" in p.stdout
    assert "missing: no such file or folder" in p.stderr
    assert "notes.txt: not a message" in p.stderr


def test_plain_folder_of_message_files(tmp_path):
    m = Magpie(tmp_path / "m")
    plain = tmp_path / "plain"
    (plain / "sub").mkdir(parents=True)
    for n in range(3):
        (plain / f"{n}.eml").write_bytes(message("spam", n))
    (plain / "sub" / "9.eml").write_bytes(message("spam", 9))  # subfolders are not read
    (plain / ".hidden").write_bytes(message("spam", 8))  # nor hidden files
    (plain / "README").write_bytes(b"spam I saved last year\n")  # not a message
    p = m.cli("spam", "learn", "--json", "--spam", str(plain), check=False)
    assert p.returncode == 1
    r = json.loads(p.stdout)
    assert (r["messages"], r["learned"]) == (3, 3), r
    assert len(r["failed"]) == 1 and r["failed"][0].endswith("README: not a message"), r
    assert status(m)["spam_learned"] == 3


def test_learn_beside_a_running_server(server_factory, tmp_path):
    m = server_factory("spam")
    spam = maildir(tmp_path, "spam", 5)
    assert learn(m, "--spam", str(spam))["learned"] == 5
    assert status(m)["spam_learned"] == 5
    assert m.running()
