"""IMAP details read from the RFCs, each where Dovecot's imaptest found Magpie wrong
(issue 15): BINARY APPEND (RFC 3516 §4.4) and RFC822.SIZE of bare-LF messages (RFC 9051
§7.5.2), "~" in atoms (RFC 9051 §9), \\Recent for APPEND/COPY seen by another session
(RFC 3501 §2.3.2, §6.4.4), CONDSTORE enabled by FETCH MODSEQ (RFC 7162 §3.1), LIST-EXTENDED
options and RECURSIVEMATCH (RFC 5258 §3), SORT with i;unicode-casemap and groups (RFC 5256,
RFC 5051), UIDVALIDITY of a re-created mailbox (RFC 9051 §2.3.1.1), FLAGS after a new
keyword (RFC 9051 §7.3.5) and ID arguments in the maillog (RFC 2971 §3.3)."""
from __future__ import annotations

import re

import pytest

from conftest import new_token
from imap_client import RawIMAP


@pytest.fixture
def c(server):
    with RawIMAP(server.imaps_port, tls=True) as conn:
        conn.login()
        yield conn


def session(server, user="alice") -> RawIMAP:
    conn = RawIMAP(server.imaps_port, tls=True)
    conn.login(user)
    return conn


def new_box(c: RawIMAP) -> str:
    name = new_token("cmp").replace("-", "")
    assert c.cmd(f"CREATE {name}").ok
    return name


def append(c: RawIMAP, box: str, data: bytes, literal8: bool = False, flags: str = "") -> int:
    """APPEND with a non-synchronizing literal (LITERAL+, RFC 7888); returns the new UID."""
    tag = c.tag()
    fl = f"({flags}) " if flags else ""
    c.send(f"{tag} APPEND {box} {fl}{'~' if literal8 else ''}{{{len(data)}+}}\r\n".encode()
           + data + b"\r\n")
    r = c.read_until(tag)
    assert r.ok, r
    return int(re.search(rb"APPENDUID \d+ (\d+)", r.tagged).group(1))


def literal_after(line: bytes, item: bytes) -> bytes:
    """The bytes of the literal that follows `item` in one FETCH response line."""
    m = re.search(re.escape(item) + rb" ~?\{(\d+)\}\r\n", line)
    assert m, line
    return line[m.end():m.end() + int(m.group(1))]


def simple_message(subject: str, to: str = "Bob <bob@example.com>") -> bytes:
    return (f"From: Alice <alice@example.com>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n").encode()


# -- item 1: BINARY APPEND and RFC822.SIZE ----------------------------------------------------

def test_binary_append_keeps_binary_part_exactly(c):
    # RFC 3516 §4.4: APPEND of a literal8 stores binary content, and BINARY[] returns the
    # part as appended (Content-Transfer-Encoding: binary has nothing to decode).
    part = b"\x00a\nb\nc\n"  # a NUL and bare LFs: only literal8 may carry them
    msg = (b"From: a@example.com\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
           b"\r\n" + part)
    box = new_box(c)
    append(c, box, msg, literal8=True)
    assert c.cmd(f"SELECT {box}").ok
    r = c.cmd("FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])")
    assert r.ok, r
    line = r.find(rb"^\* 1 FETCH")[0]
    assert re.search(rb"BINARY\.SIZE\[1\] 7\b", line), line
    assert b"BINARY[1] ~{7}\r\n" in line, line  # literal8: the data holds a NUL
    assert literal_after(line, b"BINARY[1]") == part


