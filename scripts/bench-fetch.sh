#!/usr/bin/env bash
# Benchmark `tidings fetch` side by side with newsboat on loopback feeds.
#
# Usage: scripts/bench-fetch.sh [FEEDS=300] [ITEMS=50] [HOSTS=30]
#        (positional arguments, or the environment variables of the same names)
#
# Generates FEEDS feeds x ITEMS items once (shared/bench/gen_feeds.py), serves them
# with HOSTS instances of shared/bench/serve.py on 127.0.0.1..127.0.0.HOSTS (one port),
# spreads the feeds round-robin over those hosts, and times under GNU time:
#   newsboat: -x reload (cold), -x reload (second), -x reload (third: all 304),
#             -x print-unread
#   tidings:  fetch (cold), fetch --force (second: all 304), list --json
# ROUNDS times over, alternating the two readers, each round from empty caches.
# It prints a markdown table (wall s, peak RSS, requests and 304s per run, counted by
# the servers) and the newsboat/tidings ratios against the targets (cold >= 6x,
# steady >= 30x, peak memory below newsboat's). With several rounds each ratio is
# the median of the rounds' ratios, and every round's value is shown.
#
# Environment (all optional):
#   SHARED=DIR          where gen_feeds.py and serve.py are (default REPO/../shared/bench)
#   PORT=N              port for every host (default 0: a free one, picked on 127.0.0.1)
#   TIDINGS_BIN=FILE    use this binary instead of `cargo build --release`
#   TIDINGS_SETTINGS=S  lines put under [settings] in the tidings config (default none:
#                       tidings' defaults, e.g. TIDINGS_SETTINGS='concurrency = 16')
#   NEWSBOAT_THREADS=N  newsboat reload-threads (default 8)
#   SKIP_NEWSBOAT=1     measure tidings only
#   SEED_CACHE=FILE     tidings' cold fetch starts from a copy of this cache (for
#                       example a million articles from tidings-bench) instead of an
#                       empty one; its feeds are not in the config, so not fetched
#   ROUNDS=N            rounds of every run (default 1; figures for notes: 3 or more)
#   RUN_TIMEOUT=S       bound on each measured command (default 600)
#   BUILD_TIMEOUT=S     bound on cargo build (default 1800)
#   MAX_SECONDS=S       servers stop by themselves after this (default 1800)
#   TIME_BIN=FILE       GNU time (default /usr/bin/time)
#   KEEP=1              keep the work directory (printed) instead of deleting it
#   STRICT=1            exit 2 when a target is missed
# Exit status: 0 when every tidings run worked and verified, 1 when one did not
# (the table is printed anyway), 2 with STRICT=1 when a target was missed.
#
# Needs python3; newsboat (apt-get install -y newsboat) and GNU time
# (apt-get install -y time) are used when present, and not installed by this script.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in -h | --help) usage; exit 0 ;; esac

FEEDS=${1:-${FEEDS:-300}}
ITEMS=${2:-${ITEMS:-50}}
HOSTS=${3:-${HOSTS:-30}}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
SHARED=${SHARED:-$REPO/../shared/bench}
PORT=${PORT:-0}
TIDINGS_BIN=${TIDINGS_BIN:-}
TIDINGS_SETTINGS=${TIDINGS_SETTINGS:-}
NEWSBOAT_THREADS=${NEWSBOAT_THREADS:-8}
SKIP_NEWSBOAT=${SKIP_NEWSBOAT:-0}
SEED_CACHE=${SEED_CACHE:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
ROUNDS=${ROUNDS:-1}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1800}
MAX_SECONDS=${MAX_SECONDS:-1800}
KEEP=${KEEP:-0}
STRICT=${STRICT:-0}
HELPER=$SCRIPT_DIR/bench_fetch_report.py

