#!/usr/bin/env python3
# Generates the IMAP/POP3 benchmark mailbox: a deterministic Maildir++ INBOX (cur/ only, no
# dovecot-uidlist or index, so every server indexes it fresh) of realistic messages, and a
# manifest of what a correct server must answer (message count, total size, how many bodies
# hold the rare SEARCH token). Same arguments -> same bytes, on any machine.
#
# usage: make_maildir.py DIR [--messages N] [--seed S] [--eol crlf|lf] [--manifest FILE]
# DIR must not exist or be empty. The manifest (default DIR.manifest, beside DIR, not inside
# it) holds key=value lines for bench/imap/run.sh and imapbench.
#
# Mix (by message): 60 % text/plain 2-20 KB (some quoted-printable UTF-8), 25 %
# multipart/alternative text+HTML 4-40 KB, 15 % multipart/mixed with one or two base64
# attachments, 20-200 KB in all. About 1 % of bodies hold TOKEN (never a header, never an
# attachment). Flags: most \Seen, some \Answered and \Flagged, some unread.
import argparse
import base64
import os
import random
import sys
import time

TOKEN = "quokkafluxion"
EPOCH = 1767225600  # 2026-01-01T00:00:00Z; the newest message is a little before it
HOST = "bench.example"

FIRST = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter",
         "Zoë", "Jürgen", "Amélie", "Søren", "Łukasz", "François"]
LAST = ["Smith", "Jones", "Müller", "Dubois", "García", "Rossi", "Novak", "Kowalski", "Chen",
        "Tanaka", "Okafor", "Silva", "Johansson", "Brown", "Wilson", "Martin", "Lefèvre"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "lists.example.org",
           "corp.example", "university.example.edu", "shop.example"]
WORDS = ("the of and to in is that for it as was with be by on not he this are or his from "
         "at which but have an they you were her she there been one all we their has would "
         "when if so no will can more other its about into them only some could time these "
         "two may then do first any like now my such make over our even most me state after "
         "also made many did must before back see through way where get much go well your "
         "know should down work year because come people just say each those take day good "
         "how long own too little use us very great still men here life both between old "
         "under last never place same another think house while high right might came off "
         "find states since used give against three himself look few general hand school part "
         "small american home during number again mrs around thought went without however govern "
         "don't does got public united development meeting invoice report quarterly budget "
         "schedule release server mailbox attachment deadline review project customer shipping "
         "order payment account password renewal subscription newsletter conference agenda "
         "minutes draft final approved pending urgent reminder weekly monthly summary").split()
ACCENTED = ["café", "naïve", "Müller", "façade", "résumé", "Größe", "déjà", "señor", "Ångström"]
SUBJECTS = ["Quarterly report", "Meeting notes", "Invoice {n}", "Your order #{n} has shipped",
            "Weekly summary", "Re: project timeline", "Fwd: conference agenda", "Lunch on {d}?",
            "Password renewal reminder", "Build {n} failed", "Draft for review", "Holiday plans",
            "Réunion de l'équipe", "Größere Änderungen am Server", "Newsletter {d}",
            "[dev] patch {n}: fix mailbox sync", "Budget approval needed", "Photos from {d}"]
MAILERS = ["Thunderbird 115.5.0", "Apple Mail (2.3731)", "Microsoft Outlook 16.0",
           "Roundcube Webmail/1.6.5", "mutt/2.2.9", "K-9 Mail for Android"]
ATTACH = [("application/pdf", "report-{n}.pdf"), ("image/jpeg", "IMG_{n}.jpg"),
          ("image/png", "screenshot-{n}.png"), ("application/zip", "archive-{n}.zip"),
          ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "budget-{n}.xlsx")]


def encoded_word(s: str) -> str:
    """RFC 2047 B-encoding when s is not ASCII."""
    if s.isascii():
        return s
    return "=?UTF-8?B?" + base64.b64encode(s.encode()).decode() + "?="


def qp_lines(s: str) -> list[str]:
    """Quoted-printable for one text line, re-wrapped at word boundaries into encoded lines of
    at most 76 chars (hard breaks, never soft ones, so the token is never split)."""
    out, cur = [], ""
    for word in s.split(" "):
        enc = "".join("=%02X" % b if b == ord("=") or b > 126 else chr(b) for b in word.encode())
        if cur and len(cur) + 1 + len(enc) > 76:
            out.append(cur)
            cur = enc
        else:
            cur = (cur + " " + enc) if cur else enc
    out.append(cur)
    return out


