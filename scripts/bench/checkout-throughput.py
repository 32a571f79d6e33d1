"""The client side of scripts/bench/fraud-checkout-throughput.sh: BUYERS buyers check out one unit
each, again and again, for SECONDS seconds (a closed loop: each sends its next order when the last
one answered), against one running server. Prints one machine-readable RESULT line: orders per
second, p50/p99 latency, and how many answers were not 201.

Buyers and their tokens are made once by `setup` (written as JSON to a file) so that every round
of the benchmark checks out with the same accounts against a server started afresh."""

import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "Throughput-benchmark-password-1"  # noqa: S105 (a throw-away database)
# Each buyer pays with a card and from an address of its own, as a shop's buyers do: the fraud
# score's cross-row counts read every earlier attempt of the attempt's card and IP, so one card
# and one address for everybody (--shared) is the worst case, not the shop's.
CARDS = [
    "4242424242424242",
    "4000056655665556",
    "5555555555554444",
    "2223003122003222",
    "5200828282828210",
    "5105105105105100",
    "6011111111111117",
    "6011000990139424",
    "6011981111111113",
    "3566002020360505",
    "6200000000000005",
    "3056930009020004",
]
BILLING = {
    "full_name": "Bench Buyer",
    "line1": "1 Main St",
    "city": "Austin",
    "state": "TX",
    "postal_code": "73301",
    "country": "US",
}


def call(base: str, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except OSError:
        return 0, {}


def setup(base: str, buyers: int, output: str) -> None:
    tokens = []
    for index in range(buyers):
        email = f"throughput{index}@example.com"
        call(base, "/api/auth/register/", {"email": email, "password": PASSWORD})
        status, body = call(base, "/api/auth/token/", {"email": email, "password": PASSWORD})
        if status != 200:
            sys.exit(f"could not sign in {email}: {status} {body}")
        tokens.append(body["access"])
    with open(output, "w") as file:
        json.dump(tokens, file)


def run(base: str, tokens: list[str], products: list[int], seconds: float, shared: bool) -> None:
    # The clock starts once, when every buyer is ready (the barrier's action runs in one thread).
    deadline: list[float] = []
    start = threading.Barrier(len(tokens), action=lambda: deadline.append(time.perf_counter() + seconds))

    def buyer(index: int) -> list[tuple[int, float]]:
        token, product_id = tokens[index], products[index]
        own = 0 if shared else index
        card = {"number": CARDS[own % len(CARDS)], "exp_month": 12, "exp_year": 2035, "cvc": "123"}
        body = {
            "items": [{"product_id": product_id, "quantity": 1}],
            "billing_address": BILLING,
            "payment": {"card": card},
        }
        # The backend believes X-Forwarded-For from loopback (its proxy); TEST-NET-2 addresses.
        address = f"198.51.100.{own % 250 + 1}"
        results = []
        start.wait(timeout=60)
        while time.perf_counter() < deadline[0]:
            headers = {
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": str(uuid.uuid4()),
                "X-Forwarded-For": address,
            }
            began = time.perf_counter()
            status, _ = call(base, "/api/orders/", body, headers)
            results.append((status, time.perf_counter() - began))
        return results

    began = time.perf_counter()
    with ThreadPoolExecutor(len(tokens)) as pool:
        outcomes = [item for items in pool.map(buyer, range(len(tokens))) for item in items]
    elapsed = time.perf_counter() - began
    latencies = sorted(seconds for _, seconds in outcomes)
    codes = Counter(status for status, _ in outcomes)
    created = codes.pop(201, 0)

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000 if latencies else 0.0

    other = ",".join(f"{code}:{n}" for code, n in codes.most_common()) or "-"
    print(
        f"RESULT orders={created} seconds={elapsed:.3f} ops={created / elapsed:.1f} "
        f"p50_ms={percentile(0.5):.1f} p99_ms={percentile(0.99):.1f} other={sum(codes.values())} statuses={other}"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("setup")
    make.add_argument("--buyers", type=int, required=True)
    make.add_argument("--output", required=True)
    load = sub.add_parser("run")
    load.add_argument("--tokens", required=True)
    load.add_argument("--products", required=True, help="product ids, comma-separated: one per buyer")
    load.add_argument("--shared", action="store_true", help="every buyer with the same card and address")
    load.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    if args.command == "setup":
        setup(args.base, args.buyers, args.output)
    else:
        with open(args.tokens) as file:
            tokens = json.load(file)
        products = [int(p) for p in args.products.split(",")]
        if len(products) != len(tokens):
            sys.exit(f"--products names {len(products)} products for {len(tokens)} buyers: one each")
        run(args.base, tokens, products, args.seconds, args.shared)
    return 0


if __name__ == "__main__":
    sys.exit(main())
