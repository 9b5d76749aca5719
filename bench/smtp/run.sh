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
# Shared setup and helpers: bench/smtp/common.sh.
set -euo pipefail

source "$(dirname "$0")/common.sh"
N_SMALL=${N_SMALL:-2000}
N_LARGE=${N_LARGE:-500}
bench_init "$@"

# ---------------------------------------------------------------- Magpie
M_PORT=$(free_port)
magpie_config "$M_PORT"
magpie_cli domain add bench.test >/dev/null
magpie_cli user add u >/dev/null
magpie_cli settings set smtp_max_connections_per_ip 1000 >/dev/null
magpie_no_dns_checks
magpie_start
M_MAILDIR=$WORK/magpie/data/mail/u

# ---------------------------------------------------------------- Postfix
P_PORT=$(free_port)
mkdir -p "$PF/vmail"
chown postfix:postfix "$PF/vmail"
PF_UID=$(id -u postfix); PF_GID=$(id -g postfix)
postfix_config "$P_PORT" "relayhost =
virtual_mailbox_domains = bench.test
virtual_mailbox_maps = texthash:$PF_ETC/vmailbox
virtual_mailbox_base = $PF/vmail
virtual_uid_maps = static:$PF_UID
virtual_gid_maps = static:$PF_GID
virtual_minimum_uid = 1"
echo "u@bench.test u/Maildir/" >"$PF_ETC/vmailbox"
postfix_start
P_MAILDIR=$PF/vmail/u/Maildir

# ---------------------------------------------------------------- helpers
count_files() { { find "$1/new" "$1/cur" -type f 2>/dev/null || true; } | wc -l; }

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
    elapsed "$t0" "$t1"
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
            if [[ -z $best ]] || is_less "$t" "$best"; then best=$t; fi
        done
        RES[$srv.$label.t]=$best
        RES[$srv.$label.n]=$n
        echo "$srv $label: $n msgs in ${best}s" >&2
    done
done

# ---------------------------------------------------------------- report
bench_machine
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
    SECTION="## SMTP acceptance + local delivery"
    body=$(cat <<EOT
$SECTION

Run: $DATE, magpie $REV (Release), Postfix $PFV, \`bench/smtp/run.sh\`.
Machine: $CPU, $NCPU cores, data on $FS, everything on 127.0.0.1.
Load: \`smtp-source -s $SESSIONS -m N -l SIZE\` (one message per connection, $SESSIONS
concurrent sessions), one recipient, a user Maildir; time from the first connection until
all N files are in the Maildir. Both servers fsync before answering 250 and after
writing the Maildir file (Postfix defaults). Best of $RUNS run(s).

$table
EOT
)
    write_section "$REPO/bench/RESULTS.md" "$SECTION" "$body"
fi