class Gen:
    def __init__(self, seed: int, eol: str):
        self.r = random.Random(seed)
        self.eol = eol
        self.token_count = 0

    def person(self):
        r = self.r
        f, l = r.choice(FIRST), r.choice(LAST)
        addr = f"{f.lower()}.{l.lower()}".encode("ascii", "ignore").decode() or "user"
        addr = "".join(c for c in addr if c.isalnum() or c == ".")
        return f"{f} {l}", f"{addr}@{r.choice(DOMAINS)}"

    def mailbox(self, display=True):
        name, addr = self.person()
        if display and self.r.random() < 0.8:
            return f"{encoded_word(name)} <{addr}>" if not name.isascii() else f'"{name}" <{addr}>'
        return addr

    def sentence(self, accented=False):
        r = self.r
        n = r.randint(6, 12)
        w = [r.choice(WORDS) for _ in range(n)]
        if accented and r.random() < 0.5:
            w[r.randrange(n)] = r.choice(ACCENTED)
        s = " ".join(w)
        return s[0].upper() + s[1:] + "."

    def paragraphs(self, size, token, accented=False):
        """Lines of at most ~72 chars, `size` bytes or so; token placed once when asked."""
        r = self.r
        lines, total = [], 0
        while total < size:
            line = ""
            while len(line) < 60:
                line = (line + " " + self.sentence(accented)).strip()
            # break on word boundary at <= 72 chars
            while len(line) > 72:
                cut = line.rfind(" ", 0, 72)
                lines.append(line[:cut])
                total += cut + 2
                line = line[cut + 1:]
            lines.append(line)
            total += len(line) + 2
            if r.random() < 0.15:
                lines.append("")
            if r.random() < 0.01:
                lines.append("...and a line that starts with a dot, for POP3 byte-stuffing.")
        if token:
            i = r.randrange(len(lines))
            lines.insert(i, f"Please keep the reference {TOKEN} for the records.")
        return lines

    def headers(self, i, date, ctype_lines, subject, mid, refs):
        r = self.r
        h = []
        h.append(f"Return-Path: <bounce-{i}@{r.choice(DOMAINS)}>")
        h.append(f"Delivered-To: bench@{HOST}")
        for hop in range(r.randint(1, 4)):
            t = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(date - hop * 7))
            h.append(f"Received: from mx{hop}.{r.choice(DOMAINS)} (mx{hop}.example [192.0.2.{r.randint(1, 254)}])")
            h.append(f"\tby {HOST} (Magpie) with ESMTPS id {r.getrandbits(48):012X}")
            h.append(f"\tfor <bench@{HOST}>; {t}")
        if r.random() < 0.4:
            b = base64.b64encode(r.randbytes(128)).decode()
            h.append(f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={r.choice(DOMAINS)};")
            h.append(f"\ts=sel{r.randint(1, 9)}; t={date}; h=from:to:subject:date:message-id;")
            h.append(f"\tbh={base64.b64encode(r.randbytes(32)).decode()};")
            h.append(f"\tb={b[:64]}")
            h.append(f"\t {b[64:]}")
        h.append(f"From: {self.mailbox()}")
        to = [self.mailbox() for _ in range(r.choice([1, 1, 1, 2, 3]))]
        h.append("To: " + ",\r\n\t".join(to))  # folded; line ends are fixed up at the end
        if r.random() < 0.25:
            h.append(f"Cc: {self.mailbox()}")
        h.append(f"Subject: {encoded_word(subject)}")
        h.append("Date: " + time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(date)))
        h.append(f"Message-ID: {mid}")
        if refs:
            h.append(f"In-Reply-To: {refs[-1]}")
            h.append("References: " + " ".join(refs))
        if r.random() < 0.2:
            h.append(f"List-Id: Developers <dev.{r.choice(DOMAINS)}>")
            h.append(f"List-Unsubscribe: <mailto:leave-{i}@{r.choice(DOMAINS)}>")
        h.append(f"X-Mailer: {r.choice(MAILERS)}")
        h.append("MIME-Version: 1.0")
        h.extend(ctype_lines)
        return h

    def text_part(self, size, token):
        r = self.r
        if r.random() < 0.3:
            lines = [q for l in self.paragraphs(size, token, accented=True) for q in qp_lines(l)]
            return ["Content-Type: text/plain; charset=UTF-8",
                    "Content-Transfer-Encoding: quoted-printable"], lines
        lines = self.paragraphs(size, token)
        return ["Content-Type: text/plain; charset=us-ascii; format=flowed",
                "Content-Transfer-Encoding: 7bit"], lines

    def html_part(self, text_lines):
        out = ["<!DOCTYPE html>", "<html><head><meta charset=\"us-ascii\"><title>message</title>",
               "<style>p { font-family: sans-serif; margin: 0 0 1em 0; }</style></head><body>"]
        para = []
        for l in text_lines + [""]:
            if l == "" and para:
                out.append("<p>")
                out.extend(para)
                out.append("</p>")
                para = []
            elif l:
                para.append(l.replace("&", "&amp;").replace("<", "&lt;"))
        out.append("</body></html>")
        return ["Content-Type: text/html; charset=us-ascii",
                "Content-Transfer-Encoding: 7bit"], out

    def message(self, i, date):
        r = self.r
        kind = r.random()
        token = r.random() < 0.01
        if token:
            self.token_count += 1
        subject = r.choice(SUBJECTS).format(n=r.randint(100, 99999),
                                            d=time.strftime("%d %b", time.gmtime(date)))
        mid = f"<{date}.{i}.{r.getrandbits(32):08x}@{r.choice(DOMAINS)}>"
        refs = []
        if subject.startswith("Re:") or r.random() < 0.2:
            refs = [f"<{r.getrandbits(40):010x}@{r.choice(DOMAINS)}>" for _ in range(r.randint(1, 4))]
        body = []
        if kind < 0.60:  # text/plain, 2-20 KB
            ct, lines = self.text_part(r.randint(1200, 19000), token)
            hdr = self.headers(i, date, ct, subject, mid, refs)
            body = lines
        elif kind < 0.85:  # multipart/alternative, 4-40 KB
            bnd = f"=_alt_{r.getrandbits(64):016x}"
            text_lines = self.paragraphs(r.randint(1500, 14000), token)
            hct, html = self.html_part(text_lines)
            hdr = self.headers(i, date, [f'Content-Type: multipart/alternative; boundary="{bnd}"'],
                               subject, mid, refs)
            body = ["This is a multi-part message in MIME format.", "", f"--{bnd}",
                    "Content-Type: text/plain; charset=us-ascii",
                    "Content-Transfer-Encoding: 7bit", ""] + text_lines + \
                   ["", f"--{bnd}"] + hct + [""] + html + ["", f"--{bnd}--", ""]
        else:  # multipart/mixed with base64 attachments, 20-200 KB
            bnd = f"=_mix_{r.getrandbits(64):016x}"
            ct, lines = self.text_part(r.randint(500, 4000), token)
            hdr = self.headers(i, date, [f'Content-Type: multipart/mixed; boundary="{bnd}"'],
                               subject, mid, refs)
            body = [f"--{bnd}"] + ct + [""] + lines + [""]
            total = r.randint(16000, 140000)  # raw bytes; base64 adds a third
            n_att = 1 if r.random() < 0.7 else 2
            for a in range(n_att):
                mime, name = r.choice(ATTACH)
                name = name.format(n=r.randint(1, 9999))
                raw = r.randbytes(total // n_att)
                b64 = base64.b64encode(raw).decode()
                body += [f"--{bnd}", f'Content-Type: {mime}; name="{name}"',
                         f'Content-Disposition: attachment; filename="{name}"',
                         "Content-Transfer-Encoding: base64", ""]
                body += [b64[k:k + 76] for k in range(0, len(b64), 76)]
                body.append("")
            body += [f"--{bnd}--", ""]
        text = "\r\n".join(hdr) + "\r\n\r\n" + "\r\n".join(body) + "\r\n"
        if self.eol != "\r\n":
            text = text.replace("\r\n", self.eol)
        return text.encode("utf-8")

    def flags(self):
        r = self.r
        f = ""
        if r.random() < 0.12:
            f += "F"
        if r.random() < 0.2:
            f += "R"
        if r.random() < 0.8:
            f += "S"
        return f


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dir")
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--eol", choices=["crlf", "lf"], default="crlf")
    ap.add_argument("--manifest")
    a = ap.parse_args()
    d = a.dir.rstrip("/")
    if os.path.isdir(d) and os.listdir(d):
        sys.exit(f"{d} exists and is not empty")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    g = Gen(a.seed, "\r\n" if a.eol == "crlf" else "\n")
    total = total_crlf = 0
    date = EPOCH - 400 * 86400
    for i in range(1, a.messages + 1):
        date += g.r.randint(60, 5400)  # ascending, so file name order is generation order
        data = g.message(i, date)
        fl = g.flags()
        size = len(data)
        vsize = size if a.eol == "crlf" else size + data.count(b"\n")
        # Dovecot's name form: <time>.M<usec>P<pid>.<host>,S=<size>,W=<CRLF size>:2,<flags>
        name = f"{date}.M{i:06d}P{4000 + i % 997}.{HOST},S={size},W={vsize}:2,{fl}"
        path = os.path.join(d, "cur", name)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (date, date))  # INTERNALDATE comes from the mtime
        total += size
        total_crlf += vsize
    for sub in ("cur", "new", "tmp", ""):
        os.utime(os.path.join(d, sub), (EPOCH, EPOCH))
    man = a.manifest or d + ".manifest"
    with open(man, "w") as f:
        f.write(f"messages={a.messages}\nseed={a.seed}\neol={a.eol}\nbytes={total}\n"
                f"bytes_crlf={total_crlf}\ntoken={TOKEN}\ntoken_matches={g.token_count}\n")
    print(f"{a.messages} messages, {total} bytes ({total_crlf} with CRLF), "
          f"{g.token_count} hold {TOKEN}; manifest {man}", file=sys.stderr)


if __name__ == "__main__":
    main()
