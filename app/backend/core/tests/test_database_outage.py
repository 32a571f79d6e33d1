"""PostgreSQL goes away in the middle of a load run and comes back: the backend (real gunicorn,
through the real entrypoint) answers 503 meanwhile — /readyz, the API and the admin of a signed-in
staff member, quickly, never 500 —
recovers by itself without a restart, and no order is left half-written.

The database is a throw-away cluster this test starts, stops and starts again on its own port;
the machine's shared PostgreSQL is never touched."""

import http.cookiejar
import json
import re
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from core.tests.servers import (
    BACKEND,
    entrypoint_environment,
    free_port,
    request,
    start_entrypoint,
    status,
    stop,
    throwaway_cluster,
    wait_until,
)

PASSWORD = "Outage-test-password-1"
STAFF_EMAIL = "staff-outage@example.com"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
BILLING = {"full_name": "O", "line1": "1 Row", "city": "X", "state": "", "postal_code": "1", "country": "US"}
STOCK = 10_000
# No answer may take longer than this, outage or not (connect_timeout is 2 s here, 5 s by default).
BOUND_SECONDS = 8


@pytest.mark.postgres
class DatabaseOutageTests:
    def test_an_outage_mid_load_gives_503s_then_recovers_without_a_restart_and_no_half_orders(self, tmp_path):
        with throwaway_cluster() as cluster:
            with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
                admin.execute("CREATE DATABASE shop")
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = tmp_path / "server.log"
            env = entrypoint_environment(
                url=cluster.url("shop"),
                tmp_path=tmp_path,
                GUNICORN_BIND=f"127.0.0.1:{port}",
                GUNICORN_WORKERS="2",
                GUNICORN_THREADS="2",
                DB_CONNECT_TIMEOUT="2",
                THROTTLE_AUTH_RATE="10000/min",
                THROTTLE_CHECKOUT_RATE="10000/min",
                # The admin's pages need their static files collected, as the image does.
                DJANGO_STATIC_ROOT=str(tmp_path / "static"),
            )
            subprocess.run(  # noqa: S603
                [env["PYTHON"], "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                cwd=BACKEND,
                env=env,
                check=True,
                capture_output=True,
            )
            server = start_entrypoint(env, log)
            try:
                wait_until(lambda: status(f"{base}/readyz") == 200, 120, "the server", [log])
                product_id = self._seed(env)
                token = self._token(base)
                admin_cookie = self._admin_session(base)
                results: list[tuple[str, float, int | None, float]] = []  # (kind, started, status, seconds)
                running = threading.Event()
                running.set()

                def load(worker: int) -> None:
                    while running.is_set():
                        for kind, url, body, headers in (
                            ("list", f"{base}/api/products/", None, {}),
                            ("admin", f"{base}/admin/orders/order/", None, {"Cookie": admin_cookie}),
                            ("readyz", f"{base}/readyz", None, {}),
                            (
                                "checkout",
                                f"{base}/api/orders/",
                                json.dumps(
                                    {
                                        "items": [{"product_id": product_id, "quantity": 1}],
                                        "billing_address": BILLING,
                                        "payment": {"card": CARD},
                                    }
                                ).encode(),
                                {
                                    "Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json",
                                    "Idempotency-Key": str(uuid.uuid4()),
                                },
                            ),
                        ):
                            started = time.monotonic()
                            code, _ = request(url, data=body, headers=headers, timeout=BOUND_SECONDS + 5)
                            results.append((kind, started, code, time.monotonic() - started))

                with ThreadPoolExecutor(3) as pool:
                    workers = [pool.submit(load, n) for n in range(3)]
                    time.sleep(3)
                    down_at = time.monotonic()
                    cluster.stop()
                    wait_until(lambda: status(f"{base}/readyz") == 503, BOUND_SECONDS, "/readyz to say 503", [log])
                    time.sleep(4)
                    up_at = time.monotonic()
                    cluster.start()
                    wait_until(lambda: status(f"{base}/readyz") == 200, 30, "/readyz to recover", [log])
                    recovered_at = time.monotonic()
                    time.sleep(3)
                    running.clear()
                    for worker in workers:
                        worker.result(timeout=60)
                assert server.poll() is None, "the server kept running (no restart)"
                during = [r for r in results if down_at + 0.5 < r[1] and r[1] + r[3] < up_at]
                after = [r for r in results if r[1] > recovered_at]
                statuses = {code for _, _, code, _ in results}
                slowest = max(seconds for *_, seconds in results)
            finally:
                stop([server])
            self._check_orders(cluster.url("shop"), product_id)

        assert 500 not in statuses and None not in statuses, statuses
        assert slowest < BOUND_SECONDS, slowest
        for kind in ("list", "readyz", "checkout", "admin"):
            assert {code for k, _, code, _ in during if k == kind} == {503}, (kind, during)
            assert {code for k, _, code, _ in after if k == kind} == {201 if kind == "checkout" else 200}, (kind, after)

    @staticmethod
    def _seed(env: dict[str, str]) -> int:
        code = (
            "from account.models import User;"
            f"User.objects.create_superuser(email='{STAFF_EMAIL}', password='{PASSWORD}');"
            "from product.models import Category, Product; c = Category.objects.create(name='Out', slug='out');"
            f"print(Product.objects.create(category=c, name='Kettle', slug='kettle', price='5.00', stock={STOCK}).pk)"
        )
        output = subprocess.run(  # noqa: S603
            [env["PYTHON"], "manage.py", "shell", "--no-imports", "-c", code],
            cwd=BACKEND,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return int(output.stdout.strip().splitlines()[-1])

    @staticmethod
    def _token(base: str) -> str:
        body = json.dumps({"email": "outage@example.com", "password": PASSWORD}).encode()
        headers = {"Content-Type": "application/json"}
        assert request(f"{base}/api/auth/register/", data=body, headers=headers)[0] == 201
        code, answer = request(f"{base}/api/auth/token/", data=body, headers=headers)
        assert code == 200
        return json.loads(answer)["access"]

    @staticmethod
    def _admin_session(base: str) -> str:
        """The Cookie header of a staff member signed in to the admin through its login form."""
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = browser.open(f"{base}/admin/login/?next=/admin/", timeout=10).read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode(
            {"username": STAFF_EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": csrf, "next": "/admin/"}
        ).encode()
        with browser.open(f"{base}/admin/login/?next=/admin/", data=body, timeout=10) as answer:
            assert answer.url.endswith("/admin/"), answer.url  # signed in: sent on to the index
        cookies = {cookie.name: cookie.value for cookie in jar}
        assert "sessionid" in cookies
        return "; ".join(f"{name}={value}" for name, value in cookies.items())

    @staticmethod
    def _check_orders(url: str, product_id: int) -> None:
        with psycopg.connect(url) as db:
            half = db.execute(
                """
                SELECT o.id FROM orders_order o
                LEFT JOIN orders_orderitem i ON i.order_id = o.id
                WHERE o.status = 'paid'
                GROUP BY o.id, o.total
                HAVING count(i.id) = 0 OR sum(i.line_total) <> o.total
                    OR NOT EXISTS (SELECT 1 FROM payments_transaction t
                                   WHERE t.order_id = o.id AND t.status = 'succeeded')
                """
            ).fetchall()
            stock = db.execute("SELECT stock FROM product_product WHERE id = %s", [product_id]).fetchone()[0]
            taken = db.execute(
                "SELECT coalesce(sum(quantity), 0) FROM orders_orderitem WHERE product_id = %s", [product_id]
            ).fetchone()[0]
            paid = db.execute("SELECT count(*) FROM orders_order WHERE status = 'paid'").fetchone()[0]
            charges = db.execute("SELECT count(*) FROM payments_transaction WHERE status = 'succeeded'").fetchone()[0]
        assert half == [], "paid orders without items, with wrong totals or without a charge"
        assert stock + taken == STOCK, "every unit is either in stock or in an order (paid or still reserved)"
        assert charges == paid and paid > 0
