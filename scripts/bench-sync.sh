#!/usr/bin/env bash
# Times `tidings sync` against coldsweat (a real Fever server) on loopback:
# a first sync of FEEDS x ITEMS generated articles, then idle syncs, with the
# request count of each. Needs scripts/test-server-setup.sh to have run.
#
#   scripts/bench-sync.sh [FEEDS] [ITEMS]     (default 100 x 100 = 10,000)
#   TIDINGS=target/release/tidings scripts/bench-sync.sh
set -euo pipefail
cd "$(dirname "$0")/.."
feeds="${1:-100}"
items="${2:-100}"
venv="${TIDINGS_COLDSWEAT_VENV:-target/coldsweat-venv}"
tidings="${TIDINGS:-target/debug/tidings}"
bench="$(cd .. && pwd)/shared/bench"
work="$(mktemp -d)"
feed_port=$((20000 + RANDOM % 20000))
fever_port=$((feed_port + 1))
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for v in $(env | grep '^FLASK_' | cut -d= -f1); do unset "$v"; done
export FLASK_DATABASE_URL="sqlite:///$work/coldsweat.db" FLASK_SECRET_KEY=bench
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost
export XDG_STATE_HOME="$work/state"
email=bench@example.org
password="bench-password-123"

python3 "$bench/gen_feeds.py" --out "$work/data" -n "$feeds" -m "$items" --port "$feed_port" >/dev/null
python3 "$bench/serve.py" --root "$work/data" --port "$feed_port" --max-seconds 3600 >/dev/null 2>&1 &
pids+=($!)
sleep 1
"$venv/bin/coldsweat" setup "$email" -p "$password" >/dev/null 2>&1
echo "coldsweat: importing $feeds feeds x $items items (slow: it fetches each feed)..."
"$venv/bin/coldsweat" import "$work/data/feeds.opml" "$email" --fetch >/dev/null 2>&1
"$venv/bin/coldsweat" run -h 127.0.0.1 -p "$fever_port" >"$work/coldsweat.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$fever_port/fever/?api" && break
    sleep 0.1
done

cat >"$work/config.toml" <<TOML
[sync]
kind = "fever"
url = "http://127.0.0.1:$fever_port/fever/"
username = "$email"
TOML
export TIDINGS_SYNC_PASSWORD="$password"
run() {
    "$tidings" --config "$work/config.toml" --cache "$work/cache.db" sync --json |
        python3 -c 'import json,sys; r=json.load(sys.stdin); print("%6d new  %4d requests  %.2f s" % (r["new"], r["requests"], r["seconds"]))'
}
echo "first sync:"; run
for i in 1 2 3; do echo "idle sync $i:"; run; done
