"""Retraining from the shop: training CSV uploads, the GitHub dispatch and the local CLI run.

The dispatch runs against a GitHub REST stand-in started here: a Python http.server on a loopback
port that records each request and answers as GitHub's documented API does (204 for a dispatch,
401 Bad credentials, 403 for a token without Actions: write, 404 for a repository or workflow
the token cannot see, 422 for inputs the workflow does not declare — read from the real
.github/workflows/fraud-scan.yml). The project's stand-in (tests/kit/stand-ins/github-api.ts) is
TypeScript, has no Actions routes, and the machine's Node 20 cannot run .ts without a build.

The local runs start the committed CLI (actions/fraud-scan/dist/cli.js) with 2 epochs.
"""

import csv
import io
import json
import logging
import os
import socket
import stat
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from fraud import retraining
from fraud.models import RetrainingStatus, TrainingUpload
from fraud.scoring import current_model
from fraud.training_files import REQUIRED_COLUMNS, training_file_path
from payments.tests.factories import TransactionFactory

pytestmark = [pytest.mark.postgres]

REPO_ROOT = Path(django_settings.BASE_DIR).parent.parent
WORKFLOW_FILE = REPO_ROOT / ".github" / "workflows" / "fraud-scan.yml"
TOKEN = "github_pat_11TESTTOKENsecretvalue0123456789"
NO_ACTIONS_TOKEN = "github_pat_11READONLYsecretvalue0123456789"
REPOSITORY = "shop/ecommerce"
UPLOAD = reverse("fraud:training-upload")
RETRAIN = reverse("fraud:retrain")


def good_rows(count: int = 120) -> list[list[str]]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = []
    for i in range(1, count + 1):
        user = i % 30 + 1
        ok = i % 9 != 0
        rows.append(
            [
                str(i),
                (start + timedelta(minutes=37 * i)).isoformat(),
                str(user),
                f"{5 + (i * 7919) % 300}.{i % 100:02d}",
                "succeeded" if ok else "declined",
                "" if ok else "card_declined",
                f"fp{user}",
                "visa" if i % 2 else "mastercard",
                f"{i % 10000:04d}",
                str(i % 12 + 1),
                str(2027 + i % 5),
                "Austin",
                "TX",
                "78701",
                "US",
                f"10.0.{user}.1",
            ]
        )
    return rows


def csv_bytes(rows: list[list[str]], header: list[str] | tuple[str, ...] = REQUIRED_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client, content: bytes, name: str = "training.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content, "text/csv")}, format="multipart")


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path) -> Path:
    folder = tmp_path / "private" / "fraud-training"
    settings.FRAUD_TRAINING_DIR = str(folder)
    settings.FRAUD_RETRAIN_GITHUB_TOKEN = ""
    settings.FRAUD_RETRAIN_GITHUB_REPOSITORY = ""
    settings.FRAUD_RETRAIN_EPOCHS = 2
    settings.FRAUD_RETRAIN_TIMEOUT = 60
    yield folder
    retraining.retrain_wait(60)


def stored(folder: Path) -> list[Path]:
    """Uploads kept: in the database; and the files in `folder`, which must hold none."""
    files = sorted(folder.glob("*.csv")) if folder.exists() else []
    assert files == [], "an upload is kept in the database, never only on one server's disk"
    return sorted(TrainingUpload.objects.values_list("id", flat=True))


