#!/usr/bin/env bash
# Runs the whole test suite: on SQLite always, and on PostgreSQL when it answers on
# 127.0.0.1:5432 (TEST_DATABASE_URL). With CI=true, PostgreSQL and Chromium tests fail instead
# of skipping when their service is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -z "${TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
fi
echo "test: PostgreSQL ${TEST_DATABASE_URL:+at $TEST_DATABASE_URL}${TEST_DATABASE_URL:-not configured (PostgreSQL tests skip locally)}"
cargo test --workspace --locked "$@"
