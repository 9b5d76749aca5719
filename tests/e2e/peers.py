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


def stop_process(proc: subprocess.Popen, grace: float = 10):
    """SIGTERM, then SIGKILL after `grace` seconds; always reaps the process."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


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
            q = "'" if '"' in r else '"'  # TXT data carries its own double quotes
            lines.append(f"  local-data: {q}{r}{q}")
        # Names outside the test zones go to a loopback port where nothing answers, never to
        # the Internet's root servers (they get SERVFAIL, as an unreachable resolver gives).
        lines += ["forward-zone:", '  name: "."', f"  forward-addr: {HOST}@{free_port()}"]
        self.probe = zones[0]
        self.conf = self.base / "unbound.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.proc = subprocess.Popen(["unbound", "-d", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=open(self.base / "unbound.log", "wb"))
        try:
            wait_until(self._answers, 15, what="unbound answering")
        except BaseException:
            stop_process(self.proc)  # the fixture never yields: nobody else would stop it
            raise

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
        stop_process(self.proc)


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
        try:
            wait_until(up, 10, what="smtp-sink listening")
        except BaseException:
            stop_process(self.proc)
            raise

    def files(self) -> list[Path]:
        return [p for p in self.dir.rglob("*") if p.is_file()]

    def stop(self):
        stop_process(self.proc)


class PostfixSmarthost:
    """Debian's real Postfix as an authenticated smarthost: a private instance (own
    config_directory, queue_directory and maillog under `base`, smtpd on a free
    127.0.0.1 port) with STARTTLS (`smtpd_tls_auth_only`) and SASL AUTH through a private
    Dovecot auth service on another loopback port. Only authenticated clients may relay
    (127.0.0.1 is not in mynetworks); relayed mail goes to `relay_to` (host, port), e.g. an
    SmtpSink. Needs root (Postfix's master and Dovecot drop privileges themselves)."""

    SERVICES = [  # master.cf: the services a relay needs, none chrooted
        "pickup unix n - n 60 1 pickup", "cleanup unix n - n - 0 cleanup", "qmgr unix n - n 300 1 qmgr",
        "tlsmgr unix - - n 1000? 1 tlsmgr", "rewrite unix - - n - - trivial-rewrite",
        "bounce unix - - n - 0 bounce", "defer unix - - n - 0 bounce", "trace unix - - n - 0 bounce",
        "verify unix - - n - 1 verify", "flush unix n - n 1000? 0 flush", "proxymap unix - - n - - proxymap",
        "proxywrite unix - - n - 1 proxymap", "smtp unix - - n - - smtp", "relay unix - - n - - smtp",
        "showq unix n - n - - showq", "error unix - - n - - error", "retry unix - - n - - error",
        "discard unix - - n - - discard", "local unix - n n - - local", "anvil unix - - n - 1 anvil",
        "scache unix - - n - 1 scache", "postlog unix-dgram n - n - 1 postlogd"]

    def __init__(self, base: Path, cert: tuple[Path, Path], relay_to: tuple[str, int],
                 users: dict[str, str], hostname: str = "smarthost.relay.example"):
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.auth_port = free_port()
        self.dovecot: subprocess.Popen | None = None
        self.pf_etc = self.base / "postfix" / "etc"
        self.pf_queue = self.base / "postfix" / "queue"
        self.maillog = self.base / "postfix" / "maillog"
        self.dc = self.base / "dovecot"
        self.started_postfix = False
        self.pf_lib: Path | None = None
        try:
            self._start_dovecot(users)
            self._start_postfix(cert, relay_to, hostname)
        except BaseException:
            self.stop()
            raise

    # -- Dovecot: SASL only -------------------------------------------------
    def _start_dovecot(self, users: dict[str, str]):
        (self.dc / "run").mkdir(parents=True, exist_ok=True)
        (self.dc / "state").mkdir(parents=True, exist_ok=True)
        passwd = self.dc / "passwd"
        passwd.write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
        conf = self.dc / "dovecot.conf"
        conf.write_text(f"""\
base_dir = {self.dc}/run
state_dir = {self.dc}/state
instance_name = magpie-test-{self.auth_port}
protocols =
listen = 127.0.0.1
ssl = no
log_path = {self.dc}/dovecot.log
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_verbose = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup
}}
service auth {{
  # root: the test's tmp dir is not readable by the dovecot user
  user = root
  inet_listener sasl {{
    address = 127.0.0.1
    port = {self.auth_port}
  }}
}}
""")
        self.dovecot = subprocess.Popen(["dovecot", "-F", "-c", str(conf)], stdin=subprocess.DEVNULL,
                                        stdout=open(self.dc / "dovecot.out", "wb"), stderr=subprocess.STDOUT)

        def up():
            if self.dovecot.poll() is not None:
                raise AssertionError(f"dovecot exited with {self.dovecot.returncode}: " + self._tail(self.dc / "dovecot.out")
                                     + self._tail(self.dc / "dovecot.log"))
            return _connects(self.auth_port)
        wait_until(up, 20, what="dovecot auth listening")

    # -- Postfix ----------------------------------------------------------
    def _start_postfix(self, cert: tuple[Path, Path], relay_to: tuple[str, int], hostname: str):
        for d in (self.pf_etc, self.pf_queue):
            d.mkdir(parents=True, exist_ok=True)
        # master opens data_directory/master.lock as the postfix user, who cannot reach into
        # pytest's 0700 tmp dirs: that one directory lives in /tmp (removed by stop()).
        import tempfile
        self.pf_lib = Path(tempfile.mkdtemp(prefix="magpie-pf-lib."))
        os.chmod(self.pf_lib, 0o755)
        shutil.chown(self.pf_lib, "postfix", "postfix")
        lib = self.pf_lib
        for extra in ("dynamicmaps.cf", "dynamicmaps.cf.d"):
            src = Path("/etc/postfix") / extra
            if src.is_file():
                shutil.copy(src, self.pf_etc / extra)
            elif src.is_dir():
                shutil.copytree(src, self.pf_etc / extra, dirs_exist_ok=True)
        (self.pf_etc / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {self.pf_queue}
data_directory = {lib}
mail_owner = postfix
setgid_group = postdrop
myhostname = {hostname}
mydomain = relay.example
myorigin = $myhostname
mydestination =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# 127.0.0.1 is NOT trusted: relaying needs SASL
mynetworks = 192.0.2.0/24
smtpd_peername_lookup = no
smtpd_banner = $myhostname ESMTP
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions =
smtpd_tls_cert_file = {cert[0]}
smtpd_tls_key_file = {cert[1]}
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{self.auth_port}
relayhost = [{relay_to[0]}]:{relay_to[1]}
smtp_tls_security_level = none
smtputf8_enable = no
biff = no
maillog_file = {self.maillog}
maillog_file_prefixes = {self.base}
""")
        (self.pf_etc / "master.cf").write_text(
            f"{HOST}:{self.port} inet n - n - - smtpd\n" + "\n".join(self.SERVICES) + "\n")
        self.started_postfix = True
        p = subprocess.run(["postfix", "-c", str(self.pf_etc), "start"], capture_output=True, text=True,
                           timeout=scaled(60))
        if p.returncode != 0:
            raise AssertionError(f"postfix start failed ({p.returncode}): {p.stdout}{p.stderr}"
                                 + self._tail(self.maillog))
        wait_until(lambda: _connects(self.port), 30, what="postfix smtpd listening")

    # -- inspection ---------------------------------------------------------
    @staticmethod
    def _tail(p: Path) -> str:
        try:
            return "\n" + p.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""

    def log(self) -> str:
        try:
            return self.maillog.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def auth_log(self) -> str:
        return self._tail(self.dc / "dovecot.log")

    def wait_log(self, pattern: str, timeout: float = 30, count: int = 1) -> list[str]:
        import re
        rx = re.compile(pattern)

        def found():
            hits = [ln for ln in self.log().splitlines() if rx.search(ln)]
            return hits if len(hits) >= count else None
        return wait_until(found, timeout, what=f"postfix maillog line /{pattern}/")

    # -- teardown -----------------------------------------------------------
    def _master_pid(self) -> int | None:
        try:
            return int((self.pf_queue / "pid" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        if self.started_postfix:
            self.started_postfix = False
            pid = self._master_pid()
            try:
                subprocess.run(["postfix", "-c", str(self.pf_etc), "stop"], capture_output=True,
                               timeout=scaled(30))
            except subprocess.TimeoutExpired:
                pass
            if pid:
                deadline = time.monotonic() + scaled(10)
                while time.monotonic() < deadline and _alive(pid):
                    time.sleep(0.1)
                if _alive(pid):
                    try:
                        os.kill(pid, 9)
                    except ProcessLookupError:
                        pass
        if self.pf_lib is not None:
            shutil.rmtree(self.pf_lib, ignore_errors=True)
            self.pf_lib = None
        if self.dovecot is not None:
            stop_process(self.dovecot, scaled(10))


def _connects(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
