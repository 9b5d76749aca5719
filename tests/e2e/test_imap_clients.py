"""Real IMAP clients against Magpie: mbsync (isync) and offlineimap sync a whole account
into a local Maildir and back, and the server state read with imaplib must match the local
copy exactly (folders, messages, flags), with the UIDs of untouched messages stable.

The only transformations the clients make are their own: local files have LF line ends
and mbsync adds an `X-TUID:` header to messages it propagates; `norm()` undoes exactly
these two things before comparing bytes."""
from __future__ import annotations

import imaplib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import PASSWORDS, deliver, new_token, scaled, standard_directory
from imap_client import imap_ssl, mutf7_encode

MBSYNC = shutil.which("mbsync")
OFFLINEIMAP = shutil.which("offlineimap3") or shutil.which("offlineimap")

SYSTEM_FLAGS = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R", "\\Deleted": "T",
                "\\Draft": "D"}


# -- helpers ----------------------------------------------------------------------------------

def quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def norm(data: bytes) -> bytes:
    """A message as the server stores it: CRLF line ends, without mbsync's X-TUID header."""
    data = re.sub(rb"(?m)^X-TUID: [^\r\n]*\r?\n", b"", data, count=1)
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def message(token: str, body: str = "hello") -> bytes:
    return (f"From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\n"
            f"Subject: {token}\r\nMessage-ID: <{token}@test.local>\r\n"
            f"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\nline two\r\n").encode()


def token_of(data: bytes) -> str:
    m = re.search(rb"(?m)^Subject: (\S+)", data)
    return m.group(1).decode() if m else ""


