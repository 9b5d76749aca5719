#!/usr/bin/env python3
# Sends each message to Rspamd's /checkv2 in turn for SECONDS, with per-request settings
# that enable only the antivirus (CLAM_VIRUS) and attachment-type (MIME_TYPES_CHECK)
# checks; prints the same key=value line as scan_bench.
# usage: rspamd_client.py HOST:PORT SECONDS FILE...
import http.client, json, sys, time

host, port = sys.argv[1].rsplit(":", 1)
seconds = float(sys.argv[2])
msgs = [open(p, "rb").read() for p in sys.argv[3:]]
settings = json.dumps({"symbols_enabled": ["CLAM_VIRUS", "MIME_TYPES_CHECK"]})
conn = http.client.HTTPConnection(host, int(port), timeout=60)
lat, infected, failed, blocked, nbytes = [], 0, 0, 0, 0
start = time.monotonic()
i = 0
while i == 0 or i % len(msgs) != 0 or time.monotonic() - start < seconds:  # whole passes
    raw = msgs[i % len(msgs)]
    t0 = time.monotonic()
    conn.request("POST", "/checkv2", body=raw, headers={"Settings": settings})
    r = json.loads(conn.getresponse().read())
    lat.append((time.monotonic() - t0) * 1e6)
    syms = r.get("symbols", {})
    infected += "CLAM_VIRUS" in syms
    failed += "CLAM_VIRUS_FAIL" in syms
    blocked += any(s.startswith("MIME_BAD") for s in syms)
    nbytes += len(raw)
    i += 1
secs = time.monotonic() - start
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("mode=rspamd messages=%d scanned=%d msgs_per_s=%.1f mb_per_s=%.2f lat_p50_us=%.0f "
      "lat_p90_us=%.0f lat_p99_us=%.0f lat_max_us=%.0f blocked=%d infected=%d failed=%d"
      % (len(msgs), len(lat), len(lat) / secs, nbytes / secs / 1e6, pct(0.5), pct(0.9),
         pct(0.99), lat[-1], blocked, infected, failed))
