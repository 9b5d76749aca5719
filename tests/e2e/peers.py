"""Real peers on 127.0.0.1 for outbound tests: an unbound DNS server with test zones, a
scriptable SMTP sink (for precise 4xx/5xx/TLS/AUTH behaviour) and Postfix's smtp-sink."""
from __future__ import annotations

import base64
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time
from pathlib import Path

from conftest import HOST, free_port, scaled, wait_until


class DnsServer:
    """unbound serving static test zones on a loopback port."""

    def __init__(self, base: Path, zones: list[str], records: list[str]):
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        lines = ["server:", f"  interface: {HOST}@{self.port}", f"  port: {self.port}",
                 "  do-daemonize: no", "  use-syslog: no", '  username: ""', '  chroot: ""',
                 f'  directory: "{self.base}"', '  pidfile: ""', "  access-control: 127.0.0.0/8 allow",
                 "  do-not-query-localhost: no", "  local-zone: \"test.\" nodefault",
                 "  local-zone: \"example.\" static", "  num-threads: 1"]
        for z in zones:
            lines.append(f'  local-zone: "{z}." static')
        for r in records:
            lines.append(f'  local-data: "{r}"')
        self.probe = zones[0]
        self.conf = self.base / "unbound.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.proc = subprocess.Popen(["unbound", "-d", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=open(self.base / "unbound.log", "wb"))
        wait_until(self._answers, 15, what="unbound answering")

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def _answers(self) -> bool:
        name = b"".join(bytes([len(p)]) + p.encode() for p in self.probe.split(".")) + b"\x00"
        q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + name + b"\x00\x06\x00\x01"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            try:
                s.sendto(q, (HOST, self.port))
                return len(s.recv(512)) > 0
            except OSError:
                return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def make_ca_and_cert(base: Path, name: str) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for `name` signed by it (openssl CLI)."""
    base.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = base / "ca.key", base / "ca.crt"
    key, csr, crt = base / "srv.key", base / "srv.csr", base / "srv.crt"
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, timeout=60)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt),
        "-days", "2", "-subj", "/CN=Magpie Test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={name}")
    ext = base / "ext.cnf"
    ext.write_text(f"subjectAltName=DNS:{name}\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(crt), "-days", "2", "-extfile", str(ext))
    return ca_crt, crt, key


class Message:
    def __init__(self):
        self.mail_from = ""
        self.mail_params: list[str] = []
        self.rcpts: list[str] = []
        self.rcpt_params: list[list[str]] = []
        self.data = b""
        self.tls = False
        self.auth_user: str | None = None
        self.via_bdat = False


class SmtpSink:
    """A small scriptable SMTP server thread. `rcpt_reply(addr)` and `data_reply(msg)` choose
    replies; messages accepted with 250 are kept in `.messages`."""

    def __init__(self, port: int | None = None, *, tls_cert: tuple[Path, Path] | None = None,
                 auth: tuple[str, str] | None = None, chunking: bool = False, pipelining: bool = True,
                 dsn: bool = True, require_tls_for_auth: bool = True, size: int = 0):
        self.port = port or free_port()
        self.messages: list[Message] = []
        self.sessions = 0
        self.lock = threading.Lock()
        self.rcpt_reply = lambda addr: "250 2.1.5 Ok"
        self.data_reply = lambda msg: "250 2.0.0 Ok: queued"
        self.tls_ctx = None
        if tls_cert:
            self.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_ctx.load_cert_chain(str(tls_cert[0]), str(tls_cert[1]))
        self.auth = auth
        self.chunking, self.pipelining, self.dsn, self.size = chunking, pipelining, dsn, size
        self.require_tls_for_auth = require_tls_for_auth
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 30

            def handle(self):
                with sink.lock:
                    sink.sessions += 1
                sink._session(self)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server((HOST, self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _session(self, h):
        rfile, wfile, conn = h.rfile, h.wfile, h.connection
        tls = False
        user = None

        def send(line: str):
            wfile.write((line + "\r\n").encode())
            wfile.flush()

        send("220 sink.test ESMTP test sink")
        msg = Message()
        while True:
            raw = rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                caps = ["sink.test"]
                if self.pipelining:
                    caps.append("PIPELINING")
                if self.size:
                    caps.append(f"SIZE {self.size}")
                caps += ["8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"]
                if self.dsn:
                    caps.append("DSN")
                if self.chunking:
                    caps.append("CHUNKING")
                if self.tls_ctx and not tls:
                    caps.append("STARTTLS")
                if self.auth and (tls or not self.require_tls_for_auth):
                    caps.append("AUTH PLAIN LOGIN")
                for c in caps[:-1]:
                    send("250-" + c)
                send("250 " + caps[-1])
            elif verb == "HELO":
                send("250 sink.test")
            elif verb == "STARTTLS" and self.tls_ctx and not tls:
                send("220 2.0.0 go ahead")
                conn = self.tls_ctx.wrap_socket(conn, server_side=True)
                rfile, wfile = conn.makefile("rb"), conn.makefile("wb")
                tls = True
            elif verb == "AUTH" and self.auth:
                parts = line.split()
                ok = False
                if len(parts) == 3 and parts[1].upper() == "PLAIN":
                    dec = base64.b64decode(parts[2]).split(b"\0")
                    ok = len(dec) == 3 and (dec[1].decode(), dec[2].decode()) == self.auth
                    u = dec[1].decode() if len(dec) == 3 else ""
                else:
                    send("504 5.5.4 unsupported")
                    continue
                if ok:
                    user = u
                    send("235 2.7.0 ok")
                else:
                    send("535 5.7.8 bad credentials")
            elif verb == "MAIL":
                if self.auth and not user:
                    send("530 5.7.0 authentication required")
                    continue
                msg = Message()
                msg.tls, msg.auth_user = tls, user
                arg = line[10:]
                addr, _, params = arg.partition(">")
                msg.mail_from = addr.lstrip("<")
                msg.mail_params = params.split()
                send("250 2.1.0 Ok")
            elif verb == "RCPT":
                arg = line[8:]
                addr, _, params = arg.partition(">")
                addr = addr.lstrip("<")
                reply = self.rcpt_reply(addr)
                if reply.startswith("2"):
                    msg.rcpts.append(addr)
                    msg.rcpt_params.append(params.split())
                send(reply)
            elif verb == "DATA":
                if not msg.rcpts:
                    send("554 5.5.1 no valid recipients")
                    continue
                send("354 go ahead")
                data = bytearray()
                while True:
                    l = rfile.readline(1 << 20)
                    if not l or l == b".\r\n":
                        break
                    data += l[1:] if l.startswith(b".") else l
                msg.data = bytes(data)
                self._finish(msg, send)
                msg = Message()
            elif verb == "BDAT":
                parts = line.split()
                n = int(parts[1])
                chunk = rfile.read(n)
                msg.data += chunk
                msg.via_bdat = True
                if len(parts) > 2:
                    self._finish(msg, send)
                    msg = Message()
                else:
                    send(f"250 2.0.0 {n} octets")
            elif verb == "RSET":
                msg = Message()
                send("250 2.0.0 Ok")
            elif verb == "NOOP":
                send("250 2.0.0 Ok")
            elif verb == "QUIT":
                send("221 2.0.0 Bye")
                return
            else:
                send("502 5.5.2 unknown")

    def _finish(self, msg: Message, send):
        reply = self.data_reply(msg)
        if reply.startswith("2"):
            with self.lock:
                self.messages.append(msg)
        send(reply)

    def wait_messages(self, n: int, timeout: float = 30) -> list[Message]:
        wait_until(lambda: len(self.messages) >= n, timeout, what=f"{n} messages at sink {self.port}")
        return self.messages

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class PostfixSink:
    """Postfix's own smtp-sink, dumping each accepted message into a folder."""

    def __init__(self, base: Path, port: int | None = None):
        self.base = Path(base)
        self.dir = self.base / "dump"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        exe = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        self.proc = subprocess.Popen([exe, "-u", "root", "-R", str(self.dir), "-d", "%Y%m%d%H/%M.", "-c",
                                      f"{HOST}:{self.port}", "100"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        def up():
            try:
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                return True
            except OSError:
                return False
        wait_until(up, 10, what="smtp-sink listening")

    def files(self) -> list[Path]:
        return [p for p in self.dir.rglob("*") if p.is_file()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
