#!/usr/bin/env bash
# IMAP and POP3 benchmark: Magpie against a private Dovecot instance on the same machine, in
# the same run, over the same 10,000-message Maildir (bench/imap/make_maildir.py; every
# repetition gets a fresh copy, so nothing is indexed yet and no earlier COPY/MOVE/STORE
# shows). The timed client is bench/imap/imapbench.c (compiled here with gcc -O2); it checks
# every answer against the mailbox manifest. Each operation is its own row; best of RUNS.
# Then IDLE_CONNS idle IMAP connections (logged in, INBOX selected, in IDLE) per server and
# the servers' memory (RSS and PSS of all their processes) before and after.
#
# usage: bench/imap/run.sh [--no-write]
#   MAGPIE_BIN   magpie binary (default build-rel/magpie, a Release build)
#   RUNS         repetitions; the best time per row is reported (default 3)
#   MESSAGES     messages in the mailbox (default 10000)
#   IDLE_CONNS   idle connections per server for the memory row (default 5000; 0 skips it)
#   SERVERS      which to run (default "dovecot magpie")
#   MAILDIR_CACHE  where the generated mailbox is kept between runs (default under /tmp,
#                named after the generator's hash and MESSAGES)
#   MAGPIE_LOGIN login name for Magpie's user "bench" (default bench)
#   KEEP_WORK=1  keep the work directory (configs, logs) for a look afterwards
# --no-write: do not update bench/RESULTS.md.
# Needs Debian's dovecot-imapd and dovecot-pop3d (installed with apt-get if missing) and gcc.
# Dovecot runs from its own config, base_dir and state_dir under the work directory, on
# 127.0.0.1 ports only; the system's Dovecot service is never touched. Run as root, Dovecot's
# master runs as root (as Debian runs it) and the mail processes as "nobody", because Dovecot
# refuses uid 0 for mail access and for login processes; run as another user, everything runs
# as that user. While Magpie logs "listener imap is not available in this version" (or pop3),
# its rows are n/a and the run still succeeds.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-3}
# write_section, wait_port, is_less (its other helpers are for SMTP and not used)
source "$REPO/bench/smtp/common.sh"
MAGPIE_BIN=${MAGPIE_BIN:-$REPO/build-rel/magpie}
MESSAGES=${MESSAGES:-10000}
IDLE_CONNS=${IDLE_CONNS:-5000}
SERVERS=${SERVERS:-dovecot magpie}
WRITE=1
[[ ${1:-} == --no-write ]] && WRITE=0
USER_NAME=bench
USER_PASS=bench-pw-1
MAGPIE_LOGIN=${MAGPIE_LOGIN:-$USER_NAME}  # the IMAP/POP3 login of Magpie's user "bench"
CLIENT_TIMEOUT=900   # seconds for one client invocation; a hung server fails the row

# ---------------------------------------------------------------- checks and setup
command -v gcc >/dev/null || { echo "gcc missing" >&2; exit 2; }
if ! dpkg -s dovecot-imapd dovecot-pop3d >/dev/null 2>&1; then
    echo "installing dovecot-imapd dovecot-pop3d" >&2
    if [[ $(id -u) == 0 ]]; then apt-get install -y dovecot-imapd dovecot-pop3d >&2
    else sudo apt-get install -y dovecot-imapd dovecot-pop3d >&2; fi
fi
# 5,000 connections need as many descriptors in the client and the servers (inherited).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d /tmp/magpie-imapbench.XXXXXX)
chmod 755 "$WORK"
DV=$WORK/dovecot
DV_PID=""
MAGPIE_PID=""
CLIENT_PIDS=()
HOLD_PIDS=()

stop_pid() {  # pid [seconds]: TERM, wait, KILL
    local p=$1 t=${2:-10}
    kill -0 "$p" 2>/dev/null || return 0
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq $((t * 10))); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
}

cleanup() {
    set +e
    local p
    for p in "${HOLD_PIDS[@]}" "${CLIENT_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${HOLD_PIDS[@]}" "${CLIENT_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    if declare -F dovecot_stop >/dev/null; then dovecot_stop; fi
    if declare -F magpie_stop >/dev/null; then magpie_stop; fi
    if [[ ${KEEP_WORK:-0} != 1 ]]; then rm -rf "$WORK"; else echo "work dir kept: $WORK" >&2; fi
}
trap cleanup EXIT INT TERM

