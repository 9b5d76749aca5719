"""Shared helpers for Magpie's end-to-end tests.

Every test drives the real `magpie` binary (MAGPIE_BIN, default build/magpie) on
127.0.0.1 with its own data folder and free ports.  Nothing here may block without a
deadline: every socket has a timeout and every wait has one (scaled by TIME_SCALE, which
is larger for sanitizer builds).
"""
from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAGPIE_BIN = os.environ.get("MAGPIE_BIN", str(REPO / "build" / "magpie"))
HOST = "127.0.0.1"
HOSTNAME = "mx.test.local"


def _detect_sanitizer(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            data = f.read()
        return b"__asan_init" in data or b"AddressSanitizer" in data
    except OSError:
        return False


SANITIZED = _detect_sanitizer(MAGPIE_BIN)
# A build of the same source without sanitizers (scripts/test.sh makes one), for the few
# tests a sanitizer runtime cannot take part in (running out of file descriptors).
PLAIN_BIN = os.environ.get("MAGPIE_PLAIN_BIN") or None
# Multiplies every deadline. MAGPIE_TIME_SCALE overrides; sanitizer builds get 3x.
TIME_SCALE = float(os.environ.get("MAGPIE_TIME_SCALE", "3" if SANITIZED else "1"))


def scaled(seconds: float) -> float:
    return seconds * TIME_SCALE


# scripts/test.sh sets MAGPIE_NO_SKIP=1: there every test tool is installed by deps.sh, so a
# skip (a missing client, no root for a private Postfix) would hide a broken setup — it fails.
NO_SKIP = os.environ.get("MAGPIE_NO_SKIP") == "1"


def _skip_reason(rep) -> str:
    lr = rep.longrepr
    return lr[2] if isinstance(lr, tuple) and len(lr) == 3 else str(lr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    rep = (yield).get_result()
    if NO_SKIP and rep.skipped and not hasattr(rep, "wasxfail"):
        rep.outcome = "failed"
        rep.longrepr = f"skipped although MAGPIE_NO_SKIP=1: {_skip_reason(rep)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    rep = (yield).get_result()
    if NO_SKIP and rep.skipped:
        rep.outcome = "failed"
        rep.longrepr = f"module skipped although MAGPIE_NO_SKIP=1: {_skip_reason(rep)}"


# ---------------------------------------------------------------------------
# small utilities


_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now, taken below the kernel's
    ephemeral range (32768+) so that an outgoing connection cannot grab it before the
    server under test binds it, and never handed out twice in one run."""
    import random
    for _ in range(1000):
        port = random.randrange(20000, 32000)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port in 20000-32000")


def wait_until(pred, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Polls pred() until it returns a truthy value; fails the test after `timeout` s."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {scaled(timeout):.1f}s waiting for {what}")
        time.sleep(interval)


def maildir_files(maildir: Path) -> list[Path]:
    """Every message file of a Maildir (new/ and cur/; tmp/ is not delivered mail)."""
    out: list[Path] = []
    for sub in ("new", "cur"):
        d = Path(maildir) / sub
        if d.is_dir():
            out.extend(p for p in d.iterdir() if p.is_file())
    return out


def wait_for_files(maildir: Path, n: int, timeout: float = 20) -> list[Path]:
    """Waits until the Maildir holds at least n messages, returns them."""
    return wait_until(lambda: (lambda f: f if len(f) >= n else None)(maildir_files(maildir)),
                      timeout, what=f"{n} messages in {maildir}")


def files_containing(maildir: Path, token: str) -> list[Path]:
    b = token.encode()
    out = []
    for p in maildir_files(maildir):
        try:
            if b in p.read_bytes():
                out.append(p)
        except FileNotFoundError:  # moved new/ -> cur/ meanwhile
            pass
    return out


def make_message(token: str, sender="sender@remote.example", to="rcpt@example.com",
                 body_size: int = 0, msgid: str | None = None) -> bytes:
    """A small RFC 5322 message with CRLF line ends whose Subject and Message-ID carry token."""
    msgid = msgid or f"<{token}@test.local>"
    lines = [f"From: <{sender}>", f"To: <{to}>", f"Subject: {token}", f"Message-ID: {msgid}",
             "Date: Thu, 01 Jan 2026 00:00:00 +0000", "", f"Body of {token}."]
    filler = "x" * 76
    while body_size > 0:
        lines.append(filler)
        body_size -= 78
    return ("\r\n".join(lines) + "\r\n").encode()


_token_counter = 0


def new_token(prefix: str = "t") -> str:
    """A unique string to find one message by (Subject and Message-ID)."""
    global _token_counter
    _token_counter += 1
    return f"{prefix}-{os.getpid()}-{_token_counter}-{time.monotonic_ns() % 10**9}"


# ---------------------------------------------------------------------------
# raw SMTP client


class Reply:
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.code = int(lines[-1][:3])
        self.text = lines[-1][4:]
        parts = self.text.split(" ", 1)
        self.enhanced = parts[0] if re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", parts[0]) else ""

    def __repr__(self):
        return "Reply(" + " | ".join(self.lines) + ")"

    def is_(self, code: int, enhanced: str | None = None) -> bool:
        return self.code == code and (enhanced is None or self.enhanced == enhanced)


def assert_reply(r: Reply, code: int, enhanced: str | None = None, text: str | None = None):
    assert r.code == code, f"expected {code} {enhanced or ''}, got {r}"
    if enhanced is not None:
        assert r.enhanced == enhanced, f"expected {code} {enhanced}, got {r}"
    if text is not None:
        assert text in r.text, f"expected {text!r} in {r}"


class RawSMTP:
    """A byte-level SMTP client: sends exactly what it is given, parses replies."""

    def __init__(self, port: int, timeout: float = 15, tls: bool = False):
        self.timeout = scaled(timeout)
        self.sock = socket.create_connection((HOST, port), timeout=self.timeout)
        self.sock.settimeout(self.timeout)
        if tls:
            self._wrap_tls()
        self.buf = b""

    def _wrap_tls(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock, server_hostname=HOSTNAME)
        self.sock.settimeout(self.timeout)

    def send(self, data: bytes | str):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _readline(self) -> bytes | None:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def reply(self) -> Reply:
        """Reads one (possibly multi-line) reply; raises EOFError if the server closed."""
        lines = []
        while True:
            line = self._readline()
            if line is None:
                raise EOFError(f"connection closed (after {lines})")
            text = line.decode("utf-8", "replace")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return Reply(lines)

    def replies(self, n: int) -> list[Reply]:
        return [self.reply() for _ in range(n)]

    def cmd(self, line: str | bytes) -> Reply:
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.reply()

    def ehlo(self, name: str = "client.test") -> Reply:
        r = self.cmd(f"EHLO {name}")
        assert_reply(r, 250)
        return r

    def greet(self) -> Reply:
        r = self.reply()
        assert_reply(r, 220)
        return r

    def starttls(self):
        assert_reply(self.cmd("STARTTLS"), 220, "2.0.0")
        assert self.buf == b""
        self._wrap_tls()

    def auth_plain(self, user: str, password: str) -> Reply:
        import base64
        tok = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return self.cmd(f"AUTH PLAIN {tok}")

    def is_closed(self, timeout: float = 5) -> bool:
        """True if the server closes the connection (EOF) within timeout."""
        self.sock.settimeout(scaled(timeout))
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
            return True
        finally:
            self.sock.settimeout(self.timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def send_raw_message(port: int, sender: str, rcpts: list[str], data: bytes) -> Reply:
    """One plain SMTP transaction, line by line; returns the reply to the final dot."""
    with RawSMTP(port) as c:
        c.greet()
        c.ehlo()
        assert_reply(c.cmd(f"MAIL FROM:<{sender}>"), 250, "2.1.0")
        for r in rcpts:
            assert_reply(c.cmd(f"RCPT TO:<{r}>"), 250, "2.1.5")
        assert_reply(c.cmd("DATA"), 354)
        c.send(data + b".\r\n")
        r = c.reply()
        c.cmd("QUIT")
        return r


QUEUED_RE = re.compile(r"queued as ([0-9A-Z]+)")


def queue_id_of(reply_text: str) -> str:
    m = QUEUED_RE.search(reply_text)
    assert m, f"no queue id in {reply_text!r}"
    return m.group(1)


# ---------------------------------------------------------------------------
# the server under test


LISTENERS = 7  # smtp, submission, submissions, imap, imaps, pop3, pop3s


class Magpie:
    """One magpie instance: its config, data folder, ports, process and CLI."""

    def __init__(self, base: Path, name: str = "magpie", threads: int | None = None,
                 dns_resolver: str | None = None, api: bool = False):
        self.base = Path(base)
        self.data = self.base / "data"
        self.config = self.base / "magpie.toml"
        self.proc: subprocess.Popen | None = None
        self.out_path = self.base / "serve.out"
        self.restarts = 0
        self.started_once = False
        self._threads = threads
        self._dns = dns_resolver or HOST + ":" + str(free_port())
        self._api = api  # also listen on http and https (the admin API, test_api.py)
        self.preexec_fn = None  # run in the child before exec (e.g. resource limits)
        self.bin = MAGPIE_BIN  # the binary this server (and its CLI) runs
        self.base.mkdir(parents=True, exist_ok=True)
        self._new_ports()

    def _new_ports(self):
        """Picks the listener ports and writes the config file with them."""
        self.smtp_port = free_port()
        self.submission_port = free_port()
        self.submissions_port = free_port()
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.pop3_port = free_port()
        self.pop3s_port = free_port()
        cfg = [f'hostname = "{HOSTNAME}"', f'data_dir = "{self.data}"']
        if self._threads:
            cfg.append(f"threads = {self._threads}")
        cfg += ["[listen]",
                f'smtp = "{HOST}:{self.smtp_port}"',
                f'submission = "{HOST}:{self.submission_port}"',
                f'submissions = "{HOST}:{self.submissions_port}"',
                f'imap = "{HOST}:{self.imap_port}"',
                f'imaps = "{HOST}:{self.imaps_port}"',
                f'pop3 = "{HOST}:{self.pop3_port}"',
                f'pop3s = "{HOST}:{self.pop3s_port}"']
        if self._api:
            self.http_port = free_port()
            self.https_port = free_port()
            cfg += [f'http = "{HOST}:{self.http_port}"', f'https = "{HOST}:{self.https_port}"']
        # Never the machine's resolver: a loopback port (a test DNS server when one runs,
        # otherwise nothing answers and remote delivery just defers).
        cfg += ["[dns]", f'resolver = "{self._dns}"']
        self.config.write_text("\n".join(cfg) + "\n")

    # -- CLI --------------------------------------------------------------
    def cli(self, *args: str, input: str | None = None, check: bool = True,
            timeout: float = 60) -> subprocess.CompletedProcess:
        p = subprocess.run([self.bin, "-c", str(self.config), *args], input=input,
                           capture_output=True, text=True, timeout=scaled(timeout))
        if check and p.returncode != 0:
            raise AssertionError(f"magpie {' '.join(args)} failed ({p.returncode}): "
                                 f"{p.stdout}{p.stderr}")
        return p

    # -- configuration generations ------------------------------------------
    # Every committed change bumps a generation counter in the settings DB; the server logs
    # "configuration loaded (generation N)" at start and "configuration reloaded
    # (generation N)" each time it loads a newer one. Waiting for the generation a change
    # committed (not for "a reload") cannot be fooled by a reload that began earlier.
    def db_generation(self) -> int:
        import sqlite3
        db = sqlite3.connect(f"file:{self.data / 'magpie.db'}?mode=ro", uri=True,
                             timeout=scaled(10))
        try:
            return int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
        finally:
            db.close()

    def loaded_generation(self) -> int:
        gens = re.findall(r"configuration (?:re)?loaded \(generation (\d+)\)", self.log())
        return max(map(int, gens), default=-1)

    def sync(self, timeout: float = 10) -> int:
        """Waits until the running server has loaded every change committed so far (the
        reload loop polls once a second); returns that generation."""
        target = self.db_generation()
        if self.running():
            wait_until(lambda: self.loaded_generation() >= target, timeout,
                       what=f"the server to load configuration generation {target}")
        return target

    def change(self, *args: str, input: str | None = None, timeout: float = 10):
        """Runs a CLI command that changes the directory or settings and, when the server
        runs, waits until it has loaded the generation that command committed."""
        p = self.cli(*args, input=input)
        self.sync(timeout)
        return p

    def set(self, key: str, value) -> None:
        if isinstance(value, bool):
            value = "true" if value else "false"
        self.change("settings", "set", key, str(value))

    def reset(self, key: str) -> None:
        self.change("settings", "reset", key)

    def add_user(self, name: str, password: str | None = None, *opts: str):
        if password is None:
            self.change("user", "add", name, *opts)
        else:
            self.change("user", "add", name, "--password-stdin", *opts, input=password + "\n")

    # -- process ----------------------------------------------------------
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 30):
        # Another program may take a port between free_port() and the bind: a first start
        # that fails on "Address already in use" retries on fresh ports.
        for attempt in range(3):
            try:
                return self._start(timeout)
            except AssertionError as e:
                if self.started_once or "Address already in use" not in str(e) or attempt == 2:
                    raise
                self._new_ports()

    def _start(self, timeout: float):
        assert not self.running()
        log_before = self._listener_lines()
        out = open(self.out_path, "ab")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.proc = subprocess.Popen([self.bin, "-c", str(self.config), "serve"], stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, env=env, preexec_fn=self.preexec_fn)
        out.close()

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"magpie serve exited with {self.proc.returncode}:\n"
                                     + self.out_path.read_text(errors="replace")[-4000:])
            return self._listener_lines() >= log_before + LISTENERS + (2 if self._api else 0)

        wait_until(ready, timeout, what="magpie to listen")
        # The ports are bound once logged; make sure the accept loop answers.
        with RawSMTP(self.smtp_port) as c:
            c.greet()
            c.cmd("QUIT")
        self.started_once = True

    def _listener_lines(self) -> int:
        log = self.log()
        return log.count(" listening on ") + log.count(" is not available in this version")

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, then SIGKILL if it does not stop in time. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=scaled(timeout))
            except subprocess.TimeoutExpired:
                self.kill9()
        rc = self.proc.returncode
        return rc

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)

    def restart(self):
        self.stop()
        self.start()

    # -- data -------------------------------------------------------------
    def maildir(self, user: str) -> Path:
        return self.data / "mail" / user

    def public_dir(self, name: str) -> Path:
        return self.data / "public" / name

    def log(self) -> str:
        try:
            return (self.data / "log" / "maillog").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern: str, timeout: float = 20, count: int = 1) -> list[str]:
        rx = re.compile(pattern)

        def found():
            hits = [ln for ln in self.log().splitlines() if rx.search(ln)]
            return hits if len(hits) >= count else None

        return wait_until(found, timeout, what=f"maillog line /{pattern}/")

    def wait_delivered(self, queue_id: str, timeout: float = 20):
        """Waits until the delivery agent has finished with queue_id (all local targets done)."""
        return self.wait_log(rf"\b{queue_id}: removed\b", timeout)

    def queue_files(self, sub: str) -> list[Path]:
        d = self.data / "queue" / sub
        return sorted(p for p in d.iterdir()) if d.is_dir() else []

    def assert_alive(self):
        assert self.running(), "magpie is not running:\n" + \
            self.out_path.read_text(errors="replace")[-4000:]
        with RawSMTP(self.smtp_port) as c:
            c.greet()
            assert_reply(c.cmd("NOOP"), 250, "2.0.0")
            c.cmd("QUIT")

    def sanitizer_report(self) -> str:
        txt = self.out_path.read_text(errors="replace") if self.out_path.exists() else ""
        m = re.search(r"(==\d+==ERROR: .*|runtime error: .*)", txt, re.S)
        return m.group(1)[:4000] if m else ""


def deliver(m: Magpie, rcpts: list[str], token: str | None = None, sender="ext@remote.example",
            port: int | None = None, body_size: int = 0) -> tuple[str, str]:
    """Sends one message with smtplib, waits for its delivery; returns (token, queue id)."""
    import smtplib
    token = token or new_token()
    msg = make_message(token, sender=sender, to=rcpts[0], body_size=body_size)
    with smtplib.SMTP(HOST, port or m.smtp_port, timeout=scaled(30)) as s:
        s.ehlo("client.test")
        s.mail(sender)
        for r in rcpts:
            code, text = s.rcpt(r)
            assert code == 250, (r, code, text)
        code, text = s.data(msg)
        assert code == 250, (code, text)
    qid = queue_id_of(text.decode())
    m.wait_delivered(qid)
    return token, qid


def count_everywhere(m: Magpie, token: str) -> dict[str, int]:
    """How many copies of the message with `token` each mailbox (user or public) holds."""
    out = {}
    for kind in ("mail", "public"):
        root = m.data / kind
        if not root.is_dir():
            continue
        for box in root.iterdir():
            n = len(files_containing(box, token))
            if n:
                out[box.name if kind == "mail" else "public:" + box.name] = n
    return out


# ---------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="session", autouse=True)
def _check_binary():
    if not os.access(MAGPIE_BIN, os.X_OK):
        pytest.exit(f"magpie binary not found at {MAGPIE_BIN}; build it or set MAGPIE_BIN", 2)


class ServerFactory:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.servers: list[Magpie] = []

    def __call__(self, name: str = "m", start: bool = True, setup=None, **kw) -> Magpie:
        m = Magpie(self.tmp / f"{name}{len(self.servers)}", **kw)
        self.servers.append(m)
        # The filter's DNS checks off: nothing answers on the default resolver port, and test
        # DNS servers forward unknown names there, so each message's SPF, DKIM, DMARC and
        # blocklist lookups would wait out their 8 s budget. test_filter_dns.py turns them on.
        for key, value in (("spf_dkim_dmarc_checks", "false"), ("dnsbl_lists", ""),
                           ("uribl_lists", "")):
            m.cli("settings", "set", key, value)
        if setup:
            setup(m)
        if start:
            m.start()
        return m

    def finish(self):
        problems = []
        for m in self.servers:
            if m.running():
                rc = m.stop()
                if rc not in (0, None, -signal.SIGKILL):
                    problems.append(f"magpie exited with {rc}")
            else:
                m.kill9()
            rep = m.sanitizer_report()
            if rep:
                problems.append(rep)
        return problems


@pytest.fixture
def server_factory(tmp_path):
    """Creates fresh servers for one test; all are stopped at the end (SIGKILL if stuck)."""
    f = ServerFactory(tmp_path)
    yield f
    problems = f.finish()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def module_factory(tmp_path_factory):
    f = ServerFactory(tmp_path_factory.mktemp("mod"))
    yield f
    problems = f.finish()
    assert not problems, "\n".join(problems)


PASSWORDS = {"alice": "alice-secret-1", "bob": "bob-secret-2", "carol": "carol-secret-3"}


def standard_directory(m: Magpie):
    """The directory most tests use (written before the server starts)."""
    for u in ("alice", "bob", "carol"):
        m.cli("user", "add", u, "--password-stdin", input=PASSWORDS[u] + "\n")
    for u in ("audit", "archive", "dave", "erin", "frank", "gina"):
        m.cli("user", "add", u)
    m.cli("domain", "add", "example.com", "--group-addresses")  # groups are off by default
    m.cli("domain", "add", "other.org")
    m.cli("domain", "add", "catch.test", "--catch-all", "carol")
    m.cli("domain", "add", "hidden.test", "--hidden-copy", "audit@example.com")
    m.cli("domain", "add", "nousers.test", "--no-user-addresses", "--no-group-addresses")
    m.cli("user", "set", "dave", "--disable")
    m.cli("user", "set", "erin", "--forward", "bob@example.com", "--no-keep-copy")  # forward only
    m.cli("user", "set", "frank", "--forward", "carol@example.com", "--keep-copy")  # + copy
    m.cli("group", "add", "sales", "--member", "alice,bob")
    m.cli("public", "add", "shared")
    m.cli("address", "add", "info@example.com", "--to", "alice")           # domain-specific
    m.cli("address", "add", "hello", "--to", "bob")                         # wildcard
    m.cli("address", "add", "staff@example.com", "--to", "carol", "--internal")
    m.cli("address", "add", "board@example.com", "--to", "public:shared")
    m.cli("address", "add", "team@other.org", "--to", "sales,gina")
    m.cli("address", "add", "ext@example.com", "--to", "someone@remote.example")


@pytest.fixture(scope="module")
def server(module_factory) -> Magpie:
    """One running server per test module with the standard directory."""
    return module_factory("std", setup=standard_directory)
