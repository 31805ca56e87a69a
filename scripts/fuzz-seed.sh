#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/TARGET) from the test fixtures, so the
# repository holds no corpus of its own. Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/fuzz/corpus"
shared="${TIDINGS_SHARED:-$root/../shared}/fixtures/feeds"
mkdir -p "$corpus"/{query,config,feed,scrape,render}

# Each file under its content hash, as libFuzzer names corpus entries.
put() { # target, file
    local sum
    sum=$(sha1sum "$2" | cut -d' ' -f1)
    cp "$2" "$corpus/$1/$sum"
}
put_text() { # target, text
    local tmp
    tmp=$(mktemp)
    printf '%s' "$2" >"$tmp"
    put "$1" "$tmp"
    rm -f "$tmp"
}

# Feeds: the shared fixtures and the feeds inside the import fixtures.
for f in "$shared"/*.xml "$shared"/*.json "$shared"/*.rss "$shared"/*.atom; do
    [ -f "$f" ] && put feed "$f"
done

# Scraping: the HTML fixtures, each after the default rules (empty TOML, NUL).
for f in "$root"/tests/fixtures/html/*.html; do
    tmp=$(mktemp)
    { printf 'item = "article"\ntitle = "h2"\nlink = "a@href"\ncontent = "auto"\n'; printf '\0'; cat "$f"; } >"$tmp"
    put scrape "$tmp"
    { printf '\0'; cat "$f"; } >"$tmp"
    put scrape "$tmp"
    rm -f "$tmp"
done

# Rendering: a width byte, then title NUL author NUL HTML.
for f in "$root"/tests/fixtures/html/*.html "$shared"/*.xml; do
    [ -f "$f" ] || continue
    tmp=$(mktemp)
    { printf 'P'; printf 'A title\0An author\0'; head -c 100000 "$f"; } >"$tmp"
    put render "$tmp"
    rm -f "$tmp"
done

# Config: the shipped config and the config fixtures.
for f in "$root"/config/*.toml "$root"/tests/fixtures/config/*.toml; do
    [ -f "$f" ] && put config "$f"
done
# The README's examples (every ```toml block), one seed each.
tmpd=$(mktemp -d)
awk -v dir="$tmpd" '/^```toml/{f=1; n++; next} /^```/{f=0} f{print > (dir "/readme-" n)}' "$root/README.md"
for f in "$tmpd"/*; do [ -f "$f" ] && put config "$f"; done
rm -rf "$tmpd"
put_text config $'[[feed]]\nname = "A"\nurl = "https://a.test/feed"\ntags = ["x", "y"]\n\n[[view]]\nname = "V"\nquery = "tag:x is:unread"\n'

# Queries: the examples in the filter language reference and the README.
grep -ho '`[^`]*`' "$root"/src/query/LANGUAGE.md "$root"/README.md 2>/dev/null |
    tr -d '`' | sort -u | head -400 | while IFS= read -r q; do
        put_text query "$q"
    done

for t in query config feed scrape render; do
    echo "$t: $(find "$corpus/$t" -type f | wc -l) inputs"
done
