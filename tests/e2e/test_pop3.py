"""POP3 (RFC 1939, 2449 CAPA, 5034 SASL, 2595 STLS) against the real server: capabilities
before and after STLS, plaintext-auth rules, USER/PASS, AUTH PLAIN/LOGIN, failures and their
limit, exact sizes and bytes of LIST/STAT/RETR/TOP, byte-stuffing, DELE/RSET/QUIT
semantics, UIDL stability across sessions and restarts, pop3s, the per-user-per-IP limit,
master users, Maildirs written by others, malformed input, concurrency, and fetchmail as a
real client."""
import base64
import os
import poplib
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import (HOST, HOSTNAME, PASSWORDS, deliver, files_containing, maildir_files,
                      new_token, scaled, standard_directory, wait_until)


def _setup(m):
    standard_directory(m)
    m.cli("settings", "set", "smtp_auth_failure_delay_ms", "50")


@pytest.fixture(scope="module")
def pop(module_factory):
    return module_factory("pop3", setup=_setup)


def tls_ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


_users = 0


def fresh_user(m) -> tuple[str, str]:
    """A new user with an empty mailbox, so a test may count its messages."""
    global _users
    _users += 1
    name, pw = f"p3u{os.getpid() % 1000}x{_users}", f"pw-{_users}-secret"
    m.add_user(name, pw)
    return name, pw


class RawPOP3:
    """A byte-level POP3 client: sends exactly what it is given, returns raw replies."""

    def __init__(self, port: int, tls: bool = False, timeout: float = 15):
        self.timeout = scaled(timeout)
        self.sock = socket.create_connection((HOST, port), timeout=self.timeout)
        if tls:
            self._wrap()
        self.buf = b""
        self.greeting = self.line()

    def _wrap(self):
        self.sock = tls_ctx().wrap_socket(self.sock, server_hostname=HOSTNAME)
        self.sock.settimeout(self.timeout)

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def line(self) -> str:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"connection closed (buffer {self.buf!r})")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def cmd(self, line) -> str:
        self.send((line.encode() if isinstance(line, str) else line) + b"\r\n")
        return self.line()

    def data(self) -> bytes:
        """The multi-line data after a +OK, raw (still byte-stuffed), without '.CRLF'."""
        while True:
            if self.buf.startswith(b".\r\n"):
                self.buf = self.buf[3:]
                return b""
            end = self.buf.find(b"\r\n.\r\n")
            if end >= 0:
                out, self.buf = self.buf[:end + 2], self.buf[end + 5:]
                return out
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed inside multi-line data")
            self.buf += chunk

    def multi(self, line) -> tuple[str, bytes]:
        status = self.cmd(line)
        if not status.startswith("+OK"):
            return status, b""
        return status, self.data()

    def stls(self):
        assert self.cmd("STLS").startswith("+OK")
        assert self.buf == b""
        self._wrap()

    def login(self, user: str, password: str):
        assert self.cmd(f"USER {user}") == "+OK", user
        r = self.cmd(f"PASS {password}")
        assert r == "+OK Logged in.", r

    def is_closed(self, timeout: float = 5) -> bool:
        self.sock.settimeout(scaled(timeout))
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return True
                self.buf += d
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


def unstuff(data: bytes) -> bytes:
    return b"".join(l[1:] if l.startswith(b".") else l for l in data.splitlines(keepends=True))


def capa_lines(c: RawPOP3) -> list[str]:
    status, data = c.multi("CAPA")
    assert status.startswith("+OK"), status
    return data.decode().splitlines()


def file_of(m, user: str, token: str) -> bytes:
    files = files_containing(m.maildir(user), token)
    assert len(files) == 1, (token, files)
    return files[0].read_bytes()


# ---------------------------------------------------------------------------
# capabilities and authentication


