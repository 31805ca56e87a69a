#!/usr/bin/env bash
# Makes FreshRSS 1.24.3, a real Google Reader API and Fever server, ready for
# tests/sync_freshrss.rs: PHP with SQLite from Debian (installed with apt-get
# when missing; needs root) and the release archive from ../shared/servers/.
#
#   scripts/freshrss-setup.sh               # check or install PHP, check the archive
#   scripts/freshrss-setup.sh --unpack DIR  # also unpack the release tree into DIR
#   TIDINGS_SHARED=DIR scripts/freshrss-setup.sh   # shared material elsewhere than ../shared
set -euo pipefail
cd "$(dirname "$0")/.."
archive="${TIDINGS_SHARED:-../shared}/servers/freshrss-1.24.3.tar.gz"
packages=(php-cli php-sqlite3 php-curl php-xml php-mbstring php-intl php-zip php-gmp)

php_ready() {
    command -v php >/dev/null 2>&1 &&
        php -r 'exit(extension_loaded("pdo_sqlite") && extension_loaded("curl") && extension_loaded("mbstring") && extension_loaded("intl") && extension_loaded("dom") ? 0 : 1);'
}

if ! php_ready; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "freshrss: PHP with SQLite is missing; install as root: apt-get install ${packages[*]}" >&2
        exit 1
    fi
    echo "freshrss: installing PHP from Debian..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    php_ready || { echo "freshrss: PHP still lacks an extension after apt-get" >&2; exit 1; }
fi

if [ ! -f "$archive" ]; then
    echo "freshrss: the archive $archive is missing" >&2
    exit 1
fi
echo "freshrss: ready ($(php -r 'echo PHP_VERSION;'), $archive)"

if [ "${1:-}" = "--unpack" ]; then
    dir="${2:?--unpack needs a directory}"
    mkdir -p "$dir"
    tar -xzf "$archive" -C "$dir" --strip-components=1
    echo "freshrss: unpacked into $dir"
fi
