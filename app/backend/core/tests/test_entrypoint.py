"""Several servers start at once against one fresh PostgreSQL database: the real entrypoint
(docker/backend/entrypoint.sh) running real gunicorn processes on free loopback ports.

To make "at once" certain rather than lucky, the test holds the migration lock itself while the
servers start (as a slow migration by another server would), and releases it only when every
server reports that it is waiting. Then they race for the lock: exactly one must apply the
migrations, and the others must find nothing left to do.
"""

import re
import urllib.request

import psycopg
import pytest

from core.management.commands.migrate_locked import MIGRATION_LOCK_KEY
from core.tests.servers import (
    database_url,
    entrypoint_environment,
    free_port,
    start_entrypoint,
    status,
    stop,
    wait_until,
)
from core.tests.servers import fresh_database as _fresh_database

SERVERS = 3


@pytest.fixture
def fresh_database():
    with _fresh_database("entrypoint") as database:
        yield database


@pytest.mark.postgres
class EntrypointTests:
    def test_servers_starting_together_all_come_up_and_migrate_exactly_once(self, fresh_database, tmp_path):
        name, params = fresh_database
        env = entrypoint_environment(url=database_url(name, params), tmp_path=tmp_path)
        ports = [free_port() for _ in range(SERVERS)]
        logs = [tmp_path / f"server-{index}.log" for index in range(SERVERS)]
        processes = []
        lock = psycopg.connect(dbname=name, autocommit=True, **params)
        try:
            lock.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            for port, log in zip(ports, logs, strict=True):
                processes.append(start_entrypoint({**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, log))
            wait_until(
                lambda: all("waiting for it" in log.read_text() for log in logs),
                90,
                "every server to wait for the migration lock",
                logs,
            )
            lock.close()  # as if the other server's migration finished

            wait_until(
                lambda: all(status(f"http://127.0.0.1:{port}/readyz") == 200 for port in ports),
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
            assert status(f"http://127.0.0.1:{ports[0]}/healthz") == 200
            # Metrics add up every gunicorn worker (PROMETHEUS_MULTIPROC_DIR), database time included.
            for _ in range(4):
                assert status(f"http://127.0.0.1:{ports[0]}/api/categories/") == 200
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
            stop(processes)
