"""Fraud scoring on /metrics: whether it is on (an alert keys on 0), and what it decided.

The gauges without labels are created at their first use, not at import. Under gunicorn with
preload_app the master imports this module before it forks, and in multiprocess mode a gauge
created there writes a 0 into a file of the master's own pid: a process that lives as long as
the server and never scores, so "livemin" over the live processes would always say 0
(fraud_scoring_enabled off, fraud_model_trained_timestamp_seconds 1970) however the workers are.
Created at first use, they exist only in the workers, which set them. (Labelled gauges create
nothing until .labels() is called, so they need no such care.)
"""

from collections.abc import Callable
from typing import Any

from prometheus_client import Counter, Gauge


class _FirstUse:
    """A metric created by `factory` when it is first used, in the process that uses it."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._metric: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._metric is None:
            self._metric = self._factory()
        return getattr(self._metric, name)


# livemin: under gunicorn, one worker without a model makes the shop's figure 0.
SCORING_ENABLED = _FirstUse(
    lambda: Gauge(
        "fraud_scoring_enabled",
        "1 when charges are scored with a loaded model, 0 when scoring is off or has no usable model.",
        multiprocess_mode="livemin",
    )
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
MODEL_TRAINED = _FirstUse(
    lambda: Gauge(
        "fraud_model_trained_timestamp_seconds",
        "When the loaded model was trained (training.createdAt), seconds since the epoch; 0 when its "
        "file names no time.",
        multiprocess_mode="livemin",
    )
)