log() { printf '[bench-fetch %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for v in FEEDS ITEMS HOSTS PORT NEWSBOAT_THREADS RUN_TIMEOUT BUILD_TIMEOUT MAX_SECONDS ROUNDS; do
    is_uint "${!v}" || die "$v must be a non-negative integer, got '${!v}'"
done
((FEEDS >= 1 && FEEDS <= 100000)) || die "FEEDS must be 1..100000"
((ITEMS <= 100000)) || die "ITEMS must be 0..100000"
((HOSTS >= 1 && HOSTS <= 254)) || die "HOSTS must be 1..254 (127.0.0.1..127.0.0.HOSTS)"
((PORT <= 65535)) || die "PORT must be 0..65535"
((MAX_SECONDS >= 1 && MAX_SECONDS <= 7200)) || die "MAX_SECONDS must be 1..7200"
((ROUNDS >= 1 && ROUNDS <= 20)) || die "ROUNDS must be 1..20"

# Everything here is loopback: never let a proxy setting divert it.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

command -v python3 >/dev/null || die "python3 is needed"
[[ -f $SHARED/gen_feeds.py && -f $SHARED/serve.py ]] ||
    die "gen_feeds.py / serve.py not found in SHARED=$SHARED"
[[ -f $HELPER ]] || die "missing $HELPER"
command -v timeout >/dev/null || die "timeout (coreutils) is needed"

GNU_TIME=${TIME_BIN:-/usr/bin/time}
if [[ -x $GNU_TIME ]] && "$GNU_TIME" -f '%e %M' -o /dev/null true 2>/dev/null; then
    :
else
    log "GNU time not found at $GNU_TIME (apt-get install -y time): wall time only, no peak RSS"
    GNU_TIME=
fi
HAVE_NEWSBOAT=0
if [[ $SKIP_NEWSBOAT == 1 ]]; then
    log "SKIP_NEWSBOAT=1: not running newsboat"
elif command -v newsboat >/dev/null; then
    HAVE_NEWSBOAT=1
else
    log "newsboat not found (apt-get install -y newsboat): skipping its runs, measuring tidings only"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-fetch.XXXXXX")
SERVER_PIDS=()
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${SERVER_PIDS[@]}"; do
        # bounded wait: the servers poll for shutdown every 0.2 s
        for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [[ $KEEP == 1 ]]; then
        log "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RESULTS=$WORK/results.tsv
: >"$RESULTS"
TD_BROKEN=0

# record KEY LABEL STATUS WALL RSS_KB REQUESTS N304 NOTE (of round ROUND)
ROUND=1
record() {
    local IFS=$'\t'
    printf '%s\n' "$*"$'\t'"$ROUND" >>"$RESULTS"
}

# --- 1. build tidings (first, so the servers' time bound is not spent on it) -------
TD_FAIL_NOTE=
if [[ -n $TIDINGS_BIN ]]; then
    [[ -x $TIDINGS_BIN ]] || TD_FAIL_NOTE="TIDINGS_BIN=$TIDINGS_BIN is not executable"
elif ! command -v cargo >/dev/null; then
    TD_FAIL_NOTE="cargo not found"
else
    log "cargo build --release (bounded by ${BUILD_TIMEOUT}s) ..."
    if (cd "$REPO" && timeout "$BUILD_TIMEOUT" cargo build --release) >"$WORK/build.log" 2>&1; then
        target_dir=${CARGO_TARGET_DIR:-$REPO/target}
        [[ $target_dir == /* ]] || target_dir=$REPO/$target_dir
        TIDINGS_BIN=$target_dir/release/tidings
        [[ -x $TIDINGS_BIN ]] || TD_FAIL_NOTE="build succeeded but $TIDINGS_BIN is missing"
    else
        TD_FAIL_NOTE="cargo build --release failed"
        log "cargo build --release failed; last lines:"
        tail -n 25 "$WORK/build.log" >&2 || true
    fi
fi
[[ -z $TD_FAIL_NOTE ]] || log "tidings runs will be reported as FAILED: $TD_FAIL_NOTE"

# --- 2. feeds, servers, configs ----------------------------------------------------
log "generating $FEEDS feeds x $ITEMS items ..."
timeout 900 python3 "$SHARED/gen_feeds.py" --out "$WORK/data" -n "$FEEDS" -m "$ITEMS" \
    --host 127.0.0.1 --port 8765 >"$WORK/manifest.out" ||
    die "gen_feeds.py failed"
DATA_MB=$(python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["bytes_total"] / 1048576))' \
    "$WORK/data/manifest.json")

mkdir -p "$WORK/srv"
start_server() { # INDEX PORT
    local i=$1 port=$2
    timeout $((MAX_SECONDS + 30)) python3 "$SHARED/serve.py" --root "$WORK/data" \
        --host "127.0.0.$i" --port "$port" --max-seconds "$MAX_SECONDS" \
        --ready-file "$WORK/srv/ready.$i" --stats-file "$WORK/srv/stats.$i.json" \
        >"$WORK/srv/log.$i" 2>&1 &
    SERVER_PIDS[i]=$!
}
wait_ready() { # INDEX: bounded wait (20 s) for the ready file
    local i=$1 t
    for ((t = 0; t < 200; t++)); do
        [[ -s $WORK/srv/ready.$i ]] && return 0
        kill -0 "${SERVER_PIDS[i]}" 2>/dev/null || break
        sleep 0.1
    done
    log "server on 127.0.0.$i did not start; its output:"
    cat "$WORK/srv/log.$i" >&2 || true
    return 1
}
log "starting $HOSTS servers on 127.0.0.1..127.0.0.$HOSTS ..."
start_server 1 "$PORT"
wait_ready 1 || die "could not start serve.py on 127.0.0.1:$PORT (try another PORT=)"
PORT=$(tr -d '[:space:]' <"$WORK/srv/ready.1")
for ((i = 2; i <= HOSTS; i++)); do start_server "$i" "$PORT"; done
for ((i = 2; i <= HOSTS; i++)); do
    wait_ready "$i" || die "could not start serve.py on 127.0.0.$i:$PORT (try another PORT=)"
done
log "servers ready on port $PORT"

python3 "$HELPER" spread --urls "$WORK/data/urls" --hosts "$HOSTS" --port "$PORT" \
    --out-urls "$WORK/urls" --out-toml "$WORK/tidings.toml" --settings "$TIDINGS_SETTINGS"
mkdir -p "$WORK/nbhome" "$WORK/td"
# Each round starts both readers from empty caches (or tidings' from the seed).
fresh_caches() {
    rm -f "$WORK/nb-cache.db" "$WORK/nb-cache.db.lock"
    rm -f "$WORK/td/cache.db" "$WORK/td/cache.db-wal" "$WORK/td/cache.db-shm"
    if [[ -n $SEED_CACHE ]]; then
        log "seeding tidings' cache from $SEED_CACHE ..."
        cp "$SEED_CACHE" "$WORK/td/cache.db" || die "cannot copy $SEED_CACHE"
        # The copy is written out before anything is timed.
        sync
    fi
}
cat >"$WORK/newsboat.conf" <<EOF
reload-threads $NEWSBOAT_THREADS
auto-reload no
EOF

# Warm the servers' file caches so neither reader pays for the first read from disk.
timeout 600 python3 "$HELPER" warm --urls "$WORK/urls" || die "warm-up GETs failed"

stats() { timeout 120 python3 "$HELPER" stats --hosts "$HOSTS" --port "$PORT" --reset; }

# run_timed KEY OUTFILE CMD... : runs CMD bounded by RUN_TIMEOUT under GNU time, stdout to
# OUTFILE, stderr to WORK/KEY.err. Sets RC, WALL, RSS, REQ, N304, ERRNOTE.
run_timed() {
    local key=$1 out=$2 tf=$WORK/$1.time start end
    shift 2
    stats >/dev/null
    # What the previous run left for the disk is written out untimed, so its
    # writeback does not land in this run's time.
    sync
    RC=0
    if [[ -n $GNU_TIME ]]; then
        "$GNU_TIME" -f '%e %M' -o "$tf" timeout --foreground "$RUN_TIMEOUT" "$@" <"/dev/null" >"$out" 2>"$WORK/$key.err" || RC=$?
        read -r WALL RSS < <(tail -n 1 "$tf" 2>/dev/null) || { WALL=-; RSS=-; }
    else
        start=$EPOCHREALTIME
        timeout --foreground "$RUN_TIMEOUT" "$@" </dev/null >"$out" 2>"$WORK/$key.err" || RC=$?
        end=$EPOCHREALTIME
        WALL=$(python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$start" "$end")
        RSS=-
    fi
    read -r REQ N304 < <(stats) || die "could not read the servers' /__stats after $key"
    ERRNOTE=
    if ((RC == 124)); then
        ERRNOTE="timed out after ${RUN_TIMEOUT}s"
    elif ((RC != 0)); then
        ERRNOTE="exit $RC"
        if [[ -s $WORK/$key.err ]]; then
            ERRNOTE+=": $(head -c 160 "$WORK/$key.err" | tr '\t\n' '  ')"
        fi
    fi
    log "$key: rc=$RC wall=${WALL}s rss=${RSS}KB requests=$REQ 304s=$N304"
    if ((RC != 0)) && [[ -s $WORK/$key.err ]]; then tail -n 10 "$WORK/$key.err" >&2; fi
}

ARTICLES=$((FEEDS * ITEMS))

for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
((ROUNDS == 1)) || log "round $ROUND of $ROUNDS"
fresh_caches

# --- 3a. newsboat --------------------------------------------------------------------
if ((HAVE_NEWSBOAT)); then
    NB_VERSION=$(newsboat -v 2>/dev/null | head -n 1 || true)
    # headless: -x needs no TTY; HOME is redirected because newsboat creates ~/.newsboat
    # even when -u/-C/-c name every file (commands, not functions: timeout runs them)
    NB=(env -u XDG_CONFIG_HOME -u XDG_DATA_HOME "HOME=$WORK/nbhome"
        newsboat -q -u "$WORK/urls" -C "$WORK/newsboat.conf" -c "$WORK/nb-cache.db")
    nb_row() { # KEY LABEL EXPECTED_REQ EXPECTED_304 (newsboat exits 0 even when feeds fail)
        local note=$ERRNOTE status=ok
        ((RC == 0)) || status=FAILED
        if ((RC == 0)) && [[ $REQ != "$3" || ($4 != any && $N304 != "$4") ]]; then
            note="warning: expected $3 requests, $4 of them 304"
        fi
        record "$1" "$2" "$status" "$WALL" "$RSS" "$REQ" "$N304" "${note:--}"
    }
    run_timed nb-cold /dev/null "${NB[@]}" -x reload
    nb_row nb-cold "newsboat -x reload (cold)" "$FEEDS" 0
    run_timed nb-second /dev/null "${NB[@]}" -x reload
    nb_row nb-second "newsboat -x reload (second)" "$FEEDS" any
    run_timed nb-steady /dev/null "${NB[@]}" -x reload
    nb_row nb-steady "newsboat -x reload (third, steady)" "$FEEDS" "$FEEDS"
    run_timed nb-list "$WORK/nb-unread.txt" "${NB[@]}" -x print-unread
    unread=$(grep -o '^[0-9]\+' "$WORK/nb-unread.txt" | head -n 1 || true)
    st=ok
    ((RC == 0)) || st=FAILED
    note=${ERRNOTE:-"$unread unread"}
    [[ $RC != 0 || $unread == "$ARTICLES" ]] || note="warning: $unread unread, expected $ARTICLES"
    record nb-list "newsboat -x print-unread" "$st" "$WALL" "$RSS" "$REQ" "$N304" "$note"
else
    NB_VERSION="newsboat not run"
    record nb-cold "newsboat (all runs)" skipped - - - - "newsboat not installed or SKIP_NEWSBOAT=1"
fi

# --- 3b. tidings ---------------------------------------------------------------------
TD=("$TIDINGS_BIN" --config "$WORK/tidings.toml" --cache "$WORK/td/cache.db")
td_fail() { # KEY LABEL NOTE
    record "$1" "$2" FAILED "$WALL" "$RSS" "$REQ" "$N304" "$3"
    TD_BROKEN=1
}
if [[ -n $TD_FAIL_NOTE ]]; then
    for kl in "td-cold|tidings fetch (cold)" "td-steady|tidings fetch --force (second, steady)" \
        "td-list|tidings list --json"; do
        record "${kl%%|*}" "${kl#*|}" FAILED - - - - "$TD_FAIL_NOTE"
    done
    TD_BROKEN=1
else
    label="tidings fetch (cold)"
    run_timed td-cold /dev/null "${TD[@]}" fetch --quiet
    if ((RC != 0)); then
        td_fail td-cold "$label" "$ERRNOTE"
    elif ((REQ < FEEDS)); then
        td_fail td-cold "$label" "only $REQ requests for $FEEDS feeds"
    else
        note=-
        ((REQ == FEEDS)) || note="$REQ requests for $FEEDS feeds"
        record td-cold "$label" ok "$WALL" "$RSS" "$REQ" "$N304" "$note"
    fi

    # --force: the second fetch comes right after the first; per-feed minimum intervals
    # would otherwise skip feeds (no request at all) rather than revalidate them.
    label="tidings fetch --force (second, steady)"
    run_timed td-steady /dev/null "${TD[@]}" fetch --quiet --force
    if ((RC != 0)); then
        td_fail td-steady "$label" "$ERRNOTE"
    elif ((REQ != FEEDS || N304 != FEEDS)); then
        td_fail td-steady "$label" "expected $FEEDS requests all 304, got $REQ with $N304 304s"
    else
        record td-steady "$label" ok "$WALL" "$RSS" "$REQ" "$N304" -
    fi

    label="tidings list --json"
    if [[ -n $SEED_CACHE ]]; then
        # The seeded articles would be listed too.
        record td-list "$label" skipped - - - - "seeded cache"
    else
        run_timed td-list /dev/null "${TD[@]}" list --json
    fi
    if [[ -n $SEED_CACHE ]]; then
        :
    elif ((RC != 0)); then
        td_fail td-list "$label" "$ERRNOTE"
    else
        # count on a second, untimed run (the timed one wrote to /dev/null)
        count=
        if timeout "$RUN_TIMEOUT" "${TD[@]}" list --json </dev/null >"$WORK/td-list.json" 2>"$WORK/td-list2.err"; then
            count=$(python3 "$HELPER" count "$WORK/td-list.json" 2>"$WORK/td-count.err" || true)
        fi
        if [[ $count == "$ARTICLES" ]]; then
            record td-list "$label" ok "$WALL" "$RSS" "$REQ" "$N304" "$count articles"
        else
            td_fail td-list "$label" "article count ${count:-unreadable ($(head -c 80 "$WORK/td-count.err" 2>/dev/null | tr '\n\t' '  '))}, expected $ARTICLES"
        fi
    fi
fi

done

# --- 4. report -----------------------------------------------------------------------
rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null || true) ]]; then
    rev+="+dirty"
fi
echo
echo "## bench-fetch: $FEEDS feeds x $ITEMS items ($ARTICLES articles, $DATA_MB MB) on $HOSTS loopback hosts, $ROUNDS round(s)"
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; tidings $rev (${TIDINGS_BIN:-not built}, settings: ${TIDINGS_SETTINGS:-defaults}); $NB_VERSION, reload-threads $NEWSBOAT_THREADS"
echo
rrc=0
python3 "$HELPER" report "$RESULTS" --feeds "$FEEDS" --items "$ITEMS" --hosts "$HOSTS" || rrc=$?
if ((TD_BROKEN)); then
    echo "tidings: FAILED (see the status column)"
    exit 1
fi
if ((rrc == 2 && STRICT == 1)); then exit 2; fi
if ((rrc != 0 && rrc != 2)); then exit 1; fi
exit 0
