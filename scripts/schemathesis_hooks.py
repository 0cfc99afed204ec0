"""schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

One hook, so that updates reach the server's logic instead of stopping at `412 stale`: when a
request carries a *well-formed* `If-Match` (the documented pattern), it is replaced by the
record's current `ETag`, read just before with a GET of the record as the same API token.
A malformed or missing `If-Match` is left alone, so the server's 400 and 428 answers are still
checked; nothing is dropped or filtered, and every answer is still judged by every check.
"""

import os
import re
from urllib.parse import quote

import requests
import schemathesis

# daftar_domain::contract::IF_MATCH_VERSION and IF_MATCH_TAG.
WELL_FORMED = re.compile(r'^(W/)?"?([1-9][0-9]{0,17}|[0-9a-fA-F]{16})"?$')

# Operation path -> the path of the record whose ETag it needs.
RECORD = [
    (re.compile(r"^(/api/v1/offices/\{office_id\}/persons/\{person_id\})/(status|documents)$"), 1),
    (re.compile(r"^(/api/v1/offices/\{office_id\}/households/\{household_id\})/.+$"), 1),
    (re.compile(r"^(/api/v1/offices/\{office_id\}/cases/\{case_id\})/actions$"), 1),
    (re.compile(r"^(/api/v1/offices/\{office_id\})/status$"), 1),
    (re.compile(r"^(/api/v1/services/\{code\})$"), 1),
    (re.compile(r"^(/api/v1/offices/\{office_id\}/licence)/\{step\}$"), 1),
    (re.compile(r"^(/api/v1/offices/\{office_id\}/plans/\{plan_id\})(/\{step\})?$"), 1),
]

SESSION = requests.Session()


def record_path(case) -> str | None:
    for pattern, group in RECORD:
        m = pattern.match(case.path)
        if m:
            template = m.group(group)
            try:
                return template.format(
                    **{k: quote(str(v), safe="") for k, v in (case.path_parameters or {}).items()}
                )
            except (KeyError, IndexError):
                return None
    return None


@schemathesis.hook
def before_call(context, case, kwargs):
    sent = case.headers.get("If-Match") if case.headers else None
    if not isinstance(sent, str) or not WELL_FORMED.match(sent):
        return
    path = record_path(case)
    if path is None:
        return
    r = SESSION.get(
        os.environ["DAFTAR_ST_BASE"] + path,
        headers={"Authorization": f"Bearer {os.environ['DAFTAR_ST_TOKEN']}"},
        timeout=30,
    )
    etag = r.headers.get("ETag")
    if r.status_code == 200 and etag:
        case.headers["If-Match"] = etag
