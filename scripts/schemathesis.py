"""Runs schemathesis against a running daftar demo (called by scripts/schemathesis.sh).

Signs in as a demo office manager through the login form, creates an API token with every
permission the manager holds (tokens are the API's machine credential), and runs `st run` on
/api/openapi.json with every check and the token in the Authorization header. Exits with
schemathesis' exit code.

Usage: python scripts/schemathesis.py BASE_URL ST_BINARY [extra st arguments]
"""

import re
import subprocess
import sys

import requests

USER = "manager.thr"
PASSWORD = "demo-password-1"  # the public demo password (crates/daftar/src/cmd/demo.rs)


def csrf_in(html: str) -> str:
    m = re.search(r'name="_csrf" value="([^"]+)"', html)
    if not m:
        sys.exit("schemathesis: no CSRF field on the login page")
    return m.group(1)


def token(base: str) -> str:
    s = requests.Session()
    r = s.get(f"{base}/login", timeout=30)
    r = s.post(
        f"{base}/login",
        data={"_csrf": csrf_in(r.text), "username": USER, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    if r.status_code != 303:
        sys.exit(f"schemathesis: demo login failed ({r.status_code})")
    page = s.get(f"{base}/", timeout=30).text
    csrf = csrf_in(page)
    me = s.get(f"{base}/api/v1/me", timeout=30).json()
    r = s.post(
        f"{base}/api/v1/tokens",
        json={"name": "schemathesis", "scopes": me["permissions"], "expires_in_days": 1},
        headers={"x-csrf-token": csrf},
        timeout=30,
    )
    if r.status_code != 201:
        sys.exit(f"schemathesis: token creation failed ({r.status_code}): {r.text}")
    return r.json()["secret"]


def main() -> int:
    base, st, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    secret = token(base)
    cmd = [
        st,
        "run",
        f"{base}/api/openapi.json",
        "--url",
        base,
        "--checks",
        "all",
        "-H",
        f"Authorization: Bearer {secret}",
        *extra,
    ]
    shown = [("Authorization: Bearer ***" if a.startswith("Authorization") else a) for a in cmd]
    print("schemathesis:", " ".join(shown), flush=True)
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