# A port on 127.0.0.1 below the ephemeral range (so no outgoing connection takes it first).
declare -A PORTS_GIVEN
free_port() {
    local p
    for _ in $(seq 1000); do
        p=$((20000 + RANDOM % 12000))
        [[ -n ${PORTS_GIVEN[$p]:-} ]] && continue
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue  # someone listens
        if /usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1])))' "$p" 2>/dev/null; then
            PORTS_GIVEN[$p]=1; echo "$p"; return 0
        fi
    done
    echo "no free port" >&2; return 1
}

# the pid and all its descendants (one ps, since Dovecot may have thousands of children)
proc_tree() {
    ps -e -o pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2; pids[NR] = $1 }
        END {
            print root; want[root] = 1
            do {
                added = 0
                for (i in pids) { p = pids[i]
                    if (!(p in want) && (parent[p] in want)) { want[p] = 1; print p; added = 1 } }
            } while (added)
        }'
}

# mem_of PID -> "process_count rss_kb pss_kb" of the pid and all its descendants
mem_of() {
    local pids files=() p
    pids=$(proc_tree "$1")
    for p in $pids; do [[ -r /proc/$p/smaps_rollup ]] && files+=("/proc/$p/smaps_rollup"); done
    printf '%s\n' "${files[@]}" | xargs cat 2>/dev/null |
        awk -v n="${#files[@]}" '/^Rss:/ {r += $2} /^Pss:/ {p += $2} END {printf "%d %d %d\n", n, r, p}'
}

# ---------------------------------------------------------------- client and mailbox
CLIENT=$WORK/imapbench
gcc -O2 -Wall -pthread -o "$CLIENT" "$HERE/imapbench.c"

GEN_HASH=$(sha256sum "$HERE/make_maildir.py" | cut -c1-12)
MAILDIR_CACHE=${MAILDIR_CACHE:-/tmp/magpie-imapbench-maildir-$MESSAGES-$GEN_HASH}
if [[ ! -f $MAILDIR_CACHE.manifest ]]; then
    echo "generating the mailbox into $MAILDIR_CACHE (once; kept for later runs)" >&2
    rm -rf "$MAILDIR_CACHE" "$MAILDIR_CACHE.tmp"
    /usr/bin/python3 "$HERE/make_maildir.py" "$MAILDIR_CACHE.tmp" --messages "$MESSAGES" \
        --manifest "$MAILDIR_CACHE.tmp.manifest"
    mv "$MAILDIR_CACHE.tmp" "$MAILDIR_CACHE"
    mv "$MAILDIR_CACHE.tmp.manifest" "$MAILDIR_CACHE.manifest"
fi
chmod 755 "$MAILDIR_CACHE" 2>/dev/null || true  # readable by the mail user
manifest() { grep "^$1=" "$MAILDIR_CACHE.manifest" | cut -d= -f2; }
M_BYTES=$(manifest bytes_crlf)
M_TOKEN=$(manifest token)
M_MATCHES=$(manifest token_matches)
M_TOTAL_MB=$(awk -v b="$M_BYTES" 'BEGIN {printf "%.0f", b / 1e6}')
CLIENT_ARGS=(-u "$USER_NAME" -w "$USER_PASS" -n "$MESSAGES" -b "$M_BYTES" -t "$M_TOKEN" -m "$M_MATCHES" -T 300)

# fresh_maildir DEST [OWNER]: a fresh copy of the generated mailbox, flushed to disk so that
# writeback of the copy does not run during the timed part.
fresh_maildir() {
    rm -rf "$1"
    mkdir -p "$(dirname "$1")"
    cp -a "$MAILDIR_CACHE" "$1"
    [[ -n ${2:-} ]] && chown -R "$2" "$1"
    timeout 300 sync -f "$1" || true
}

# ---------------------------------------------------------------- Dovecot
DV_IMAP=$(free_port)
DV_POP3=$(free_port)
DV_INSTANCE=imapbench-$$
if [[ $(id -u) == 0 ]]; then
    DV_MAIL_USER=nobody
    DV_USER_LINES=""
    DV_CHROOT=""
else
    DV_MAIL_USER=$(id -un)
    DV_USER_LINES="default_internal_user = $DV_MAIL_USER
