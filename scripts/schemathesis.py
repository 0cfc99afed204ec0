"""Runs schemathesis against a running daftar demo (called by scripts/schemathesis.sh).

Signs in as a demo office manager through the login form, creates an API token with every
permission the manager holds (tokens are the API's machine credential), and runs `st run` on
/api/openapi.json with every check and the token in the Authorization header. Exits with
schemathesis' exit code.

Ids are ULIDs the demo makes at random, so a generated id finds nothing (404) and the
operations behind it would go untested: the run's configuration is scripts/schemathesis.toml
plus, as schemathesis dictionaries, the ids of the demo's records (office, persons, households,
cases, credentials, review pairs, services). Each id parameter takes one of them with
probability 0.8, a generated value otherwise, so both the real records and unknown ids are
exercised. scripts/schemathesis_hooks.py gives a well-formed `If-Match` the record's current
`ETag`, so that updates reach the server's logic.

Usage: python scripts/schemathesis.py BASE_URL ST_BINARY WORK_DIR [extra st arguments]
"""

import json
import os
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
        json={
            "name": "schemathesis",
            "scopes": me["permissions"],
            "expires_in_days": 1,
            "purpose": "API contract test against the demo (scripts/schemathesis.sh)",
        },
        headers={"x-csrf-token": csrf},
        timeout=30,
    )
    if r.status_code != 201:
        sys.exit(f"schemathesis: token creation failed ({r.status_code}): {r.text}")
    return r.json()["secret"]


def ids(base: str, secret: str) -> dict[str, list[str]]:
    """The ids of the demo's records, by path parameter name."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {secret}"

    def get(path: str):
        r = s.get(f"{base}/api/v1/{path}", timeout=30)
        r.raise_for_status()
        return r.json()

    office = get("me")["user"]["office_id"]
    o = f"offices/{office}"
    found: dict[str, list[str]] = {"office_id": [office]}
    persons = [p["id"] for p in get(f"{o}/persons?per_page=20")["items"]]
    found["person_id"] = persons
    found["household_id"] = [h["id"] for h in get(f"{o}/households?per_page=10")["items"]]
    found["case_id"] = [c["case"]["id"] for c in get(f"{o}/cases?per_page=20")["items"]]
    creds = []
    for p in persons:
        creds += [c["id"] for c in get(f"{o}/persons/{p}/credentials")]
    found["credential_id"] = creds[:20]
    found["suspect_id"] = [x["id"] for x in get("review?per_page=10")["items"]]
    found["code"] = [x["code"] for x in get("services")]
    return {k: v for k, v in found.items() if v}


def config(base: str, secret: str, path: str) -> None:
    """Writes scripts/schemathesis.toml plus the demo's ids as dictionaries to `path`."""
    with open("scripts/schemathesis.toml", encoding="utf-8") as f:
        text = f.read()
    found = ids(base, secret)
    extra = ["", "# The demo's ids (scripts/schemathesis.py)."]
    for name, values in found.items():
        quoted = ", ".join(json.dumps(v) for v in values)
        extra += [f"[dictionaries.{name}]", f"values = [{quoted}]"]
    # Top-level tables must come before `[[operations]]`: put the dictionaries and parameters
    # first.
    extra += ["[parameters]"]
    for name in found:
        extra.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}')
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(extra[1:]) + "\n\n" + text)
    print("schemathesis: demo ids:", {k: len(v) for k, v in found.items()}, flush=True)


def main() -> int:
    base, st, work, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    secret = token(base)
    conf = f"{work}/schemathesis.toml"
    config(base, secret, conf)
    cmd = [
        st,
        "--config-file",
        conf,
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
    env = dict(
        os.environ,
        SCHEMATHESIS_HOOKS=os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis_hooks.py"),
        DAFTAR_ST_BASE=base,
        DAFTAR_ST_TOKEN=secret,
    )
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main())
