"""Training CSVs staff upload: checked strictly, then kept privately until a retraining reads them.

A file is accepted whole or not at all. It must be UTF-8 (a BOM is allowed), at most
FRAUD_TRAINING_MAX_BYTES, parse with the csv module in strict mode, and have exactly the columns
the fraud-scan `transactions` profile reads (actions/fraud-scan/src/features/transactions.ts,
requiredColumns), each row with a whole-number id, a finite amount, an ISO 8601 created_at, a
status and, when given, a card expiry month 1-12 and year. Every problem names its line (1 is the
header) and column. A cell that looks like a spreadsheet formula is data here: it is kept as it
is, and the answer counts the rows holding one.

Accepted files are kept in the database (fraud.TrainingUpload) under a random id, so the request
that starts a retraining finds the file whichever server took the upload; uploads older than
FRAUD_TRAINING_UPLOAD_DAYS are deleted when the next one arrives. A retraining reads its file
from a private copy in FRAUD_TRAINING_DIR (a folder of its own, mode 0700, outside MEDIA and
static, never served; the file 0600).
"""

import csv
import io
import math
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils import timezone

from core.exceptions import ApplicationError
from fraud.models import TrainingUpload

REQUIRED_COLUMNS = (
    "id",
    "created_at",
    "user_id",
    "amount",
    "status",
    "decline_code",
    "card_fingerprint",
    "card_brand",
    "card_last4",
    "card_exp_month",
    "card_exp_year",
    "billing_city",
    "billing_state",
    "billing_postal_code",
    "billing_country",
    "client_ip",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Used with fullmatch: a search with "$" would also accept the id followed by a newline. (The
# API's RegexField searches, after DRF trimmed the whitespace; the pattern is also its schema's.)
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_ERRORS = 20
MESSAGE_EMPTY = "The file is empty."
MESSAGE_NO_ROWS = "The file has a header but no rows."
MESSAGE_INVALID_FILE = "The CSV file cannot be used for training; nothing was stored."


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class StoredTrainingFile:
    id: str
    rows: int
    formula_rows: int
    size: int


def training_dir() -> Path:
    """FRAUD_TRAINING_DIR, created 0700 when missing."""
    folder = Path(settings.FRAUD_TRAINING_DIR)
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The default folder is inside the checkout: keep git from ever offering its files.
        (folder / ".gitignore").write_text("*\n")
    return folder


def training_file_path(upload_id: str) -> Path:
    """A private file holding the upload of an id the client sent (only ids this module makes, so
    no path tricks), written from the database on this server if it is not here yet."""
    if not isinstance(upload_id, str) or not UPLOAD_ID.fullmatch(upload_id):
        raise ApplicationError("upload_id is not an id an upload returned.", {"field": "upload_id"})
    path = Path(settings.FRAUD_TRAINING_DIR) / f"{upload_id}.csv"
    if path.is_file():
        return path
    upload = TrainingUpload.objects.filter(pk=upload_id).values_list("content", flat=True).first()
    if upload is None:
        raise ApplicationError(f"No uploaded training file {upload_id}: upload it again.", status_code=404)
    # Written beside its final name and renamed: a reader never sees half a file.
    staging = training_dir() / f".{upload_id}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(bytes(upload))
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return path


def _refuse(problems: list[Problem]) -> ApplicationError:
    first = problems[0]
    where = f"line {first.line}" + (f", column {first.column}" if first.column else "")
    return ApplicationError(
        f"{MESSAGE_INVALID_FILE} {where}: {first.message}",
        {"errors": [p.as_dict() for p in problems[:MAX_ERRORS]]},
    )


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        offset = error.start - (before.rfind(b"\n") + 1) + 1
        raise _refuse(
            [Problem(line, None, f"not UTF-8 (byte 0x{raw[error.start]:02x} at byte {offset} of the line)")]
        ) from None


def _timestamp(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _row_problems(line: int, row: dict[str, str], seen_ids: set[str]) -> list[Problem]:
    problems = []
    if not re.fullmatch(r"\d{1,18}", row["id"]):
        problems.append(Problem(line, "id", f"must be a whole number, got {row['id']!r}"))
    elif row["id"] in seen_ids:
        problems.append(Problem(line, "id", f"{row['id']} appears twice"))
    seen_ids.add(row["id"])
    if _number(row["amount"]) is None:
        problems.append(Problem(line, "amount", f"must be a finite number, got {row['amount']!r}"))
    if not _timestamp(row["created_at"]):
        problems.append(Problem(line, "created_at", f"must be an ISO 8601 time, got {row['created_at']!r}"))
    if not row["status"].strip():
        problems.append(Problem(line, "status", "must not be empty (succeeded, declined, rejected or error)"))
    month, year = row["card_exp_month"].strip(), row["card_exp_year"].strip()
    if month and not (month.isdigit() and 1 <= int(month) <= 12):
        problems.append(Problem(line, "card_exp_month", f"must be 1 to 12 or empty, got {month!r}"))
    if year and not (year.isdigit() and 1900 <= int(year) <= 2200):
        problems.append(Problem(line, "card_exp_year", f"must be a year or empty, got {year!r}"))
    return problems


def _formula_looking(cell: str) -> bool:
    return cell.startswith(FORMULA_PREFIXES) and _number(cell) is None


def training_csv_check(raw: bytes) -> tuple[int, int]:
    """(rows, rows holding a formula-looking cell) of a valid file; an ApplicationError naming the
    line and column of each problem (up to 20) otherwise."""
    if not raw:
        raise _refuse([Problem(1, None, MESSAGE_EMPTY)])
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    rows = formula_rows = 0
    seen_ids: set[str] = set()
    header: list[str] | None = None
    start = 1
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            if header is None:
                header = [name.strip() for name in record]
                missing = [c for c in REQUIRED_COLUMNS if c not in header]
                unknown = [c for c in header if c not in REQUIRED_COLUMNS]
                doubled = sorted({c for c in header if header.count(c) > 1})
                for name in missing:
                    problems.append(Problem(1, name, "missing column"))
                for name in unknown:
                    problems.append(Problem(1, name or "(empty)", "unknown column"))
                for name in doubled:
                    problems.append(Problem(1, name, "column appears more than once"))
                if problems:
                    problems.append(Problem(1, None, "the header must name exactly: " + ", ".join(REQUIRED_COLUMNS)))
                    raise _refuse(problems)
                continue
            if not record:
                continue  # a blank line
            if len(record) != len(header):
                problems.append(Problem(line, None, f"{len(record)} fields, the header has {len(header)}"))
            else:
                problems.extend(_row_problems(line, dict(zip(header, record, strict=True)), seen_ids))
                rows += 1
                formula_rows += any(_formula_looking(cell) for cell in record)
            if len(problems) >= MAX_ERRORS:
                break
    except csv.Error as error:
        problems.append(Problem(reader.line_num or 1, None, f"not valid CSV ({error})"))
    if problems:
        raise _refuse(problems)
    if rows == 0:
        raise _refuse([Problem(2, None, MESSAGE_NO_ROWS)])
    return rows, formula_rows


def training_csv_store(*, upload: BinaryIO, size: int, user=None) -> StoredTrainingFile:
    """Check an uploaded file (`size` bytes) and keep it under a new random id. Nothing is kept
    unless the whole file is valid; a file over the limit is not even read."""
    limit = settings.FRAUD_TRAINING_MAX_BYTES
    if size > limit:
        raise _refuse([Problem(1, None, f"the file has {size} bytes; at most {limit} are accepted")])
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise _refuse([Problem(1, None, f"the file has more than {limit} bytes, the most accepted")])
    rows, formula_rows = training_csv_check(raw)
    expired = timezone.now() - timedelta(days=settings.FRAUD_TRAINING_UPLOAD_DAYS)
    TrainingUpload.objects.filter(created_at__lt=expired).delete()
    stored = TrainingUpload.objects.create(
        id=secrets.token_hex(16), created_by=user, rows=rows, formula_rows=formula_rows, size=len(raw), content=raw
    )
    return StoredTrainingFile(id=stored.id, rows=rows, formula_rows=formula_rows, size=len(raw))
