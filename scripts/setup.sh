#!/usr/bin/env bash
# Installs what daftar's tests and UI need, idempotently, on a Debian machine with Rust:
#   - Debian packages: chromium and chromium-driver (browser tests), postgresql-client (pg_dump)
#   - the Vazirmatn font from the npm registry, copied to crates/daftar-web/static/fonts/
#     (never committed; the UI falls back to system fonts without it)
#   - axe-core from the npm registry into ./node_modules/ (ignored by git), which the browser
#     tests inject into pages to check accessibility
#   - starts the local PostgreSQL cluster if one exists and is not answering
# Usage: scripts/setup.sh [--fonts-only]
set -euo pipefail
cd "$(dirname "$0")/.."

fonts() {
  local dest=crates/daftar-web/static/fonts/Vazirmatn.woff2
  if [ -f "$dest" ]; then return 0; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm not found; the UI will use system fonts" >&2
    return 0
  fi
  local prefix=/var/tmp/daftar-npm
  if npm install --silent --no-audit --no-fund --prefix "$prefix" vazirmatn@33.0.3 >/dev/null 2>&1; then
    local src
    # The variable-weight webfont (fonts/webfonts/Vazirmatn[wght].woff2 in 33.0.3).
    src=$(find "$prefix/node_modules/vazirmatn" -path '*/fonts/webfonts/Vazirmatn\[wght\].woff2' | head -n 1)
    if [ -n "$src" ]; then
      mkdir -p "$(dirname "$dest")"
      cp "$src" "$dest"
      echo "setup: Vazirmatn font installed"
    else
      echo "setup: Vazirmatn[wght].woff2 not found in the npm package; the UI will use system fonts" >&2
    fi
  else
    echo "setup: could not fetch the Vazirmatn font from npm; the UI will use system fonts" >&2
  fi
}

axe() {
  local dest=node_modules/axe-core/axe.min.js
  if [ -f "$dest" ]; then return 0; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm not found; the accessibility checks cannot run" >&2
    return 0
  fi
  if npm install --silent --no-audit --no-fund --no-save --no-package-lock --prefix . axe-core@4.14.1 >/dev/null 2>&1; then
    echo "setup: axe-core installed"
  else
    echo "setup: could not fetch axe-core from npm; the accessibility checks cannot run" >&2
  fi
}

packages() {
  local missing=()
  for p in chromium chromium-driver postgresql-client; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "setup: missing Debian packages ${missing[*]} (run as root to install them)" >&2
      return 0
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

postgres() {
  command -v pg_isready >/dev/null 2>&1 || return 0
  if pg_isready -q -h 127.0.0.1 -p 5432; then return 0; fi
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "setup: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && return 0
      sleep 1
    done
    echo "setup: PostgreSQL did not start" >&2
  fi
}

fonts
axe
if [ "${1:-}" = "--fonts-only" ]; then exit 0; fi
packages
postgres
