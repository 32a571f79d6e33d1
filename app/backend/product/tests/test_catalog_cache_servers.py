"""The catalog cache across processes and servers (product/catalog_cache.py): each process keeps
the catalog version it read under a short lease instead of asking PostgreSQL on every request,
and a write waits that lease out before it answers. So a price written through one server is
what every worker of every server shows from the write's answer on, while readers keep their
leases warm.

Two real servers (the container entrypoint: gunicorn, 2 workers x 2 threads each) on one fresh
PostgreSQL database; staff writes go to the first, reads to both."""

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.tests.servers import (
    database_url,
    fresh_database,
    request,
    start_server,
    stop,
)

STAFF = {"email": "staff-cache@example.com", "password": "Cache-test-password-1"}
WRITES = 12
READS_AFTER_EACH_WRITE = 8


@pytest.mark.postgres
class CatalogCacheAcrossServersTests:
    def test_a_price_written_through_one_server_is_what_every_worker_of_both_shows_after_the_answer(self, tmp_path):
        with fresh_database("catalog_cache") as (name, params):
            url = database_url(name, params)
            common = {"THROTTLE_AUTH_RATE": "10000/min", "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2"}
            servers = []
            try:
                server_a, a = start_server(
                    url=url,
                    tmp_path=tmp_path,
                    log=tmp_path / "a.log",
                    timeout=120,
                    SEED_DEMO_CATALOG="true",
                    DJANGO_SUPERUSER_EMAIL=STAFF["email"],
                    DJANGO_SUPERUSER_PASSWORD=STAFF["password"],
                    **common,
                )
                servers.append(server_a)
                server_b, b = start_server(
                    url=url, tmp_path=tmp_path, log=tmp_path / "b.log", timeout=120, RUN_MIGRATIONS="false", **common
                )
                servers.append(server_b)
                self._check(a, b)
            finally:
                stop(servers)

    def _check(self, writer: str, reader: str) -> None:
        code, body = request(
            f"{writer}/api/auth/token/", data=json.dumps(STAFF).encode(), headers={"Content-Type": "application/json"}
        )
        assert code == 200, body
        headers = {"Authorization": f"Bearer {json.loads(body)['access']}", "Content-Type": "application/json"}
        code, body = request(f"{reader}/api/products/")
        assert code == 200, body
        product_id = json.loads(body)["results"][0]["id"]
        detail = f"/api/products/{product_id}/"

        def price(base: str) -> str:
            code, body = request(f"{base}{detail}")
            assert code == 200, body
            return json.loads(body)["price"]

        def listed_price(base: str) -> str:
            code, body = request(f"{base}/api/products/")
            assert code == 200, body
            return next(p["price"] for p in json.loads(body)["results"] if p["id"] == product_id)

        # Readers on both servers all along: every worker holds a fresh lease when a write lands.
        running = threading.Event()
        running.set()
        background_reads = []

        def keep_reading(base: str) -> None:
            while running.is_set():
                background_reads.append(price(base))

        stale: list[tuple[str, str]] = []
        with ThreadPoolExecutor(4) as background, ThreadPoolExecutor(READS_AFTER_EACH_WRITE) as readers:
            loops = [background.submit(keep_reading, base) for base in (writer, reader, reader, writer)]
            try:
                time.sleep(1)
                for n in range(WRITES):
                    new = f"{30 + n}.00"
                    code, body = _patch(f"{writer}{detail}", {"price": new}, headers)
                    assert code == 200, body
                    # Right after the answer: detail and list, on both servers, several at once.
                    futures = [
                        readers.submit(read, base)
                        for base in (reader, writer)
                        for read in (price, listed_price)
                        for _ in range(READS_AFTER_EACH_WRITE // 4)
                    ]
                    stale += [(new, f.result()) for f in futures if f.result() != new]
            finally:
                running.clear()
                for loop in loops:
                    loop.result(timeout=30)
        assert len(background_reads) > 50, "the readers kept the workers' leases warm"
        assert stale == [], f"reads after a write's answer showed an older price: {stale}"


def _patch(url: str, data: dict, headers: dict) -> tuple[int | None, bytes]:
    call = urllib.request.Request(url, data=json.dumps(data).encode(), headers=headers, method="PATCH")  # noqa: S310
    try:
        with urllib.request.urlopen(call, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