default_internal_group = $(id -gn)
default_login_user = $DV_MAIL_USER
service anvil {
  chroot =
}"
    DV_CHROOT="chroot ="   # an unprivileged master cannot chroot its login processes
fi
DV_UID=$(id -u "$DV_MAIL_USER")
DV_GID=$(id -g "$DV_MAIL_USER")
LIMIT=$((IDLE_CONNS + 200))

dovecot_config() {
    mkdir -p "$DV/run" "$DV/state" "$DV/home"
    chown "$DV_UID:$DV_GID" "$DV/home"
    # The same scheme and cost as Magpie's stored hashes (libcrypt's default yescrypt), so
    # both servers pay the same for each login; Dovecot's auth cache is off by default.
    local hash
    hash=$(/usr/bin/python3 -c '
import ctypes, sys
c = ctypes.CDLL("libcrypt.so.1")
c.crypt_gensalt.restype = c.crypt.restype = ctypes.c_char_p
print(c.crypt(sys.argv[1].encode(), c.crypt_gensalt(b"$y$", 0, None, 0)).decode())' "$USER_PASS")
    [[ $hash == '$y$'* ]] || { echo "could not make a yescrypt hash for Dovecot" >&2; exit 2; }
    echo "$USER_NAME:{CRYPT}$hash::::::" >"$DV/passwd"
    cat >"$DV/dovecot.conf" <<EOF
# private benchmark instance (bench/imap/run.sh); Debian defaults unless noted
base_dir = $DV/run
state_dir = $DV/state
instance_name = $DV_INSTANCE
log_path = $DV/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
$DV_USER_LINES
mail_location = maildir:$DV/mail
passdb {
  driver = passwd-file
  args = $DV/passwd
}
userdb {
  driver = static
  args = uid=$DV_UID gid=$DV_GID home=$DV/home
}
# Raised for the idle-connection row: one imap process per connection (Debian's
# client_limit = 1), so the process limits must exceed IDLE_CONNS, and so must the
# per-user-and-IP connection limit (10) and the client limit of anvil/auth/log (1000).
default_client_limit = $((LIMIT * 2))
mail_max_userip_connections = $LIMIT
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DV_IMAP
  }
  inet_listener imaps {
    port = 0
  }
  process_limit = $LIMIT
  $DV_CHROOT
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $DV_POP3
  }
  inet_listener pop3s {
    port = 0
  }
  $DV_CHROOT
}
service imap {
  process_limit = $LIMIT
}
EOF
    doveconf -c "$DV/dovecot.conf" -n >/dev/null
}

dovecot_start() {
    dovecot -c "$DV/dovecot.conf"
    for _ in $(seq 100); do [[ -s $DV/run/master.pid ]] && break; sleep 0.1; done
    DV_PID=$(cat "$DV/run/master.pid")
    wait_port "$DV_IMAP"
    wait_port "$DV_POP3"
}

dovecot_stop() {
    [[ -n $DV_PID ]] || return 0
    local kids
    kids=$(proc_tree "$DV_PID" | tail -n +2)
    stop_pid "$DV_PID" 30
    local p
    for p in $kids; do kill -KILL "$p" 2>/dev/null || true; done
    DV_PID=""
}

DV_VERSION=$(dovecot --version | cut -d' ' -f1)

# ---------------------------------------------------------------- Magpie
MG=$WORK/magpie
MG_IMAP=$(free_port)
MG_POP3=$(free_port)
MG_DNS=$(free_port)   # nothing listens there: a stray lookup fails at once
MCFG=$MG/magpie.toml
MG_HAS_IMAP=0
MG_HAS_POP3=0

magpie_config() {
    mkdir -p "$MG"
    cat >"$MCFG" <<EOF
hostname = "mx.bench.test"
data_dir = "$MG/data"
[listen]
imap = "127.0.0.1:$MG_IMAP"
pop3 = "127.0.0.1:$MG_POP3"
[dns]
resolver = "127.0.0.1:$MG_DNS"
EOF
}

