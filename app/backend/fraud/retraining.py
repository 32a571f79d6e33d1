"""Retraining the fraud model from the shop: on GitHub (the fraud-scan workflow) or, locally, the CLI.

With FRAUD_RETRAIN_GITHUB_TOKEN and FRAUD_RETRAIN_GITHUB_REPOSITORY set, a retraining is one
workflow dispatch (POST /repos/{owner}/{repo}/actions/workflows/fraud-scan.yml/dispatches with
the workflow's inputs retrain=true, source=postgres, profile=transactions); its status is the
newest workflow_dispatch run created since; the new model reaches the servers through model
delivery (the workflow's publish-model job). A retraining on an uploaded CSV first hands the
file over to the server (FRAUD_TRAINING_OUTBOX: staging/, then a rename into pending/), whose
push-fraud-training agent puts it at fraud-training/uploads/<upload id>.csv in the private
monitoring bucket with the instance role (terraform/deploy.sh; this container holds no AWS
credentials) and answers in done/<upload id>.json; only then is the workflow dispatched, with
the input training-upload=<upload id>: its training-upload job fetches that one object with a
read-only role of its own and the scan trains on it.

Without them, a retraining runs `node actions/fraud-scan/dist/cli.js scan --profile transactions
--train --source … --model-output …` in a background thread with a timeout, checks the new file
with the backend's own loader and renames it over FRAUD_MODEL_PATH (each worker reloads it when
the file changes). One at a time: an flock on FRAUD_TRAINING_DIR/retrain.lock, held for the whole
run, so a second request from any worker on the host gets a 409.

The token is sent in one header and never logged, stored or echoed; the errors name the setting
to fix, never its value.
"""

import contextlib
import fcntl
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import DatabaseError, connection, connections

from core.exceptions import ApplicationError, Conflict
from fraud.model_file import ModelFileError, load_model
from fraud.models import RetrainingStatus
from fraud.training_files import training_dir, training_file_path

logger = logging.getLogger(__name__)

WORKFLOW = "fraud-scan.yml"
GITHUB_TIMEOUT = 10
# GitHub's clock and ours differ a little; a run created this long before the dispatch still counts.
CLOCK_SKEW = timedelta(seconds=60)
OUTPUT_TAIL = 2000
MESSAGE_RUNNING = "A retraining is already running; wait for it to finish."
MESSAGE_NO_MODEL_PATH = "FRAUD_MODEL_PATH is not set: there is no model file to retrain locally."
MESSAGE_UPLOAD_ON_GITHUB = (
    "An uploaded CSV reaches the fraud-scan workflow through the monitoring bucket, which this server "
    "has not set up (FRAUD_TRAINING_OUTBOX has no pending/ folder: give Terraform "
    "fraud_scan_metrics_repository). Choose source table, or retrain locally."
)
# How often the hand-over's answer is looked for.
HANDOVER_POLL = 0.05

_thread: threading.Thread | None = None


class GitHubError(ApplicationError):
    """502: GitHub refused or failed the request; the message says what to fix."""

    status_code = 502


class HandoverError(ApplicationError):
    """502: the uploaded CSV did not reach S3, so nothing was dispatched."""

    status_code = 502


def retrain_mode() -> str:
    """github, local, or unavailable (no GitHub settings and no FRAUD_MODEL_PATH)."""
    if settings.FRAUD_RETRAIN_GITHUB_TOKEN and settings.FRAUD_RETRAIN_GITHUB_REPOSITORY:
        return "github"
    return "local" if settings.FRAUD_MODEL_PATH else "unavailable"


def _now() -> datetime:
    return datetime.now(UTC)


# The status lives in the database (one row), not in a file of one server: behind the load
# balancer the request that starts a retraining and those that ask after it reach any server.


def _status_write(status: dict[str, Any]) -> None:
    RetrainingStatus.objects.update_or_create(pk=1, defaults={"status": status})


def _status_read() -> dict[str, Any]:
    row = RetrainingStatus.objects.filter(pk=1).values_list("status", flat=True).first()
    return dict(row) if isinstance(row, dict) else {}


# ---------------------------------------------------------------------------------------------
# GitHub
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any