# ---------------------------------------------------------------------------------------------
# Uploads
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
class UploadTests:
    @pytest.mark.parametrize("method", ["get", "post"])
    @pytest.mark.parametrize("url", [UPLOAD, RETRAIN])
    def test_anonymous_gets_401_and_a_buyer_403(self, method, url, anonymous_client, buyer_client):
        if method == "get" and url == UPLOAD:
            return
        assert getattr(anonymous_client, method)(url).status_code == 401
        assert getattr(buyer_client, method)(url).status_code == 403

    def test_a_good_csv_is_stored_privately_and_formula_looking_cells_are_counted(self, staff_client, private_dir):
        rows = good_rows()
        rows[3][11] = '=HYPERLINK("http://x")'  # billing_city: data, not a problem
        rows[4][12] = "@SUM(A1)"
        rows[5][3] = "-12.50"  # a negative amount is a number, not a formula
        content = csv_bytes(rows)

        response = upload(staff_client, content)

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["rows"] == 120 and body["formula_rows"] == 2 and body["size"] == len(content)
        assert stored(private_dir) == [body["id"]] and len(body["id"]) == 32
        kept = TrainingUpload.objects.get()
        assert bytes(kept.content) == content and kept.created_by.email == "staff@example.com"
        # A retraining reads a private copy, written on the server that runs it.
        path = training_file_path(body["id"])
        assert path.name == f"{body['id']}.csv" and path.read_bytes() == content
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(private_dir.stat().st_mode) == 0o700
        for public in (django_settings.STATIC_ROOT, getattr(django_settings, "MEDIA_ROOT", "") or None):
            if public:
                assert not str(path).startswith(str(public))

    @pytest.mark.parametrize(
        ("content", "line", "column", "words"),
        [
            (csv_bytes(good_rows(3), header=[*REQUIRED_COLUMNS[:-1], "ip_address"]), 1, "client_ip", "missing"),
            (csv_bytes([r[:-1] for r in good_rows(3)], header=REQUIRED_COLUMNS[:-1]), 1, "client_ip", "missing"),
            (csv_bytes(good_rows(3)) + b'4,"2026-11-02T00:00:00+00:00"x,1\n', 5, None, "not valid CSV"),
            (csv_bytes(good_rows(3)).replace(b"Austin", b"Aust\xefn", 1), 2, None, "not UTF-8"),
            (b"", 1, None, "empty"),
            (csv_bytes([]), 2, None, "no rows"),
            (csv_bytes([*good_rows(3), ["4", "yesterday", *good_rows(1)[0][2:]]]), 5, "created_at", "ISO 8601"),
            (csv_bytes(good_rows(3)) + b"4,x,1\n", 5, None, "3 fields"),
        ],
        ids=[
            "wrong-column",
            "missing-column",
            "malformed-quote",
            "not-utf8",
            "empty",
            "header-only",
            "bad-time",
            "short-row",
        ],
    )
    def test_a_bad_file_is_a_400_naming_line_and_column_and_nothing_is_stored(
        self, staff_client, private_dir, content, line, column, words
    ):
        response = upload(staff_client, content)

        assert response.status_code == 400, response.json()
        body = response.json()
        first = body["extra"]["errors"][0]
        assert (first["line"], first["column"]) == (line, column), body
        assert words in body["message"] or words in first["message"], body
        assert f"line {line}" in body["message"]
        assert stored(private_dir) == []

    def test_an_oversized_file_is_a_400_and_not_stored(self, settings, staff_client, private_dir):
        content = csv_bytes(good_rows(50))
        settings.FRAUD_TRAINING_MAX_BYTES = len(content) - 1

        response = upload(staff_client, content)

        assert response.status_code == 400
        assert f"at most {len(content) - 1}" in response.json()["message"]
        assert stored(private_dir) == []

    def test_a_request_without_a_file_is_a_400(self, staff_client):
        assert staff_client.post(UPLOAD, {}, format="multipart").status_code == 400


# ---------------------------------------------------------------------------------------------
# GitHub
# ---------------------------------------------------------------------------------------------


