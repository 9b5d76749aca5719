#!/usr/bin/env python3
"""Bayes accuracy: k-fold cross-validation of Magpie's Bayes classifier and Rspamd's on the
same folds of a labeled spam/ham corpus (train.txt: one "spam/NAME" or "ham/NAME" per line).

Each fold is tested once with a fresh database trained on the other k-1 folds. Magpie runs
through bayes_cv (in-process); Rspamd runs as a private rspamd + redis on 127.0.0.1
(started and stopped here) learning through `rspamc learn_spam/learn_ham` and classifying
through `rspamc symbols`. A message counts as predicted spam when BAYES_SPAM fires
(Magpie: probability >= 0.6, its first BAYES_SPAM band at the time; Rspamd: its BAYES_SPAM
symbol). For the whole filter through SMTP see accuracy.sh.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPAM_THRESHOLD = 0.6  # the first BAYES_SPAM band when this bench was run (now a continuous weight)
HAM_THRESHOLD = 0.4   # the last BAYES_HAM band then


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_folds(corpus: Path, k: int, seed: int, limit: int | None):
    items = []
    for line in (corpus / "train.txt").read_text().split():
        label = line.split("/", 1)[0]
        items.append((label == "spam", str(corpus / line)))
    rng = random.Random(seed)
    folds = [[] for _ in range(k)]
    for spam in (True, False):  # stratified: each fold gets its share of both kinds
        part = [i for i in items if i[0] == spam]
        rng.shuffle(part)
        if limit:
            part = part[:limit]
        for n, it in enumerate(part):
            folds[n % k].append(it)
    return folds


def write_list(path: Path, items):
    path.write_text("".join(f"{'spam' if s else 'ham'} {p}\n" for s, p in items))


class Tally:
    def __init__(self):
        self.tp = self.fp = self.tn = self.fn = 0
        self.unsure_spam = self.unsure_ham = 0
        self.seconds = 0.0
        self.classified = 0

    def add(self, spam: bool, predicted: str):
        """predicted: 'spam', 'ham' or 'unsure' (neither rule fired)."""
        if spam:
            if predicted == "spam":
                self.tp += 1
            else:
                self.fn += 1
                self.unsure_spam += predicted == "unsure"
        else:
            if predicted == "spam":
                self.fp += 1
            else:
                self.tn += 1
                self.unsure_ham += predicted == "unsure"

    def row(self, name: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        fpr = self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0
        rate = self.classified / self.seconds if self.seconds else 0.0
        return (f"| {name} | {p:.4f} | {r:.4f} | {f1:.4f} | {fpr:.4f} | {self.tp} | {self.fp} | "
                f"{self.fn} | {self.tn} | {self.unsure_spam}/{self.unsure_ham} | {rate:.0f} |")


def run_magpie(driver: str, work: Path, folds, extra: list[str]) -> Tally:
    t = Tally()
    for i, test in enumerate(folds):
        train = [x for j, f in enumerate(folds) if j != i for x in f]
        write_list(work / "train.txt", train)
        write_list(work / "test.txt", test)
        db = work / f"magpie-{i}.db"
        p = subprocess.run([driver, str(db), str(work / "train.txt"), str(work / "test.txt"), *extra],
                           capture_output=True, text=True, check=True, timeout=1800)
        print(f"  magpie fold {i + 1}: {p.stderr.strip()}", file=sys.stderr)
        m = re.search(r"classified (\d+) in ([\d.]+) s", p.stderr)
        t.classified += int(m.group(1))
        t.seconds += float(m.group(2))
        label = {path: spam for spam, path in test}
        for line in p.stdout.splitlines():
            path, prob = line.rsplit(" ", 1)
            if prob == "-":
                pred = "unsure"
            else:
                v = float(prob)
                pred = "spam" if v >= SPAM_THRESHOLD else "ham" if v < HAM_THRESHOLD else "unsure"
            t.add(label[path], pred)
        for f in work.glob(f"magpie-{i}.db*"):
            f.unlink()
    return t


RSPAMD_CONF = """
options {{
  pidfile = "{dir}/rspamd.pid";
  dns {{ nameserver = ["127.0.0.1:{dead_port}"]; timeout = 0.1s; retransmits = 0; }}
  filters = "";
}}
logging {{ type = "file"; filename = "{dir}/rspamd.log"; level = "error"; }}
worker "normal" {{ bind_socket = "127.0.0.1:{normal_port}"; count = 1; task_timeout = 30s; }}
worker "controller" {{ bind_socket = "127.0.0.1:{controller_port}"; count = 1;
  secure_ip = "127.0.0.1"; static_dir = "/usr/share/rspamd/www"; }}
