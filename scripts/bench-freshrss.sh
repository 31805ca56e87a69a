#!/usr/bin/env bash
# Times `tidings sync` against FreshRSS 1.24.3 on loopback: a first sync of
# FEEDS x ITEMS generated articles (default 200 x 50 = 10,000; FreshRSS keeps
# every item of a feed of at most 50 whatever its age), then idle syncs, with
# the requests tidings counted and those the server logged.
# Needs scripts/freshrss-setup.sh to have run.
#
#   scripts/bench-freshrss.sh [greader|fever|both] [FEEDS] [ITEMS]
#   TIDINGS=target/release/tidings scripts/bench-freshrss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
kinds="${1:-both}"
[ "$kinds" = both ] && kinds="greader fever"
feeds="${2:-200}"
items="${3:-50}"
tidings="${TIDINGS:-target/debug/tidings}"
shared="${TIDINGS_SHARED:-../shared}"
bench="$shared/bench"
work="$(mktemp -d)"
feed_port=$((20000 + RANDOM % 20000))
port=$((feed_port + 1))
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

scripts/freshrss-setup.sh --unpack "$work/tree" >/dev/null
export DATA_PATH="$work/data"
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy=127.0.0.1,localhost
export XDG_STATE_HOME="$work/state"
mkdir -p "$DATA_PATH"
cat >"$DATA_PATH/config.custom.php" <<'PHP'
<?php return ['curl_options' => [CURLOPT_PROXY => 'http://127.0.0.1:9', CURLOPT_NOPROXY => '127.0.0.1,localhost'], 'limits' => ['cache_duration' => 0]];
PHP
echo "<?php return ['ttl_default' => 0];" >"$DATA_PATH/config-user.custom.php"
echo '<opml version="2.0"><head><title>none</title></head><body/></opml>' >"$DATA_PATH/opml.xml"
user=bench
password="bench-api-password-123"
(
    cd "$work/tree"
    php cli/prepare.php >/dev/null
    php cli/do-install.php --default-user "$user" --db-type sqlite --disable-update --environment production >/dev/null
    php cli/reconfigure.php --api-enabled --base-url "http://127.0.0.1:$port/" --disable-update >/dev/null
    php cli/create-user.php --user "$user" --password "bench-web-password" --api-password "$password" >/dev/null
)

python3 "$bench/gen_feeds.py" --out "$work/feeds" -n "$feeds" -m "$items" --port "$feed_port" >/dev/null
timeout 1800 python3 "$bench/serve.py" --root "$work/feeds" --port "$feed_port" --max-seconds 1800 >/dev/null 2>&1 &
pids+=($!)
sleep 1
echo "FreshRSS: subscribing to $feeds feeds and fetching them (slow: PHP parses each feed)..."
started=$(date +%s)
(
    cd "$work/tree"
    php cli/import-for-user.php --user "$user" --filename "$work/feeds/feeds.opml" >/dev/null
    nice php cli/actualize-user.php --user "$user" >/dev/null 2>&1 || true
)
echo "FreshRSS: fetched in $(($(date +%s) - started)) s"
timeout 1800 php -S "127.0.0.1:$port" -t "$work/tree/p" 2>"$work/server.log" &
pids+=($!)
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/api/greader.php" && break
    sleep 0.1
done

export TIDINGS_SYNC_PASSWORD="$password"
served() { grep -c ']: [A-Z]* /api/' "$work/server.log" || true; }
run() {
    local before
    before=$(served)
    "$tidings" --config "$work/config.toml" --cache "$work/cache-$kind.db" sync --json >"$work/out.json"
    python3 - "$work/out.json" "$(( $(served) - before ))" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("%6d new  %4d requests (server logged %s)  %.2f s" % (r["new"], r["requests"], sys.argv[2], r["seconds"]))
PY
}
for kind in $kinds; do
    case "$kind" in
        greader) url="http://127.0.0.1:$port/api/greader.php" ;;
        fever) url="http://127.0.0.1:$port/api/fever.php" ;;
        *) echo "kind must be greader, fever or both" >&2; exit 2 ;;
    esac
    cat >"$work/config.toml" <<TOML
[sync]
kind = "$kind"
url = "$url"
username = "$user"
TOML
    echo "$kind, first sync:"; run
    for i in 1 2 3; do echo "$kind, idle sync $i:"; run; done
done
