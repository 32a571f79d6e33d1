"""Operational endpoints (no /api prefix) and JSON answers for Django's own 404/500."""

import logging
import sys

from django.contrib import admin
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.exception_handler import MESSAGE_DATABASE_UNAVAILABLE, MESSAGE_THROTTLED
from core.throttling import admin_login_throttled

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers. No database access: a database outage must not restart servers."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers: the load balancer sends traffic only to ready servers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("readiness check failed", extra={"error": error.__class__.__name__})
        return JsonResponse({"status": "unavailable", "reason": "database"}, status=503)
    return JsonResponse({"status": "ready"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"message": "Not found.", "extra": {}}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    """Django's 500 handler, for everything outside DRF (the admin, middleware). Django calls it
    while handling the exception: a database that cannot be reached is a retryable 503, as the
    API's exception handler and /readyz answer it, not a 500."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = JsonResponse({"message": MESSAGE_DATABASE_UNAVAILABLE, "extra": {}}, status=503)
        response["Retry-After"] = "5"
        return response
    return JsonResponse({"message": "Something went wrong on our side.", "extra": {}}, status=500)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login page, with password attempts counted in the `auth` throttle of the
    client's address (the API's login has the same budget, counted separately)."""
    if request.method == "POST" and (wait := admin_login_throttled(request)) is not None:
        response = HttpResponse(MESSAGE_THROTTLED, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(int(wait) + 1)
        return response
    return admin.site.login(request)
