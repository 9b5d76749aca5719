"""IMAP clients for the end-to-end tests: imaplib connections logged in over TLS, and a
byte-level client that sends exact commands and reads responses with their literals."""
from __future__ import annotations

import base64
import imaplib
import re
import socket
import ssl
import time

from conftest import HOST, PASSWORDS, scaled


def mutf7_encode(s: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3)."""
    out, buf = [], []

    def flush():
        if buf:
            b64 = base64.b64encode("".join(buf).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b64.replace("/", ",") + "-")
            buf.clear()
    for ch in s:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def tls_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def imap_ssl(m, user: str | None = "alice", password: str | None = None) -> imaplib.IMAP4_SSL:
    """An imaplib connection to the imaps port, logged in as `user` unless None."""
    c = imaplib.IMAP4_SSL(HOST, m.imaps_port, ssl_context=tls_context(), timeout=scaled(30))
    if user:
        c.login(user, password or PASSWORDS[user])
    return c


class RawIMAP:
    """Sends bytes as given; reads untagged lines (with literals inlined) up to a tag."""

    def __init__(self, port: int, tls: bool = False, timeout: float = 15):
        self.sock = socket.create_connection((HOST, port), timeout=scaled(timeout))
        if tls:
            self.sock = tls_context().wrap_socket(self.sock)
        self.buf = b""
        self.n = 0
        self.greeting = self.line()

    def starttls(self):
        r = self.cmd("STARTTLS")
        assert r.ok, r
        self.sock = tls_context().wrap_socket(self.sock)
        self.buf = b""

    def send(self, data: bytes | str):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def line(self) -> bytes:
        """One response line, with any literals it announces appended whole."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            ln, self.buf = self.buf.split(b"\r\n", 1)
            out += ln + b"\r\n"
            m = re.search(rb"~?\{(\d+)\}$", ln)
            if not m:
                return out
            size = int(m.group(1))
            while len(self.buf) < size:
                self._fill()
            out += self.buf[:size]
            self.buf = self.buf[size:]

    def tag(self) -> str:
        self.n += 1
        return f"t{self.n}"

    def read_until(self, tag: str) -> "Response":
        lines = []
        while True:
            ln = self.line()
            if ln.startswith(tag.encode() + b" "):
                return Response(lines, ln)
            lines.append(ln)

    def cmd(self, text: str | bytes) -> "Response":
        tag = self.tag()
        if isinstance(text, str):
            text = text.encode()
        self.send(tag.encode() + b" " + text + b"\r\n")
        return self.read_until(tag)

    def login(self, user="alice"):
        r = self.cmd(f'LOGIN {user} "{PASSWORDS[user]}"')
        assert r.ok, r
        return r

    def is_closed(self, timeout: float = 5) -> bool:
        self.sock.settimeout(scaled(timeout))
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionError, ssl.SSLError):
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class Response:
    def __init__(self, untagged: list[bytes], tagged: bytes):
        self.untagged = untagged
        self.tagged = tagged
        parts = tagged.split(b" ", 2)
        self.status = parts[1].decode() if len(parts) > 1 else ""
        self.text = tagged.decode(errors="replace")

    @property
    def ok(self) -> bool:
        return self.status == "OK"

    def has(self, pattern: str | bytes) -> bool:
        if isinstance(pattern, str):
            pattern = pattern.encode()
        return any(re.search(pattern, ln) for ln in self.untagged)

    def find(self, pattern: str | bytes) -> list[bytes]:
        if isinstance(pattern, str):
            pattern = pattern.encode()
        return [ln for ln in self.untagged if re.search(pattern, ln)]

    def __repr__(self):
        return f"Response({self.untagged!r}, {self.tagged!r})"


def wait_for(pred, timeout: float, what: str = "condition"):
    deadline = time.time() + scaled(timeout)
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
