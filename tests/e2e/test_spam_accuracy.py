"""Spam filter accuracy as shipped, through the real SMTP path: a fixed cross-validation
split of the shared SpamAssassin training corpus (../shared/corpora/spam relative to the
repository root, or MAGPIE_SPAM_CORPUS). For each tested fold a fresh server with the
default settings is trained with `magpie spam learn` on the other folds; then the fold's
spam and ham are sent to its port 25 (as an outside client) and the copies found in the
recipient's INBOX and Junk, and the 554 rejects, are counted. DNS checks are off, which
scores like an unreachable resolver (a temporary failure adds nothing) without waiting out
its timeout on every message.

Goal (issue 16), over all five folds: spam recall >= 0.96, false-positive rate (ham in Junk
or rejected as spam) <= 0.3 %, no ham rejected as spam. Ham refused by the attachment policy
(the default blocks executables and scripts) is counted and printed apart: that is not the
spam filter's verdict. CI tests fold 0 only, to keep it fast; one fold is a noisier
estimate (fold recalls ranged 0.942-0.979 when all five reached 0.963), so a subset must
reach recall 0.94 and the same false-positive and reject limits. bench/filter/accuracy.sh
runs all five folds against the goal."""
from __future__ import annotations

import os
import re
import smtplib
import threading
import zlib
from pathlib import Path

import pytest

from conftest import HOST, Magpie, maildir_files, queue_id_of, scaled, wait_until

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("MAGPIE_SPAM_CORPUS", REPO.parent / "shared" / "corpora" / "spam"))
FOLDS = 5
TESTED = [int(f) for f in os.environ.get("MAGPIE_ACCURACY_FOLDS", "0").split(",") if f.strip()]
ALL_FOLDS = sorted(TESTED) == list(range(FOLDS))
MIN_RECALL = 0.96 if ALL_FOLDS else 0.94
MAX_FPR = 0.003

pytestmark = pytest.mark.skipif(not (CORPUS / "train.txt").is_file(),
                                reason=f"no spam corpus at {CORPUS}")


def fold_of(name: str) -> int:
    """The fixed split: CRC-32 of the file's corpus path ("spam/00001.eml") modulo 5."""
    return zlib.crc32(name.encode()) % FOLDS


def corpus() -> list[tuple[str, bool]]:
    return [(line, line.startswith("spam/"))
            for line in (CORPUS / "train.txt").read_text().split()]


def envelope_senders(data: bytes) -> list[str]:
    """The Return-Path the message was stored with, its From address, and <>: in that
    order, for when the server refuses one (e.g. a local part over 64 octets)."""
    head = data.split(b"\n\n", 1)[0].decode("latin-1")
    out = []
    m = re.search(r"^Return-Path:\s*<([^>]*)>", head, re.M | re.I)
    if m:
        out.append(m.group(1))
    m = re.search(r"^From:.*?([\w.+=-]+@[\w.-]+)", head, re.M | re.I)
    if m:
        out.append(m.group(1))
    return out + [""]


class Sent:
    def __init__(self):
        self.accepted: list[tuple[str, str]] = []  # (corpus name, queue id)
        self.rejected: list[str] = []  # as spam
        self.policy: list[tuple[str, str]] = []  # (name, reply): attachments, viruses
        self.lock = threading.Lock()