def test_capa_before_and_after_stls(pop):
    with RawPOP3(pop.pop3_port) as c:
        assert c.greeting.startswith("+OK")
        assert "<" not in c.greeting  # no APOP timestamp: APOP is not offered
        caps = capa_lines(c)
        for cap in ("STLS", "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"):
            assert cap in caps, caps
        assert "USER" not in caps and not any(x.startswith("SASL") for x in caps), caps
        assert not any("APOP" in x for x in caps)
        c.stls()
        caps = capa_lines(c)
        assert "STLS" not in caps
        assert "USER" in caps and "SASL PLAIN LOGIN" in caps, caps
        assert c.cmd("APOP alice 0123456789abcdef0123456789abcdef").startswith("-ERR")


def test_user_pass_refused_without_tls_then_ok_after_stls(pop):
    p = poplib.POP3(HOST, pop.pop3_port, timeout=scaled(15))
    try:
        with pytest.raises(poplib.error_proto) as e:
            p.user("alice")
        assert b"-ERR [AUTH]" in e.value.args[0]
        with pytest.raises(poplib.error_proto):
            p.pass_(PASSWORDS["alice"])
        p.stls(context=tls_ctx())
        p.user("alice")
        assert p.pass_(PASSWORDS["alice"]).startswith(b"+OK")
        p.stat()
    finally:
        p.quit()
    pop.wait_log(r"pop3-login\[\d+\]: Login: user=<alice>, method=PLAIN, rip=127\.0\.0\.1, "
                 r"lip=127\.0\.0\.1, TLS")


def test_allow_plaintext_auth(pop):
    pop.set("allow_plaintext_auth", True)
    try:
        with RawPOP3(pop.pop3_port) as c:
            caps = capa_lines(c)
            assert "USER" in caps and "SASL PLAIN LOGIN" in caps and "STLS" in caps
            c.login("bob", PASSWORDS["bob"])
            assert c.cmd("QUIT").startswith("+OK")
    finally:
        pop.reset("allow_plaintext_auth")
    with RawPOP3(pop.pop3_port) as c:
        assert c.cmd("USER bob").startswith("-ERR [AUTH]")


def test_auth_plain_and_login(pop):
    with RawPOP3(pop.pop3s_port, tls=True) as c:  # RFC 5034 initial response
        assert c.cmd("AUTH PLAIN " + b64("\0carol\0" + PASSWORDS["carol"])) == "+OK Logged in."
        assert c.cmd("STAT").startswith("+OK ")
        assert c.cmd("QUIT").startswith("+OK")
    with RawPOP3(pop.pop3_port) as c:  # without initial response, after STLS
        c.stls()
        assert c.cmd("AUTH PLAIN") == "+ "
        assert c.cmd(b64("\0carol\0" + PASSWORDS["carol"])) == "+OK Logged in."
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        assert c.cmd("AUTH LOGIN") == "+ VXNlcm5hbWU6"
        assert c.cmd(b64("carol")) == "+ UGFzc3dvcmQ6"
        assert c.cmd(b64(PASSWORDS["carol"])) == "+OK Logged in."
    with RawPOP3(pop.pop3s_port, tls=True) as c:  # "*" cancels
        assert c.cmd("AUTH LOGIN") == "+ VXNlcm5hbWU6"
        assert c.cmd("*").startswith("-ERR")
        assert c.cmd("AUTH CRAM-MD5").startswith("-ERR")
        assert c.cmd("AUTH LOGIN " + b64("carol")) == "+ UGFzc3dvcmQ6"
        assert c.cmd(b64(PASSWORDS["carol"])) == "+OK Logged in."
    pop.wait_log(r"pop3-login\[\d+\]: Login: user=<carol>, method=LOGIN, .*TLS")


