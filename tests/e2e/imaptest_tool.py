"""Dovecot's imaptest for the e2e tests: built once from ../shared/tools/imaptest (next to
the repository; MAGPIE_IMAPTEST_SRC overrides) into a cache folder keyed by a hash of its
source (MAGPIE_IMAPTEST_CACHE overrides the folder; default under the system temp dir),
and its scripted-suite summary parsed.

The build is BUILD.sh OUTDIR of the tool's folder, run under a file lock so that parallel
test runs build it once; it needs dovecot-dev, autoconf, automake and libtool
(scripts/deps.sh --test)."""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = Path(os.environ.get("MAGPIE_IMAPTEST_SRC", str(REPO.parent / "shared" / "tools" / "imaptest")))
CACHE = Path(os.environ.get("MAGPIE_IMAPTEST_CACHE",
                            str(Path(tempfile.gettempdir()) / "magpie-imaptest-cache")))
BUILD_NEEDS = ("dovecot-dev", "autoconf", "automake", "libtool", "make", "gcc")


def source_key(src: Path = SRC) -> str:
    """A hash of every file of the source tree (names and bytes) and of the Dovecot headers
    it is compiled against."""
    h = hashlib.sha256()
    for p in sorted(src.rglob("*")):
        if p.is_file() and ".git" not in p.parts:
            h.update(str(p.relative_to(src)).encode() + b"\0")
            h.update(p.read_bytes())
    hdr = Path("/usr/include/dovecot/imap-parser.h")
    if hdr.exists():
        h.update(hdr.read_bytes())
    return h.hexdigest()[:16]


def missing_build_tools() -> list[str]:
    missing = [p for p in BUILD_NEEDS[:4] if subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True
    ).stdout.find("install ok installed") < 0]
    missing += [t for t in BUILD_NEEDS[4:] if shutil.which(t) is None]
    return missing


def build(timeout: float = 900) -> Path:
    """The folder holding bin/imaptest and tests/, built now unless the cache has it."""
    if not (SRC / "BUILD.sh").exists():
        raise FileNotFoundError(f"imaptest source not found at {SRC} (set MAGPIE_IMAPTEST_SRC)")
    missing = missing_build_tools()
    if missing:  # BUILD.sh would apt-get them; a test never installs packages
        raise RuntimeError(f"imaptest needs {' '.join(missing)}: run scripts/deps.sh --test")
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / source_key()
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (out / "bin" / "imaptest").exists() and (out / "tests").is_dir():
            return out
        work = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE))
        try:
            # The copy has neither .git nor a "version" file, from which its configure.ac
            # takes the version (build-aux/git-version-gen): VERSION gives it one.
            env = dict(os.environ, VERSION=f"0.0.0-{out.name}")
            p = subprocess.run(["bash", str(SRC / "BUILD.sh"), str(work)], capture_output=True,
                               text=True, timeout=timeout, env=env)
            if p.returncode != 0 or not (work / "bin" / "imaptest").exists():
                raise RuntimeError(f"imaptest build failed ({p.returncode}):\n"
                                   f"{p.stdout[-3000:]}{p.stderr[-3000:]}")
            shutil.rmtree(work / "src", ignore_errors=True)  # only bin/ and tests/ are kept
            shutil.rmtree(out, ignore_errors=True)
            work.rename(out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out


@dataclass
class Summary:
    groups: int
    failed: int
    skipped: int
    output: str

    def failures(self) -> list[str]:
        """The names of the failed test files, as imaptest prints them."""
        return sorted(set(re.findall(r"^\*\*\* Test (\S+) (?:command|initialization)", self.output, re.M)))


SUMMARY = re.compile(r"^(\d+) test groups: (\d+) failed, (\d+) skipped due to missing "
                     r"capabilities", re.M)


def parse_summary(output: str) -> Summary:
    """Reads imaptest's "N test groups: M failed, K skipped ..." line; raises when absent
    (the tool died before finishing)."""
    m = SUMMARY.search(output)
    if not m:
        raise AssertionError(f"imaptest printed no summary:\n{output[-4000:]}")
    return Summary(int(m.group(1)), int(m.group(2)), int(m.group(3)), output)


def run_suite(tool: Path, port: int, user: str, password: str, tls: bool,
              timeout: float) -> Summary:
    """Runs the scripted suite (test=tests/) against 127.0.0.1:port."""
    args = [str(tool / "bin" / "imaptest"), "host=127.0.0.1", f"port={port}", f"user={user}",
            f"pass={password}", f"test={tool / 'tests'}"]
    if tls:
        args.append("ssl=any-cert")  # the server's self-signed certificate
    p = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=timeout)
    return parse_summary(p.stdout + p.stderr)


def run_stress(tool: Path, port: int, user: str, password: str, mbox: Path, clients: int,
               secs: int, timeout: float) -> str:
    """Runs imaptest's stress mode (random commands from `clients` connections with state
    tracking, messages APPENDed from `mbox`) for `secs` seconds; returns its output. The
    tool reports what it finds wrong as "Error:" lines (its exit status stays 0)."""
    args = [str(tool / "bin" / "imaptest"), "host=127.0.0.1", f"port={port}", f"user={user}",
            f"pass={password}", f"mbox={mbox}", f"clients={clients}", f"secs={secs}"]
    p = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=timeout)
    return p.stdout + p.stderr


def stress_errors(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if "Error:" in ln or "Panic:" in ln
            or "Fatal:" in ln]


def suite_mbox(tool: Path, dest: Path) -> Path:
    """One mbox of the messages of the suite's tests/*.mbox (in name order). The stress
    mode tells messages apart by their Message-ID, which many of them lack and a few share
    ("<a@b>"): those get one of their own (replacing a shared one, else as a first line)."""
    seen: set[bytes] = set()
    n = 0
    with open(dest, "wb") as out:
        for p in sorted((tool / "tests").glob("*.mbox")):
            for msg in re.split(rb"(?m)^(?=From )", p.read_bytes()):
                if not msg.startswith(b"From "):
                    continue
                from_line, rest = msg.split(b"\n", 1)
                m = re.search(rb"(?im)^message-id:\s*(\S+)", rest.split(b"\n\n", 1)[0])
                if not m or m.group(1) in seen:
                    n += 1
                    own = b"Message-ID: <stress-%d@imaptest.magpie.test>" % n
                    rest = (rest[:m.start()] + own + rest[m.end():]) if m else own + b"\n" + rest
                else:
                    seen.add(m.group(1))
                msg = from_line + b"\n" + rest
                out.write(msg if msg.endswith(b"\n") else msg + b"\n")
    return dest
