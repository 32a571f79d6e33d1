"""Keeps each worker's fraud metrics current without waiting for a charge.

A worker checks its model when it scores a charge; one that has served none since it started,
or since the servers' fetch timer swapped a new model in, would go on reporting the state it
started in (fraud_scoring_enabled 0, the old model's fraud_model_trained_timestamp_seconds), and
the alerts on those would fire for an idle worker. Every few seconds of traffic (the load
balancer's health checks count) this asks current_model() once: one stat() of the model file,
a load only when it changed.
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fraud.scoring import current_model

REFRESH_SECONDS = 5.0


class ModelRefreshMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.checked = float("-inf")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        now = time.monotonic()
        if now - self.checked >= REFRESH_SECONDS:
            self.checked = now
            current_model()
        return response