def send_all(m: Magpie, names: list[str], sent: Sent, workers: int = 2):
    """Sends each file over SMTP, several per connection, from `workers` connections."""

    def worker(part: list[str]):
        s = smtplib.SMTP(HOST, m.smtp_port, timeout=scaled(60))
        s.ehlo("client.remote.example")
        for name in part:
            data = (CORPUS / name).read_bytes()
            body = re.sub(rb"\r?\n", b"\r\n", data)
            for sender in envelope_senders(data):
                if s.mail(sender)[0] == 250:
                    break
            code, text = s.rcpt("alice@example.com")
            assert code == 250, (name, code, text)
            code, text = s.data(body)
            with sent.lock:
                if code == 250:
                    sent.accepted.append((name, queue_id_of(text.decode())))
                elif code == 554 and b"as spam" in text:
                    sent.rejected.append(name)
                elif code == 554:
                    sent.policy.append((name, text.decode(errors="replace")))
                else:
                    raise AssertionError(f"{name}: {code} {text!r}")
            if code != 250:
                s.rset()
        s.quit()

    parts = [names[i::workers] for i in range(workers)]
    errors: list[BaseException] = []

    def run(t_part):
        try:
            worker(t_part)
        except BaseException as e:  # reported by the caller
            errors.append(e)

    threads = [threading.Thread(target=run, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def placed(m: Magpie) -> tuple[int, int]:
    """Messages in alice's INBOX and Junk."""
    box = m.maildir("alice")
    return len(maildir_files(box)), len(maildir_files(box / ".Junk"))


def filter_lines(m: Magpie) -> dict[str, str]:
    """Queue id -> the maillog's filter line."""
    out = {}
    for line in m.log().splitlines():
        g = re.search(r"filter\[\d+\]: (\w+): .*", line)
        if g:
            out[g.group(1)] = line
    return out


def run_fold(tmp: Path, fold: int) -> dict:
    items = corpus()
    train = [(n, s) for n, s in items if fold_of(n) != fold]
    test = [(n, s) for n, s in items if fold_of(n) == fold]
    m = Magpie(tmp / f"fold{fold}")
    m.cli("domain", "add", "example.com")
    m.cli("user", "add", "alice")
    # Defaults, except: the client is outside (not in trusted_networks), and the DNS checks
    # are off (see the module's doc).
    for key, value in (("trusted_networks", ""), ("spf_dkim_dmarc_checks", "false"),
                       ("dnsbl_lists", ""), ("uribl_lists", "")):
        m.cli("settings", "set", key, value)
    for kind, spam in (("spam", True), ("ham", False)):
        files = [str(CORPUS / n) for n, s in train if s == spam]
        m.cli("spam", "learn", f"--{kind}", *files)
    m.start()
    try:
        result = {"fold": fold, "train": len(train)}
        for kind, spam in (("spam", True), ("ham", False)):
            names = [n for n, s in test if s == spam]
            before = placed(m)
            sent = Sent()
            send_all(m, names, sent)
            want = sum(before) + len(sent.accepted)
            assert len(sent.accepted) + len(sent.rejected) + len(sent.policy) == len(names)
            wait_until(lambda: sum(placed(m)) >= want, scaled(120),
                       what=f"{len(sent.accepted)} {kind} delivered")
            after = placed(m)
            result[kind] = {"sent": len(names), "inbox": after[0] - before[0],
                            "junk": after[1] - before[1], "rejected": len(sent.rejected),
                            "policy": len(sent.policy), "policy_replies": sent.policy,
                            "accepted": sent.accepted, "rejected_names": sent.rejected}
        result["log"] = filter_lines(m)
        return result
    finally:
        m.stop()


def report(results: list[dict]) -> tuple[float, float, int]:
    tot = {k: {"sent": 0, "inbox": 0, "junk": 0, "rejected": 0, "policy": 0}
           for k in ("spam", "ham")}
    autolearned = {"spam": 0, "ham": 0}
    for r in results:
        for k in tot:
            for f in tot[k]:
                tot[k][f] += r[k][f]
        spam, ham = r["spam"], r["ham"]
        print(f"\nfold {r['fold']} (trained on {r['train']}): "
              f"spam {spam['sent']}: junk {spam['junk']}, rejected {spam['rejected']}, "
              f"inbox {spam['inbox']}, refused by policy {spam['policy']}; "
              f"ham {ham['sent']}: inbox {ham['inbox']}, junk {ham['junk']}, "
              f"rejected {ham['rejected']}, refused by policy {ham['policy']}")
        log = r["log"]
        for line in log.values():
            g = re.search(r"BAYES_AUTOLEARN\(0\.00\)\{(spam|ham)\}", line)
            if g:
                autolearned[g.group(1)] += 1
        for kind in ("spam", "ham"):
            for name, reply in r[kind]["policy_replies"]:
                print(f"  {kind} refused by policy {name}: {reply}")
        for name, qid in r["ham"]["accepted"]:
            line = log.get(qid, "")
            if "action=spam" in line or "action=quarantine" in line:
                print(f"  false positive {name}: {line.split(': ', 2)[-1]}")
        for name in r["ham"]["rejected_names"]:
            print(f"  ham rejected {name}")
    s, h = tot["spam"], tot["ham"]
    print(f"\nautolearned during the run: {autolearned['spam']} spam, {autolearned['ham']} ham")
    # Spam refused by policy is caught too; ham refused by policy is left out of both rates.
    recall = (s["junk"] + s["rejected"] + s["policy"]) / s["sent"]
    fpr = (h["junk"] + h["rejected"]) / (h["sent"] - h["policy"])
    precision_den = s["junk"] + s["rejected"] + h["junk"] + h["rejected"]
    precision = (s["junk"] + s["rejected"]) / precision_den if precision_den else 0.0
    print(f"spam: {s['sent']} sent, {s['junk']} Junk, {s['rejected']} rejected, "
          f"{s['policy']} refused by policy, {s['inbox']} INBOX; ham: {h['sent']} sent, "
          f"{h['inbox']} INBOX, {h['junk']} Junk, {h['rejected']} rejected as spam, "
          f"{h['policy']} refused by policy")
    print(f"recall {recall:.4f}  false-positive rate {fpr:.4%}  precision {precision:.4f}  "
          f"(limits for folds {TESTED}: recall >= {MIN_RECALL}, FPR <= {MAX_FPR:.1%}, "
          f"no ham rejected as spam)")
    return recall, fpr, h["rejected"]


def scores(results: list[dict]) -> list[tuple]:
    """(label, score, Bayes score, Bayes probability, name) per accepted message, from the
    maillog; for tuning (MAGPIE_ACCURACY_DUMP=FILE writes them as JSON)."""
    rows = []
    for r in results:
        for kind in ("spam", "ham"):
            for name, qid in r[kind]["accepted"]:
                line = r["log"].get(qid, "")
                score = float(re.search(r"score=([-\d.]+)", line).group(1))
                b = re.search(r"BAYES_(?:SPAM|HAM)\(([-\d.]+)\)", line)
                p = re.search(r"bayes=([\d.e+-]+)", line)
                rows.append((kind, score, float(b.group(1)) if b else 0.0,
                             float(p.group(1)) if p else None, name))
            rows += [(kind, 1000.0, 0.0, None, n) for n in r[kind]["rejected_names"]]
    return rows


def test_spam_accuracy_as_shipped(tmp_path):
    results = [run_fold(tmp_path, f) for f in TESTED]
    if os.environ.get("MAGPIE_ACCURACY_DUMP"):
        import json
        Path(os.environ["MAGPIE_ACCURACY_DUMP"]).write_text(json.dumps(scores(results)))
    recall, fpr, ham_rejected = report(results)
    assert ham_rejected == 0
    assert recall >= MIN_RECALL, f"recall {recall:.4f}"
    assert fpr <= MAX_FPR, f"false-positive rate {fpr:.4%}"
