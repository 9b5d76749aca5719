#!/usr/bin/env python3
"""Cross-check Magpie's MIME library against Debian's Dovecot.

Starts a private Dovecot instance (own config, 127.0.0.1, high port, files under a temp
dir; the system configuration is never read or touched), puts every corpus message in
a Maildir, fetches BODYSTRUCTURE, BODY and ENVELOPE over IMAP, runs `mime_dump` on the
same files and compares the two answers token by token (quoted string vs literal is not
a difference). Then it fetches BODY[section] for every section spec of every message
(HEADER, TEXT, 1, 1.MIME, 2.1.HEADER, ...) and compares length and hash with the byte
ranges Magpie's section resolver gives.

usage: crosscheck_dovecot.py MIME_DUMP [--port 14143] [--save DIR] [--verbose]
"""
import argparse, glob, hashlib, os, pwd, shutil, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CORPORA = os.path.abspath(os.path.join(REPO, "..", "shared", "corpora", "mime"))


def corpus_files():
    pats = [
        os.path.join(CORPORA, "stalwart-mail-parser/resources/eml/*/*.eml"),
        os.path.join(CORPORA, "stalwart-mail-parser/resources/maildir/cur/*"),
        os.path.join(CORPORA, "stalwart-mail-parser/resources/maildir/new/*"),
        os.path.join(CORPORA, "cpython/*.txt"),
        os.path.join(HERE, "torture/*.eml"),
    ]
    out = []
    for p in pats:
        out += sorted(glob.glob(p))
    return out


def label(path):
    for base in (CORPORA, HERE):
        if path.startswith(base + "/"):
            return os.path.relpath(path, base)
    return path


# --- a tiny IMAP response tokenizer -------------------------------------------------
def tokenize(buf, i=0):
    """Parses one parenthesised list starting at buf[i]=='('; returns (list, next i)."""
    assert buf[i:i + 1] == b"("
    i += 1
    out = []
    while True:
        c = buf[i:i + 1]
        if c == b"":
            raise ValueError("unterminated list")
        if c == b" ":
            i += 1
        elif c == b")":
            return out, i + 1
        elif c == b"(":
            sub, i = tokenize(buf, i)
            out.append(sub)
        elif c == b'"':
            j = i + 1
            s = bytearray()
            while buf[j:j + 1] != b'"':
                if j >= len(buf):
                    raise ValueError("unterminated string")
                if buf[j:j + 1] == b"\\":
                    j += 1
                s += buf[j:j + 1]
                j += 1
            out.append(("s", bytes(s)))
            i = j + 1
        elif c == b"{":
            j = buf.index(b"}", i)
            n = int(buf[i + 1:j].rstrip(b"+"))
            start = buf.index(b"\n", j) + 1
            out.append(("s", buf[start:start + n]))
            i = start + n
        else:
            j = i
            while buf[j:j + 1] not in (b" ", b")", b"(", b""):
                j += 1
            atom = buf[i:j]
            out.append(None if atom.upper() == b"NIL" else ("a", atom))
            i = j


def show(tok):
    if tok is None:
        return "NIL"
    if isinstance(tok, list):
        # IMAP writes adjacent lists without a space ("1*body", "1*address").
        out = ""
        for i, t in enumerate(tok):
            if i and not (isinstance(t, list) and isinstance(tok[i - 1], list)):
                out += " "
            out += show(t)
        return "(" + out + ")"
    kind, v = tok
    if kind == "a":
        return v.decode("latin1")
    return '"' + v.decode("utf-8", "backslashreplace").replace("\\", "\\\\").replace('"', '\\"') + '"'


def canon(raw):
    raw = raw.strip()
    if raw == b"NIL":
        return "NIL"
    return show(tokenize(raw)[0])