def test_bad_password_and_failure_limit(pop):
    p = poplib.POP3_SSL(HOST, pop.pop3s_port, timeout=scaled(15), context=tls_ctx())
    try:
        p.user("alice")
        with pytest.raises(poplib.error_proto) as e:
            p.pass_("wrong")
        assert e.value.args[0].startswith(b"-ERR [AUTH]")
    finally:
        p.close()
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        for i in range(3):  # mail_max_auth_failures = 3
            assert c.cmd("USER alice") == "+OK"
            assert c.cmd(f"PASS bad{i}").startswith("-ERR [AUTH]")
        assert c.is_closed()
    pop.wait_log(r"pop3-login\[\d+\]: Authentication failed: user=<alice>, method=PLAIN, "
                 r"rip=127\.0\.0\.1")
    pop.wait_log(r"pop3-login\[\d+\]: Disconnected \(Too many authentication failures; auth failed, "
                 r"3 attempts\): user=<alice>")
    with RawPOP3(pop.pop3s_port, tls=True) as c:  # unknown user and a disabled one
        assert c.cmd("AUTH PLAIN " + b64("\0nobody\0x")).startswith("-ERR [AUTH]")
        assert c.cmd("AUTH PLAIN " + b64("\0dave\0x")).startswith("-ERR [AUTH]")


# ---------------------------------------------------------------------------
# the maildrop


def test_stat_list_uidl_top_retr_exact(pop):
    user, pw = fresh_user(pop)
    t1, _ = deliver(pop, [f"{user}@example.com"])
    t2, _ = deliver(pop, [f"{user}@example.com"], body_size=70000)
    f1, f2 = file_of(pop, user, t1), file_of(pop, user, t2)
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        c.login(user, pw)
        assert c.cmd("STAT") == f"+OK 2 {len(f1) + len(f2)}"
        status, data = c.multi("LIST")
        assert status == f"+OK 2 messages ({len(f1) + len(f2)} octets)"
        assert data == f"1 {len(f1)}\r\n2 {len(f2)}\r\n".encode()
        assert c.cmd("LIST 2") == f"+OK 2 {len(f2)}"
        status, data = c.multi("UIDL")
        uidls = [ln.split()[1] for ln in data.decode().splitlines()]
        assert all(re.fullmatch(r"[0-9A-F]{16}", u) for u in uidls), uidls
        assert uidls[0][8:] == uidls[1][8:]  # same UIDVALIDITY
        assert int(uidls[0][:8], 16) < int(uidls[1][:8], 16)
        assert c.cmd("UIDL 2") == f"+OK 2 {uidls[1]}"
        status, data = c.multi("RETR 1")
        assert status == f"+OK {len(f1)} octets"
        assert unstuff(data) == f1
        status, data = c.multi("RETR 2")
        assert unstuff(data) == f2 and len(data) == len(f2)
        head, body = f2.split(b"\r\n\r\n", 1)
        status, data = c.multi("TOP 2 0")
        assert status == "+OK" and data == head + b"\r\n\r\n"
        status, data = c.multi("TOP 2 2")
        assert data == head + b"\r\n\r\n" + b"".join(body.splitlines(keepends=True)[:2])
        assert c.cmd("QUIT").startswith("+OK")
    pop.wait_log(rf"pop3\({user}\)\[\d+\]: Disconnected: Logged out top=2/\d+, "
                 rf"retr=2/{len(f1) + len(f2)}, del=0/2, size={len(f1) + len(f2)}")
    # RETR sets \Seen at QUIT; TOP alone would not.
    names = [p.name for p in maildir_files(pop.maildir(user))]
    assert all(p.parent.name == "cur" and re.search(r":2,[A-Z]*S", p.name)
               for p in maildir_files(pop.maildir(user))), names


def test_dot_stuffed_lines_round_trip(pop):
    import smtplib
    user, pw = fresh_user(pop)
    token = new_token("dots")
    msg = (f"From: <x@remote.example>\r\nTo: <{user}@example.com>\r\nSubject: {token}\r\n\r\n"
           ".leading dot\r\n..two dots\r\n.\r\n. space\r\nend\r\n").encode()
    with smtplib.SMTP(HOST, pop.smtp_port, timeout=scaled(30)) as s:
        s.sendmail("x@remote.example", [f"{user}@example.com"], msg)
    wait_until(lambda: files_containing(pop.maildir(user), token), 20, what="delivery")
    stored = file_of(pop, user, token)
    assert b"\r\n.leading dot\r\n..two dots\r\n.\r\n. space\r\n" in stored
    with RawPOP3(pop.pop3_port) as c:
        c.stls()
        c.login(user, pw)
        status, data = c.multi("RETR 1")
        assert b"\r\n..leading dot\r\n...two dots\r\n..\r\n.. space\r\n" in data
        assert unstuff(data) == stored
        assert status == f"+OK {len(stored)} octets"
    p = poplib.POP3_SSL(HOST, pop.pop3s_port, timeout=scaled(15), context=tls_ctx())
    try:
        p.user(user)
        p.pass_(pw)
        _, lines, _ = p.retr(1)
        assert b"\r\n".join(lines) + b"\r\n" == stored
    finally:
        p.quit()


