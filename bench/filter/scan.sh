#!/usr/bin/env bash
# Attachment + antivirus scan benchmark: Magpie (attachment inspection with libmagic and
# libarchive, then libclamav in-process) next to Rspamd 3.4 + clamd (antivirus and
# mime_types modules only) and clamd INSTREAM alone, on the same messages, one message at a
# time; then memory with and without signatures.
#
# usage: bench/filter/scan.sh [SECONDS]   (per row, default 10; whole passes over the messages)
#   RUNS   rounds of all rows (default 3); compare the best of each row
#   SCAN_TMP  where libclamav unpacks during scans, for Magpie (TMPDIR) and clamd
#          (TemporaryDirectory) alike (default: the work directory, on disk); try /dev/shm
#   BUILD  Release build dir for magpie_filter (default build-rel, configured if missing)
#   KEEP_WORK=1 keeps the work directory.
# Signatures: official ClamAV databases cannot be downloaded here (no network, freshclam
# must not run), so the runs use the tests' signatures (MD5 of EICAR and clam.exe) and, for
# memory, a synthetic set (500,000 MD5 + 20,000 body signatures) generated here.
# Messages: the MIME corpus under ../shared/corpora/mime plus make_messages.py's 60.
# clamd and Rspamd run privately from the work directory on a unix socket and 127.0.0.1
# ports 21333-21336; system services are not touched.
set -euo pipefail
SECS=${1:-10}
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$REPO/build-rel}
WORK=$(mktemp -d /tmp/magpie-bench-filter.XXXXXX)
SCAN_TMP=${SCAN_TMP:-$WORK}
export TMPDIR=$SCAN_TMP
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    [[ "${KEEP_WORK:-}" == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# 1. Driver, linked against a Release build of the filter library.
[[ -f $BUILD/build.ninja ]] || cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAGPIE_TESTS=OFF >/dev/null
ninja -C "$BUILD" -j2 magpie_filter >/dev/null
g++ -std=c++20 -O2 -DNDEBUG -I"$REPO/src" "$HERE/scan_bench.cpp" -o "$WORK/scan_bench" \
    "$BUILD"/libmagpie_filter.a "$BUILD"/libmagpie_store.a "$BUILD"/libmagpie_dkim.a \
    "$BUILD"/libmagpie_mime.a "$BUILD"/libmagpie_core.a \
    -lmagic -larchive -lclamav -lfmt -lsqlite3 -lcrypt -lcrypto -lboost_json -pthread

# 2. Messages.
mkdir "$WORK/msgs"
i=0
for f in "$REPO"/../shared/corpora/mime/stalwart-mail-parser/resources/eml/*/*.eml \
         "$REPO"/../shared/corpora/mime/cpython/*.txt; do
    [[ -f $f ]] || continue
    i=$((i + 1)); cp "$f" "$WORK/msgs/c$(printf %04d $i).eml"
done
python3 "$HERE/make_messages.py" "$WORK/msgs"
MSGS=("$WORK"/msgs/*)
echo "messages: ${#MSGS[@]}, $(cat "${MSGS[@]}" | wc -c) bytes; scan temporary folder: $SCAN_TMP ($(stat -f -c %T "$SCAN_TMP"))"

# 3. Signature sets: none, the tests' two, synthetic.
mkdir "$WORK/none" "$WORK/test" "$WORK/synthetic"
md5line() { printf '%s:%s:%s\n' "$(md5sum <"$1" | cut -d' ' -f1)" "$(stat -c %s "$1")" "$2"; }
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$WORK/eicar"
md5line "$WORK/eicar" Magpie.Test.Eicar >"$WORK/test/test.hdb"
[[ -f /usr/share/clamav-testfiles/clam.exe ]] && md5line /usr/share/clamav-testfiles/clam.exe Magpie.Test.ClamExe >>"$WORK/test/test.hdb"
cp "$WORK/test/test.hdb" "$WORK/synthetic/"
python3 - "$WORK/synthetic" <<'PY'
import random, sys
r = random.Random(1)
with open(sys.argv[1] + "/synthetic.hdb", "w") as f:
    for i in range(500000):
        f.write("%032x:%d:Synthetic.Hash.%d\n" % (r.getrandbits(128), r.randint(100, 10**7), i))
with open(sys.argv[1] + "/synthetic.ndb", "w") as f:
    for i in range(20000):
        f.write("Synthetic.Body.%d:0:*:%032x\n" % (i, r.getrandbits(128)))
PY

# 4. Private clamd (test signatures) and Rspamd using it.
start_clamd() {  # DBDIR
    cat >"$WORK/clamd.conf" <<CONF
LocalSocket $WORK/clamd.sock
DatabaseDirectory $1
Foreground yes
TemporaryDirectory $SCAN_TMP
LogFile $WORK/clamd.log
CONF
    rm -f "$WORK/clamd.sock"
    /usr/sbin/clamd -c "$WORK/clamd.conf" >/dev/null 2>&1 &
    CLAMD=$!; PIDS+=("$CLAMD")
    for _ in $(seq 600); do [[ -S $WORK/clamd.sock ]] && return; sleep 0.1; done
    echo "clamd did not start" >&2; exit 1
}
stop_clamd() { kill "$CLAMD"; wait "$CLAMD" 2>/dev/null || true; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
tree_rss_kb() {  # PID and its children
    local sum; sum=$(rss_kb "$1")
    for c in $(ps -o pid= --ppid "$1" || true); do sum=$((sum + $(rss_kb "$c"))); done
    echo "$sum"
}

start_clamd "$WORK/test"
CLAMD_RSS_TEST=$(rss_kb "$CLAMD")
mkdir -p "$WORK/rspamd/local.d" "$WORK/rspamd/override.d" "$WORK/rspamd/db" "$WORK/rspamd/run" "$WORK/rspamd/log"
cat >"$WORK/rspamd/override.d/worker-normal.inc" <<CONF
bind_socket = "127.0.0.1:21333";
count = 1;
CONF
echo 'bind_socket = "127.0.0.1:21334";' >"$WORK/rspamd/override.d/worker-controller.inc"
echo 'bind_socket = "127.0.0.1:21332";' >"$WORK/rspamd/override.d/worker-proxy.inc"
echo 'dns { nameserver = ["127.0.0.1:21336"]; }' >"$WORK/rspamd/local.d/options.inc"
cat >"$WORK/rspamd/local.d/antivirus.conf" <<CONF
clamav {
  type = "clamav";
  servers = "$WORK/clamd.sock";
  symbol = "CLAM_VIRUS";
  action = "reject";
  max_size = 50000000;
}
CONF
rspamd -f -i -u root -g root -c /etc/rspamd/rspamd.conf --var=LOCAL_CONFDIR="$WORK/rspamd" \
    --var=DBDIR="$WORK/rspamd/db" --var=RUNDIR="$WORK/rspamd/run" --var=LOGDIR="$WORK/rspamd/log" \
    >"$WORK/rspamd/log/stdout" 2>&1 &
RSPAMD=$!; PIDS+=("$RSPAMD")
for _ in $(seq 1200); do  # Rspamd compiles its rules first: up to 2 minutes on a busy machine
    curl -s -o /dev/null http://127.0.0.1:21333/ping && break; sleep 0.1
done
curl -s -o /dev/null http://127.0.0.1:21333/ping || { echo "rspamd did not start" >&2; exit 1; }

# 5. Timed rows. Wall-clock latency suffers from whatever else runs on the machine, so each
# row also gives the CPU time spent per message: the driver's own, and for the server rows
# the servers' (clamd; Rspamd's processes plus clamd), read from /proc before and after.
cpu_ticks() {
    local t=0 p
    for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
    echo "$t"
}
run() {  # SERVER_PIDS... -- COMMAND...
    local pids=() line before after n
    while [[ $1 != -- ]]; do pids+=("$1"); shift; done; shift
    before=$(cpu_ticks "${pids[@]}")
    line=$("$@")
    after=$(cpu_ticks "${pids[@]}")
    n=$(grep -o 'scanned=[0-9]*' <<<"$line" | cut -d= -f2)
    echo "$line server_cpu_us_per_msg=$(( (after - before) * 1000000 / $(getconf CLK_TCK) / n ))" | tee -a "$WORK/results.txt"
}
RSPAMD_PIDS=("$RSPAMD" $(ps -o pid= --ppid "$RSPAMD" || true))
for round in $(seq "$RUNS"); do  # rows interleaved, so a busy moment hurts every row alike
    echo "round $round" | tee -a "$WORK/results.txt"
    run -- "$WORK/scan_bench" full "$SECS" "$WORK/test" "${MSGS[@]}"
    run -- "$WORK/scan_bench" attachments "$SECS" "$WORK/test" "${MSGS[@]}"
    run -- "$WORK/scan_bench" clamav "$SECS" "$WORK/test" "${MSGS[@]}"
    run "$CLAMD" -- "$WORK/scan_bench" clamd "$SECS" "$WORK/clamd.sock" "${MSGS[@]}"
    run "${RSPAMD_PIDS[@]}" "$CLAMD" -- python3 "$HERE/rspamd_client.py" 127.0.0.1:21333 "$SECS" "${MSGS[@]}"
done
RSPAMD_RSS=$(tree_rss_kb "$RSPAMD")
CLAMD_RSS_AFTER=$(rss_kb "$CLAMD")
stop_clamd

# 6. Memory: Magpie's driver and clamd with no, test and synthetic signatures.
for set in none test synthetic; do
    echo "memory magpie $set: $("$WORK/scan_bench" clamav 1 "$WORK/$set" "${MSGS[@]}" | grep -o 'signatures=.*')" | tee -a "$WORK/results.txt"
done
start_clamd "$WORK/synthetic"
echo "memory clamd: test signatures ${CLAMD_RSS_TEST} kB at start, ${CLAMD_RSS_AFTER} kB after the runs; synthetic $(rss_kb "$CLAMD") kB" | tee -a "$WORK/results.txt"
echo "memory rspamd (all processes, after the runs): ${RSPAMD_RSS} kB" | tee -a "$WORK/results.txt"
stop_clamd