# magpie_fresh: a new data directory (user, settings) with a fresh copy of the mailbox as
# the user's Maildir, so no cache of an earlier repetition survives anywhere.
MG_SKIPPED_SHOWN=0
magpie_fresh() {
    rm -rf "$MG/data"
    "$MAGPIE_BIN" -c "$MCFG" user add "$USER_NAME" --password-stdin <<<"$USER_PASS" >/dev/null
    # Plain LOGIN over 127.0.0.1 (Dovecot allows it there too), and room for the idle row.
    # Settings this build does not know are skipped.
    local kv
    for kv in "allow_plaintext_auth true" "mail_max_connections_per_user_ip $LIMIT" \
              "imap_max_connections $LIMIT" "mail_max_connections $LIMIT"; do
        # shellcheck disable=SC2086
        if ! "$MAGPIE_BIN" -c "$MCFG" settings set $kv >/dev/null 2>&1 && (( ! MG_SKIPPED_SHOWN )); then
            echo "  (magpie: setting '$kv' not known to this build, skipped)" >&2
        fi
    done
    MG_SKIPPED_SHOWN=1
    fresh_maildir "$MG/data/mail/$USER_NAME"
}

magpie_start() {
    local out=$MG/serve.out
    : >"$out"
    "$MAGPIE_BIN" -c "$MCFG" serve >>"$out" 2>&1 &
    MAGPIE_PID=$!
    local ready=0 log=""
    for _ in $(seq 300); do
        kill -0 "$MAGPIE_PID" 2>/dev/null || { echo "magpie serve exited:" >&2; tail -20 "$out" >&2; return 1; }
        log=$(cat "$out" "$MG/data/log/maillog" 2>/dev/null || true)
        local n_imap n_pop3
        n_imap=$(grep -cE "listener imap is not available|[^a-z]imap listening on " <<<"$log" || true)
        n_pop3=$(grep -cE "listener pop3 is not available|[^a-z]pop3 listening on " <<<"$log" || true)
        if (( n_imap > 0 && n_pop3 > 0 )); then ready=1; break; fi
        sleep 0.1
    done
    (( ready )) || { echo "magpie did not report its listeners; serve output:" >&2; tail -20 "$out" >&2; return 1; }
    MG_HAS_IMAP=1; MG_HAS_POP3=1
    grep -q "listener imap is not available" <<<"$log" && MG_HAS_IMAP=0
    grep -q "listener pop3 is not available" <<<"$log" && MG_HAS_POP3=0
    if (( MG_HAS_IMAP )); then wait_port "$MG_IMAP"; fi
    if (( MG_HAS_POP3 )); then wait_port "$MG_POP3"; fi
    return 0
}

magpie_stop() {
    [[ -n $MAGPIE_PID ]] || return 0
    stop_pid "$MAGPIE_PID" 30
    wait "$MAGPIE_PID" 2>/dev/null || true
    MAGPIE_PID=""
}

