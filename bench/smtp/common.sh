# Shell functions shared by the SMTP benchmarks (bench/smtp/run.sh, bench/smtp/relay.sh).
# Source it from a script running with `set -euo pipefail`; then call bench_init "$@".
#
# Environment (all optional):
#   MAGPIE_BIN   magpie binary (default build-rel/magpie, a Release build)
#   SESSIONS     concurrent smtp-source sessions (default 20)
#   RUNS         repetitions per case; the best run is reported (default 1)
#   KEEP_WORK=1  keep the temporary work directory (configs, maillogs) after the run
# Needs root (Postfix's master runs as root and drops to the postfix user) and the Debian
# postfix package (smtp-source, smtp-sink, /usr/lib/postfix/sbin). The system Postfix is not
# used: every server runs from a private directory under /tmp, on 127.0.0.1 only.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAGPIE_BIN=${MAGPIE_BIN:-$REPO/build-rel/magpie}
SESSIONS=${SESSIONS:-20}
RUNS=${RUNS:-1}
WRITE=1
WORK=""
MAGPIE_PID=""
MCFG=""
PF=""
PF_ETC=""
BG_PIDS=()   # other processes we started (sinks); stopped by the trap

# bench_init [--no-write]: checks, a work directory, the cleanup trap.
bench_init() {
    [[ ${1:-} == --no-write ]] && WRITE=0
    [[ -x $MAGPIE_BIN ]] || { echo "no magpie binary at $MAGPIE_BIN (cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAGPIE_TESTS=OFF && ninja -C build-rel magpie)" >&2; exit 2; }
    command -v smtp-source >/dev/null || { echo "smtp-source missing: apt-get install postfix" >&2; exit 2; }
    [[ $(id -u) == 0 ]] || { echo "run as root (Postfix master needs it)" >&2; exit 2; }
    WORK=$(mktemp -d /tmp/magpie-bench.XXXXXX)
    chmod 755 "$WORK"
    PF=$WORK/postfix
    PF_ETC=$PF/etc
    trap bench_cleanup EXIT INT TERM
}

bench_cleanup() {
    set +e
    if [[ -n $MAGPIE_PID ]] && kill -0 "$MAGPIE_PID" 2>/dev/null; then
        kill -TERM "$MAGPIE_PID"; for _ in $(seq 50); do kill -0 "$MAGPIE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$MAGPIE_PID" 2>/dev/null
    fi
    if [[ -f $PF_ETC/main.cf ]]; then
        postfix -c "$PF_ETC" stop >/dev/null 2>&1 || true
        sleep 0.5
        local pid
        pid=$(head -1 "$PF/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
        [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    fi
    local p
    for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    if [[ ${KEEP_WORK:-0} != 1 ]]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {  # port
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2; return 1
}

now() { date +%s.%N; }

# elapsed T0 T1 -> seconds with 3 decimals
elapsed() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }

# is_less A B: A < B (decimal)
is_less() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a<b)}'; }

# ---------------------------------------------------------------- Magpie
# magpie_config PORT [EXTRA_TOML]: writes $WORK/magpie/magpie.toml (smtp listener on PORT).
magpie_config() {
    mkdir -p "$WORK/magpie"
    MCFG=$WORK/magpie/magpie.toml
    cat >"$MCFG" <<EOF
hostname = "mx.bench.test"
data_dir = "$WORK/magpie/data"
[listen]
smtp = "127.0.0.1:$1"
${2:-}
EOF
    # Never the machine's resolver: nothing answers on 127.0.0.1:9, so a stray lookup fails.
    if [[ "${2:-}" != *"[dns]"* ]]; then printf '[dns]\nresolver = "127.0.0.1:9"\n' >>"$MCFG"; fi
}

# The filter's DNS checks (SPF, DKIM, DMARC, blocklists) need a DNS server; benchmarks run
# without one, so they are off (each message would otherwise wait out their 8 s budget).
magpie_no_dns_checks() {
    magpie_cli settings set spf_dkim_dmarc_checks false >/dev/null
    magpie_cli settings set dnsbl_lists "" >/dev/null
    magpie_cli settings set uribl_lists "" >/dev/null
}

magpie_cli() { "$MAGPIE_BIN" -c "$MCFG" "$@"; }

magpie_start() {
    "$MAGPIE_BIN" -c "$MCFG" serve >"$WORK/magpie/serve.out" 2>&1 &
    MAGPIE_PID=$!
}

magpie_maillog() { echo "$WORK/magpie/data/log/maillog"; }

# ---------------------------------------------------------------- Postfix
# postfix_config PORT [EXTRA_MAIN_CF]: a private instance under $WORK/postfix, smtpd on PORT,
# 127.0.0.0/8 trusted, every service unchrooted, its own maillog.
postfix_config() {
    local port=$1 extra=${2:-}
    mkdir -p "$PF_ETC" "$PF/queue" "$PF/lib"
    chown postfix:postfix "$PF/lib"
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
smtpd_banner = \$myhostname ESMTP
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
smtputf8_enable = no
biff = no
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
smtpd_client_connection_count_limit = 1000
smtpd_client_connection_rate_limit = 0
$extra
EOF
    # The Debian master.cf with every service unchrooted and smtpd on our port.
    awk -v port="$port" '
        /^smtp[ \t]+inet/ { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
        /^#/ || /^[ \t]/ || NF < 8 { print; next }
        { $5 = "n"; print }
    ' /etc/postfix/master.cf >"$PF_ETC/master.cf"
}

postfix_start() {
    postfix -c "$PF_ETC" check >/dev/null 2>&1 || true
    postfix -c "$PF_ETC" start >"$PF/start.out" 2>&1 || { echo "postfix did not start:"; cat "$PF/start.out"; } >&2
}

# ---------------------------------------------------------------- report
# bench_machine: sets CPU NCPU FS DATE REV PFV LOADAVG
bench_machine() {
    CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
    NCPU=$(nproc)
    FS=$(df -T "$WORK" | awk 'NR==2 {print $2}')
    DATE=$(date -u +%Y-%m-%d)
    REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    PFV=$(postconf -d -h mail_version 2>/dev/null)
    LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
}

# write_section FILE SECTION_TITLE BODY: replaces (or appends) the section "SECTION_TITLE"
# of FILE with BODY, keeping the hand-written notes after a "<!-- notes -->" line.
write_section() {
    BODY="$3" /usr/bin/python3 - "$1" "$2" <<'PYEOF'
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
    echo "written to $1" >&2
}