def test_rfc822_size_equals_body_bytes_for_bare_lf_append(c):
    # RFC 9051 §7.5.2: RFC822.SIZE is the number of octets in the message as FETCH
    # BODY[] sends it; lines are sent with CRLF (§2.3.4 / RFC 5322 line ends).
    msg = b"From: a@example.com\nSubject: lf\n\nline one\nline two\n"
    box = new_box(c)
    append(c, box, msg)
    assert c.cmd(f"SELECT {box}").ok
    r = c.cmd("FETCH 1 (RFC822.SIZE BODY.PEEK[])")
    line = r.find(rb"^\* 1 FETCH")[0]
    body = literal_after(line, b"BODY[]")
    size = int(re.search(rb"RFC822\.SIZE (\d+)", line).group(1))
    assert body == msg.replace(b"\n", b"\r\n")
    assert size == len(body) == len(msg) + msg.count(b"\n")
    # A COPY keeps the size.
    assert c.cmd(f"COPY 1 {box}").ok
    r = c.cmd("FETCH 2 (RFC822.SIZE)")
    assert r.has(rf"RFC822\.SIZE {len(body)}\b"), r


# -- item 2: "~" is an ATOM-CHAR --------------------------------------------------------------

def test_tilde_in_atoms(c):
    # RFC 9051 §9: atom-specials are ( ) { SP CTL % * " \ ]; "~" is an ordinary ATOM-CHAR,
    # and only "~{" starts a literal8 (RFC 3516 §4.2).
    name = "~" + new_token("t").replace("-", "")
    assert c.cmd(f"CREATE {name}").ok
    r = c.cmd(f'LIST "" {name}')
    assert r.ok and r.has(re.escape(name).encode()), r
    assert c.cmd(f"SELECT {name}").ok
    assert c.cmd(f"STATUS {name} (MESSAGES)").ok
    assert c.cmd("UNSELECT").ok
    assert c.cmd(f"DELETE {name}").ok


def test_literal8_where_not_allowed_is_bad(c):
    # A real literal8 where a mailbox name is expected is still refused (RFC 3516 §4.2
    # allows literal8 in APPEND only).
    r = c.cmd("SELECT ~{5+}\r\nINBOX")
    assert r.status == "BAD", r


# -- item 3: \Recent for messages other sessions add ------------------------------------------

def test_recent_for_append_and_copy_seen_by_selected_session(server, c):
    # RFC 3501 §2.3.2: \Recent — this session is the first to have been notified about the
    # message; §7.3.2 RECENT; §6.4.4 SEARCH RECENT / NEW / OLD.
    box = new_box(c)
    other = session(server)
    try:
        assert c.cmd(f"SELECT {box}").has(rb"^\* 0 RECENT")
        append(other, box, simple_message("one"))
        r = c.cmd("NOOP")
        assert r.has(rb"^\* 1 EXISTS") and r.has(rb"^\* 1 RECENT"), r
        assert c.cmd("SEARCH RECENT").has(rb"^\* SEARCH 1\r\n")
        assert c.cmd("SEARCH NEW").has(rb"^\* SEARCH 1\r\n")
        assert c.cmd("SEARCH OLD").has(rb"^\* SEARCH\r\n")
        assert c.cmd("FETCH 1 FLAGS").has(rb"\\Recent")
        # COPY from another session's INBOX into the selected folder.
        append(other, "INBOX", simple_message("two"))
        assert other.cmd("SELECT INBOX").ok
        assert other.cmd(f"UID COPY {other.cmd('UID SEARCH ALL').find(rb'SEARCH')[0].split()[-1].decode()} {box}").ok
        r = c.cmd("NOOP")
        assert r.has(rb"^\* 2 EXISTS") and r.has(rb"^\* 2 RECENT"), r
        assert c.cmd("SEARCH RECENT").has(rb"^\* SEARCH 1 2\r\n")
        # The other session selecting the folder now is not the first to see them.
        r = other.cmd(f"SELECT {box}")
        assert r.has(rb"^\* 2 EXISTS") and r.has(rb"^\* 0 RECENT"), r
        assert other.cmd("SEARCH RECENT").has(rb"^\* SEARCH\r\n")
    finally:
        other.close()


def test_recent_for_append_when_nobody_has_the_folder_selected(c):
    box = new_box(c)
    append(c, box, simple_message("later"))
    r = c.cmd(f"STATUS {box} (RECENT)")
    assert r.has(rb"RECENT 1"), r
    r = c.cmd(f"SELECT {box}")
    assert r.has(rb"^\* 1 RECENT"), r
    r = c.cmd(f"SELECT {box}")  # the first SELECT took it
    assert r.has(rb"^\* 0 RECENT"), r