MAGPIE_OK=0
MG_VERSION=""
if [[ " $SERVERS " == *" magpie "* ]]; then
    if [[ -x $MAGPIE_BIN ]]; then
        MAGPIE_OK=1
        # the commit of the tree the binary was built in (build-*/magpie), else this one's
        MG_VERSION=$(git -C "$(dirname "$MAGPIE_BIN")/.." rev-parse --short HEAD 2>/dev/null ||
                     git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    else
        echo "no magpie binary at $MAGPIE_BIN: Magpie rows are n/a" >&2
        echo "(cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAGPIE_TESTS=OFF && ninja -C build-rel magpie)" >&2
    fi
fi

# ---------------------------------------------------------------- one repetition
# results: R[server.row] = best seconds, B[server.row] = bytes, BAD[server.row] = reason
declare -A R B BAD
ROWS=(select_cold select_warm flags envbs headers search body flag_add flag_remove store_one pop3_list pop3_retr copy move move_one)

# run_client SERVER PORT MODE ARGS...: runs the client, folds its rows into R/B/BAD.
run_client() {
    local srv=$1 port=$2; shift 2
    local out=$WORK/client.out rc=0 login=$USER_NAME
    [[ $srv == magpie ]] && login=$MAGPIE_LOGIN
    timeout "$CLIENT_TIMEOUT" "$CLIENT" -p "$port" "${CLIENT_ARGS[@]}" -u "$login" "$@" >"$out" 2>"$WORK/client.err" || rc=$?
    (( rc == 124 )) && echo "  $srv: client timed out after ${CLIENT_TIMEOUT}s ($*)" >&2
    local tag name secs bytes status
    while read -r tag name secs bytes status; do
        [[ $tag == row ]] || continue
        echo "  $srv $name: ${secs}s $status" >&2
        if [[ $status != ok ]]; then
            BAD[$srv.$name]=$status
            continue
        fi
        if [[ -z ${R[$srv.$name]:-} ]] || is_less "$secs" "${R[$srv.$name]}"; then
            R[$srv.$name]=$secs
            B[$srv.$name]=$bytes
        fi
    done <"$out"
    [[ -s $WORK/client.err ]] && sed 's/^/  client: /' "$WORK/client.err" >&2
    return 0
}

repetition() {  # server
    local srv=$1 ip pp
    if [[ $srv == dovecot ]]; then
        dovecot_stop
        fresh_maildir "$DV/mail" "$DV_UID:$DV_GID"
        dovecot_start
        ip=$DV_IMAP; pp=$DV_POP3
    else
        magpie_stop
        magpie_fresh
        magpie_start || return 1
        ip=$MG_IMAP; pp=$MG_POP3
    fi
    if [[ $srv == dovecot ]] || (( MG_HAS_IMAP )); then
        run_client "$srv" "$ip" imap cold,warm,flags,envbs,headers,search,body,flag_add,flag_remove,store_one
    fi
    if [[ $srv == dovecot ]] || (( MG_HAS_POP3 )); then
        run_client "$srv" "$pp" pop3
    fi
    if [[ $srv == dovecot ]] || (( MG_HAS_IMAP )); then
        run_client "$srv" "$ip" imap copy,move,move_one
    fi
}

# idle_memory SERVER: IDLE_CONNS idle connections; sets IDLE[server.*]
declare -A IDLE
idle_memory() {
    local srv=$1 port pid login=$USER_NAME
    [[ $srv == magpie ]] && login=$MAGPIE_LOGIN
    if [[ $srv == dovecot ]]; then
        dovecot_stop
        fresh_maildir "$DV/mail" "$DV_UID:$DV_GID"
        dovecot_start
        port=$DV_IMAP; pid=$DV_PID
    else
        magpie_stop
        magpie_fresh
        magpie_start || return 1
        (( MG_HAS_IMAP )) || return 0
        port=$MG_IMAP; pid=$MAGPIE_PID
    fi
    # One connection first, so the mailbox is indexed and loaded in the baseline: the row
    # is what each further connection costs.
    local anchor_out=$WORK/anchor.out hold_out=$WORK/hold.out
    "$CLIENT" -p "$port" "${CLIENT_ARGS[@]}" -u "$login" idle 1 900 >"$anchor_out" 2>&1 &
    HOLD_PIDS+=($!)
    local anchor=$!
    for _ in $(seq 600); do grep -q '^ready' "$anchor_out" && break; sleep 0.1; done
    sleep 2
    local before after
    before=$(mem_of "$pid")
    "$CLIENT" -p "$port" "${CLIENT_ARGS[@]}" -u "$login" idle "$IDLE_CONNS" 900 >"$hold_out" 2>&1 &
    HOLD_PIDS+=($!)
    local hold=$!
    for _ in $(seq 6000); do
        grep -q '^ready' "$hold_out" && break
        kill -0 "$hold" 2>/dev/null || break
        sleep 0.1
    done
    local tag est secs status
    read -r tag est secs status < <(grep '^ready' "$hold_out" || echo "ready 0 0 BAD:client_failed")
    sleep 3  # let the servers settle (login processes exit, buffers shrink)
    after=$(mem_of "$pid")
    echo "  $srv idle: $est connections in ${secs}s ($status); procs/RSS/PSS before: $before, after: $after" >&2
    IDLE[$srv.est]=$est; IDLE[$srv.secs]=$secs; IDLE[$srv.status]=$status
    IDLE[$srv.before]=$before; IDLE[$srv.after]=$after
    stop_pid "$hold" 10
    stop_pid "$anchor" 10
    wait "$hold" "$anchor" 2>/dev/null || true
}

# ---------------------------------------------------------------- run
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ " $SERVERS " == *" dovecot "* ]]; then dovecot_config; fi
if (( MAGPIE_OK )); then magpie_config; fi
for r in $(seq "$RUNS"); do
    echo "repetition $r/$RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    if [[ " $SERVERS " == *" dovecot "* ]]; then repetition dovecot; fi
    if (( MAGPIE_OK )); then repetition magpie || { echo "  magpie did not start; its rows are n/a" >&2; MAGPIE_OK=0; }; fi
