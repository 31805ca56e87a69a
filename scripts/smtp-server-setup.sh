#!/usr/bin/env bash
# Installs aiosmtpd (a real SMTP server) and trustme (test certificates) in
# a venv for tests/mail.rs. Skipped when the venv is present and working.
# Needs python3 and access to PyPI (a few seconds the first time).
#
#   scripts/smtp-server-setup.sh            # venv in target/smtp-venv
#   TIDINGS_SMTP_VENV=DIR scripts/smtp-server-setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${TIDINGS_SMTP_VENV:-target/smtp-venv}"
check='import aiosmtpd, trustme'

if "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
    echo "aiosmtpd: ready in $venv"
    exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==1.4.6" "trustme==1.2.1"
"$venv/bin/python" -c "$check"
echo "aiosmtpd: installed 1.4.6 in $venv"