# -- item 4: FETCH MODSEQ enables CONDSTORE ---------------------------------------------------

def test_fetch_modseq_enables_condstore(server, c):
    # RFC 7162 §3.1: FETCH with the MODSEQ item is a CONDSTORE-enabling command; enabled in
    # the selected state, the server sends HIGHESTMODSEQ, and from then on unsolicited
    # FETCH responses (flag changes by others) include MODSEQ.
    box = new_box(c)
    append(c, box, simple_message("m"))
    assert c.cmd(f"SELECT {box}").ok
    r = c.cmd("FETCH 1 (MODSEQ)")
    assert r.ok and r.has(rb"^\* OK \[HIGHESTMODSEQ \d+\]"), r
    assert r.has(rb"^\* 1 FETCH \(MODSEQ \(\d+\)\)"), r
    other = session(server)
    try:
        assert other.cmd(f"SELECT {box}").ok
        assert other.cmd("STORE 1 +FLAGS.SILENT (\\Flagged)").ok
    finally:
        other.close()
    r = c.cmd("NOOP")
    line = r.find(rb"^\* 1 FETCH")
    assert line and b"MODSEQ (" in line[0] and b"\\Flagged" in line[0], r


# -- item 5: LIST-EXTENDED ---------------------------------------------------------------------

def test_list_unknown_options_are_bad(c):
    # RFC 5258 §3: unrecognized selection or return options get a tagged BAD.
    assert c.cmd('LIST (imaptest) "" ""').status == "BAD"
    assert c.cmd('LIST (SUBSCRIBED imaptest) "" "*"').status == "BAD"
    assert c.cmd('LIST "" "*" RETURN (imaptest)').status == "BAD"
    assert c.cmd('LIST (SUBSCRIBED) "" "*" RETURN (CHILDREN SPECIAL-USE)').ok


def test_recursivematch_childinfo_only_for_unmatched_children(c):
    # RFC 5258 §3 RECURSIVEMATCH: a mailbox that matches the pattern but not the selection
    # criteria is returned with CHILDINFO when a descendant that does NOT itself match the
    # pattern meets them (§3.3 rule 2B: a matching descendant is returned on its own).
    p = new_token("rm").replace("-", "")
    for n in (p, f"{p}.b"):
        assert c.cmd(f"CREATE {n}").ok
    assert c.cmd(f"SUBSCRIBE {p}.b").ok
    r = c.cmd(f'LIST (SUBSCRIBED RECURSIVEMATCH) "" ({p} {p}.b)')
    assert r.ok
    assert r.has(rf'^\* LIST \([^)]*\\Subscribed[^)]*\) "\." {p}\.b'.encode()), r
    assert not r.find(rf'"\." {p}\s'.encode()), r  # the parent is not listed
    r = c.cmd(f'LIST (SUBSCRIBED RECURSIVEMATCH) "" {p}')
    assert r.has(rf'^\* LIST \([^)]*\) "\." {p} \("CHILDINFO" \("SUBSCRIBED"\)\)'.encode()), r


# -- item 6: SORT -------------------------------------------------------------------------------

def test_sort_subject_uses_unicode_casemap_order(c):
    # RFC 5256 §3 SORT compares with i;unicode-casemap (RFC 5051): titlecase, which for
    # ASCII is upper case, so "_" (0x5F) and "[" (0x5B) come after "A".."Z" (0x41-0x5A).
    box = new_box(c)
    for subj in ("_under", "apple", "[bracket", "Zebra", "`tick"):
        append(c, box, simple_message(subj))
    assert c.cmd(f"SELECT {box}").ok
    r = c.cmd("SORT (SUBJECT) US-ASCII ALL")
    # APPLE ZEBRA [BRACKET _UNDER `TICK
    assert r.has(rb"^\* SORT 2 4 3 1 5\r\n"), r