def test_dele_rset_then_dele_quit_expunges(pop):
    user, pw = fresh_user(pop)
    t1, _ = deliver(pop, [f"{user}@example.com"])
    t2, _ = deliver(pop, [f"{user}@example.com"])
    s2 = len(file_of(pop, user, t2))
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        c.login(user, pw)
        assert c.cmd("DELE 1").startswith("+OK")
        assert c.cmd("DELE 1").startswith("-ERR")
        assert c.cmd("LIST 1").startswith("-ERR")
        assert c.cmd("RETR 1").startswith("-ERR")
        assert c.cmd("STAT") == f"+OK 1 {s2}"
        assert c.cmd("RSET").startswith("+OK")
        assert c.cmd("STAT").startswith("+OK 2 ")
        assert c.cmd("QUIT").startswith("+OK")
    assert files_containing(pop.maildir(user), t1) and files_containing(pop.maildir(user), t2)
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        c.login(user, pw)
        assert c.cmd("DELE 1").startswith("+OK")
        assert c.cmd("QUIT") == "+OK Logging out."
    assert files_containing(pop.maildir(user), t1) == []
    assert len(files_containing(pop.maildir(user), t2)) == 1
    pop.wait_log(rf"pop3\({user}\)\[\d+\]: Disconnected: Logged out top=0/0, retr=0/0, del=1/2, ")
    with RawPOP3(pop.pop3s_port, tls=True) as c:  # numbers start again at 1
        c.login(user, pw)
        assert c.cmd("STAT") == f"+OK 1 {s2}"


def test_drop_without_quit_keeps_mail(pop):
    user, pw = fresh_user(pop)
    t1, _ = deliver(pop, [f"{user}@example.com"])
    c = RawPOP3(pop.pop3s_port, tls=True)
    c.login(user, pw)
    assert c.cmd("DELE 1").startswith("+OK")
    c.sock.close()  # no QUIT: no UPDATE state
    pop.wait_log(rf"pop3\({user}\)\[\d+\]: Disconnected: Connection closed .*del=0/1")
    assert len(files_containing(pop.maildir(user), t1)) == 1
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        c.login(user, pw)
        assert c.cmd("STAT").startswith("+OK 1 ")


def test_retr_of_message_expunged_elsewhere(pop):
    user, pw = fresh_user(pop)
    t1, _ = deliver(pop, [f"{user}@example.com"])
    t2, _ = deliver(pop, [f"{user}@example.com"])
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        c.login(user, pw)
        for p in files_containing(pop.maildir(user), t1):
            p.unlink()
        assert c.cmd("RETR 1").startswith("-ERR")
        assert c.cmd("NOOP") == "+OK"
        status, data = c.multi("RETR 2")
        assert status.startswith("+OK") and t2.encode() in data
        assert c.cmd("DELE 1").startswith("+OK")
        assert c.cmd("QUIT") == "+OK Logging out."  # already gone counts as removed


def test_uidl_stable_across_sessions_and_restart(server_factory):
    m = server_factory("uidl", setup=standard_directory)
    for _ in range(3):
        deliver(m, ["bob@example.com"])

    def uidls():
        with RawPOP3(m.pop3s_port, tls=True) as c:
            c.login("bob", PASSWORDS["bob"])
            status, data = c.multi("UIDL")
            assert c.cmd("QUIT").startswith("+OK")
            return data

    first = uidls()
    assert len(first.splitlines()) == 3
    assert uidls() == first
    m.restart()
    assert uidls() == first
    # A message deleted by POP3 takes its UIDL with it; the others keep theirs.
    with RawPOP3(m.pop3s_port, tls=True) as c:
        c.login("bob", PASSWORDS["bob"])
        assert c.cmd("DELE 2").startswith("+OK")
        assert c.cmd("QUIT").startswith("+OK")
    after = [ln.split()[1] for ln in uidls().decode().splitlines()]
    before = [ln.split()[1] for ln in first.decode().splitlines()]
    assert after == [before[0], before[2]]


