"""Cached catalog reads answered before the rest of the middleware chain (product/catalog_cache.py).

With the database off the hot path, a cached read's cost was Django's own request path: on one
connection a cached product list took 2.35 ms at p50 where /healthz, answered by the third
middleware, took 0.63 ms (docs/benchmarks.md, Backend). So the whole response a catalog read
produced — body and every header the middlewares below this one added (security, CORS,
X-Frame-Options) — is kept beside the body cache, under the same versioned key, and a repeat of
the same request is answered from it here.

"The same request" is what those middlewares and the view answer from: the absolute URL (scheme,
host, path and query) and the Origin header (CORS). Nothing else reaches them on a catalog GET:
the views ignore credentials (PublicReadStaffWriteMixin), use no session and set no cookie (a
response with a cookie is never kept). Conditional requests (If-None-Match, If-Modified-Since)
and anything but GET take the whole path. The keys carry the catalog version and this process's
generation, so the same writes that retire the body cache retire these.

The middlewares skipped include django-prometheus' "after" half, whose per-view counts and
latencies the dashboards and alerts read; an answer from here records every series they would
have (product/replay_metrics.py), under the view the URL resolves to, so the figures still count
every catalog read.

`CatalogFastPath` (config/wsgi.py) answers the same repeats one step earlier, in front of
Django's handler and the middlewares above this one, which were most of what a replayed read
still cost in Python (docs/benchmarks.md, Backend). It does what those layers do for such a
request — request_started/request_finished when it reads the catalog version from the database
(database connections checked and closed as usual; a replay under the process's lease uses no
connection and skips them), both halves of django-prometheus, the request id and log line, the
maintenance trigger — and
anything it cannot answer (a miss, the database down while the version is read) goes the whole
way, where this middleware stores what the full path produced.
"""

import functools
import hashlib
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import resolve, set_script_prefix

from core.maintenance import maybe_start_maintenance
from core.middleware import log_request, request_id_of
from product import catalog_cache
from product.replay_metrics import ReplayMetrics

_PROMETHEUS_BEFORE = "django_prometheus.middleware.PrometheusBeforeMiddleware"
_PROMETHEUS_AFTER = "django_prometheus.middleware.PrometheusAfterMiddleware"
_REQUEST_LOG = "core.middleware.RequestLogMiddleware"
_CATALOG_READ = re.compile(r"^/api/(?:products/(?:\d+/)?|categories/)$")


@functools.lru_cache(maxsize=4096)
def _view_name(path: str) -> str:
    """The view a replayed path resolves to, for the metrics' view label (as django-prometheus
    names it). Resolving the URL again for every replay was 7.7% of a worker's time holding the
    GIL on a cached product detail (py-spy --gil, docs/benchmarks.md, Backend); only paths with a
    kept response are replayed, so one name per path is kept (bounded like the response cache)."""
    return resolve(path).view_name or "<unnamed view>"


def _key(request: HttpRequest, version: tuple[str, int]) -> str | None:
    try:
        url = request.build_absolute_uri()  # validates the host, as CommonMiddleware would
    except DisallowedHost:
        return None
    signature = "\n".join((url, request.META.get("HTTP_ORIGIN", "")))
    token, generation = version
    return f"response:{token}:{generation}:{hashlib.sha256(signature.encode()).hexdigest()}"


def _replayable(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and _CATALOG_READ.match(request.path_info) is not None
        and "HTTP_IF_NONE_MATCH" not in request.META
        and "HTTP_IF_MODIFIED_SINCE" not in request.META
    )


def _replayed(entry: tuple[dict[str, str], bytes]) -> HttpResponse:
    headers, body = entry
    return HttpResponse(body, headers=headers)


class CatalogResponseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.cache = caches[catalog_cache.CACHE_ALIAS]
        # Inside Django's chain the "before" half of django-prometheus has already counted it.
        self.metrics = ReplayMetrics(before=False, after=_PROMETHEUS_AFTER in settings.MIDDLEWARE)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _replayable(request):
            return self.get_response(request)
        entry = self.lookup(request)
        if entry is not None:
            return self.replay(request, entry)
        response = self.get_response(request)
        version = getattr(response, "catalog_version", None)
        if response.status_code == 200 and version is not None and not response.cookies:
            key = _key(request, version)
            if key:
                self.cache.set(key, (dict(response.headers), response.content))
        return response

    def replay(self, request: HttpRequest, entry: tuple[dict[str, str], bytes]) -> HttpResponse:
        started = time.perf_counter()
        response = _replayed(entry)
        self.metrics.record(request, response, _view_name(request.path_info), started)
        return response

    def lookup(
        self, request: HttpRequest, version: tuple[str, int] | None = None
    ) -> tuple[dict[str, str], bytes] | None:
        """The response kept for this request under the catalog's current version, if any. The
        version is read (which may raise DatabaseError) unless given."""
        if not _replayable(request):
            return None
        key = _key(request, version or catalog_cache.current_key_version())
        return self.cache.get(key) if key else None


class CatalogFastPath:
    """WSGI application in front of Django's (config/wsgi.py): replays a kept catalog response
    (CatalogResponseMiddleware) without Django's handler and middleware chain, doing for it what
    they would do (module docstring); everything else goes to `application`."""

    def __init__(self, application: Callable[..., Iterable[bytes]]):
        self.application = application
        middleware = settings.MIDDLEWARE
        self.store = CatalogResponseMiddleware(lambda request: HttpResponse(status=500))
        self.metrics = ReplayMetrics(before=_PROMETHEUS_BEFORE in middleware, after=_PROMETHEUS_AFTER in middleware)
        # Without the request log, or with the response middleware missing, nothing is replayed here.
        self.enabled = _REQUEST_LOG in middleware and "product.middleware.CatalogResponseMiddleware" in middleware

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (
            not self.enabled
            or environ.get("REQUEST_METHOD") != "GET"
            or not _CATALOG_READ.match(environ.get("PATH_INFO", ""))
        ):
            return self.application(environ, start_response)
        start = time.perf_counter()
        set_script_prefix(get_script_name(environ))  # as Django's WSGIHandler does
        request = WSGIRequest(environ)
        version = catalog_cache.leased_key_version()
        # request_started and request_finished are what Django gives a request's database
        # connections: checked and closed past their age or broken (and its caches closed). A
        # replay under this process's lease uses none, and sends neither: they were 7.8% of a
        # worker's time holding the GIL on a cached product detail (docs/benchmarks.md, Backend).
        # One that reads the version from the database gets both, as from Django's handler.
        uses_database = version is None
        if uses_database:
            signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            entry = self.store.lookup(request, version)
        except DatabaseError:
            entry = None  # the whole path answers (503) and deals with the connection
        if entry is None:  # Django's handler sends request_started again: it only checks connections
            return self.application(environ, start_response)
        request.request_id = request_id_of(request)
        response = _replayed(entry)
        # In the order of the middlewares these stand in for; django-prometheus' two are outermost.
        maybe_start_maintenance()
        log_request(request, response, start)
        self.metrics.record(request, response, _view_name(request.path_info), start)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        if not uses_database:
            return (response.content,)  # no HttpResponse.close(): it would send request_finished
        # HttpResponse.close() (called by the server) sends request_finished, as for Django's own.
        response._resource_closers.append(request.close)
        return response