done
LOAD_MID=$(cut -d' ' -f1-3 /proc/loadavg)
if (( IDLE_CONNS > 0 )); then
    echo "idle connections: $IDLE_CONNS per server (load $LOAD_MID)" >&2
    if [[ " $SERVERS " == *" dovecot "* ]]; then idle_memory dovecot; dovecot_stop; fi
    if (( MAGPIE_OK )); then
        idle_memory magpie || echo "  magpie did not start; its idle row is n/a" >&2
        magpie_stop
    fi
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
dovecot_stop
magpie_stop

# ---------------------------------------------------------------- report
label() {
    case $1 in
        select_cold) echo "LOGIN + SELECT INBOX, cold (fresh Maildir)";;
        select_warm) echo "LOGIN + SELECT INBOX, warm";;
        flags) echo "FETCH 1:* (FLAGS)";;
        envbs) echo "FETCH 1:* (ENVELOPE BODYSTRUCTURE)";;
        headers) echo "FETCH 1:* BODY.PEEK[HEADER.FIELDS (5 fields)]";;
        search) echo "UID SEARCH TEXT (rare word, $M_MATCHES hits)";;
        body) echo "FETCH 1:* BODY.PEEK[] (${M_TOTAL_MB} MB)";;
        flag_add) echo "STORE 1:* +FLAGS.SILENT (\\Flagged)";;
        flag_remove) echo "STORE 1:* -FLAGS.SILENT (\\Flagged)";;
        store_one) echo "STORE n +FLAGS (\$Bench1), 200 single messages in turn";;
        pop3_list) echo "POP3 USER/PASS + LIST";;
        pop3_retr) echo "POP3 RETR all, one by one (${M_TOTAL_MB} MB)";;
        copy) echo "COPY 1:1000 Other";;
        move) echo "MOVE 1:1000 Other";;
        move_one) echo "MOVE n Single, 100 single messages in turn";;
    esac
}
cell() {  # server row -> "12.3 ms" / "1.23 s, 123 MB/s" / "n/a" / "FAILED"
    local key=$1.$2
    if [[ -n ${R[$key]:-} ]]; then
        if [[ $2 == body || $2 == pop3_retr ]]; then
            awk -v s="${R[$key]}" -v b="${B[$key]}" 'BEGIN {printf "%s, %.0f MB/s", (s < 1 ? sprintf("%.1f ms", s * 1000) : sprintf("%.2f s", s)), b / s / 1e6}'
        else
            awk -v s="${R[$key]}" 'BEGIN {printf "%s", (s < 1 ? sprintf("%.1f ms", s * 1000) : sprintf("%.2f s", s))}'
        fi
    elif [[ -n ${BAD[$key]:-} ]]; then echo "FAILED"
    elif [[ $1 == magpie ]] && (( MAGPIE_OK )) && magpie_lacks "$2"; then echo "pending"
    else echo "n/a"; fi
}
# magpie_lacks ROW: the Magpie build has no listener for the row's protocol yet
magpie_lacks() {
    if [[ $1 == pop3_* ]]; then (( ! MG_HAS_POP3 )); else (( ! MG_HAS_IMAP )); fi
}
ratio() {
    local m=${R[magpie.$1]:-} d=${R[dovecot.$1]:-}
    if [[ -n $m && -n $d ]]; then awk -v m="$m" -v d="$d" 'BEGIN {printf "%.2f", d / m}'; else echo "n/a"; fi
}
idle_cell() {  # server -> "X KB (PSS), Y KB (RSS)" per connection
    local s=$1
    if [[ -z ${IDLE[$s.after]:-} ]]; then
        if [[ $s == magpie ]] && (( MAGPIE_OK )) && magpie_lacks idle; then echo "pending"; else echo "n/a"; fi
        return
    fi
    read -r _ rb pb <<<"${IDLE[$s.before]}"
    read -r _ ra pa <<<"${IDLE[$s.after]}"
    local est=${IDLE[$s.est]}
    (( est > 0 )) || { echo "FAILED"; return; }
    awk -v pb="$pb" -v pa="$pa" -v rb="$rb" -v ra="$ra" -v n="$est" \
        'BEGIN {printf "%.0f KB PSS, %.0f KB RSS", (pa - pb) / n, (ra - rb) / n}'
}
idle_ratio() {
    [[ -n ${IDLE[magpie.after]:-} && -n ${IDLE[dovecot.after]:-} ]] || { echo "n/a"; return; }
    local pbm pam pbd pad
    read -r _ _ pbm <<<"${IDLE[magpie.before]}"; read -r _ _ pam <<<"${IDLE[magpie.after]}"
    read -r _ _ pbd <<<"${IDLE[dovecot.before]}"; read -r _ _ pad <<<"${IDLE[dovecot.after]}"
    awk -v a="$((pad - pbd))" -v b="$((pam - pbm))" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'
}

