"""Fraud scoring on /metrics: whether it is on (an alert keys on 0), and what it decided."""

from prometheus_client import Counter, Gauge

# livemin: under gunicorn, one worker without a model makes the shop's figure 0.
SCORING_ENABLED = Gauge(
    "fraud_scoring_enabled",
    "1 when charges are scored with a loaded model, 0 when scoring is off or has no usable model.",
    multiprocess_mode="livemin",
)
SCORED = Counter(
    "shop_fraud_scored_total",
    "Charge attempts scored at checkout, by outcome.",
    ["outcome"],  # passed, flagged, held
)
SCORING_FAILURES = Counter("shop_fraud_scoring_failures_total", "Charge attempts left unscored by an error.")