def test_sort_by_address_with_groups(c):
    # RFC 5256 §3: TO sorts by the first address's local part; a group's first "address" in
    # the envelope is the group start, whose mailbox is the group name (RFC 9051 §7.5.2).
    box = new_box(c)
    append(c, box, simple_message("a", to="m@x.example"))
    append(c, box, simple_message("b", to="zgroup: a@b.example, c@d.example;"))
    append(c, box, simple_message("c", to="empty:;"))
    assert c.cmd(f"SELECT {box}").ok
    assert c.cmd("SORT (TO) US-ASCII ALL").has(rb"^\* SORT 3 1 2\r\n")
    assert c.cmd("SORT (DISPLAYTO) US-ASCII ALL").has(rb"^\* SORT 3 1 2\r\n")


# -- item 7: UIDVALIDITY ---------------------------------------------------------------------

def test_recreated_mailbox_gets_new_uidvalidity(c):
    # RFC 9051 §2.3.1.1: a mailbox name re-used for a new mailbox MUST get a UIDVALIDITY
    # greater than any earlier one (so clients drop their stale UIDs), even in one second.
    name = new_token("uv").replace("-", "")
    seen = []
    for _ in range(4):
        assert c.cmd(f"CREATE {name}").ok
        append(c, name, simple_message("x"))
        r = c.cmd(f"SELECT {name}")
        seen.append(int(re.search(rb"UIDVALIDITY (\d+)", b"".join(r.untagged)).group(1)))
        assert c.cmd("UNSELECT").ok
        assert c.cmd(f"DELETE {name}").ok
    assert seen == sorted(seen) and len(set(seen)) == len(seen), seen


# -- item 8: FLAGS after a new keyword -----------------------------------------------------------

def test_new_keyword_announced_in_flags_at_once(server, c):
    # RFC 9051 §7.3.5: FLAGS lists the flags defined in the mailbox, and the server sends it
    # again when that set changes; PERMANENTFLAGS (§7.1) likewise, before a FETCH shows it.
    box = new_box(c)
    append(c, box, simple_message("k"))
    assert c.cmd(f"SELECT {box}").ok
    other = session(server)
    try:
        assert other.cmd(f"SELECT {box}").ok
        r = c.cmd("STORE 1 +FLAGS ($Brandnew)")
        flags = r.find(rb"^\* FLAGS ")
        assert flags and b"$Brandnew" in flags[0], r
        assert r.has(rb"^\* OK \[PERMANENTFLAGS \([^)]*\$Brandnew[^)]*\\\*\)"), r
        order = [ln[:9] for ln in r.untagged]
        assert order.index(b"* FLAGS (") < next(i for i, ln in enumerate(r.untagged)
                                               if b"FETCH" in ln)
        r = other.cmd("NOOP")  # another session learns of it before its FETCH too
        assert r.has(rb"^\* FLAGS \([^)]*\$Brandnew"), r
        assert r.has(rb"^\* 1 FETCH \(FLAGS \([^)]*\$Brandnew"), r
    finally:
        other.close()


# -- item 9: ID in the maillog ---------------------------------------------------------------------

def test_id_before_login_logged_once_bounded_and_sanitized(server):
    # RFC 2971 §3.3: field names at most 30 octets, values at most 1024, 30 pairs; anyone
    # may send ID before logging in, so the log takes a short, printable excerpt, once.
    token = new_token("id").replace("-", "")
    big = "v" * 5000
    with RawIMAP(server.imaps_port, tls=True) as conn:
        for i in range(20):
            r = conn.cmd(f'ID ("name" "{token}\x01\x1b[31m" "version" "{big}" "k{i}" "x")')
            assert r.ok and r.has(rb"^\* ID "), r
        conn.login()
    server.wait_log(r"Login: user=<alice>")
    lines = server.wait_log(token)
    assert len(lines) == 1, lines
    line = lines[0]
    assert len(line) < 600, len(line)
    assert "\x01" not in line and "\x1b" not in line
    assert big not in line
