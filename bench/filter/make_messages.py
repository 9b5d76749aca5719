#!/usr/bin/env python3
# Generates the benchmark's messages with attachments into a folder: plain text, PDF-like,
# docx (zip of XML), zip of text + binary, 1 MB binary, ClamAV's test executable (when
# clamav-testfiles is installed) and EICAR. Deterministic (fixed seed).
# usage: make_messages.py OUT_DIR
import base64, io, os, random, sys, zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rnd = random.Random(6)
words = "the quick brown fox jumps over lazy dog mail server filter attachment invoice".split()


def text(n):
    return " ".join(rnd.choice(words) for _ in range(n // 6)) + "\n"


def message(i, parts):
    b = "BOUNDARY%d" % i
    m = ("From: sender%d@example.com\r\nTo: user@example.org\r\nSubject: bench %d\r\n"
         "Message-ID: <%d@bench.example>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n" % (i, i, i, b))
    m += "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s" % (b, text(3000).replace("\n", "\r\n"))
    for name, ctype, data in parts:
        enc = base64.encodebytes(data).decode().replace("\n", "\r\n")
        m += ("--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; "
              "filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s" % (b, ctype, name, name, enc))
    return m + "--%s--\r\n" % b


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
    return buf.getvalue()


def pdf(n):
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n" + rnd.randbytes(n) + b"\nendstream\n"


def docx():
    return zipped([("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"></Types>'),
                   ("_rels/.rels", "<Relationships/>"),
                   ("word/document.xml", "<w:document>" + text(40000) + "</w:document>")])


kinds = [("text", lambda: [])] * 20
kinds += [("pdf", lambda: [("report.pdf", "application/pdf", pdf(100_000))])] * 10
kinds += [("docx", lambda: [("letter.docx", "application/vnd.openxmlformats-officedocument."
                             "wordprocessingml.document", docx())])] * 10
kinds += [("zip", lambda: [("photos.zip", "application/zip",
                            zipped([("a.txt", text(5000)), ("b.txt", text(5000)),
                                    ("c.bin", rnd.randbytes(200_000))]))])] * 10
kinds += [("big", lambda: [("data.bin", "application/octet-stream", rnd.randbytes(1 << 20))])] * 5
eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
kinds += [("eicar", lambda: [("notes.txt", "text/plain", eicar)])] * 3
clam = "/usr/share/clamav-testfiles/clam.exe"
if os.path.exists(clam):
    exe = open(clam, "rb").read()
    kinds += [("exe", lambda: [("invoice.pdf", "application/pdf", exe)])] * 2
for i, (kind, parts) in enumerate(kinds):
    with open(os.path.join(out, "%03d-%s.eml" % (i, kind)), "w", newline="") as f:
        f.write(message(i, parts()))
