#!/usr/bin/env bash
# SMTP relay benchmark: mail accepted from a trusted client and relayed to a smarthost.
# Magpie (default relay rule) and a private Postfix instance (relayhost) on the same machine,
# in the same run, each relaying to its own Postfix smtp-sink so the two counts stay apart.
# Postfix's smtp-source is the load generator for both: N messages of SIZE bytes over 20
# concurrent sessions (one message per connection) to a remote recipient; 127.0.0.1 is in
# both servers' trusted networks, so they relay without AUTH. The clock runs from the first
# connection until the server's sink has counted N more messages (smtp-sink -c: "mesg=").
#
# usage: bench/smtp/relay.sh [--no-write]
#   MAGPIE_BIN   magpie binary (default build-rel/magpie, a Release build)
#   N_SMALL N_LARGE SESSIONS   message counts and concurrency (default 2000, 500, 20)
#   RUNS         repetitions per case; the best run is reported (default 1)
#   KEEP_WORK=1  keep the work directory (maillogs, sink output) for a look afterwards
# Needs root and the Debian postfix package (smtp-source, smtp-sink). Nothing leaves
# 127.0.0.1: relay rules need no DNS, and Magpie's resolver is pointed at 127.0.0.1:9 so a
# stray lookup fails at once instead of asking the machine's resolver.
# Shared setup and helpers: bench/smtp/common.sh.
set -euo pipefail

source "$(dirname "$0")/common.sh"
N_SMALL=${N_SMALL:-2000}
N_LARGE=${N_LARGE:-500}
bench_init "$@"
command -v smtp-sink >/dev/null || { echo "smtp-sink missing: apt-get install postfix" >&2; exit 2; }

# ---------------------------------------------------------------- sinks
# One sink per server; -c prints "sess=N quit=N mesg=N\r" whenever a count changes.
start_sink() {  # port outfile
    smtp-sink -u root -c "127.0.0.1:$1" 1000 >"$2" 2>&1 &
    BG_PIDS+=($!)
}
sink_count() {  # outfile -> messages received so far
    local c
    c=$(tail -c 400 "$1" 2>/dev/null | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -1 || true)
    echo "${c:-mesg=0}" | cut -d= -f2
}
SINK_M_PORT=$(free_port)
SINK_P_PORT=$(free_port)
SINK_M=$WORK/sink-magpie.out
SINK_P=$WORK/sink-postfix.out
start_sink "$SINK_M_PORT" "$SINK_M"
start_sink "$SINK_P_PORT" "$SINK_P"

# ---------------------------------------------------------------- Magpie
M_PORT=$(free_port)
magpie_config "$M_PORT" '[dns]
resolver = "127.0.0.1:9"'
magpie_cli settings set smtp_max_connections_per_ip 1000 >/dev/null
magpie_cli relay add --type default --host 127.0.0.1 --port "$SINK_M_PORT" >/dev/null
magpie_no_dns_checks
magpie_start

# ---------------------------------------------------------------- Postfix
P_PORT=$(free_port)
postfix_config "$P_PORT" "relayhost = [127.0.0.1]:$SINK_P_PORT"
postfix_start

# ---------------------------------------------------------------- helpers
# run_case PORT SINKFILE N SIZE -> prints "total_seconds accept_seconds"
run_case() {
    local port=$1 sink=$2 n=$3 size=$4
    local before target t0 ta t1 c last_c last_change
    before=$(sink_count "$sink")
    target=$((before + n))
    t0=$(now)
    timeout 600 smtp-source -s "$SESSIONS" -m "$n" -l "$size" -f sender@client.test -t x@remote.example \
        "127.0.0.1:$port" >/dev/null 2>&1 || { echo "smtp-source failed against port $port" >&2; return 1; }
    ta=$(now)
    last_c=-1; last_change=$(date +%s)
    while :; do
        c=$(sink_count "$sink")
        (( c >= target )) && break
        if (( c != last_c )); then last_c=$c; last_change=$(date +%s); fi
        if (( $(date +%s) - last_change > 60 )); then
            echo "stalled: sink at $((c - before))/$n for 60 s (port $port)" >&2; return 1
        fi
        sleep 0.02
    done
    t1=$(now)
    echo "$(elapsed "$t0" "$t1") $(elapsed "$t0" "$ta")"
}

wait_port "$SINK_M_PORT"
wait_port "$SINK_P_PORT"
wait_port "$M_PORT"
wait_port "$P_PORT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Warm up both (Postfix process spawning, first connections to the sink).
run_case "$M_PORT" "$SINK_M" 20 1000 >/dev/null
run_case "$P_PORT" "$SINK_P" 20 1000 >/dev/null

declare -A RES
for spec in "4KB:$N_SMALL:4096" "100KB:$N_LARGE:102400"; do
    IFS=: read -r label n size <<<"$spec"
    for srv in magpie postfix; do
        best=""; best_a=""
        for _ in $(seq "$RUNS"); do
            if [[ $srv == magpie ]]; then r=$(run_case "$M_PORT" "$SINK_M" "$n" "$size")
            else r=$(run_case "$P_PORT" "$SINK_P" "$n" "$size"); fi
            read -r t a <<<"$r"
            if [[ -z $best ]] || is_less "$t" "$best"; then best=$t; best_a=$a; fi
            echo "  $srv $label run: ${t}s (smtp-source done after ${a}s)" >&2
        done
        RES[$srv.$label.t]=$best
        RES[$srv.$label.a]=$best_a
        RES[$srv.$label.n]=$n
        echo "$srv $label: $n msgs relayed in ${best}s (accepted in ${best_a}s)" >&2
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

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
accept=$(
    for label in 4KB 100KB; do
        printf '%s: Magpie %ss, Postfix %ss; ' "$label" "${RES[magpie.$label.a]}" "${RES[postfix.$label.a]}"
    done | sed 's/; $//'
)
echo
echo "$table"
echo "smtp-source finished after: $accept"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER"

if [[ $WRITE == 1 ]]; then
    SECTION="## SMTP relay to a smarthost"
    body=$(cat <<EOT
$SECTION

Run: $DATE, magpie $REV (Release), Postfix $PFV, \`bench/smtp/relay.sh\`.
Machine: $CPU, $NCPU cores, data on $FS, everything on 127.0.0.1; load average
$LOAD_BEFORE before the run, $LOAD_AFTER after it.
Load: \`smtp-source -s $SESSIONS -m N -l SIZE -t x@remote.example\` (one message per
connection, $SESSIONS concurrent sessions, a trusted client relaying without AUTH). Magpie has a
default relay rule (smarthost) and Postfix \`relayhost\`, each pointing at its own Postfix
\`smtp-sink\` on 127.0.0.1; time from the first connection until that sink has counted all N
messages. Outbound settings at their defaults on both sides (20 connections per
destination, connection reuse). Best of $RUNS run(s).

$table

smtp-source finished (all N accepted) after: $accept.
EOT
)
    write_section "$REPO/bench/RESULTS.md" "$SECTION" "$body"
fi