class GitHubStandIn:
    """GitHub's workflow dispatch and workflow runs endpoints, as documented, for one repository."""

    def __init__(self, repository: str, tokens: dict[str, set[str]]):
        self.repository = repository
        self.tokens = tokens  # token: permissions (actions:read, actions:write)
        self.requests: list[dict] = []
        self.runs: list[dict] = []
        self.inputs = set(yaml.safe_load(WORKFLOW_FILE.read_text())[True]["workflow_dispatch"]["inputs"])
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body=None, headers=None):
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                stand_in.requests.append(
                    {
                        "method": self.command,
                        "path": parts.path,
                        "query": parse_qs(parts.query),
                        "body": body,
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if token not in stand_in.tokens:
                    return self._answer(401, {"message": "Bad credentials", "status": "401"})
                prefix = f"/repos/{stand_in.repository}/actions/workflows/fraud-scan.yml"
                if not parts.path.startswith(prefix):
                    return self._answer(404, {"message": "Not Found", "status": "404"})
                permissions = stand_in.tokens[token]
                if self.command == "POST" and parts.path == prefix + "/dispatches":
                    if "actions:write" not in permissions:
                        return self._answer(
                            403,
                            {"message": "Resource not accessible by personal access token", "status": "403"},
                            {"X-Accepted-GitHub-Permissions": "actions=write"},
                        )
                    unexpected = sorted(set(body.get("inputs", {})) - stand_in.inputs)
                    if unexpected or not body.get("ref"):
                        return self._answer(422, {"message": f"Unexpected inputs provided: {unexpected}"})
                    run_id = len(stand_in.runs) + 1
                    stand_in.runs.append(
                        {
                            "id": run_id,
                            "event": "workflow_dispatch",
                            "status": "queued",
                            "conclusion": None,
                            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "html_url": f"https://github.com/{stand_in.repository}/actions/runs/{run_id}",
                        }
                    )
                    return self._answer(204)
                if self.command == "GET" and parts.path == prefix + "/runs":
                    query = parse_qs(parts.query)
                    since = query.get("created", [">=1970-01-01T00:00:00Z"])[0].removeprefix(">=")
                    runs = [
                        r
                        for r in stand_in.runs
                        if r["event"] == query.get("event", [r["event"]])[0] and r["created_at"] >= since
                    ]
                    runs.sort(key=lambda r: r["id"], reverse=True)
                    return self._answer(200, {"total_count": len(runs), "workflow_runs": runs})
                return self._answer(404, {"message": "Not Found", "status": "404"})

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def github(settings):
    stand_in = GitHubStandIn(REPOSITORY, {TOKEN: {"actions:read", "actions:write"}, NO_ACTIONS_TOKEN: {"actions:read"}})
    settings.FRAUD_RETRAIN_GITHUB_API = stand_in.url
    settings.FRAUD_RETRAIN_GITHUB_TOKEN = TOKEN
    settings.FRAUD_RETRAIN_GITHUB_REPOSITORY = REPOSITORY
    settings.FRAUD_RETRAIN_GITHUB_REF = "main"
    yield stand_in
    stand_in.close()


@pytest.mark.django_db
class GitHubDispatchTests:
    def test_retraining_dispatches_the_workflow_with_its_inputs_and_follows_the_run(self, staff_client, github, caplog):
        caplog.set_level(logging.DEBUG)
        response = staff_client.post(RETRAIN, {"source": "table"}, format="json")

        assert response.status_code == 202, response.json()
        assert response.json()["mode"] == "github" and response.json()["state"] == "queued"
        [dispatch] = github.requests
        assert dispatch["method"] == "POST"
        assert dispatch["path"] == f"/repos/{REPOSITORY}/actions/workflows/fraud-scan.yml/dispatches"
        assert dispatch["body"] == {
            "ref": "main",
            "inputs": {"retrain": "true", "source": "postgres", "profile": "transactions"},
        }
        assert dispatch["authorization"] == f"Bearer {TOKEN}"

        status = staff_client.get(RETRAIN).json()
        assert status["state"] == "queued" and status["run_url"].endswith("/actions/runs/1")
        listing = github.requests[-1]
        assert listing["query"]["event"] == ["workflow_dispatch"]
        assert listing["query"]["created"][0].startswith(">=")

        github.runs[0].update(status="completed", conclusion="success")
        done = staff_client.get(RETRAIN).json()
        assert done["state"] == "succeeded" and "model delivery" in done["message"]
        everything = json.dumps([response.json(), status, done]) + caplog.text
        assert TOKEN not in everything

    def test_a_second_dispatch_while_the_run_is_not_finished_is_a_409(self, settings, staff_client, github, tmp_path):
        assert staff_client.post(RETRAIN, {"source": "table"}, format="json").status_code == 202
        github.runs[0]["status"] = "in_progress"
        # The second request reaches another server (its own private folder, the same database).
        settings.FRAUD_TRAINING_DIR = str(tmp_path / "another-server")
        assert staff_client.get(RETRAIN).json()["state"] == "running"

        second = staff_client.post(RETRAIN, {"source": "table"}, format="json")

        assert second.status_code == 409 and second.json()["extra"]["state"] == "running"
        assert len(github.runs) == 1
        github.runs[0].update(status="completed", conclusion="failure")
        assert staff_client.post(RETRAIN, {"source": "table"}, format="json").status_code == 202
        assert len(github.runs) == 2

    def test_a_token_without_actions_write_is_a_502_naming_the_permission(self, settings, staff_client, github, caplog):
        settings.FRAUD_RETRAIN_GITHUB_TOKEN = NO_ACTIONS_TOKEN
        caplog.set_level(logging.DEBUG)

        response = staff_client.post(RETRAIN, {"source": "table"}, format="json")

        assert response.status_code == 502
        body = response.json()
        assert "Actions: write" in body["message"] and REPOSITORY in body["message"]
        assert body["extra"]["github_status"] == 403
        assert NO_ACTIONS_TOKEN not in response.content.decode() + caplog.text
        assert staff_client.get(RETRAIN).json()["state"] == "idle"

    def test_a_wrong_repository_is_a_502_naming_the_setting(self, settings, staff_client, github, caplog):
        settings.FRAUD_RETRAIN_GITHUB_REPOSITORY = "shop/no-such-repo"
        caplog.set_level(logging.DEBUG)

        response = staff_client.post(RETRAIN, {"source": "table"}, format="json")

        assert response.status_code == 502
        body = response.json()
        assert "FRAUD_RETRAIN_GITHUB_REPOSITORY" in body["message"] and body["extra"]["github_status"] == 404
        assert TOKEN not in response.content.decode() + caplog.text

    def test_a_revoked_token_is_a_502_asking_for_a_new_one(self, settings, staff_client, github):
        settings.FRAUD_RETRAIN_GITHUB_TOKEN = "github_pat_revoked"
        response = staff_client.post(RETRAIN, {"source": "table"}, format="json")
        assert response.status_code == 502 and "expired or revoked" in response.json()["message"]
        assert "github_pat_revoked" not in response.content.decode()

    def test_without_the_servers_outbox_an_uploaded_csv_is_a_400_and_nothing_is_dispatched(self, staff_client, github):
        upload_id = upload(staff_client, csv_bytes(good_rows(5))).json()["id"]
        response = staff_client.post(RETRAIN, {"source": "upload", "upload_id": upload_id}, format="json")
        assert response.status_code == 400 and "fraud_scan_metrics_repository" in response.json()["message"]
        assert github.requests == []


# ---------------------------------------------------------------------------------------------
# GitHub, an uploaded CSV: handed over to the host's push-fraud-training, put in moto's S3
# ---------------------------------------------------------------------------------------------

TOOLS_PYTHON = REPO_ROOT / ".venv-tools" / "bin" / "python"
MOTO_SERVER = REPO_ROOT / ".venv-tools" / "bin" / "moto_server"
PUSH_SCRIPT = REPO_ROOT / "terraform" / "modules" / "ec2" / "files" / "push-fraud-training.py"
BUCKET = "ecommerce-monitoring-config-test"
PREFIX = "fraud-training/uploads/"
# The app role's S3 statement as terraform/modules/ec2 writes it with the monitoring module's
# fraud_training_uploads.arn (terraform/__tests__/fraud-training.test.ts holds the HCL to it).
APP_ROLE_S3 = [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": [f"arn:aws:s3:::{BUCKET}/{PREFIX}*"]}]
ADMIN_READ = [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{BUCKET}/*"]}]


def _aws(python_code: str, endpoint: str, keys: tuple[str, str] = ("admin", "admin"), **extra: str) -> str:
    environment = {
        "PATH": os.environ["PATH"],
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": keys[0],
        "AWS_SECRET_ACCESS_KEY": keys[1],
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        **extra,
    }
    result = subprocess.run(  # noqa: S603 (the tools' Python and this file's own code)
        [str(TOOLS_PYTHON), "-c", python_code], env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class HostS3:
    """moto's S3 with IAM enforced after the setup (the bucket, and two users: one holding the
    app role's S3 statement, one reading for the test), and the host's side of the hand-over: a
    thread that does what systemd's ecommerce-fraud-training.path does (DirectoryNotEmpty on
    pending/ starts the service), running the real push-fraud-training as the app role."""

    def __init__(self, outbox: Path, prefix: str = PREFIX):
        self.outbox = outbox
        self.prefix = prefix
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (moto writes to it until close())
        port = _free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.moto = subprocess.Popen(  # noqa: S603 (moto_server of .venv-tools)
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "7"},
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=1).close()  # noqa: S310
                break
            except OSError:
                assert time.monotonic() < deadline and self.moto.poll() is None, "moto_server did not start"
                time.sleep(0.1)
        keys = json.loads(
            _aws(
                f"""import boto3, json
s3 = boto3.client("s3"); iam = boto3.client("iam")
s3.create_bucket(Bucket={BUCKET!r})
keys = {{}}
for user, statements in {json.dumps({"app": APP_ROLE_S3, "reader": ADMIN_READ})}.items():
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    document = json.dumps({{"Version": "2012-10-17", "Statement": statements}})
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=document)
    keys[user] = [key["AccessKeyId"], key["SecretAccessKey"]]
print(json.dumps(keys))""",
                self.endpoint,
            )
        )
        self.app, self.reader = tuple(keys["app"]), tuple(keys["reader"])
        self.runs: list[subprocess.CompletedProcess] = []
        self.stopping = threading.Event()
        self.agent = threading.Thread(target=self._watch, daemon=True)
        self.agent.start()

    def _watch(self) -> None:
        pending = self.outbox / "pending"
        while not self.stopping.wait(0.02):
            if any(pending.iterdir()):
                self.runs.append(self.push())

    def push(self) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 (the committed script)
            [str(TOOLS_PYTHON), str(PUSH_SCRIPT), str(self.outbox), BUCKET, self.prefix],
            env={
                "PATH": os.environ["PATH"],
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": self.app[0],
                "AWS_SECRET_ACCESS_KEY": self.app[1],
                "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    def call(self, keys: tuple[str, str], operation: str, **arguments: str) -> str:
        """An S3 call as `keys`: its error code, or ok (and the body of a GetObject)."""
        return _aws(
            f"""import boto3, botocore, json
try:
    answer = getattr(boto3.client("s3"), {operation!r})(**{json.dumps(arguments)})
    print("ok", answer["Body"].read().decode() if "Body" in answer else "", end="")
except botocore.exceptions.ClientError as error:
    print(error.response["Error"]["Code"], end="")""",
            self.endpoint,
            keys,
        )

    def close(self) -> None:
        self.stopping.set()
        self.agent.join(10)
        self.moto.terminate()
        self.moto.wait(10)
        self.log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def outbox(settings, tmp_path) -> Path:
    folder = tmp_path / "outbox"
    for name in ("staging", "pending", "done"):
        (folder / name).mkdir(parents=True, mode=0o700)
    settings.FRAUD_TRAINING_OUTBOX = str(folder)
    settings.FRAUD_TRAINING_HANDOVER_TIMEOUT = 20
    return folder


@pytest.fixture
def host_s3(outbox):
    if not MOTO_SERVER.exists():
        pytest.fail(f"{MOTO_SERVER} is missing: scripts/test backend creates .venv-tools (ensure_tools_venv)")
    host = HostS3(outbox)
    yield host
    host.close()


def leftovers(outbox: Path) -> list[str]:
    return sorted(str(p.relative_to(outbox)) for p in outbox.rglob("*") if p.is_file())


@pytest.mark.django_db
class GitHubUploadTests:
    def test_an_upload_is_put_under_the_prefix_and_the_dispatch_names_it(self, staff_client, github, host_s3, caplog):
        caplog.set_level(logging.DEBUG)
        content = csv_bytes(good_rows(7))
        upload_id = upload(staff_client, content).json()["id"]

        response = staff_client.post(RETRAIN, {"source": "upload", "upload_id": upload_id}, format="json")

        assert response.status_code == 202, response.json()
        assert response.json()["source"] == "upload" and response.json()["state"] == "queued"
        [dispatch] = github.requests
        assert dispatch["body"] == {
            "ref": "main",
            "inputs": {
                "retrain": "true",
                "source": "postgres",
                "profile": "transactions",
                "training-upload": upload_id,
            },
        }
        key = f"{PREFIX}{upload_id}.csv"
        assert host_s3.call(host_s3.reader, "get_object", Bucket=BUCKET, Key=key) == "ok " + content.decode()
        # Nothing stays in the hand-over folders: the answer was read and removed.
        assert leftovers(host_s3.outbox) == []
        assert TOKEN not in caplog.text

    def test_the_app_role_may_put_only_under_the_prefix_and_read_nothing_back(self, host_s3):
        key = f"{PREFIX}{'a' * 32}.csv"
        assert host_s3.call(host_s3.app, "put_object", Bucket=BUCKET, Key=key, Body="x") == "ok "
        for operation, arguments in [
            ("get_object", {"Key": key}),
            ("get_object", {"Key": "fraud-model/transactions/model.json"}),
            ("put_object", {"Key": "fraud-model/transactions/model.json", "Body": "x"}),
            ("put_object", {"Key": "fraud-training/other.csv", "Body": "x"}),
            ("delete_object", {"Key": key}),
            ("list_objects_v2", {"Prefix": PREFIX}),
        ]:
            code = host_s3.call(host_s3.app, operation, Bucket=BUCKET, **arguments)
            assert (operation, arguments, code) == (operation, arguments, "AccessDenied")

    def test_a_put_s3_refuses_is_a_502_and_nothing_is_dispatched(self, staff_client, github, host_s3):
        host_s3.prefix = "fraud-model/"  # a prefix the app role may not write
        upload_id = upload(staff_client, csv_bytes(good_rows(5))).json()["id"]

        response = staff_client.post(RETRAIN, {"source": "upload", "upload_id": upload_id}, format="json")

        assert response.status_code == 502
        assert "AccessDenied" in response.json()["message"] and "nothing was dispatched" in response.json()["message"]
        assert github.requests == [] and leftovers(host_s3.outbox) == []
        assert staff_client.get(RETRAIN).json()["state"] == "idle"

    def test_no_answer_from_the_host_is_a_502_after_the_timeout_and_nothing_is_dispatched(
        self, settings, staff_client, github, outbox
    ):
        settings.FRAUD_TRAINING_HANDOVER_TIMEOUT = 1
        upload_id = upload(staff_client, csv_bytes(good_rows(5))).json()["id"]

        response = staff_client.post(RETRAIN, {"source": "upload", "upload_id": upload_id}, format="json")

        assert response.status_code == 502 and "ecommerce-fraud-training" in response.json()["message"]
        assert github.requests == [] and leftovers(outbox) == []

    @pytest.mark.parametrize(
        "upload_id",
        ["../../../etc/passwd", "${{ github.token }}", "A" * 32, "a" * 31, "a" * 33, "a" * 31 + "g", "a" * 32 + "\n"],
    )
    def test_an_upload_id_that_is_not_32_lowercase_hex_is_refused_before_anything(
        self, staff_client, github, outbox, upload_id
    ):
        response = staff_client.post(RETRAIN, {"source": "upload", "upload_id": upload_id}, format="json")
        if upload_id.strip() != upload_id:
            # DRF trims the surrounding whitespace first: what is left is an id no upload made.
            assert response.status_code == 404
        else:
            assert response.status_code == 400 and "upload_id" in json.dumps(response.json())
        # The service refuses it too, whoever calls it.
        with pytest.raises(ApplicationError, match="upload_id"):
            retraining.retrain_start(source="upload", upload_id=upload_id)
        assert github.requests == [] and leftovers(outbox) == []

    def test_an_unknown_upload_is_a_404_and_nothing_is_dispatched(self, staff_client, github, outbox):
        response = staff_client.post(RETRAIN, {"source": "upload", "upload_id": "b" * 32}, format="json")
        assert response.status_code == 404 and github.requests == [] and leftovers(outbox) == []


class PushAgentAttackTests:
    """The container is the less trusted side of the hand-over: what it leaves in pending/ never
    makes the host's agent read or write anything but a regular file it wrote itself."""

    def test_a_symlink_to_a_host_file_is_not_followed_nor_put(self, outbox, host_s3, tmp_path):
        host_s3.stopping.set()  # run the agent by hand, once
        host_s3.agent.join(10)
        secret = tmp_path / "host-secret"
        secret.write_text("root's secret\n")
        upload_id = "c" * 32
        (outbox / "pending" / f"{upload_id}.csv").symlink_to(secret)

        run = host_s3.push()

        assert run.returncode == 0, run.stderr
        answer = json.loads((outbox / "done" / f"{upload_id}.json").read_text())
        assert answer["ok"] is False and "plain file" in answer["error"]
        assert host_s3.call(host_s3.reader, "get_object", Bucket=BUCKET, Key=f"{PREFIX}{upload_id}.csv") == "NoSuchKey"
        assert secret.read_text() == "root's secret\n"

    def test_other_names_are_removed_unread_and_a_link_in_done_is_replaced_not_written_through(
        self, outbox, host_s3, tmp_path
    ):
        host_s3.stopping.set()
        host_s3.agent.join(10)
        target = tmp_path / "host-file"
        target.write_text("unchanged")
        upload_id = "d" * 32
        newline = "e" * 32
        for name in ("../x.csv", "x.csv", f"{upload_id.upper()}.csv", ".staging", f"{newline}.csv\n"):
            (outbox / "pending" / Path(name).name).write_text("id\n")
        (outbox / "pending" / "folder").mkdir()
        (outbox / "pending" / f"{upload_id}.csv").write_bytes(csv_bytes(good_rows(2)))
        (outbox / "done" / f"{upload_id}.json").symlink_to(target)

        run = host_s3.push()

        assert run.returncode == 0, run.stderr
        assert list((outbox / "pending").iterdir()) == []
        assert target.read_text() == "unchanged"
        assert json.loads((outbox / "done" / f"{upload_id}.json").read_text())["ok"] is True
        key = f"{PREFIX}{upload_id}.csv"
        assert host_s3.call(host_s3.reader, "get_object", Bucket=BUCKET, Key=key).startswith("ok id,")
        # A name that is an id plus a newline is not an id: never read, never answered, never put.
        assert not (outbox / "done" / f"{newline}.json").exists()
        assert host_s3.call(host_s3.reader, "get_object", Bucket=BUCKET, Key=f"{PREFIX}{newline}.csv") == "NoSuchKey"


# ---------------------------------------------------------------------------------------------
# Local: the committed CLI
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def local_model(settings, write_model) -> Path:
    path = write_model()
    settings.FRAUD_SCORING = "flag"
    settings.FRAUD_MODEL_PATH = str(path)
    return path


def wait_for_end(client) -> dict:
    retraining.retrain_wait(60)
    return client.get(RETRAIN).json()


# transaction=True: the retraining's own thread writes the status on its own connection.
@pytest.mark.django_db(transaction=True)
class LocalRetrainTests:
    def test_an_uploaded_csv_trains_a_model_the_backend_then_loads(self, staff_client, local_model):
        before = current_model()
        upload_id = upload(staff_client, csv_bytes(good_rows())).json()["id"]

        response = staff_client.post(RETRAIN, {"source": "upload", "upload_id": upload_id}, format="json")

        assert response.status_code == 202, response.json()
        assert response.json()["mode"] == "local" and response.json()["state"] == "running"
        status = wait_for_end(staff_client)
        assert status["state"] == "succeeded", status
        after = current_model()
        assert after is not None and after.sha256 != before.sha256
        assert after.sha256[:12] in status["message"]
        assert [p.name for p in local_model.parent.iterdir() if p.name.startswith(".retrain-")] == []

    def test_a_second_retrain_while_one_runs_is_a_409(self, settings, staff_client, local_model, tmp_path):
        slow = tmp_path / "slow-cli.js"
        slow.write_text("setTimeout(() => process.exit(3), 1500);\n")
        settings.FRAUD_RETRAIN_CLI = str(slow)
        before = local_model.read_bytes()

        first = staff_client.post(RETRAIN, {"source": "table"}, format="json")
        second = staff_client.post(RETRAIN, {"source": "table"}, format="json")

        assert first.status_code == 202
        assert second.status_code == 409 and "already running" in second.json()["message"]
        assert staff_client.get(RETRAIN).json()["state"] == "running"
        status = wait_for_end(staff_client)
        assert status["state"] == "failed" and "exited with 3" in status["message"]
        assert local_model.read_bytes() == before  # a failed run replaces nothing

    def test_without_a_model_path_retraining_is_a_409_saying_so(self, settings, staff_client):
        settings.FRAUD_MODEL_PATH = ""
        response = staff_client.post(RETRAIN, {"source": "table"}, format="json")
        assert response.status_code == 409 and "FRAUD_MODEL_PATH" in response.json()["message"]
        status = staff_client.get(RETRAIN).json()
        assert (status["mode"], status["state"]) == ("unavailable", "idle")

    def test_an_upload_taken_by_one_server_is_trained_on_by_another(
        self, settings, staff_client, local_model, tmp_path
    ):
        # Behind the load balancer the upload and the start may reach different servers: another
        # server is another FRAUD_TRAINING_DIR here (the same database, as RDS is).
        content = csv_bytes(good_rows())
        upload_id = upload(staff_client, content).json()["id"]
        seen = tmp_path / "seen-by-cli.csv"
        cli = tmp_path / "copying-cli.js"
        cli.write_text(
            "const fs = require('fs'); const a = process.argv;\n"
            f"fs.copyFileSync(a[a.indexOf('--source') + 1], {json.dumps(str(seen))});\n"
            "setTimeout(() => process.exit(3), 1500);\n"
        )
        settings.FRAUD_RETRAIN_CLI = str(cli)
        settings.FRAUD_TRAINING_DIR = str(tmp_path / "second-server")

        started = staff_client.post(RETRAIN, {"source": "upload", "upload_id": upload_id}, format="json")

        assert started.status_code == 202, started.json()
        status = wait_for_end(staff_client)
        assert status["state"] == "failed" and "exited with 3" in status["message"]
        assert seen.read_bytes() == content
        assert RetrainingStatus.objects.get().status["state"] == "failed"

    def test_uploads_older_than_the_limit_are_deleted_when_the_next_arrives(
        self, settings, staff_client, local_model, tmp_path
    ):
        settings.FRAUD_TRAINING_UPLOAD_DAYS = 3
        # Not the built CLI (dist/ may be mid-rebuild): the deleted upload is refused before any run.
        never_run = tmp_path / "never-run-cli.js"
        never_run.write_text("process.exit(9);\n")
        settings.FRAUD_RETRAIN_CLI = str(never_run)
        old = upload(staff_client, csv_bytes(good_rows(5))).json()["id"]
        recent = upload(staff_client, csv_bytes(good_rows(6))).json()["id"]
        TrainingUpload.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(days=3, minutes=1))
        TrainingUpload.objects.filter(pk=recent).update(created_at=timezone.now() - timedelta(days=2))

        newest = upload(staff_client, csv_bytes(good_rows(7))).json()["id"]

        assert sorted(TrainingUpload.objects.values_list("id", flat=True)) == sorted([recent, newest])
        gone = staff_client.post(RETRAIN, {"source": "upload", "upload_id": old}, format="json")
        assert gone.status_code == 404 and "upload it again" in gone.json()["message"]

    def test_an_unknown_upload_is_a_404(self, staff_client, local_model):
        response = staff_client.post(RETRAIN, {"source": "upload", "upload_id": "0" * 32}, format="json")
        assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_retraining_on_the_shops_table_trains_with_the_cli(staff_client, local_model):
    for i in range(80):
        TransactionFactory(
            card_fingerprint=f"fp{i % 20}",
            client_ip=f"10.0.0.{i % 25}",
            card_exp_month=i % 12 + 1,
            card_exp_year=2028,
            billing_country="US",
            status="succeeded" if i % 7 else "declined",
        )
    before = current_model()

    response = staff_client.post(RETRAIN, {"source": "table"}, format="json")

    assert response.status_code == 202, response.json()
    status = wait_for_end(staff_client)
    assert status["state"] == "succeeded", status
    assert current_model().sha256 != before.sha256
