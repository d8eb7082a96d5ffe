"""Writes a schemathesis config that fills path ids with real ones (for .ci/fuzz).

Random ids only reach the 404 of each operation; with the ids of things the logged-in
person may see (their calls, applications, decisions, payments, rounds, reports), the
generated bodies and queries reach the rules and the database.

    python3 fuzz_ids.py BASE_URL SESSION_COOKIE OUT.toml
"""

import json
import sys
import urllib.request

base, cookie, out = sys.argv[1], sys.argv[2], sys.argv[3]


def get(path):
    request = urllib.request.Request(
        base + path, headers={"Cookie": f"statsbidrag_session={cookie}"}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return json.load(response)
    except Exception:
        return None


def first_id(items):
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0].get("id")
    return None


ids = {}
me = get("/api/v1/me") or {}
ids["calls"] = first_id(get("/api/v1/calls"))
ids["applications"] = first_id(get("/api/v1/applications"))
if ids["applications"]:
    case = get(f"/api/v1/applications/{ids['applications']}") or {}
    ids["decisions"] = first_id(case.get("decisions"))
    ids["organisations"] = (case.get("summary") or {}).get("organisation_id")
if me.get("organisation_id"):
    ids["organisations"] = me["organisation_id"]
if ids.get("organisations"):
    ids["payments"] = first_id(get(f"/api/v1/organisations/{ids['organisations']}/payments"))
if not ids.get("payments") and ids["calls"]:
    ids["payments"] = first_id(get(f"/api/v1/calls/{ids['calls']}/payments"))
ids["rounds"] = first_id(get("/api/v1/rounds")) or (
    first_id(get(f"/api/v1/calls/{ids['calls']}/rounds")) if ids["calls"] else None
)
ids["reports"] = first_id(get("/api/v1/reports"))

with open(out, "w") as f:
    for collection, value in sorted(ids.items()):
        if not value:
            continue
        f.write("[[operations]]\n")
        f.write(f'include-path-regex = "^/api/v1/{collection}/\\\\{{id\\\\}}"\n')
        f.write(f'parameters = {{ "path.id" = "{value}" }}\n\n')
print("real ids:", ", ".join(f"{k}={v}" for k, v in sorted(ids.items()) if v))
