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
# The setting, so an alert can tell "off on purpose" from "no usable model": 1 for the mode in
# force, 0 for the others.
SCORING_MODE = Gauge(
    "fraud_scoring_mode",
    "1 for the FRAUD_SCORING value in force (flag, hold or off).",
    ["mode"],
    multiprocess_mode="livemax",
)
# The loaded model: 1 on its labels, 0 on those of a model a worker has replaced (a label set
# cannot be removed from gunicorn's shared metric files).
MODEL_INFO = Gauge(
    "fraud_model_info",
    "1 for the model file each worker scores with: sha256 (first 12 hex digits), trained_at "
    "(its training.createdAt), profile.",
    ["sha256", "trained_at", "profile"],
    multiprocess_mode="livemax",
)
# livemin: the oldest model any worker still scores with is what an age alert should see.
MODEL_TRAINED = Gauge(
    "fraud_model_trained_timestamp_seconds",
    "When the loaded model was trained (training.createdAt), seconds since the epoch; 0 when its file names no time.",
    multiprocess_mode="livemin",
)
