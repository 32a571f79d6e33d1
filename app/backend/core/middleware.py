"""One structured log line per request, and a request id the client and logs share."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView

from core import apis
from core.maintenance import maybe_start_maintenance

logger = logging.getLogger("shop.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    """Logs method, path (never the query string or body), status, duration and request id.

    An incoming X-Request-ID (from nginx or the load balancer) is kept when it looks like an id,
    so one request can be followed across the proxies; otherwise a new one is made.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_of(request)
        start = time.perf_counter()
        response = self.get_response(request)
        log_request(request, response, start)
        return response


def request_id_of(request: HttpRequest) -> str:
    """The caller's X-Request-ID when it looks like an id, else a new one."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def log_request(request: HttpRequest, response: HttpResponse, start: float) -> None:
    """Echo the request id and log the request's line (start: its time.perf_counter())."""
    response["X-Request-ID"] = request.request_id
    log_request_line(request, response.status_code, start)


def log_request_line(request: HttpRequest, status: int, start: float) -> None:
    """The request's log line alone, for an answer that sends the request id itself."""
    duration_ms = round((time.perf_counter() - start) * 1000, 2)
    user = getattr(request, "user", None)
    logger.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": duration_ms,
            "request_id": request.request_id,
            "user_id": user.pk if user is not None and user.is_authenticated else None,
        },
    )


class OperationsMiddleware:
    """Answers /healthz, /readyz and /metrics before Django's host validation.

    The load balancer's health check and Prometheus reach a server by its IP address, which is
    not (and should not need to be) in DJANGO_ALLOWED_HOSTS; through CommonMiddleware they
    would get 400 Bad Request and the server would be marked unhealthy. These answers depend on
    nothing from the request, so skipping the host check for them is safe.
    """

    VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
        "/healthz": apis.healthz,
        "/readyz": apis.readyz,
        "/metrics": ExportToDjangoView,
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.VIEWS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)


class MaintenanceMiddleware:
    """After a request, starts the periodic maintenance when it is due (core/maintenance.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        maybe_start_maintenance()
        return response