table=$(
    echo "| operation | Dovecot | Magpie | Magpie/Dovecot |"
    echo "|---|---|---|---|"
    for k in "${ROWS[@]}"; do
        echo "| $(label "$k") | $(cell dovecot "$k") | $(cell magpie "$k") | $(ratio "$k") |"
    done
    if (( IDLE_CONNS > 0 )); then
        echo "| memory per idle IMAP connection ($IDLE_CONNS in IDLE) | $(idle_cell dovecot) | $(idle_cell magpie) | $(idle_ratio) |"
    fi
)
idle_notes=""
for s in dovecot magpie; do
    [[ -n ${IDLE[$s.after]:-} ]] || continue
    read -r nb rb pb <<<"${IDLE[$s.before]}"
    read -r na ra pa <<<"${IDLE[$s.after]}"
    [[ $s == dovecot ]] && name=Dovecot || name=Magpie
    idle_notes+="Idle row, $name: ${IDLE[$s.est]} connections opened in ${IDLE[$s.secs]} s (8 client threads, each login + SELECT + IDLE in turn); $nb processes, RSS $((rb / 1024)) MB, PSS $((pb / 1024)) MB with one session open; $na processes, RSS $((ra / 1024)) MB, PSS $((pa / 1024)) MB with all of them.
"
done
failures=""
for key in "${!BAD[@]}"; do failures+="$key: ${BAD[$key]}
"; done
magpie_state="magpie $MG_VERSION (Release)"
if (( ! MAGPIE_OK )); then
    magpie_state="no magpie binary"
else
    missing=()
    (( MG_HAS_IMAP )) || missing+=(imap)
    (( MG_HAS_POP3 )) || missing+=(pop3)
    if (( ${#missing[@]} )); then
        magpie_state+=" (its serve logs \"listener ... is not available in this version\" for ${missing[*]}: those rows pending)"
    fi
fi

echo
echo "$table"
echo
printf '%s' "$idle_notes"
[[ -n $failures ]] && { echo "failed checks (row left out of the best-of):"; printf '%s' "$failures"; }
echo "load average before / after the timed rows / after the idle row: $LOAD_BEFORE / $LOAD_MID / $LOAD_AFTER"

if [[ $WRITE == 1 ]]; then
    SECTION="## IMAP and POP3 vs Dovecot"
    body=$(cat <<EOT
$SECTION

Run: $(date -u +%Y-%m-%d), $magpie_state, Dovecot $DV_VERSION (Debian), \`bench/imap/run.sh\`.
Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, data on $(df -T "$WORK" | awk 'NR==2 {print $2}'), everything on 127.0.0.1;
load average $LOAD_BEFORE before the run, $LOAD_MID after the timed rows, $LOAD_AFTER after the
idle row (its thousands of logins and processes raise it).
Mailbox: $MESSAGES messages, $M_BYTES bytes (\`bench/imap/make_maildir.py\`, CRLF files in
cur/, no index), a fresh copy per server and repetition, the server restarted on it. Client:
\`bench/imap/imapbench.c\`, one connection, each command timed from sending it to reading its
tagged completion, every answer checked (counts, sizes, hits). Dovecot at Debian defaults
(mail_fsync = optimized, one imap process per connection) except a yescrypt passdb hash and
the connection limits the idle row needs. Best of $RUNS run(s); Magpie/Dovecot is Dovecot's time over Magpie's (>1:
Magpie faster); for memory, Dovecot's KB PSS over Magpie's.

$table

$idle_notes
EOT
)
    write_section "$REPO/bench/RESULTS.md" "$SECTION" "$body"
fi
