"""The client side of scripts/bench/checkout-rush.sh: sets up buyers and stock through the API
and Django's shell, runs the rounds, prints latencies and the no-oversell/no-double-charge checks."""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "Rush-benchmark-password-1"  # noqa: S105 (a throw-away database)
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
BILLING = {"full_name": "R", "line1": "1 Row", "city": "X", "state": "", "postal_code": "1", "country": "US"}


def call(base: str, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict, float]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    except OSError:
        status, payload = 0, b"{}"
    return status, json.loads(payload or b"{}"), time.perf_counter() - started


def manage(code: str) -> str:
    backend = os.path.join(os.path.dirname(__file__), "..", "..", "app", "backend")
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=backend,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--stock", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    product_id = int(
        manage(
            "from product.models import Category, Product; c = Category.objects.create(name='Rush', slug='rush');"
            "print(Product.objects.create(category=c, name='Last units', slug='last-units', price='9.99', stock=0).pk)"
        )
    )
    tokens = []
    for index in range(args.buyers):
        email = f"rush{index}@example.com"
        call(args.base, "/api/auth/register/", {"email": email, "password": PASSWORD})
        status, body, _ = call(args.base, "/api/auth/token/", {"email": email, "password": PASSWORD})
        assert status == 200, body
        tokens.append(body["access"])

    every: list[float] = []
    failed = False
    for round_number in range(1, args.rounds + 1):
        manage(
            f"from product.models import Product; Product.objects.filter(pk={product_id}).update(stock={args.stock})"
        )
        before = json.loads(
            manage(
                "import json; from orders.models import Order; from payments.models import Transaction;"
                "print(json.dumps([Order.objects.filter(status='paid').count(),"
                " Transaction.objects.filter(status='succeeded').count()]))"
            )
        )
        start = threading.Barrier(args.buyers)
        body = {
            "items": [{"product_id": product_id, "quantity": 1}],
            "billing_address": BILLING,
            "payment": {"card": CARD},
        }

        def buy(index: int, body=body, start=start) -> list[tuple[int, float]]:
            headers = {"Authorization": f"Bearer {tokens[index]}", "Idempotency-Key": str(uuid.uuid4())}
            start.wait(timeout=60)
            if index % 2:  # a double click: the same request twice at once
                with ThreadPoolExecutor(2) as pair:
                    results = list(pair.map(lambda _: call(args.base, "/api/orders/", body, headers), range(2)))
            else:
                results = [call(args.base, "/api/orders/", body, headers)]
            return [(status, seconds) for status, _, seconds in results]

        began = time.perf_counter()
        with ThreadPoolExecutor(args.buyers) as pool:
            outcomes = [item for items in pool.map(buy, range(args.buyers), timeout=120) for item in items]
        elapsed = time.perf_counter() - began
        latencies = [seconds for _, seconds in outcomes]
        every.extend(latencies)
        codes = [status for status, _ in outcomes]
        after = json.loads(
            manage(
                "import json; from orders.models import Order; from payments.models import Transaction;"
                f"from product.models import Product; p = Product.objects.get(pk={product_id});"
                "print(json.dumps([Order.objects.filter(status='paid').count(),"
                " Transaction.objects.filter(status='succeeded').count(), p.stock,"
                " Order.objects.filter(status='pending').count()]))"
            )
        )
        sold = args.stock - after[2]
        orders, charges = after[0] - before[0], after[1] - before[1]
        ok = sold == args.stock and orders == sold and charges == sold and after[3] == 0 and after[2] >= 0
        failed |= not ok
        print(
            f"round {round_number}: {len(codes)} requests in {elapsed:.2f}s — "
            f"201: {codes.count(201)}, 409: {codes.count(409)}, "
            f"other: {len(codes) - codes.count(201) - codes.count(409)}{_other_statuses(codes)}; "
            f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms; sold {sold}/{args.stock}, paid orders {orders}, "
            f"charges {charges}, stock left {after[2]}, pending {after[3]} — {'ok' if ok else 'WRONG'}"
        )
    print(
        f"all rounds: {len(every)} requests, p50 {percentile(every, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(every, 0.99) * 1000:.0f} ms, max {max(every) * 1000:.0f} ms; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    return 1 if failed else 0


def _other_statuses(codes: list[int]) -> str:
    """" (503: 50, 0: 8)": the statuses that were neither 201 nor 409 (0: no HTTP answer)."""
    other = Counter(code for code in codes if code not in (201, 409))
    return f" ({', '.join(f'{code}: {n}' for code, n in other.most_common())})" if other else ""


if __name__ == "__main__":
    sys.exit(main())
