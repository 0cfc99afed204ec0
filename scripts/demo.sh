#!/usr/bin/env bash
# Serves daftar on its embedded default (SQLite) with seeded demo data and prints the URL and
# demo logins. Extra arguments go to `daftar demo` (e.g. --listen 0.0.0.0:8080 --reset).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --fonts-only || true
# The font scripts/setup.sh fetched into the checkout (the binary itself has no default).
export DAFTAR_FONT_DIR="${DAFTAR_FONT_DIR:-$PWD/crates/daftar-web/static/fonts}"
exec cargo run --release --locked -p daftar -- demo "$@"
