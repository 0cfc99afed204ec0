#!/usr/bin/env bash
# Runs schemathesis (pinned below, installed into a venv under /var/tmp) with every check
# against a real daftar server on a fresh demo database, as an API token of a demo office
# manager. Fails on any failure. Locally it skips with a message when Python 3 with venv/pip is
# missing; with CI=true that is a failure. Extra arguments go to `st run`.
# Configuration: scripts/schemathesis.toml (the few answers a schema cannot describe, each with
# its reason) plus the demo's ids (scripts/schemathesis.py). One worker: the stateful phase and
# the server's audit chain serialise writes anyway, and the run stays reproducible.
# Budget: a bounded number of examples per operation (SCHEMATHESIS_EXAMPLES, default 15) and a
# fixed seed keep the run to about a minute on two cores (schemathesis itself ~30 s, plus the
# build and the demo).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
VENV=/var/tmp/daftar-schemathesis
ci=false
if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then ci=true; fi

skip() {
  if $ci; then
    echo "schemathesis: $1 (required with CI=true)" >&2
    exit 1
  fi
  echo "schemathesis: $1; skipped locally" >&2
  exit 0
}

if ! command -v python3 >/dev/null 2>&1; then skip "python3 not found"; fi
if [ "$("$VENV/bin/st" --version 2>/dev/null || true)" != "st, version $VERSION" ]; then
  echo "schemathesis: installing schemathesis $VERSION into $VENV"
  python3 -m venv "$VENV" || skip "python3 -m venv failed (install python3-venv)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" \
    || skip "pip could not install schemathesis $VERSION"
fi

cargo build --locked -p daftar
bin="${CARGO_TARGET_DIR:-target}/debug/daftar"

work=$(mktemp -d /var/tmp/daftar-schemathesis-run.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# Its own config and key secret, whatever the caller's environment says.
unset DATABASE_URL DAFTAR_DATABASE_URL DAFTAR_CONFIG DAFTAR_KEY_SECRET 2>/dev/null || true
"$bin" demo --data-dir "$work/data" --listen "127.0.0.1:$port" --persons 60 \
  >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/server.log" >&2
    echo "schemathesis: the demo server did not start" >&2
    exit 1
  fi
  sleep 1
done

status=0
"$VENV/bin/python" scripts/schemathesis.py "$base" "$VENV/bin/st" "$work" \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-15}" --seed 1403 --workers 1 \
  --report junit --report-dir "$work/report" \
  `# Revoking a token would revoke the run's own credential (found by the stateful phase).` \
  --exclude-operation-id delete_tokens_by_token_id \
  "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "schemathesis: failures above; the server's log follows" >&2
  grep -E 'ERROR|panicked' "$work/server.log" | tail -n 50 >&2 || true
fi
exit "$status"
