"""DKIM interop: mail signed by `magpie dkim sign` with the key made at `magpie domain add`
verifies with Debian's python3-dkim (dkimpy) against the record `magpie dkim show` prints.

dkimpy runs under /usr/bin/python3 (where Debian installs it) in a subprocess, with a
dnsfunc that answers the one TXT query from the record we pass in.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import MAGPIE_BIN, Magpie

SYSTEM_PYTHON = "/usr/bin/python3"

# Reads the message from a file and the TXT record from argv; prints "pass" or "fail".
VERIFY = r"""
import sys, dkim
msg = open(sys.argv[1], "rb").read()
record, want = sys.argv[2].encode(), sys.argv[3].encode()
def dnsfunc(name, timeout=5):
    return record if name.rstrip(b".") == want else None
print("pass" if dkim.verify(msg, dnsfunc=dnsfunc) else "fail")
"""

MESSAGE = (
    "From: Alice Example <alice@example.org>\r\n"
    "To: Bob <bob@example.net>, carol@example.net\r\n"
    "Cc: dave@example.net\r\n"
    "Subject: Interop   test with a rather long subject line that keeps going and\r\n"
    " is folded onto a second line\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <interop-1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "List-Id: <test.example.org>\r\n"
    "\r\n"
    "Hello Bob,  \r\n"
    "\r\n"
    "\tindented line with trailing tabs\t\t\r\n"
    "last line\r\n"
    "\r\n"
    "\r\n"
)


def have_dkimpy(ed25519: bool = False) -> bool:
    mods = "import dkim" + ("; import nacl" if ed25519 else "")
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", mods], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


def dkimpy_verify(tmp: Path, message: bytes, record: str, name: str) -> str:
    path = tmp / "signed.eml"
    path.write_bytes(message)
    p = subprocess.run([SYSTEM_PYTHON, "-c", VERIFY, str(path), record, name],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def magpie_sign(m: Magpie, domain: str, message: bytes) -> bytes:
    p = subprocess.run([MAGPIE_BIN, "-c", str(m.config), "dkim", "sign", domain],
                       input=message, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.fixture
def magpie(tmp_path: Path) -> Magpie:
    if not have_dkimpy():
        pytest.skip("python3-dkim is not installed (scripts/deps.sh --test)")
    m = Magpie(tmp_path / "m")
    m.cli("domain", "add", "example.org")
    return m


def record_of(m: Magpie, domain: str) -> str:
    return m.cli("dkim", "show", domain, "--txt").stdout.strip()


def test_rsa_signature_verifies_with_dkimpy(magpie: Magpie, tmp_path: Path):
    record = record_of(magpie, "example.org")
    assert record.startswith("v=DKIM1; k=rsa; p=MIIB")
    assert (magpie.data / "dkim/example.org/default.key").stat().st_mode & 0o777 == 0o600
    signed = magpie_sign(magpie, "example.org", MESSAGE.encode())
    assert signed.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
    name = "default._domainkey.example.org"
    assert dkimpy_verify(tmp_path, signed, record, name) == "pass"
    # dkimpy really checks: a changed body fails.
    tampered = signed.replace(b"last line", b"last  LINE")
    assert dkimpy_verify(tmp_path, tampered, record, name) == "fail"


def test_bare_lf_message_verifies_with_dkimpy(magpie: Magpie, tmp_path: Path):
    record = record_of(magpie, "example.org")
    signed = magpie_sign(magpie, "example.org", MESSAGE.replace("\r\n", "\n").encode())
    assert b"\r" not in signed
    assert dkimpy_verify(tmp_path, signed, record, "default._domainkey.example.org") == "pass"


def test_zone_line_carries_the_record(magpie: Magpie):
    record = record_of(magpie, "example.org")
    line = magpie.cli("dkim", "show", "example.org", "--zone").stdout.strip()
    assert line.startswith("default._domainkey.example.org. IN TXT (")
    chunks = line.split('"')[1::2]
    assert all(len(c) <= 255 for c in chunks)
    assert "".join(chunks) == record


def test_ed25519_after_rotate_verifies_with_dkimpy(magpie: Magpie, tmp_path: Path):
    if not have_dkimpy(ed25519=True):
        pytest.skip("python3-nacl is needed for ed25519 in dkimpy")
    old = record_of(magpie, "example.org")
    magpie.cli("dkim", "rotate", "example.org", "--ed25519")
    record = record_of(magpie, "example.org")
    assert record.startswith("v=DKIM1; k=ed25519; p=") and record != old
    signed = magpie_sign(magpie, "example.org", MESSAGE.encode())
    assert b"a=ed25519-sha256" in signed
    assert dkimpy_verify(tmp_path, signed, record, "default._domainkey.example.org") == "pass"
    # The old record no longer matches the new key.
    assert dkimpy_verify(tmp_path, signed, old, "default._domainkey.example.org") == "fail"


def test_disabled_domain_is_not_signed(magpie: Magpie):
    magpie.cli("dkim", "disable", "example.org")
    assert "signing:   disabled" in magpie.cli("dkim", "show", "example.org").stdout
    p = subprocess.run([MAGPIE_BIN, "-c", str(magpie.config), "dkim", "sign", "example.org"],
                       input=MESSAGE.encode(), capture_output=True, timeout=60)
    assert p.returncode == 1 and b"disabled" in p.stderr
    magpie.cli("dkim", "enable", "example.org")
    assert "signing:   enabled" in magpie.cli("dkim", "show", "example.org").stdout
