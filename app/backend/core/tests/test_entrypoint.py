"""Several servers start at once against one fresh PostgreSQL database: the real entrypoint
(docker/backend/entrypoint.sh) running real gunicorn processes on free loopback ports.

To make "at once" certain rather than lucky, the test holds the migration lock itself while the
servers start (as a slow migration by another server would), and releases it only when every
server reports that it is waiting. Then they race for the lock: exactly one must apply the
migrations, and the others must find nothing left to do.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from core.management.commands.migrate_locked import MIGRATION_LOCK_KEY

BACKEND = Path(__file__).resolve().parents[2]
ENTRYPOINT = BACKEND.parent.parent / "docker" / "backend" / "entrypoint.sh"
SERVERS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(predicate, timeout: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    output = "\n\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{output}")


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@pytest.fixture
def fresh_database():
    database = settings.DATABASES["default"]
    params = {
        "host": database["HOST"] or "127.0.0.1",
        "port": int(database["PORT"] or 5432),
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
    }
    name = f"entrypoint_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, params
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
class EntrypointTests:
    def test_servers_starting_together_all_come_up_and_migrate_exactly_once(self, fresh_database, tmp_path):
        name, params = fresh_database
        password = f":{params['password']}" if params["password"] else ""
        url = f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "PROMETHEUS_"))}
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
        ports = [_free_port() for _ in range(SERVERS)]
        logs = [tmp_path / f"server-{index}.log" for index in range(SERVERS)]
        processes: list[subprocess.Popen] = []
        lock = psycopg.connect(dbname=name, autocommit=True, **params)
        try:
            lock.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            for port, log in zip(ports, logs, strict=True):
                with log.open("wb") as output:
                    processes.append(
                        subprocess.Popen(  # noqa: S603 (our own script)
                            ["/bin/sh", str(ENTRYPOINT)],
                            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                            stdout=output,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
            _wait_until(
                lambda: all("waiting for it" in log.read_text() for log in logs),
                90,
                "every server to wait for the migration lock",
                logs,
            )
            lock.close()  # as if the other server's migration finished

            _wait_until(
                lambda: all(_status(f"http://127.0.0.1:{port}/readyz") == 200 for port in ports),
                120,
                "every server's /readyz to answer 200",
                logs,
            )
            outputs = [log.read_text() for log in logs]
            applied = [text for text in outputs if re.search(r"migrate_locked: applied \d+ migrations", text)]
            idle = [text for text in outputs if "migrate_locked: nothing to apply" in text]
            assert (len(applied), len(idle)) == (1, SERVERS - 1), outputs
            assert all("waited for the migration lock" in text for text in outputs)
            assert all(process.poll() is None for process in processes)

            with psycopg.connect(dbname=name, **params) as check:
                duplicates = check.execute(
                    "SELECT app, name FROM django_migrations GROUP BY app, name HAVING count(*) > 1"
                ).fetchall()
                total = check.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
                transactions = check.execute("SELECT to_regclass('payments_transaction')").fetchone()[0]
            assert duplicates == []
            assert total == int(re.search(r"applied (\d+) migrations", applied[0]).group(1))
            assert transactions == "payments_transaction"
            assert _status(f"http://127.0.0.1:{ports[0]}/healthz") == 200
            # Metrics add up every gunicorn worker (PROMETHEUS_MULTIPROC_DIR), database time included.
            for _ in range(4):
                assert _status(f"http://127.0.0.1:{ports[0]}/api/categories/") == 200
            with urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/metrics", timeout=5) as response:
                metrics = response.read().decode()
            requests = re.search(
                r'^django_http_requests_total_by_method_total\{method="GET"\} ([0-9.]+)$', metrics, re.M
            )
            assert requests and float(requests.group(1)) >= 4, metrics
            assert 'django_db_execute_total{alias="default",vendor="postgresql"}' in metrics
        finally:
            if not lock.closed:
                lock.close()
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