def test_shutdown_interrupts_sessions_without_update(server_factory):
    m = server_factory("stop", setup=standard_directory)
    token, _ = deliver(m, ["carol@example.com"])
    c = RawPOP3(m.pop3s_port, tls=True)
    idle = RawPOP3(m.pop3_port)
    try:
        c.login("carol", PASSWORDS["carol"])
        assert c.cmd("DELE 1").startswith("+OK")
        assert m.stop() == 0
        assert c.line() == "-ERR [SYS/TEMP] Server shutting down."
        assert idle.line() == "-ERR [SYS/TEMP] Server shutting down."
    finally:
        c.close()
        idle.close()
    assert len(files_containing(m.maildir("carol"), token)) == 1
    assert re.search(r"pop3\(carol\)\[\d+\]: Disconnected: Server shutting down ", m.log())


def test_implicit_tls_pop3s(pop):
    p = poplib.POP3_SSL(HOST, pop.pop3s_port, timeout=scaled(15), context=tls_ctx())
    try:
        assert "STLS" not in p.capa()
        p.user("carol")
        p.pass_(PASSWORDS["carol"])
        count, size = p.stat()
        assert count >= 0 and size >= 0
    finally:
        p.quit()
    # Plain text on the TLS port gets nothing useful and the server stays up.
    with socket.create_connection((HOST, pop.pop3s_port), timeout=scaled(10)) as s:
        s.sendall(b"USER alice\r\n")
        s.settimeout(scaled(10))
        try:
            data = s.recv(100)
        except (ConnectionResetError, socket.timeout, TimeoutError):
            data = b""
        assert not data.startswith(b"+OK")
    pop.assert_alive()


def test_per_user_ip_connection_limit(pop):
    pop.set("mail_max_connections_per_user_ip", 2)
    try:
        a = RawPOP3(pop.pop3s_port, tls=True)
        b = RawPOP3(pop.pop3s_port, tls=True)
        a.login("alice", PASSWORDS["alice"])
        b.login("alice", PASSWORDS["alice"])
        with RawPOP3(pop.pop3s_port, tls=True) as c:
            assert c.cmd("USER alice") == "+OK"
            assert c.cmd(f"PASS {PASSWORDS['alice']}").startswith("-ERR [IN-USE]")
            assert c.is_closed()
        pop.wait_log(r"pop3\[\d+\]: .*too many connections for alice from 127\.0\.0\.1")
        with RawPOP3(pop.pop3s_port, tls=True) as c:  # another user is not affected
            c.login("bob", PASSWORDS["bob"])
        assert a.cmd("QUIT").startswith("+OK")
        a.close()
        with RawPOP3(pop.pop3s_port, tls=True) as c:
            c.login("alice", PASSWORDS["alice"])
        b.close()
    finally:
        pop.reset("mail_max_connections_per_user_ip")


def test_master_user_login(pop):
    user, pw = fresh_user(pop)
    token, _ = deliver(pop, [f"{user}@example.com"])
    with RawPOP3(pop.pop3s_port, tls=True) as c:  # not a master user yet
        assert c.cmd(f"USER {user}*bob") == "+OK"
        assert c.cmd(f"PASS {PASSWORDS['bob']}").startswith("-ERR [AUTH]")
    pop.set("master_users", "bob")
    try:
        with RawPOP3(pop.pop3s_port, tls=True) as c:
            c.login(f"{user}*bob", PASSWORDS["bob"])
            status, data = c.multi("RETR 1")
            assert token.encode() in data
        with RawPOP3(pop.pop3s_port, tls=True) as c:  # SASL authzid
            r = c.cmd("AUTH PLAIN " + b64(f"{user}\0bob\0{PASSWORDS['bob']}"))
            assert r == "+OK Logged in."
            assert c.cmd("STAT").startswith("+OK 1 ")
        pop.wait_log(rf"Login: user=<{user}>, method=PLAIN, .*master=<bob>")
        with RawPOP3(pop.pop3s_port, tls=True) as c:  # alice is no master
            assert c.cmd(f"USER {user}*alice") == "+OK"
            assert c.cmd(f"PASS {PASSWORDS['alice']}").startswith("-ERR [AUTH]")
    finally:
        pop.reset("master_users")