classifier "bayes" {{
  backend = "redis";
  servers = "127.0.0.1:{redis_port}";
  min_learns = 200;
  tokenizer {{ name = "osb"; }}
  cache {{ }}
  autolearn = false;
  statfile {{ symbol = "BAYES_HAM"; spam = false; }}
  statfile {{ symbol = "BAYES_SPAM"; spam = true; }}
}}
lua = "{dir}/empty.lua";
"""


class Rspamd:
    """A private rspamd (Bayes only, Redis backend) and redis-server on 127.0.0.1."""

    def __init__(self, work: Path):
        self.dir = work / "rspamd"
        self.dir.mkdir()
        self.redis_port = free_port()
        self.normal_port = free_port()
        self.controller_port = free_port()
        (self.dir / "empty.lua").write_text("-- no rules: only the Bayes classifier runs\n")
        (self.dir / "rspamd.conf").write_text(RSPAMD_CONF.format(
            dir=self.dir, dead_port=free_port(), normal_port=self.normal_port,
            controller_port=self.controller_port, redis_port=self.redis_port))
        self.procs: list[subprocess.Popen] = []

    def start(self):
        self.procs.append(subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.dir), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        self._wait_port(self.redis_port)
        self.procs.append(subprocess.Popen(
            ["rspamd", "-f", "-c", str(self.dir / "rspamd.conf"), "-u", "root", "-g", "root",
             "--insecure"],
            stdout=open(self.dir / "stdout.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True))
        self._wait_port(self.normal_port)
        self._wait_port(self.controller_port)

    def _wait_port(self, port: int, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{p.args[0]} exited: see {self.dir}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"port {port} did not open; see {self.dir}")

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()

    def flush(self):
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "FLUSHALL"], check=True,
                       capture_output=True, timeout=30)

    def rspamc(self, port: int, *args: str, timeout: float = 1800) -> str:
        p = subprocess.run(["rspamc", "-h", f"127.0.0.1:{port}", "-t", "30", "-n", "2", *args],
                           capture_output=True, text=True, timeout=timeout)
        return p.stdout

    def learn(self, spam: bool, paths: list[str]):
        for n in range(0, len(paths), 500):
            self.rspamc(self.controller_port, "learn_spam" if spam else "learn_ham",
                        *paths[n:n + 500])

    def classify(self, paths: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for n in range(0, len(paths), 500):
            text = self.rspamc(self.normal_port, "symbols", *paths[n:n + 500])
            current = None
            for line in text.splitlines():
                m = re.match(r"Results for file: (.+?) \(", line)
                if m:
                    current = m.group(1)
                    out[current] = "unsure"
                elif current and line.startswith("Symbol: BAYES_SPAM"):
                    out[current] = "spam"
                elif current and line.startswith("Symbol: BAYES_HAM"):
                    out[current] = "ham"
        return out


def run_rspamd(work: Path, folds) -> Tally:
    t = Tally()
    r = Rspamd(work)
    try:
        r.start()
        for i, test in enumerate(folds):
            r.flush()
            train = [x for j, f in enumerate(folds) if j != i for x in f]
            t0 = time.monotonic()
            r.learn(True, [p for s, p in train if s])
            r.learn(False, [p for s, p in train if not s])
            learn_s = time.monotonic() - t0
            t0 = time.monotonic()
            got = r.classify([p for _, p in test])
            secs = time.monotonic() - t0
            t.seconds += secs
            t.classified += len(test)
            print(f"  rspamd fold {i + 1}: learned {len(train)} in {learn_s:.2f} s, classified "
                  f"{len(test)} in {secs:.2f} s ({len(test) / secs:.0f}/s)", file=sys.stderr)
            for spam, path in test:
                t.add(spam, got.get(path, "unsure"))
    finally:
        r.stop()
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--limit", type=int, help="at most this many of each kind (quick runs)")
    ap.add_argument("--skip-rspamd", action="store_true")
    ap.add_argument("--no-bigrams-too", action="store_true", help="also run without bigrams")
    a = ap.parse_args()

    folds = make_folds(Path(a.corpus), a.folds, a.seed, a.limit)
    n_spam = sum(s for f in folds for s, _ in f)
    n_all = sum(len(f) for f in folds)
    work = Path(tempfile.mkdtemp(prefix="magpie-bayes-cv."))
    rows = []
    try:
        rows.append(run_magpie(a.driver, work, folds, []).row("Magpie"))
        if a.no_bigrams_too:
            rows.append(run_magpie(a.driver, work, folds, ["--no-bigrams"]).row(
                "Magpie, no bigrams"))
        if not a.skip_rspamd:
            rows.append(run_rspamd(work, folds).row("Rspamd " + rspamd_version()))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{a.folds}-fold cross-validation, {n_spam} spam + {n_all - n_spam} ham, seed {a.seed}\n")
    print("| classifier | precision | recall | F1 | false-positive rate | TP | FP | FN | TN "
          "| unsure spam/ham | classify msg/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)


def rspamd_version() -> str:
    try:
        out = subprocess.run(["rspamd", "--version"], capture_output=True, text=True).stdout
        return out.split()[-1]
    except (OSError, IndexError):
        return "?"


if __name__ == "__main__":
    main()
