"""A loopback stand-in for the few Stripe API calls the Stripe gateway makes, answering with
the response shapes Stripe documents (https://docs.stripe.com/api). The real API cannot be
reached from the tests; this lets them run the real `stripe` client and gateway code end to end.

PaymentMethods named after Stripe's test tokens choose the outcome:
  pm_card_visa (or any other)        succeeds
  pm_card_chargeDeclined             card_error, decline_code generic_decline (HTTP 402)
  pm_card_authenticationRequired     PaymentIntent in status requires_action
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

CARD = {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2035, "fingerprint": "Xt5EWLLDS7FJjR1c"}


class StripeStandIn:
    def __init__(self):
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        # (path, Idempotency-Key header) of each POST, in order; and seconds to wait before answering
        # a PaymentIntent (a slow or unreachable Stripe).
        self.idempotency_keys: list[tuple[str, str | None]] = []
        self.intent_delay = 0.0
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out first (intent_delay): what the test wants

            def do_GET(self):
                standin.requests.append(("GET", self.path, {}))
                if self.path.startswith("/v1/payment_methods/"):
                    method_id = self.path.rsplit("/", 1)[-1]
                    return self._answer(200, {"id": method_id, "object": "payment_method", "card": CARD})
                return self._answer(404, {"error": {"type": "invalid_request_error", "message": "No such route"}})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                standin.requests.append(("POST", self.path, form))
                standin.idempotency_keys.append((self.path, self.headers.get("Idempotency-Key")))
                if self.path == "/v1/customers":
                    return self._answer(200, {"id": f"cus_{uuid.uuid4().hex[:14]}", "object": "customer"})
                if self.path == "/v1/refunds":
                    return self._answer(200, {"id": f"re_{uuid.uuid4().hex[:14]}", "object": "refund"})
                if self.path == "/v1/payment_intents":
                    time.sleep(standin.intent_delay)
                    method = form.get("payment_method", "")
                    if method == "pm_card_chargeDeclined":
                        return self._answer(
                            402,
                            {
                                "error": {
                                    "type": "card_error",
                                    "code": "card_declined",
                                    "decline_code": "generic_decline",
                                    "message": "Your card was declined.",
                                }
                            },
                        )
                    status = "requires_action" if method == "pm_card_authenticationRequired" else "succeeded"
                    return self._answer(
                        200,
                        {
                            "id": f"pi_{uuid.uuid4().hex[:14]}",
                            "object": "payment_intent",
                            "status": status,
                            "amount": int(form["amount"]),
                            "currency": form["currency"],
                        },
                    )
                return self._answer(404, {"error": {"type": "invalid_request_error", "message": "No such route"}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "StripeStandIn":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posted(self, path: str) -> list[dict[str, str]]:
        return [form for method, p, form in self.requests if method == "POST" and p == path]
