#!/bin/bash
# fetch-textfile BUCKET KEY DEST: copy one S3 object (a node_exporter textfile, such as the
# fraud scan's fraud_scan.prom) to DEST atomically. The object is written to a temporary file
# in DEST's own directory, checked, and renamed over DEST, so node_exporter's textfile collector
# never reads half a file. On any failure (object missing, access denied, S3 unreachable, not a
# textfile) DEST is left as it was, one line says why on stderr (the journal), and the exit
# status is non-zero.
#
# Installed by the monitoring server's user data as /usr/local/sbin/fetch-textfile and run by
# fraud-scan-metrics.timer. Reads with boto3 (python3-boto3) and the instance role; PYTHON and
# AWS_ENDPOINT_URL (any boto3 setting) may be set in the environment, as the tests do.
set -euo pipefail

if [ "$#" -ne 3 ]; then
  echo "usage: fetch-textfile BUCKET KEY DEST" >&2
  exit 2
fi
bucket="$1"
key="$2"
dest="$3"
dir="$(dirname "$dest")"
python="${PYTHON:-python3}"

# Same directory, so the rename is atomic; the name does not end in .prom, so the collector
# never reads the temporary file itself.
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
  echo "fetch-textfile: could not fetch s3://$bucket/$key (${error//$'\n'/ }); $dest left as it was" >&2
  exit 1
fi

# The text exposition format node_exporter accepts: comments, blank lines and samples
# (name{labels} value [timestamp]). Anything else would make the collector drop the whole file.
sample='^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?[[:space:]]+[^[:space:]]+([[:space:]]+-?[0-9]+)?$'
if [ ! -s "$tmp" ]; then
  echo "fetch-textfile: s3://$bucket/$key is empty; $dest left as it was" >&2
  exit 1
fi
bad="$(grep -Evn -e '^[[:space:]]*(#.*)?$' -e "$sample" "$tmp" || true)"
if [ -n "$bad" ]; then
  bad="${bad%%$'\n'*}"
  echo "fetch-textfile: s3://$bucket/$key is not a node_exporter textfile (line ${bad%%:*}: ${bad#*:}); $dest left as it was" >&2
  exit 1
fi

chmod 0644 "$tmp"
mv -f "$tmp" "$dest"
trap - EXIT
echo "fetch-textfile: s3://$bucket/$key -> $dest ($(wc -c <"$dest") bytes)"
