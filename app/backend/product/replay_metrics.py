"""django-prometheus' request metrics for a replayed catalog answer (product/middleware.py).

A replay skips the middlewares that count requests, so it records what they would have: every
series of PrometheusBeforeMiddleware and PrometheusAfterMiddleware, with the same labels and
values. Calling their methods did that, but they look each labelled series up again on every
request, build the request's header mapping to read two headers, and work out the response's
charset from its Content-Type: about half of their 15% of a worker's time holding the GIL on a
cached product detail (scripts/bench/backend-profile.sh, docs/benchmarks.md, Backend). Here each labelled series is
looked up once per label set, the headers are read from the WSGI environ, and the replay brings
its status, charset, length and view.

product/tests/apis/test_catalog_fast_path.py checks that a replay changes the same series by the
same counts as the whole path through django-prometheus' middlewares, so a release of
django-prometheus that adds a series fails there rather than going uncounted here.
"""

import time

from django.http import HttpRequest
from django_prometheus.middleware import Metrics
from prometheus_client import Counter, Histogram

# django-prometheus' own list: any other method is counted as "<invalid method>".
_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"))


class ReplayMetrics:
    def __init__(self, *, before: bool, after: bool):
        """before/after: record the series of that django-prometheus middleware (each only when
        it is in MIDDLEWARE, as the answer it stands in for would have passed through it)."""
        self.before = before
        self.after = after
        self.metrics = Metrics.get_instance()
        # (view, method, transport, status, charset) -> that answer's labelled series. Views and
        # statuses of replayed answers are a handful, so this stays small.
        self.series: dict[tuple[str, str, str, str, str], tuple[Counter | Histogram, ...]] = {}

    def record(
        self, request: HttpRequest, status_code: int, charset: str, body_bytes: int, view: str, started: float
    ) -> None:
        """Count one replayed answer; `started` is the time.perf_counter() of its arrival."""
        metrics = self.metrics
        elapsed = time.perf_counter() - started
        if self.before:
            metrics.requests_total.inc()
            metrics.responses_total.inc()
            metrics.requests_latency_before.observe(elapsed)
        if not self.after:
            return
        method = request.method if request.method in _METHODS else "<invalid method>"
        transport = "https" if request.is_secure() else "http"
        status = str(status_code)
        key = (view, method, transport, status, charset)
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = (
                metrics.requests_by_method.labels(method=method),
                metrics.requests_by_transport.labels(transport=transport),
                metrics.requests_by_view_transport_method.labels(view=view, transport=transport, method=method),
                metrics.responses_by_status.labels(status=status),
                metrics.responses_by_status_view_method.labels(status=status, view=view, method=method),
                metrics.responses_by_charset.labels(charset=charset),
                metrics.requests_latency_by_view_method.labels(view=view, method=method),
            )
        by_method, by_transport, by_view, by_status, by_status_view, by_charset, latency = series
        by_method.inc()
        by_transport.inc()
        if request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            metrics.requests_ajax.inc()
        metrics.requests_body_bytes.observe(_content_length(request))
        by_view.inc()
        by_status.inc()
        by_status_view.inc()
        by_charset.inc()
        metrics.responses_body_bytes.observe(body_bytes)
        latency.observe(elapsed)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # django-prometheus would raise here; a replay counts it as no body
        return 0
