#!/usr/bin/env python3
"""MIME parse throughput of Python's email package over the same corpus in memory.
usage: bench_python.py SECONDS FILE..."""
import email, email.policy, resource, sys, time

seconds = float(sys.argv[1])
corpus = [open(p, "rb").read() for p in sys.argv[2:]]
total = sum(map(len, corpus))
rounds = sink = 0
t0 = time.perf_counter()
while True:
    for m in corpus:
        msg = email.message_from_bytes(m, policy=email.policy.compat32)
        sink += sum(1 for _ in msg.walk())
    rounds += 1
    elapsed = time.perf_counter() - t0
    if elapsed >= seconds:
        break
mb = total * rounds / 1e6
print("python-email msgs=%d bytes=%d rounds=%d MB/s=%.1f msgs/s=%.0f maxrss_kb=%d" % (
    len(corpus), total, rounds, mb / elapsed, len(corpus) * rounds / elapsed,
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
