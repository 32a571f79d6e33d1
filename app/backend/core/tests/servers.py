"""Real servers for tests: a fresh PostgreSQL database and the backend's container entrypoint
(docker/backend/entrypoint.sh: wait, migrate, gunicorn) on a free loopback port."""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

BACKEND = Path(__file__).resolve().parents[2]
ENTRYPOINT = BACKEND.parent.parent / "docker" / "backend" / "entrypoint.sh"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    output = "\n\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{output}")


def request(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout: float = 5):
    """(status, body) of one request; status None when nothing answered."""
    call = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return None, b""


def status(url: str) -> int | None:
    return request(url, timeout=2)[0]


def server_params() -> dict:
    database = settings.DATABASES["default"]
    return {
        "host": database["HOST"] or "127.0.0.1",
        "port": int(database["PORT"] or 5432),
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
    }


def database_url(name: str, params: dict) -> str:
    password = f":{params['password']}" if params["password"] else ""
    return f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[tuple[str, dict]]:
    """An empty database on the test run's PostgreSQL, dropped afterwards."""
    params = server_params()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, params
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def entrypoint_environment(*, url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    ours = ("DJANGO_", "GUNICORN_", "PROMETHEUS_", "THROTTLE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        DATABASE_URL=url,
        DJANGO_SECRET_KEY="entrypoint-test-secret-key-0123456789",
        CARD_FINGERPRINT_KEY="entrypoint-test-fingerprint-key",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        APP_DIR=str(BACKEND),
        PYTHON=sys.executable,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
        TMPDIR=str(tmp_path),
        DB_WAIT_TIMEOUT="30",
    )
    env.update(extra)
    return env


def start_entrypoint(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 (our own script)
            ["/bin/sh", str(ENTRYPOINT)], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def start_server(
    *, url: str, tmp_path: Path, log: Path, ready: str = "/readyz", timeout: float = 90, **extra: str
) -> tuple[subprocess.Popen, str]:
    """The real entrypoint on a free loopback port, waited for until `ready` answers 200; returns
    the process and its base URL. A server that never gets ready is stopped before the error."""
    port = free_port()
    env = entrypoint_environment(url=url, tmp_path=tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", **extra)
    process = start_entrypoint(env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: status(base + ready) == 200, timeout, log.stem, [log])
    except BaseException:
        stop([process])
        raise
    return process, base


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class ThrowawayCluster:
    """A PostgreSQL cluster of the test's own in a temporary directory, on a free port, which the
    test may stop and start (never the machine's shared server). Run as the postgres system user
    when the tests run as root (initdb refuses root), as scripts/lib/common.sh ensure_postgres does."""

    def __init__(self, directory: Path):
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        if not bindirs:
            pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
        self.bin = Path(bindirs[-1])
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(directory, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=60)  # noqa: S603

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory}"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[ThrowawayCluster]:
    # Its own directory right under /tmp: the postgres user cannot enter pytest's (root's, 0700).
    directory = Path(tempfile.mkdtemp(prefix="pg-throwaway."))
    try:
        cluster = ThrowawayCluster(directory)
        cluster.init()
        cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
