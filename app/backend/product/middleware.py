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
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from django.conf import settings
from django.core import signals
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import resolve, set_script_prefix

from core.maintenance import maybe_start_maintenance
from core.middleware import log_request_line, request_id_of
from product import catalog_cache
from product.replay_metrics import ReplayMetrics

_PROMETHEUS_BEFORE = "django_prometheus.middleware.PrometheusBeforeMiddleware"
_PROMETHEUS_AFTER = "django_prometheus.middleware.PrometheusAfterMiddleware"
_REQUEST_LOG = "core.middleware.RequestLogMiddleware"
_CATALOG_READ = re.compile(r"^/api/(?:products/(?:\d+/)?|categories/)$")


class Replay(NamedTuple):
    """A kept response as a replay sends it."""

    status: str  # the WSGI status line
    status_code: int
    headers: tuple[tuple[str, str], ...]  # every header Django would send, but X-Request-ID
    body: bytes
    charset: str
    view: str  # the view the URL resolves to, as django-prometheus names it


class _NotKept(Exception):
    """No response is kept under the key (raised, so the LRU cache below keeps no miss)."""


# Replays by cache key, made once per process from the kept entry. Unpickling the entry from the
# cache, building its HttpResponse and header list and resolving the URL again on every replay
# were about 11% of a worker's time holding the GIL on a cached product detail
# (scripts/bench/backend-profile.sh, docs/benchmarks.md, Backend). A key carries the catalog
# version and generation, so what is kept under it never changes: the 512 most recently used are
# held here as they are sent, and one no longer held is made again from the cache.
@functools.lru_cache(maxsize=512)
def _replay_kept(key: str, path: str) -> Replay:
    entry = caches[catalog_cache.CACHE_ALIAS].get(key)
    if entry is None:
        raise _NotKept(key)
    headers, body = entry
    response = HttpResponse(body, headers=headers)
    return Replay(
        status=f"{response.status_code} {response.reason_phrase}",
        status_code=response.status_code,
        headers=tuple(response.items()),
        body=response.content,
        charset=str(response.charset),
        view=resolve(path).view_name or "<unnamed view>",
    )


def forget_replays() -> None:
    """Drop the replays this process holds (tests that roll the database back need it)."""
    _replay_kept.cache_clear()


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

    def replay(self, request: HttpRequest, replay: Replay) -> HttpResponse:
        started = time.perf_counter()
        response = HttpResponse(replay.body, status=replay.status_code, headers=dict(replay.headers))
        self.metrics.record(request, replay.status_code, replay.charset, len(replay.body), replay.view, started)
        return response

    def lookup(self, request: HttpRequest, version: tuple[str, int] | None = None) -> Replay | None:
        """The response kept for this request under the catalog's current version, if any. The
        version is read (which may raise DatabaseError) unless given."""
        if not _replayable(request):
            return None
        key = _key(request, version or catalog_cache.current_key_version())
        if not key:
            return None
        try:
            return _replay_kept(key, request.path_info)
        except _NotKept:
            return None


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
        # replay under this process's lease uses none, and sends neither: they were 6% of a
        # worker's time holding the GIL on a cached product detail (docs/benchmarks.md, Backend).
        # One that reads the version from the database gets both, as from Django's handler.
        uses_database = version is None
        if uses_database:
            signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            replay = self.store.lookup(request, version)
        except DatabaseError:
            replay = None  # the whole path answers (503) and deals with the connection
        if replay is None:  # Django's handler sends request_started again: it only checks connections
            return self.application(environ, start_response)
        request.request_id = request_id_of(request)
        # In the order of the middlewares these stand in for; django-prometheus' two are outermost.
        maybe_start_maintenance()
        log_request_line(request, replay.status_code, start)
        self.metrics.record(request, replay.status_code, replay.charset, len(replay.body), replay.view, start)
        start_response(replay.status, [*replay.headers, ("X-Request-ID", request.request_id)])
        if not uses_database:
            return (replay.body,)
        return _FinishedWhenClosed(replay.body, request)


class _FinishedWhenClosed:
    """A replay's body for a request that used the database: closing it (the server does, once
    it is sent) sends request_finished, as closing Django's own HttpResponse does."""

    def __init__(self, body: bytes, request: WSGIRequest):
        self.body = body
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        return iter((self.body,))

    def close(self) -> None:
        self.request.close()
        signals.request_finished.send(sender=CatalogFastPath)
