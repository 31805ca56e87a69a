#!/usr/bin/env bash
# Installs coldsweat, a real Fever API server, in a venv for
# tests/sync_fever.rs. Skipped when the venv is present and working.
# Needs python3 and access to PyPI (about 20 s the first time).
#
#   scripts/test-server-setup.sh            # venv in target/coldsweat-venv
#   TIDINGS_COLDSWEAT_VENV=DIR scripts/test-server-setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${TIDINGS_COLDSWEAT_VENV:-target/coldsweat-venv}"
version="0.10.2"

if "$venv/bin/coldsweat" --help >/dev/null 2>&1; then
    echo "coldsweat: ready in $venv"
    exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "coldsweat==$version"
"$venv/bin/coldsweat" --help >/dev/null
echo "coldsweat: installed $version in $venv"