def _github(
    method: str, path: str, *, body: dict[str, Any] | None = None, query: dict[str, Any] | None = None
) -> _Answer:
    repository = settings.FRAUD_RETRAIN_GITHUB_REPOSITORY
    owner, _, name = repository.partition("/")
    url = f"{settings.FRAUD_RETRAIN_GITHUB_API.rstrip('/')}/repos/{quote(owner)}/{quote(name)}{path}"
    if query:
        url += "?" + urlencode(query)
    headers = {
        "Accept": "application/vnd.github+json",
        "Authorization": f"Bearer {settings.FRAUD_RETRAIN_GITHUB_TOKEN}",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "shop-fraud-retraining",
    }
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    call = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (https or a test's loopback)
    try:
        with urllib.request.urlopen(call, timeout=GITHUB_TIMEOUT) as reply:  # noqa: S310
            status, raw = reply.status, reply.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (OSError, ValueError) as error:
        # The exception's text names the host at most, never the headers.
        raise GitHubError(f"GitHub could not be reached ({type(error).__name__}); try again later.") from None
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    response = _Answer(status=status, body=parsed)
    if status < 400:
        return response
    said = str(parsed.get("message", ""))[:300] if isinstance(parsed, dict) else ""
    if status == 401:
        message = "GitHub rejected FRAUD_RETRAIN_GITHUB_TOKEN (expired or revoked): put a new token in its setting."
    elif status == 403:
        message = (
            f"FRAUD_RETRAIN_GITHUB_TOKEN may not run workflows in {repository}: give the fine-grained token "
            f"Actions: write on that repository."
        )
    elif status == 404:
        message = (
            f"GitHub has no workflow {WORKFLOW} in {repository} that FRAUD_RETRAIN_GITHUB_TOKEN can see: check "
            f"FRAUD_RETRAIN_GITHUB_REPOSITORY (owner/name) and that the token's repository access includes it."
        )
    elif status == 422:
        message = (
            f"GitHub refused the dispatch of {WORKFLOW} on {settings.FRAUD_RETRAIN_GITHUB_REF}: {said} "
            f"(check FRAUD_RETRAIN_GITHUB_REF and the workflow's inputs)."
        )
    else:
        message = f"GitHub answered {status} to the retraining request; try again later."
    logger.warning("fraud retraining: GitHub %s %s answered %s: %s", method, path, status, said)
    raise GitHubError(message, {"github_status": status})


def _github_dispatch(*, user_email: str, upload_id: str | None = None) -> dict[str, Any]:
    dispatched_at = _now()
    inputs = {"retrain": "true", "source": "postgres", "profile": "transactions"}
    if upload_id is not None:
        # The workflow checks it again (exactly 32 lowercase hex) before any use.
        inputs["training-upload"] = upload_id
    _github(
        "POST",
        f"/actions/workflows/{WORKFLOW}/dispatches",
        body={"ref": settings.FRAUD_RETRAIN_GITHUB_REF, "inputs": inputs},
    )
    logger.info("fraud retraining: dispatched %s in %s", WORKFLOW, settings.FRAUD_RETRAIN_GITHUB_REPOSITORY)
    status = {
        "mode": "github",
        "source": "table" if upload_id is None else "upload",
        "state": "queued",
        "started_at": dispatched_at.isoformat(),
        "started_by": user_email,
    }
    _status_write(status)
    return status


def _github_run(status: dict[str, Any]) -> dict[str, Any]:
    """The status with the newest workflow_dispatch run created since the dispatch, if any."""
    since = datetime.fromisoformat(status["started_at"]) - CLOCK_SKEW
    response = _github(
        "GET",
        f"/actions/workflows/{WORKFLOW}/runs",
        query={"event": "workflow_dispatch", "created": f">={since.strftime('%Y-%m-%dT%H:%M:%SZ')}", "per_page": 10},
    )
    runs = [
        run
        for run in (response.body or {}).get("workflow_runs", [])
        if datetime.fromisoformat(str(run.get("created_at", "")).replace("Z", "+00:00")) >= since
    ]
    if not runs:
        return {**status, "state": "queued", "message": "Dispatched; GitHub has not listed the run yet."}
    run = max(runs, key=lambda r: r["created_at"])
    state = run.get("status") or "queued"
    conclusion = run.get("conclusion")
    if state == "completed":
        state = "succeeded" if conclusion == "success" else "failed"
    elif state != "queued":
        state = "running"
    return {
        **status,
        "state": state,
        "conclusion": conclusion,
        "run_url": run.get("html_url"),
        "message": (
            "The new model reaches the servers through model delivery within minutes."
            if state == "succeeded"
            else f"The run ended: {conclusion}."
            if state == "failed"
            else ""
        ),
    }


# ---------------------------------------------------------------------------------------------
# GitHub: an uploaded CSV handed over to the server's push-fraud-training
# ---------------------------------------------------------------------------------------------


def _outbox() -> Path | None:
    """FRAUD_TRAINING_OUTBOX when the server set it up (its staging/, pending/ and done/), else None."""
    if not settings.FRAUD_TRAINING_OUTBOX:
        return None
    folder = Path(settings.FRAUD_TRAINING_OUTBOX)
    return folder if all((folder / name).is_dir() for name in ("staging", "pending", "done")) else None


def _hand_over(outbox: Path, upload_id: str) -> None:
    """Hand one stored upload to push-fraud-training and wait for its answer: returns once the
    file is in S3; a HandoverError saying why otherwise (nothing is dispatched then)."""
    stored = training_file_path(upload_id)  # only an id this module made, and a file it kept
    answer = outbox / "done" / f"{upload_id}.json"
    answer.unlink(missing_ok=True)  # an answer to an earlier hand-over of the same file
    staging = outbox / "staging" / f"{upload_id}.{os.getpid()}.{threading.get_ident()}"
    shutil.copyfile(stored, staging)
    # One rename: the agent, started as soon as pending/ is not empty, never reads half a file.
    os.replace(staging, outbox / "pending" / f"{upload_id}.csv")
    deadline = time.monotonic() + settings.FRAUD_TRAINING_HANDOVER_TIMEOUT
    while not answer.exists():
        if time.monotonic() > deadline:
            (outbox / "pending" / f"{upload_id}.csv").unlink(missing_ok=True)
            raise HandoverError(
                f"The server's push-fraud-training did not put the file in S3 within "
                f"{settings.FRAUD_TRAINING_HANDOVER_TIMEOUT} s (journalctl -u ecommerce-fraud-training); "
                "nothing was dispatched. Try again."
            )
        time.sleep(HANDOVER_POLL)
    try:
        outcome = json.loads(answer.read_text())
    except (OSError, ValueError):
        outcome = {"ok": False, "error": "its answer could not be read"}
    answer.unlink(missing_ok=True)
    if not isinstance(outcome, dict) or outcome.get("ok") is not True:
        said = str(outcome.get("error", "no reason given"))[:300] if isinstance(outcome, dict) else "no reason"
        logger.warning("fraud retraining: upload %s not put in S3: %s", upload_id, said)
        raise HandoverError(
            f"The uploaded CSV could not be put in S3 for the workflow ({said}); nothing was dispatched."
        )
    logger.info("fraud retraining: upload %s put at %s", upload_id, outcome.get("key"))


# ---------------------------------------------------------------------------------------------
# Local: the CLI
# ---------------------------------------------------------------------------------------------


def _table_source() -> tuple[str, dict[str, str]]:
    """(--source, extra environment) for the shop's own payments_transaction table."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "localhost"
        url = f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{quote(db['NAME'], safe='')}"
        # In the environment, not on the command line, where every user of the host could read it.
        return "postgres", {"DATABASE_URL": url}
    if connection.vendor == "sqlite":
        return str(db["NAME"]), {}
    raise ApplicationError(f"Retraining on the shop's table needs PostgreSQL or SQLite, not {connection.vendor}.")


def _acquire_lock() -> int:
    descriptor = os.open(training_dir() / "retrain.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise Conflict(MESSAGE_RUNNING, {"state": "running"}) from None
    return descriptor


def _tail(text: str) -> str:
    return text[-OUTPUT_TAIL:].strip()


def _train(command: list[str], environment: dict[str, str], model_path: Path, work: Path) -> str:
    """Run the CLI; on success check the new model and rename it over the old one. The message."""
    result = subprocess.run(  # noqa: S603 (a fixed program and our own arguments)
        command,
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=settings.FRAUD_RETRAIN_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"fraud-scan exited with {result.returncode}: {_tail(result.stderr or result.stdout)}")
    trained = work / "model.json"
    model = load_model(trained)  # the loader the workers use: a file they would refuse never replaces theirs
    os.replace(trained, model_path)
    return f"New model trained {model.created_at} (sha256 {model.sha256[:12]}) is in service."


def _run_local(lock: int, command: list[str], environment: dict[str, str], status: dict[str, Any]) -> None:
    model_path = Path(settings.FRAUD_MODEL_PATH)
    work = Path(tempfile.mkdtemp(prefix=".retrain-", dir=model_path.parent))
    try:
        command = [*command, "--model-output", str(work / "model.json"), "--output-dir", str(work / "reports")]
        message = _train(command, environment, model_path, work)
        status = {**status, "state": "succeeded", "message": message}
    except subprocess.TimeoutExpired:
        status = {**status, "state": "failed", "message": f"fraud-scan took over {settings.FRAUD_RETRAIN_TIMEOUT} s."}
    except (RuntimeError, ModelFileError, OSError) as error:
        status = {**status, "state": "failed", "message": str(error)}
    except Exception as error:  # the thread must always record an end and let go of the lock
        logger.exception("fraud retraining failed")
        status = {**status, "state": "failed", "message": f"Retraining failed: {type(error).__name__}."}
    finally:
        shutil.rmtree(work, ignore_errors=True)
        status["finished_at"] = _now().isoformat()
        with contextlib.suppress(OSError, DatabaseError):
            _status_write(status)
        connections.close_all()  # this thread's own connection, opened by the write above
        os.close(lock)  # releases the flock
    logger.info("fraud retraining: %s: %s", status["state"], status["message"])


def _local_start(*, source: str, upload_id: str | None, user_email: str) -> dict[str, Any]:
    global _thread
    if not settings.FRAUD_MODEL_PATH:
        raise Conflict(MESSAGE_NO_MODEL_PATH)
    cli = Path(settings.FRAUD_RETRAIN_CLI)
    if not cli.is_file():
        raise Conflict(f"The fraud-scan CLI is not at {cli}: set FRAUD_RETRAIN_CLI to actions/fraud-scan/dist/cli.js.")
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TZ") if key in os.environ}
    if source == "upload":
        spec = str(training_file_path(upload_id or ""))
    else:
        spec, extra = _table_source()
        environment.update(extra)
    command = [settings.FRAUD_RETRAIN_NODE, str(cli), "scan", "--profile", "transactions", "--train", "--source", spec]
    if settings.FRAUD_RETRAIN_EPOCHS:
        command += ["--epochs", str(settings.FRAUD_RETRAIN_EPOCHS)]
    lock = _acquire_lock()
    status = {
        "mode": "local",
        "source": source,
        "state": "running",
        "started_at": _now().isoformat(),
        "started_by": user_email,
    }
    try:
        _status_write(status)
        _thread = threading.Thread(
            target=_run_local, args=(lock, command, environment, status), name="fraud-retrain", daemon=True
        )
        _thread.start()
    except BaseException:
        os.close(lock)
        raise
    return status


def _local_running() -> bool:
    """Whether some process on this host holds the retraining lock."""
    try:
        lock = _acquire_lock()
    except Conflict:
        return True
    os.close(lock)
    return False


# ---------------------------------------------------------------------------------------------
# The API's two calls
# ---------------------------------------------------------------------------------------------


def retrain_start(*, source: str, upload_id: str | None = None, user_email: str = "") -> dict[str, Any]:
    """Start a retraining on `source` (table, or upload with `upload_id`): its status."""
    mode = retrain_mode()
    if mode == "github":
        outbox = None
        if source == "upload":
            outbox = _outbox()
            if outbox is None:
                raise ApplicationError(MESSAGE_UPLOAD_ON_GITHUB, {"field": "source"})
            training_file_path(upload_id or "")  # a bad or unknown id fails before anything else
        last = _status_read()
        if last.get("mode") == "github" and last.get("state") in ("queued", "running"):
            last = _github_run(last)
            if last["state"] in ("queued", "running"):
                raise Conflict(MESSAGE_RUNNING, {"state": last["state"], "run_url": last.get("run_url")})
        if outbox is not None and upload_id is not None:
            _hand_over(outbox, upload_id)
            return {**_github_dispatch(user_email=user_email, upload_id=upload_id), "message": "Dispatched."}
        return {**_github_dispatch(user_email=user_email), "message": "Dispatched."}
    return _local_start(source=source, upload_id=upload_id, user_email=user_email)


def retrain_status() -> dict[str, Any]:
    """The last retraining's status (state idle when there was none), with this process's mode."""
    mode = retrain_mode()
    status = _status_read()
    if not status or status.get("mode") != mode:
        return {"mode": mode, "state": "idle"}
    if mode == "github" and status.get("state") not in ("succeeded", "failed"):
        status = _github_run(status)
        if status["state"] in ("succeeded", "failed"):
            _status_write(status)
    elif mode == "local" and status.get("state") == "running" and not _local_running():
        # The process that ran it ended without recording an end (a restart): say so.
        status = {**status, "state": "failed", "message": "The retraining stopped with its server process."}
    return status


def retrain_wait(timeout: float | None = None) -> None:
    """Wait for this process's local retraining thread (tests, and a clean shutdown)."""
    if _thread is not None:
        _thread.join(timeout)