def test_maildir_written_by_imap_side(pop):
    """Mail already in cur/ with flags and LF line ends (IMAP APPEND, Dovecot, a script)."""
    user, pw = fresh_user(pop)
    root = pop.maildir(user)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    lf = b"From: a@b.example\nSubject: imap-side\n\nline one\n.dot line\n"
    (root / "cur" / f"1700000000.M1P1.imaphost,S={len(lf)}:2,FS").write_bytes(lf)
    crlf = b"Subject: new-one\r\n\r\nbody\r\n"
    (root / "new" / "1700000001.M2P2.other").write_bytes(crlf)
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        c.login(user, pw)
        want = len(lf) + lf.count(b"\n")
        assert c.cmd("STAT") == f"+OK 2 {want + len(crlf)}"
        assert c.cmd("LIST 1") == f"+OK 1 {want}"
        status, data = c.multi("RETR 1")
        assert status == f"+OK {want} octets"
        assert unstuff(data) == lf.replace(b"\n", b"\r\n")
        assert b"\r\n..dot line\r\n" in data
        status, data = c.multi("RETR 2")
        assert unstuff(data) == crlf
        assert c.cmd("QUIT").startswith("+OK")
    assert (root / "cur" / f"1700000000.M1P1.imaphost,S={len(lf)}:2,FS").exists()


def test_malformed_commands(pop):
    with RawPOP3(pop.pop3_port) as c:
        assert c.cmd("BOGUS").startswith("-ERR")
        assert c.cmd("STAT").startswith("-ERR")  # not logged in
        assert c.cmd("A" * 300).startswith("-ERR")  # RFC 2449: 255 octets
        assert c.cmd(b"CAPA\x00x").startswith("-ERR")
        assert c.cmd("PASS nobody-first").startswith("-ERR")
        assert c.cmd(b"\xff\xfe\x80garbage").startswith("-ERR")
        assert c.cmd("NOOP").startswith("-ERR")
        assert c.cmd("CAPA").startswith("+OK")  # the session goes on
        c.data()
        c.send(b"A" * 100000 + b"\r\nQUIT\r\n")  # a huge line is dropped, not buffered
        assert c.line().startswith("-ERR")
        assert c.line().startswith("+OK")
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        c.login("carol", PASSWORDS["carol"])
        for bad in ("LIST abc", "RETR 0", "RETR 99999", "TOP 1", "TOP 1 x", "DELE", "UIDL 1 2",
                    "RETR -1", "USER carol"):
            assert c.cmd(bad).startswith("-ERR"), bad
        assert c.cmd("NOOP") == "+OK"
        replies = []
        for _ in range(25):
            try:
                replies.append(c.cmd("XYZZY"))
            except (EOFError, OSError):
                break
        if "-ERR Too many bad commands." not in replies:
            replies.append(c.line())
        assert replies[-1] == "-ERR Too many bad commands.", replies
        assert c.is_closed()
    pop.assert_alive()


def test_pipelined_commands(pop):
    with RawPOP3(pop.pop3s_port, tls=True) as c:
        c.send(f"USER carol\r\nPASS {PASSWORDS['carol']}\r\nSTAT\r\nNOOP\r\nQUIT\r\n")
        assert c.line() == "+OK"
        assert c.line() == "+OK Logged in."
        assert c.line().startswith("+OK ")
        assert c.line() == "+OK"
        assert c.line().startswith("+OK")
        assert c.is_closed()


