#!/usr/bin/env bash
# Runs the whole test suite: on SQLite always, and on PostgreSQL when it answers on
# 127.0.0.1:5432 (TEST_DATABASE_URL; an already set TEST_DATABASE_URL is kept). With CI=true,
# PostgreSQL and Chromium tests fail instead of skipping when their service is missing.
# Builds with every cargo feature (`bench-http` adds `daftar bench http`, which the tests run).
# Uses cargo-nextest when it is installed (then doc tests run separately with cargo test --doc),
# plain cargo test otherwise. Extra arguments go to the test runner (e.g. -p daftar-web
# -E 'test(browser::)').
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -z "${TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 \
  && pg_isready -q -h 127.0.0.1 -p 5432; then
  export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
fi
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "test: PostgreSQL tests use TEST_DATABASE_URL=$TEST_DATABASE_URL"
elif [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then
  echo "test: PostgreSQL is not answering on 127.0.0.1:5432; with CI=true its tests will fail" >&2
else
  echo "test: PostgreSQL is not answering on 127.0.0.1:5432; its tests skip locally" >&2
fi
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$chromium" ] && [ -x "${CHROMEDRIVER_PATH:-/usr/bin/chromedriver}" ]; then
  echo "test: browser tests use $("$chromium" --version 2>/dev/null || echo "$chromium")"
fi
# Tests that skip (no PostgreSQL, no Chromium, …) append a line here (daftar_testkit::skip);
# the summary after the run says how many skipped and why. (Not DAFTAR_…: the binary refuses
# DAFTAR_ variables it does not know, and the CLI tests run it.)
TESTKIT_SKIP_LOG=$(mktemp /tmp/daftar-skips.XXXXXX)
export TESTKIT_SKIP_LOG
skip_summary() {
  if [ -s "$TESTKIT_SKIP_LOG" ]; then
    echo "test: $(wc -l <"$TESTKIT_SKIP_LOG") test(s) skipped:" >&2
    cut -f2 "$TESTKIT_SKIP_LOG" | sort | uniq -c | sed 's/^/test:   /' >&2
  else
    echo "test: no test skipped"
  fi
  rm -f "$TESTKIT_SKIP_LOG"
}
trap skip_summary EXIT
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --all-features --locked --no-fail-fast "$@"
  # Doc tests only on a full run: selection arguments such as --test NAME do not mix with --doc.
  if [ $# -eq 0 ]; then cargo test --doc --workspace --all-features --locked; fi
else
  cargo test --workspace --all-features --locked --no-fail-fast "$@"
fi
# schemathesis against a demo server (scripts/schemathesis.sh, about a minute): on a full run
# (no extra arguments) with CI=true, or locally with DAFTAR_SCHEMATHESIS=1. It must report 0
# failures.
if [ $# -eq 0 ] && { [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ] \
  || [ "${DAFTAR_SCHEMATHESIS:-}" = "1" ]; }; then
  scripts/schemathesis.sh
fi
