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
latencies the dashboards and alerts read; an answer from here records them itself, under the
view the URL resolves to, so the figures still count every catalog read.
"""

import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import resolve
from django_prometheus.middleware import PrometheusAfterMiddleware

from product import catalog_cache

_PROMETHEUS_AFTER = "django_prometheus.middleware.PrometheusAfterMiddleware"
_CATALOG_READ = re.compile(r"^/api/(?:products/(?:\d+/)?|categories/)$")


def _key(request: HttpRequest, version: tuple[str, int]) -> str | None:
    try:
        url = request.build_absolute_uri()  # validates the host, as CommonMiddleware would
    except DisallowedHost:
        return None
    signature = "\n".join((url, request.META.get("HTTP_ORIGIN", "")))
    token, generation = version
    return f"response:{token}:{generation}:{hashlib.sha256(signature.encode()).hexdigest()}"


class CatalogResponseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.cache = caches[catalog_cache.CACHE_ALIAS]
        self.metrics = PrometheusAfterMiddleware(get_response) if _PROMETHEUS_AFTER in settings.MIDDLEWARE else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method != "GET"
            or not _CATALOG_READ.match(request.path_info)
            or "HTTP_IF_NONE_MATCH" in request.META
            or "HTTP_IF_MODIFIED_SINCE" in request.META
        ):
            return self.get_response(request)
        key = _key(request, catalog_cache.current_key_version())
        entry = self.cache.get(key) if key else None
        if entry is not None:
            headers, body = entry
            if self.metrics is None:
                return HttpResponse(body, headers=headers)
            request.resolver_match = resolve(request.path_info)
            self.metrics.process_request(request)
            self.metrics.process_view(request, None)
            return self.metrics.process_response(request, HttpResponse(body, headers=headers))
        response = self.get_response(request)
        version = getattr(response, "catalog_version", None)
        if response.status_code == 200 and version is not None and not response.cookies:
            key = _key(request, version)
            if key:
                self.cache.set(key, (dict(response.headers), response.content))
        return response
