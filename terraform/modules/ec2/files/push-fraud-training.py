#!/usr/bin/python3
"""push-fraud-training OUTBOX BUCKET PREFIX: put each OUTBOX/pending/<32 hex>.csv the backend
container handed over at s3://BUCKET/PREFIX<id>.csv with the instance role, answer in
OUTBOX/done/<id>.json, empty pending/. The container is untrusted: other names are removed
unread; links, FIFOs, devices and folders are never followed. terraform/modules/ec2/README.md.
"""

import contextlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile

UPLOAD_NAME = re.compile(r"^([0-9a-f]{32})\.csv$")
PREFIX = re.compile(r"^([A-Za-z0-9._-]+/)+$")
MAX_BYTES = int(os.environ.get("FRAUD_TRAINING_MAX_BYTES") or 20 * 1024 * 1024)


def log(message):
    print(f"push-fraud-training: {message}", flush=True)


def answer(done, upload_id, outcome):
    """done/<id>.json, whole (mkstemp, O_EXCL: a link left in done/ is replaced, not followed)."""
    descriptor, staging = tempfile.mkstemp(prefix=f".{upload_id}.", dir=done)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(outcome, handle)
        os.chmod(staging, 0o644)
        os.replace(staging, os.path.join(done, f"{upload_id}.json"))
    except BaseException:
        remove(staging)
        raise


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def read_regular(path):
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise ValueError(f"cannot be opened as a plain file ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("is not a regular file")
        if info.st_size > MAX_BYTES:
            raise ValueError(f"has {info.st_size} bytes; at most {MAX_BYTES} are sent")
        body = handle.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise ValueError(f"has more than {MAX_BYTES} bytes")
    return body


def push(s3, bucket, prefix, path, upload_id):
    import botocore.exceptions

    try:
        body = read_regular(path)
    except ValueError as error:
        return {"ok": False, "error": f"the handed-over file {error}"}
    key = f"{prefix}{upload_id}.csv"
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv", ServerSideEncryption="AES256")
    except botocore.exceptions.ClientError as error:
        info = error.response.get("Error", {})
        return {"ok": False, "error": f"S3 refused the put: {info.get('Code', 'error')}"}
    except (botocore.exceptions.BotoCoreError, OSError) as error:
        return {"ok": False, "error": f"S3 could not be reached ({type(error).__name__})"}
    return {"ok": True, "key": key, "bytes": len(body)}


def main(argv):
    if len(argv) != 4:
        print("usage: push-fraud-training OUTBOX BUCKET PREFIX", file=sys.stderr)
        return 2
    outbox, bucket, prefix = argv[1:4]
    if not PREFIX.match(prefix):
        print(f"push-fraud-training: PREFIX must be folders ending in /, got {prefix!r}", file=sys.stderr)
        return 2
    pending, done = os.path.join(outbox, "pending"), os.path.join(outbox, "done")
    names = sorted(os.listdir(pending))
    if not names:
        return 0
    import boto3

    s3 = boto3.client("s3", region_name=os.environ.get("AWS_REGION") or None)
    for name in names:
        path = os.path.join(pending, name)
        match = UPLOAD_NAME.fullmatch(name)  # fullmatch: "$" alone lets a trailing newline through
        if not match:
            # Never read, never left (the path unit would start again at once).
            log(f"removed {name!r} unread: not <32 hex>.csv")
            remove(path)
            continue
        upload_id = match.group(1)
        outcome = push(s3, bucket, prefix, path, upload_id)
        remove(path)
        try:
            answer(done, upload_id, outcome)
        except OSError as error:
            log(f"{upload_id}: could not answer in done/ ({error.strerror})")
        if outcome["ok"]:
            log(f"{upload_id}: put s3://{bucket}/{outcome['key']} ({outcome['bytes']} bytes)")
        else:
            log(f"{upload_id}: not put: {outcome['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