def test_idle_timeout_closes_without_update(pop):
    user, pw = fresh_user(pop)
    token, _ = deliver(pop, [f"{user}@example.com"])
    pop.set("pop3_idle_timeout", 1)
    try:
        with RawPOP3(pop.pop3s_port, tls=True) as c:
            c.login(user, pw)
            assert c.cmd("DELE 1").startswith("+OK")
            assert c.is_closed(timeout=8)
    finally:
        pop.reset("pop3_idle_timeout")
    pop.wait_log(rf"pop3\({user}\)\[\d+\]: Disconnected: Inactivity ")
    assert len(files_containing(pop.maildir(user), token)) == 1


def test_ten_concurrent_sessions(pop):
    user, pw = fresh_user(pop)
    tokens = [deliver(pop, [f"{user}@example.com"], body_size=20000 * i)[0] for i in range(3)]
    stored = {t: file_of(pop, user, t) for t in tokens}
    errors = []

    def client(i):
        try:
            with RawPOP3(pop.pop3s_port if i % 2 else pop.pop3_port, tls=bool(i % 2)) as c:
                if not i % 2:
                    c.stls()
                c.login(user, pw)
                assert c.cmd("STAT") == f"+OK 3 {sum(len(v) for v in stored.values())}"
                got = set()
                for n in (1, 2, 3):
                    status, data = c.multi(f"RETR {n}")
                    body = unstuff(data)
                    assert body in stored.values()
                    got.add(body)
                assert len(got) == 3
                assert c.cmd("QUIT").startswith("+OK")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=scaled(60))
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors
    assert len(maildir_files(pop.maildir(user))) == 3


# ---------------------------------------------------------------------------
# a real client


@pytest.mark.skipif(shutil.which("fetchmail") is None, reason="fetchmail is not installed")
def test_fetchmail_collects_over_stls_and_deletes(pop, tmp_path):
    user, pw = fresh_user(pop)
    tokens = [deliver(pop, [f"{user}@example.com"], body_size=size)[0]
              for size in (0, 150000, 3000)]
    stored = {t: file_of(pop, user, t) for t in tokens}
    home = tmp_path / "fetchmail"
    out = tmp_path / "out"
    home.mkdir(mode=0o700)
    out.mkdir()
    mda = tmp_path / "mda.sh"
    mda.write_text('#!/bin/sh\nexec cat > "$1/msg.$$.$(date +%s%N)"\n')
    mda.chmod(0o755)
    rc = home / "fetchmailrc"
    cert = pop.data / "tls" / "cert.pem"
    rc.write_text(
        "set no syslog\n"
        f"poll {HOST} with proto POP3 port {pop.pop3_port} timeout 30\n"
        f'  user "{user}" there with password "{pw}" is "{user}" here\n'
        f"  sslproto 'tls1.2+' sslcertck sslcertfile \"{cert}\" sslcommonname \"{HOSTNAME}\"\n"
        f'  fetchall no rewrite mda "{mda} {out}"\n')
    rc.chmod(0o600)
    env = dict(os.environ, FETCHMAILHOME=str(home), HOME=str(home))
    p = subprocess.run(["fetchmail", "-f", str(rc), "-v", "--nodetach"], env=env,
                       capture_output=True, text=True, timeout=scaled(60))
    log = p.stdout + p.stderr
    assert p.returncode == 0, log
    assert "STLS" in log, log
    # fetchmail hands the MDA LF line ends and adds its own Received: field.
    own = re.compile(rb"Received: from 127\.0\.0\.1 \[127\.0\.0\.1\]\n(?:\t.*\n)*")
    got = [own.sub(b"", f.read_bytes(), count=1) for f in out.iterdir()]
    assert len(got) == 3, log
    for t, data in stored.items():
        assert got.count(data.replace(b"\r\n", b"\n")) == 1, (t, log)
    assert maildir_files(pop.maildir(user)) == []  # no "keep": deleted on the server
    pop.wait_log(rf"pop3\({user}\)\[\d+\]: Disconnected: Logged out .*retr=3/\d+, del=3/3")
