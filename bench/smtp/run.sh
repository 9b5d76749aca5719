#!/usr/bin/env bash
# SMTP acceptance + local delivery benchmark: Magpie against a private Postfix instance on
# the same machine, in the same run. Postfix's smtp-source is the load generator for both:
# N messages of SIZE bytes over 20 concurrent sessions (one message per connection), and the
# clock runs from the first connection until all N messages are files in the Maildir.
#
# usage: bench/smtp/run.sh [--no-write]
#   MAGPIE_BIN   magpie binary (default build-rel/magpie, a Release build)
#   N_SMALL N_LARGE SESSIONS   message counts and concurrency (default 2000, 500, 20)
#   RUNS         repetitions per case; the best run is reported (default 1)
# Needs root (Postfix's master runs as root and drops to the postfix user) and the Debian
# postfix package (smtp-source, /usr/lib/postfix/sbin). The system Postfix is not used.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
MAGPIE_BIN=${MAGPIE_BIN:-$REPO/build-rel/magpie}
N_SMALL=${N_SMALL:-2000}
N_LARGE=${N_LARGE:-500}
SESSIONS=${SESSIONS:-20}
RUNS=${RUNS:-1}
WRITE=1
[[ ${1:-} == --no-write ]] && WRITE=0

[[ -x $MAGPIE_BIN ]] || { echo "no magpie binary at $MAGPIE_BIN (cmake -B build-rel -DCMAKE_BUILD_TYPE=Release)" >&2; exit 2; }
command -v smtp-source >/dev/null || { echo "smtp-source missing: apt-get install postfix" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run as root (Postfix master needs it)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/magpie-bench.XXXXXX)
chmod 755 "$WORK"
MAGPIE_PID=""
PF_ETC=$WORK/postfix/etc

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
    set +e
    if [[ -n $MAGPIE_PID ]] && kill -0 "$MAGPIE_PID" 2>/dev/null; then
        kill -TERM "$MAGPIE_PID"; for _ in $(seq 50); do kill -0 "$MAGPIE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$MAGPIE_PID" 2>/dev/null
    fi
    if [[ -f $PF_ETC/main.cf ]]; then
        postfix -c "$PF_ETC" stop >/dev/null 2>&1 || true
        sleep 0.5
        pid=$(head -1 "$WORK/postfix/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
        [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    fi
    if [[ ${KEEP_WORK:-0} != 1 ]]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}
trap cleanup EXIT INT TERM

# ---------------------------------------------------------------- Magpie
M_PORT=$(free_port)
mkdir -p "$WORK/magpie"
cat >"$WORK/magpie/magpie.toml" <<EOF
hostname = "mx.bench.test"
data_dir = "$WORK/magpie/data"
[listen]
smtp = "127.0.0.1:$M_PORT"
EOF
MCFG=$WORK/magpie/magpie.toml
"$MAGPIE_BIN" -c "$MCFG" domain add bench.test >/dev/null
"$MAGPIE_BIN" -c "$MCFG" user add u >/dev/null
"$MAGPIE_BIN" -c "$MCFG" settings set smtp_max_connections_per_ip 1000 >/dev/null
"$MAGPIE_BIN" -c "$MCFG" serve >"$WORK/magpie/serve.out" 2>&1 &
MAGPIE_PID=$!
M_MAILDIR=$WORK/magpie/data/mail/u

# ---------------------------------------------------------------- Postfix
P_PORT=$(free_port)
PF=$WORK/postfix
mkdir -p "$PF_ETC" "$PF/queue" "$PF/lib" "$PF/vmail"
PF_UID=$(id -u postfix); PF_GID=$(id -g postfix)
chown postfix:postfix "$PF/lib" "$PF/vmail"
cp /etc/postfix/dynamicmaps.cf "$PF_ETC/" 2>/dev/null || true
[[ -d /etc/postfix/dynamicmaps.cf.d ]] && cp -r /etc/postfix/dynamicmaps.cf.d "$PF_ETC/"
cat >"$PF_ETC/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/lib
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.postfix.test
mydomain = postfix.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
virtual_mailbox_domains = bench.test
virtual_mailbox_maps = texthash:$PF_ETC/vmailbox
virtual_mailbox_base = $PF/vmail
virtual_uid_maps = static:$PF_UID
virtual_gid_maps = static:$PF_GID
virtual_minimum_uid = 1
smtpd_banner = \$myhostname ESMTP
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
smtputf8_enable = no
biff = no
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
smtpd_client_connection_count_limit = 1000
smtpd_client_connection_rate_limit = 0
EOF
echo "u@bench.test u/Maildir/" >"$PF_ETC/vmailbox"
# The Debian master.cf with every service unchrooted and smtpd on our port.
awk -v port="$P_PORT" '
    /^smtp[ \t]+inet/ { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
    /^#/ || /^[ \t]/ || NF < 8 { print; next }
    { $5 = "n"; print }
' /etc/postfix/master.cf >"$PF_ETC/master.cf"
postfix -c "$PF_ETC" check >/dev/null 2>&1 || true
postfix -c "$PF_ETC" start >"$PF/start.out" 2>&1 || { echo "postfix did not start:"; cat "$PF/start.out"; } >&2
P_MAILDIR=$PF/vmail/u/Maildir

# ---------------------------------------------------------------- helpers
wait_port() {  # host port
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2; return 1
}
count_files() { { find "$1/new" "$1/cur" -type f 2>/dev/null || true; } | wc -l; }
now() { date +%s.%N; }

# run_case NAME PORT MAILDIR N SIZE  -> prints seconds
run_case() {
    local port=$2 maildir=$3 n=$4 size=$5
    local before target t0 t1 deadline
    before=$(count_files "$maildir")
    target=$((before + n))
    t0=$(now)
    timeout 600 smtp-source -s "$SESSIONS" -m "$n" -l "$size" -f sender@client.test -t u@bench.test \
        "127.0.0.1:$port" >/dev/null 2>&1 || { echo "smtp-source failed against port $port" >&2; return 1; }
    deadline=$(( $(date +%s) + 600 ))
    while (( $(count_files "$maildir") < target )); do
        if (( $(date +%s) > deadline )); then echo "timeout: $(count_files "$maildir")/$target in $maildir" >&2; return 1; fi
        sleep 0.02
    done
    t1=$(now)
    echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}

wait_port "$M_PORT"
wait_port "$P_PORT"
# Warm up both (first Maildir creation, Postfix process spawning).
run_case warm "$M_PORT" "$M_MAILDIR" 20 1000 >/dev/null
run_case warm "$P_PORT" "$P_MAILDIR" 20 1000 >/dev/null

declare -A RES
for spec in "4KB:$N_SMALL:4096" "100KB:$N_LARGE:102400"; do
    IFS=: read -r label n size <<<"$spec"
    for srv in magpie postfix; do
        best=""
        for _ in $(seq "$RUNS"); do
            if [[ $srv == magpie ]]; then t=$(run_case "$label" "$M_PORT" "$M_MAILDIR" "$n" "$size")
            else t=$(run_case "$label" "$P_PORT" "$P_MAILDIR" "$n" "$size"); fi
            if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; fi
        done
        RES[$srv.$label.t]=$best
        RES[$srv.$label.n]=$n
        echo "$srv $label: $n msgs in ${best}s" >&2
    done
done

# ---------------------------------------------------------------- report
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
NCPU=$(nproc)
FS=$(df -T "$WORK" | awk 'NR==2 {print $2}')
DATE=$(date -u +%Y-%m-%d)
REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
PFV=$(postconf -d -h mail_version 2>/dev/null)
table=$(
    echo "| message size | messages | Magpie s | Magpie msg/s | Postfix s | Postfix msg/s | Magpie/Postfix |"
    echo "|---|---|---|---|---|---|---|"
    for label in 4KB 100KB; do
        n=${RES[magpie.$label.n]}; mt=${RES[magpie.$label.t]}; pt=${RES[postfix.$label.t]}
        awk -v l="$label" -v n="$n" -v mt="$mt" -v pt="$pt" 'BEGIN {
            printf "| %s | %d | %.2f | %.0f | %.2f | %.0f | %.2f |\n", l, n, mt, n/mt, pt, n/pt, (n/mt)/(n/pt) }'
    done
)
echo
echo "$table"

if [[ $WRITE == 1 ]]; then
    OUT=$REPO/bench/RESULTS.md
    SECTION="## SMTP acceptance + local delivery"
    body=$(cat <<EOF
$SECTION

Run: $DATE, magpie $REV (Release), Postfix $PFV, \`bench/smtp/run.sh\`.
Machine: $CPU, $NCPU cores, data on $FS, everything on 127.0.0.1.
Load: \`smtp-source -s $SESSIONS -m N -l SIZE\` (one message per connection, $SESSIONS
concurrent sessions), one recipient, a user Maildir; time from the first connection until
all N files are in the Maildir. Both servers fsync before answering 250 and after
writing the Maildir file (Postfix defaults). Best of $RUNS run(s).

$table
EOF
)
    BODY="$body" /usr/bin/python3 - "$OUT" "$SECTION" <<'PYEOF'
import os, sys, re, pathlib
path, section = pathlib.Path(sys.argv[1]), sys.argv[2]
body = os.environ["BODY"]
notes_marker = "<!-- notes -->"
old = path.read_text() if path.exists() else "# Benchmark results\n"
# keep hand-written notes (after the marker) of an existing section
m = re.search(re.escape(section) + r"\n(.*?)(?=\n## |\Z)", old, re.S)
notes = ""
if m and notes_marker in m.group(1):
    notes = "\n" + m.group(1)[m.group(1).index(notes_marker):].rstrip() + "\n"
new_section = body.rstrip() + "\n" + notes
if m:
    old = old[:m.start()] + new_section + old[m.end():]
else:
    old = old.rstrip() + "\n\n" + new_section
path.write_text(old.rstrip() + "\n")
PYEOF
    echo "written to $OUT" >&2
fi