# --- Dovecot ----------------------------------------------------------------------------
CONF = """
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = magpie-crosscheck
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
mail_location = maildir:{d}/home/Maildir
passdb {{
  driver = static
  args = password=test
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


class Imap:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self.n = 0
        self.readline()

    def readline(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def read_exact(self, n):
        while len(self.buf) < n:
            self.buf += self.s.recv(65536)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def cmd(self, text):
        self.n += 1
        tag = b"T%d" % self.n
        self.s.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        cur = b""
        while True:
            line = self.readline()
            cur += line
            if line.endswith(b"}\r\n") and b"{" in line:
                n = int(line[line.rindex(b"{") + 1:-3].rstrip(b"+"))
                cur += self.read_exact(n)
                continue
            if cur.startswith(tag + b" "):
                if not cur.startswith(tag + b" OK"):
                    raise RuntimeError(cur)
                return untagged
            untagged.append(cur)
            cur = b""


def fetch_item(resp, item):
    """Extracts the value of `item` from one '* n FETCH (...)' response."""
    k = resp.index(b"(")
    toks, _ = tokenize(resp, k)
    for i in range(0, len(toks) - 1, 2):
        if toks[i] == ("a", item):
            return toks[i + 1]
    raise KeyError(item)


def fingerprint(data):
    """Length and FNV-1a 64, as mime_dump prints them."""
    h = 1469598103934665603
    for c in data:
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "%d:%016x" % (len(data), h)


def parse_ours(out):
    """mime_dump output: per file the three items and the SECTIONS fingerprints."""
    ours = {}
    for block in out.split(b"FILE ")[1:]:
        name, rest = block.split(b"\n", 1)
        items = {}
        for key in ("BODYSTRUCTURE", "BODY", "ENVELOPE"):
            k = rest.index(key.encode() + b" ")
            rest = rest[k + len(key) + 1:]
            if rest.startswith(b"("):
                val, used = tokenize(rest, 0)
                items[key] = show(val)
                rest = rest[used:]
            else:
                items[key] = "NIL"
        line = rest[rest.index(b"SECTIONS"):].split(b"\n", 1)[0].decode()
        secs = {}
        for item in line.split()[1:]:
            spec, fp = item.split("=", 1)
            secs["" if spec == "-" else spec] = fp
        items["SECTIONS"] = secs
        ours[name.decode()] = items
    return ours


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mime_dump")
    ap.add_argument("--port", type=int, default=14143)
    ap.add_argument("--save", help="write Dovecot's answers here (one file)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("files", nargs="*", help="messages to check instead of the corpus")
    args = ap.parse_intermixed_args()

    files = [os.path.abspath(f) for f in args.files] or corpus_files()
    d = tempfile.mkdtemp(prefix="magpie-dovecot-")
    os.chmod(d, 0o755)
    nobody = pwd.getpwnam("nobody") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
    for sub in ("run", "state", "home/Maildir/cur", "home/Maildir/new", "home/Maildir/tmp"):
        os.makedirs(os.path.join(d, sub))
    contents = {}
    for i, f in enumerate(files):
        data = open(f, "rb").read()
        name = "%d.M%dP1.magpie:2," % (1000000000 + i, i)
        open(os.path.join(d, "home/Maildir/cur", name), "wb").write(data)
        contents.setdefault(hashlib.sha1(data).hexdigest(), []).append(f)
    if os.getuid() == 0:
        for root, dirs, fs in os.walk(os.path.join(d, "home")):
            for x in dirs + fs:
                os.chown(os.path.join(root, x), nobody.pw_uid, nobody.pw_gid)
        os.chown(os.path.join(d, "home"), nobody.pw_uid, nobody.pw_gid)
    conf = os.path.join(d, "dovecot.conf")
    open(conf, "w").write(CONF.format(d=d, port=args.port, uid=nobody.pw_uid, gid=nobody.pw_gid))
    proc = subprocess.Popen(["dovecot", "-F", "-c", conf])
    try:
        for _ in range(100):
            try:
                imap = Imap(args.port)
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("dovecot did not start; see " + d + "/dovecot.log")
        imap.cmd("LOGIN test test")
        imap.cmd("SELECT INBOX")
        theirs = {}
        for resp in imap.cmd("FETCH 1:* (UID BODY.PEEK[] BODYSTRUCTURE BODY ENVELOPE)"):
            raw = fetch_item(resp, b"BODY[]")[1]
            key = None
            for cand in (raw, raw.replace(b"\r\n", b"\n")):
                h = hashlib.sha1(cand).hexdigest()
                if h in contents and contents[h]:
                    key = contents[h].pop(0)
                    break
            if key is None:
                for h, fl in contents.items():
                    for f in fl:
                        if open(f, "rb").read().replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n"):
                            key = f
                            fl.remove(f)
                            break
                    if key:
                        break
            if key is None:  # UIDs follow the file name order we gave
                uid = int(show(fetch_item(resp, b"UID")))
                key = files[uid - 1] if uid <= len(files) else None
            if key is None:
                print("cannot map a fetched message back to its file", file=sys.stderr)
                continue
            theirs[key] = {n: show(fetch_item(resp, n.encode())) for n in ("BODYSTRUCTURE", "BODY", "ENVELOPE")}
            theirs[key]["UID"] = int(show(fetch_item(resp, b"UID")))
        ours = parse_ours(subprocess.run([args.mime_dump] + files, capture_output=True).stdout)
        # BODY[section] bytes: every section of every message, Dovecot's vs our offsets.
        for f in files:
            if f not in theirs or f not in ours:
                continue
            want = ours[f]["SECTIONS"]
            got = {}
            specs = list(want)
            for k in range(0, len(specs), 40):
                chunk = specs[k:k + 40]
                items = " ".join("BODY.PEEK[%s]" % sp for sp in chunk)
                for resp in imap.cmd("UID FETCH %d (%s)" % (theirs[f]["UID"], items)):
                    toks, _ = tokenize(resp, resp.index(b"("))
                    for i in range(0, len(toks) - 1, 2):
                        name = toks[i][1].decode() if toks[i] else ""
                        if name.startswith("BODY["):
                            val = toks[i + 1]
                            got[name[5:-1]] = fingerprint(val[1] if val else b"")
            theirs[f]["SECTIONS"] = got
        imap.cmd("LOGOUT")
    finally:
        proc.terminate()
        proc.wait()

    agree = {k: 0 for k in ("BODYSTRUCTURE", "BODY", "ENVELOPE", "SECTIONS")}
    sections_total = sections_same = 0
    for f in files:
        t, o = theirs.get(f, {}).get("SECTIONS", {}), ours.get(f, {}).get("SECTIONS", {})
        sections_total += len(o)
        sections_same += sum(1 for sp in o if t.get(sp) == o[sp])
        # Compare the dicts as strings in the loop below.
        if f in theirs:
            theirs[f]["SECTIONS"] = " ".join("%s=%s" % (k or "-", v) for k, v in sorted(t.items()))
        if f in ours:
            ours[f]["SECTIONS"] = " ".join("%s=%s" % (k or "-", v) for k, v in sorted(o.items()))
    all_agree = 0
    diffs = []
    for f in files:
        t, o = theirs.get(f), ours.get(f)
        if not t or not o:
            diffs.append((label(f), "missing", "", ""))
            continue
        ok = True
        for k in agree:
            if t[k] == o[k]:
                agree[k] += 1
            else:
                ok = False
                diffs.append((label(f), k, t[k], o[k]))
        all_agree += ok
    if args.save:
        with open(args.save, "w") as fh:
            for f in files:
                if f in theirs:
                    fh.write("FILE %s\n" % label(f))
                    for k in ("BODYSTRUCTURE", "BODY", "ENVELOPE", "SECTIONS"):
                        fh.write("%s %s\n" % (k, theirs[f][k]))
    for name, k, t, o in diffs:
        print("DIFF %s %s" % (name, k))
        if args.verbose:
            print("  dovecot:", t)
            print("  magpie: ", o)
    n = len(files)
    print("messages: %d; all four agree: %d" % (n, all_agree))
    for k, v in agree.items():
        print("  %-13s agree %d/%d" % (k, v, n))
    print("  BODY[section] byte ranges: %d/%d identical" % (sections_same, sections_total))
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