def list_folders(c: imaplib.IMAP4) -> list[str]:
    typ, data = c.list('""', "*")
    assert typ == "OK", data
    names = []
    for ln in data:
        if not ln:
            continue
        if isinstance(ln, tuple):  # a name sent as a literal
            attrs, name = ln[0], ln[1]
        else:
            m = re.match(rb'\((.*?)\) (?:"."|NIL) (.*)$', ln)
            assert m, ln
            attrs, name = m.group(1), m.group(2)
            if name.startswith(b'"'):
                name = name[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
        if b"\\Noselect" in attrs or b"\\NonExistent" in attrs:
            continue
        names.append(name.decode())
    return sorted(names)


def server_state(m, user="alice") -> dict[str, dict[int, tuple[bytes, str]]]:
    """{folder (mUTF-7, '.'-separated): {uid: (bytes, system flag letters)}} via imaplib."""
    c = imap_ssl(m, user)
    try:
        out = {}
        for name in list_folders(c):
            typ, data = c.select(quoted(name), readonly=True)
            assert typ == "OK", (name, data)
            msgs: dict[int, tuple[bytes, str]] = {}
            if int(data[0]):
                typ, resp = c.fetch("1:*", "(UID FLAGS BODY.PEEK[])")
                assert typ == "OK", resp
                i = 0
                while i < len(resp):
                    item = resp[i]
                    if isinstance(item, tuple):
                        meta, body = item
                        trailer = resp[i + 1] if i + 1 < len(resp) and isinstance(resp[i + 1], bytes) else b""
                        meta = meta + trailer
                        uid = int(re.search(rb"UID (\d+)", meta).group(1))
                        fl = re.search(rb"FLAGS \(([^)]*)\)", meta).group(1).decode().split()
                        msgs[uid] = (body, "".join(sorted(SYSTEM_FLAGS[f] for f in fl if f in SYSTEM_FLAGS)))
                    i += 1
                assert len(msgs) == int(data[0]), (name, data, resp)
            out[name] = msgs
        return out
    finally:
        c.logout()


def comparable(state: dict[str, dict]) -> dict[str, list[tuple[bytes, str]]]:
    return {name: sorted((norm(b), fl) for b, fl in msgs.values()) for name, msgs in state.items()}


def local_folders(root: Path, sep: str = "/") -> dict[str, Path]:
    """Every Maildir under root (a folder with cur/), named with '.' as the server does."""
    out = {}
    for cur in root.rglob("cur"):
        d = cur.parent
        if not (d / "new").is_dir():
            continue
        rel = d.relative_to(root).as_posix()
        out[rel.replace(sep, ".") if sep != "." else rel] = d
    return out


def info_flags(path: Path) -> str:
    name = path.name
    if ":2," not in name:
        return ""
    return "".join(sorted(ch for ch in name.split(":2,", 1)[1] if ch in "DFRST"))


def local_state(root: Path, sep: str = "/") -> dict[str, list[tuple[bytes, str]]]:
    out = {}
    for name, d in local_folders(root, sep).items():
        msgs = []
        for sub in ("new", "cur"):
            for f in (d / sub).iterdir():
                msgs.append((norm(f.read_bytes()), info_flags(f)))
        out[name] = sorted(msgs)
    return out


def local_files(root: Path, folder: str) -> dict[str, Path]:
    """token -> file of one local folder ('/'-separated path)."""
    d = root / folder
    out = {}
    for sub in ("new", "cur"):
        for f in (d / sub).iterdir():
            out[token_of(f.read_bytes())] = f
    return out


def set_local_flags(f: Path, flags: str) -> Path:
    base = f.name.split(":2,", 1)[0]
    new = f.parent.parent / "cur" / f"{base}:2,{''.join(sorted(set(flags)))}"
    f.rename(new)
    return new


def uid_map(state) -> dict[str, tuple[str, int]]:
    """token -> (folder, uid), for tokens that occur once."""
    seen: dict[str, list] = {}
    for name, msgs in state.items():
        for uid, (body, _fl) in msgs.items():
            seen.setdefault(token_of(body), []).append((name, uid))
    return {t: v[0] for t, v in seen.items() if len(v) == 1}


def append(c, box: str, data: bytes, flags: str | None = None) -> int:
    typ, resp = c.append(quoted(box), flags, None, data)
    assert typ == "OK", resp
    return int(re.search(rb"APPENDUID \d+ (\d+)", resp[0]).group(1))


def populate(m) -> dict[str, str]:
    """Mail in INBOX (SMTP and APPEND), Work, Proj, Proj.2026 and a non-ASCII folder.
    Returns token -> folder."""
    where = {}
    for _ in range(3):
        tok, _qid = deliver(m, ["alice@example.com"])
        where[tok] = "INBOX"
    c = imap_ssl(m)
    try:
        umlaut = mutf7_encode("Entwürfe ünd Ähnliches")
        for box in ("Work", "Proj", "Proj.2026", umlaut):
            assert c.create(quoted(box))[0] == "OK", box
        plan = [("INBOX", r"(\Seen)"), ("INBOX", r"(\Flagged \Answered)"), ("Work", None),
                ("Work", r"(\Seen)"), ("Work", r"(\Draft)"), ("Proj", None),
                ("Proj.2026", r"(\Seen \Flagged)"), ("Proj.2026", None), (umlaut, None),
                (umlaut, r"(\Seen)")]
        for box, flags in plan:
            tok = new_token("cl")
            append(c, box, message(tok, body="Grüße é " + tok), flags)
            where[tok] = box
    finally:
        c.logout()
    return where


# -- mbsync -----------------------------------------------------------------------------------

class Mbsync:
    def __init__(self, m, base: Path, starttls: bool = False):
        self.base = base
        self.root = base / "Mail"
        self.root.mkdir(parents=True)
        self.cfg = base / "mbsyncrc"
        self.cfg.write_text(
            f"IMAPAccount magpie\n"
            f"Host 127.0.0.1\nPort {m.imap_port if starttls else m.imaps_port}\n"
            f"User alice\nPass {PASSWORDS['alice']}\n"
            f"SSLType {'STARTTLS' if starttls else 'IMAPS'}\nCertificateFile {m.data / 'tls' / 'cert.pem'}\nTimeout 30\n\n"
            f"IMAPStore remote\nAccount magpie\n\n"
            f"MaildirStore local\nPath {self.root}/\nInbox {self.root}/INBOX\n"
            f"SubFolders Verbatim\n\n"
            f"Channel magpie\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\n"
            f"Expunge Both\nSyncState *\n")
        self.cfg.chmod(0o600)

    def sync(self):
        p = subprocess.run([MBSYNC, "-c", str(self.cfg), "-a"], capture_output=True, text=True,
                           timeout=scaled(120), env=dict(os.environ, HOME=str(self.base)))
        assert p.returncode == 0, f"mbsync failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
        # mbsync reports protocol trouble (unparsable responses, lost messages) as warnings.
        assert not re.search(r"(?i)warning|error", p.stdout + p.stderr), p.stdout + p.stderr
        return p


@pytest.mark.skipif(not MBSYNC, reason="mbsync (isync) is not installed")
def test_mbsync_round_trip(server_factory, tmp_path):
    m = server_factory("mbsync", setup=standard_directory)
    where = populate(m)
    mb = Mbsync(m, tmp_path / "mbsync")

    # 1. Everything comes down intact.
    mb.sync()
    before = server_state(m)
    assert set(before) >= {"INBOX", "Work", "Proj", "Proj.2026",
                           mutf7_encode("Entwürfe ünd Ähnliches"), "Sent", "Trash"}
    for tok, box in where.items():
        assert [token_of(b) for b, _ in before[box].values()].count(tok) == 1, (tok, box)
    assert local_state(mb.root) == comparable(before)
    # Byte-identical apart from mbsync's own line-end conversion and X-TUID header.
    for name, d in local_folders(mb.root).items():
        for f in list((d / "new").iterdir()) + list((d / "cur").iterdir()):
            raw = f.read_bytes()
            server_copy = [b for b, _ in before[name].values() if token_of(b) == token_of(raw)]
            assert len(server_copy) == 1 and server_copy[0] == norm(raw), f
            assert b"\r" not in raw  # mbsync stores with LF: what norm() reverses

    # 2. Local changes: flags, moves between folders, a deletion, a new nested folder.
    inbox = local_files(mb.root, "INBOX")
    work = local_files(mb.root, "Work")
    proj26 = local_files(mb.root, "Proj/2026")
    delivered = [t for t, b in where.items() if b == "INBOX" and t in inbox and t.startswith("t-")]
    seen_tok, flag_tok, moved_tok, deleted_tok = delivered[0], delivered[1], None, delivered[2]
    set_local_flags(inbox[seen_tok], "S")
    set_local_flags(inbox[flag_tok], "FR")
    work_toks = sorted(work)
    moved_tok = work_toks[0]
    src = work[moved_tok]
    base = re.sub(r",U=\d+", "", src.name)  # a new file there, as a MUA's move makes it
    src.rename(mb.root / "Proj" / "2026" / "cur" / base)
    moved2_tok = sorted(proj26)[0]
    src = proj26[moved2_tok]
    src.rename(mb.root / "INBOX" / "cur" / re.sub(r",U=\d+", "", src.name))
    inbox[deleted_tok].unlink()
    new_tok = new_token("local")
    newbox = mb.root / "Offline" / "Sub"
    for d in (mb.root / "Offline", newbox):
        for sub in ("cur", "new", "tmp"):
            (d / sub).mkdir(parents=True, exist_ok=True)
    (newbox / "new" / f"1700000000.{new_tok}.localhost").write_bytes(
        message(new_tok).replace(b"\r\n", b"\n"))
    untouched = {t: v for t, v in uid_map(before).items()
                 if t not in (moved_tok, moved2_tok, deleted_tok)}

    mb.sync()
    after = server_state(m)
    assert local_state(mb.root) == comparable(after)
    assert "Offline.Sub" in after and "Offline" in after
    assert [token_of(b) for b, _ in after["Offline.Sub"].values()] == [new_tok]
    toks = {name: [token_of(b) for b, _ in msgs.values()] for name, msgs in after.items()}
    assert deleted_tok not in sum(toks.values(), [])
    assert toks["Proj.2026"].count(moved_tok) == 1 and moved_tok not in toks["Work"]
    assert toks["INBOX"].count(moved2_tok) == 1 and moved2_tok not in toks["Proj.2026"]
    flags_by_tok = {token_of(b): fl for msgs in after.values() for b, fl in msgs.values()}
    assert flags_by_tok[seen_tok] == "S" and flags_by_tok[flag_tok] == "FR"
    now = uid_map(after)
    for tok, (box, uid) in untouched.items():
        assert now.get(tok) == (box, uid), (tok, box, uid, now.get(tok))
    c = imap_ssl(m)
    uidvalidity = {n: c.status(quoted(n), "(UIDVALIDITY)")[1][0] for n in ("INBOX", "Work")}
    c.logout()

    # 3. Server changes: STORE, MOVE, EXPUNGE and a new delivery.
    c = imap_ssl(m)
    try:
        c.select("INBOX")
        inbox_uids = {token_of(b): uid for uid, (b, _) in after["INBOX"].items()}
        assert c.uid("STORE", str(inbox_uids[seen_tok]), "+FLAGS", r"(\Flagged)")[0] == "OK"
        assert c.uid("STORE", str(inbox_uids[flag_tok]), "-FLAGS", r"(\Flagged)")[0] == "OK"
        c.select("Work")
        work_uids = {token_of(b): uid for uid, (b, _) in after["Work"].items()}
        move_tok, gone_tok = sorted(work_uids)[0], sorted(work_uids)[1]
        assert c.uid("MOVE", str(work_uids[move_tok]), "Proj")[0] == "OK"
        assert c.uid("STORE", str(work_uids[gone_tok]), "+FLAGS", r"(\Deleted)")[0] == "OK"
        assert c.expunge()[0] == "OK"
    finally:
        c.logout()
    late_tok, _ = deliver(m, ["alice@example.com"])

    mb.sync()
    final = server_state(m)
    assert local_state(mb.root) == comparable(final)
    toks = {name: [token_of(b) for b, _ in msgs.values()] for name, msgs in final.items()}
    assert late_tok in toks["INBOX"] and move_tok in toks["Proj"]
    assert move_tok not in toks["Work"] and gone_tok not in sum(toks.values(), [])
    local_inbox = local_files(mb.root, "INBOX")
    assert info_flags(local_inbox[seen_tok]) == "FS" and info_flags(local_inbox[flag_tok]) == "R"
    c = imap_ssl(m)
    for n, v in uidvalidity.items():
        assert c.status(quoted(n), "(UIDVALIDITY)")[1][0] == v
    c.logout()

    # 4. Nothing left to do: another sync changes nothing on either side.
    mb.sync()
    assert server_state(m) == final
    assert local_state(mb.root) == comparable(final)

    # 5. A second replica over the plain port with STARTTLS is the same.
    mb2 = Mbsync(m, tmp_path / "mbsync2", starttls=True)
    mb2.sync()
    assert local_state(mb2.root) == comparable(final)


# -- offlineimap ------------------------------------------------------------------------------

class OfflineImap:
    def __init__(self, m, base: Path):
        import hashlib
        import ssl
        self.base = base
        self.root = base / "Mail"
        self.root.mkdir(parents=True)
        der = ssl.PEM_cert_to_DER_cert((m.data / "tls" / "cert.pem").read_text())
        self.cfg = base / "offlineimaprc"
        self.cfg.write_text(
            f"[general]\naccounts = magpie\nmetadata = {base / 'meta'}\nmaxsyncaccounts = 1\n"
            f"ui = basic\n\n"
            f"[Account magpie]\nlocalrepository = local\nremoterepository = remote\n\n"
            f"[Repository local]\ntype = Maildir\nlocalfolders = {self.root}\nsep = /\n\n"
            f"[Repository remote]\ntype = IMAP\nremotehost = 127.0.0.1\n"
            f"remoteport = {m.imaps_port}\nssl = yes\n"
            f"cert_fingerprint = {hashlib.sha256(der).hexdigest()}\n"
            f"remoteuser = alice\nremotepass = {PASSWORDS['alice']}\nmaxconnections = 1\n"
            f"holdconnectionopen = no\ntimeout = 30\n")

    def sync(self):
        p = subprocess.run([OFFLINEIMAP, "-c", str(self.cfg), "-o", "-u", "basic"],
                           capture_output=True, text=True, timeout=scaled(180),
                           env=dict(os.environ, HOME=str(self.base)))
        out = p.stdout + p.stderr
        assert p.returncode == 0 and "ERROR" not in out, f"offlineimap failed ({p.returncode}):\n{out}"
        return p


@pytest.mark.skipif(not OFFLINEIMAP, reason="offlineimap is not installed")
def test_offlineimap_round_trip(server_factory, tmp_path):
    m = server_factory("oimap", setup=standard_directory)
    where = populate(m)
    oi = OfflineImap(m, tmp_path / "oimap")

    oi.sync()
    before = server_state(m)
    assert local_state(oi.root) == comparable(before)
    for tok, box in where.items():
        assert [token_of(b) for b, _ in before[box].values()].count(tok) == 1, (tok, box)

    # Local changes: flags, a deletion, a new message in an existing nested folder.
    inbox = local_files(oi.root, "INBOX")
    delivered = sorted(t for t, b in where.items() if b == "INBOX" and t.startswith("t-"))
    set_local_flags(inbox[delivered[0]], "S")
    set_local_flags(inbox[delivered[1]], "FR")
    inbox[delivered[2]].unlink()
    new_tok = new_token("oilocal")
    (oi.root / "Proj" / "2026" / "new" / f"1700000000.{new_tok}.localhost").write_bytes(
        message(new_tok).replace(b"\r\n", b"\n"))
    untouched = {t: v for t, v in uid_map(before).items() if t != delivered[2]}

    oi.sync()
    after = server_state(m)
    assert local_state(oi.root) == comparable(after)
    flags_by_tok = {token_of(b): fl for msgs in after.values() for b, fl in msgs.values()}
    assert flags_by_tok[delivered[0]] == "S" and flags_by_tok[delivered[1]] == "FR"
    assert delivered[2] not in flags_by_tok and new_tok in flags_by_tok
    now = uid_map(after)
    for tok, (box, uid) in untouched.items():
        assert now.get(tok) == (box, uid), (tok, box, uid, now.get(tok))

    # Server changes: flags, a move, an expunge, a delivery.
    c = imap_ssl(m)
    try:
        c.select("INBOX")
        uids = {token_of(b): uid for uid, (b, _) in after["INBOX"].items()}
        assert c.uid("STORE", str(uids[delivered[0]]), "+FLAGS", r"(\Answered)")[0] == "OK"
        c.select("Work")
        work = sorted((token_of(b), uid) for uid, (b, _) in after["Work"].items())
        assert c.uid("MOVE", str(work[0][1]), "Proj")[0] == "OK"
        assert c.uid("STORE", str(work[1][1]), "+FLAGS", r"(\Deleted)")[0] == "OK"
        assert c.expunge()[0] == "OK"
    finally:
        c.logout()
    late_tok, _ = deliver(m, ["alice@example.com"])

    oi.sync()
    final = server_state(m)
    assert local_state(oi.root) == comparable(final)
    toks = {name: [token_of(b) for b, _ in msgs.values()] for name, msgs in final.items()}
    assert late_tok in toks["INBOX"] and work[0][0] in toks["Proj"]
    assert work[1][0] not in sum(toks.values(), [])
