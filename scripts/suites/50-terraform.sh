#!/usr/bin/env bash
# Terraform without a provider: checkov over terraform/, `terraform fmt` when the binary is on
# PATH, and the Jest tests in terraform/__tests__ (HCL parsed with @cdktf/hcl2json, arguments
# checked against the AWS provider's schema, templates rendered and shellchecked).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

ensure_npm
ensure_tools_venv
ensure_apt shellcheck python3

# checkov: every failed check fails the suite; skips carry their reason inline in the .tf.
# shellcheck disable=SC2317 # invoked through check
checkov_terraform() {
  local report status=0
  report="$(mktemp)"
  # --skip-download: no Bridgecrew/Prisma platform calls; the built-in checks are local.
  "$REPO_ROOT/.venv-tools/bin/checkov" -d terraform --framework terraform --quiet --compact \
    --skip-download -o json >"$report" || true
  "$PYTHON" - "$report" <<'PY' || status=$?
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
summary = {"passed": 0, "failed": 0, "skipped": 0}
for report in reports:
    for key in summary:
        summary[key] += report.get("summary", {}).get(key, 0)
    for failed in report.get("results", {}).get("failed_checks", []):
        print(f"FAILED {failed['check_id']} {failed['resource']} ({failed['file_path']}): {failed['check_name']}")
    for skipped in report.get("results", {}).get("skipped_checks", []):
        reason = (skipped.get("check_result") or {}).get("suppress_comment", "")
        if not reason.strip():
            print(f"SKIPPED WITHOUT A REASON {skipped['check_id']} {skipped['resource']}")
            summary["failed"] += 1
print(f"checkov terraform/: {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped")
sys.exit(1 if summary["failed"] or not summary["passed"] else 0)
PY
  rm -f "$report"
  return "$status"
}

status=0
check "checkov over terraform/ reports no failed check and every skip has a reason" checkov_terraform || status=1

if command -v terraform >/dev/null 2>&1; then
  check "terraform fmt -check -recursive terraform/" terraform fmt -check -recursive -diff terraform || status=1
else
  log "terraform is not on PATH: skipping terraform fmt -check (CI runs it with hashicorp/setup-terraform)"
fi

# shellcheck disable=SC2034 # read by suite_claims
claims=(terraform/__tests__)
run_claimed_jest || status=1
exit "$status"
