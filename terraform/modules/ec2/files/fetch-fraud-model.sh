#!/bin/bash
# fetch-fraud-model BUCKET KEY DEST: bring the fraud model the nightly workflow publishes to
# s3://BUCKET/KEY into DEST, the file the backend container reads as FRAUD_MODEL_PATH (DEST's
# directory is mounted read-only into it). The object is written to a temporary file in DEST's
# own directory, checked with the backend's own loader (python -m fraud.validate_model: JSON,
# format fraud-scan-model, formatVersion 2, profile transactions, weights that fit), and renamed
# over DEST, so the backend (which reloads when the file changes) never reads half a file or a
# model it cannot use. On any failure (object missing, access denied, S3 unreachable, a file the
# loader refuses, the container not running) DEST is left as it was, one line says why on stderr
# (the journal), and the exit status is non-zero. An object equal to DEST changes nothing.
#
# Installed by the app servers' user data (terraform/deploy.sh) as /usr/local/sbin/
# fetch-fraud-model and run by ecommerce-fraud-model.timer. Reads with boto3 (python3-boto3) and
# the instance role. Environment:
#   FRAUD_MODEL_VALIDATE      the checker, given the candidate's path as its last argument
#                             (default: docker exec ecommerce-backend python -m fraud.validate_model)
#   FRAUD_MODEL_VALIDATE_DIR  DEST's directory as the checker sees it (default: DEST's directory;
#                             the servers: /fraud-model, the mount inside the container)
#   PYTHON, AWS_ENDPOINT_URL and any other boto3 setting, as the tests use them.
set -euo pipefail

if [ "$#" -ne 3 ]; then
  echo "usage: fetch-fraud-model BUCKET KEY DEST" >&2
  exit 2
fi
bucket="$1"
key="$2"
dest="$3"
dir="$(dirname "$dest")"
python="${PYTHON:-python3}"
read -r -a validate <<<"${FRAUD_MODEL_VALIDATE:-docker exec ecommerce-backend python -m fraud.validate_model}"
validate_dir="${FRAUD_MODEL_VALIDATE_DIR:-$dir}"

# Same directory, so the rename is atomic and the checker in the container sees the file
# through the same mount; a dot name the backend never opens.
tmp="$(mktemp "$dir/.$(basename "$dest").XXXXXX")"
trap 'rm -f "$tmp"' EXIT

if ! error="$("$python" - "$bucket" "$key" "$tmp" 2>&1 <<'PY'
"""Write s3://BUCKET/KEY to PATH; on failure print one line saying why and exit 1."""
import os
import sys

import boto3
import botocore.exceptions

bucket, key, path = sys.argv[1:4]
try:
    s3 = boto3.client("s3", region_name=os.environ.get("AWS_REGION") or None)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
except botocore.exceptions.ClientError as error:
    info = error.response.get("Error", {})
    print(f"{info.get('Code', 'error')}: {info.get('Message', error)}".strip())
    sys.exit(1)
except (botocore.exceptions.BotoCoreError, OSError) as error:
    print(f"{type(error).__name__}: {error}")
    sys.exit(1)
with open(path, "wb") as handle:
    handle.write(body)
    handle.flush()
    os.fsync(handle.fileno())
PY
)"; then
  echo "fetch-fraud-model: could not fetch s3://$bucket/$key (${error//$'\n'/ }); $dest left as it was" >&2
  exit 1
fi

if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
  echo "fetch-fraud-model: s3://$bucket/$key is the model in $dest already"
  exit 0
fi

# Readable by the container's unprivileged user (mktemp makes it 0600) before it is checked.
chmod 0644 "$tmp"
if ! verdict="$("${validate[@]}" "$validate_dir/$(basename "$tmp")" 2>&1)"; then
  echo "fetch-fraud-model: s3://$bucket/$key refused (${verdict//$'\n'/ }); $dest left as it was" >&2
  exit 1
fi

mv -f "$tmp" "$dest"
trap - EXIT
echo "fetch-fraud-model: s3://$bucket/$key -> $dest ($(wc -c <"$dest") bytes; ${verdict//$'\n'/ })"
