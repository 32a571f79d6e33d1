"""The one DRF exception handler: every 4xx/5xx body is {"message": str, "extra": {...}}."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

MESSAGE_INVALID = "The request is invalid: see the fields."
MESSAGE_NOT_FOUND = "Not found."
MESSAGE_FORBIDDEN = "You are not allowed to do this."
MESSAGE_THROTTLED = "Too many requests: try again later."
MESSAGE_DATABASE_UNAVAILABLE = "The shop is briefly unavailable: try again in a few seconds."


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {dotted.field: [messages]} (items.0.quantity, ...)."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key in ("non_field_errors", "__all__") else str(key)
            path = f"{prefix}.{name}" if prefix else name
            if name == "non_field_errors" and prefix:
                path = prefix
            for field, messages in flatten_errors(value, path).items():
                fields.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item in ({}, []):
                    continue
                for field, messages in flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    fields.setdefault(field, []).extend(messages)
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def _body(message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"message": message, "extra": extra or {}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database cannot be reached (an outage, a failover): a retryable 503, like /readyz,
        # not a 500. Django reconnects by itself once it is back (CONN_HEALTH_CHECKS).
        logger.warning("database unavailable", extra={"error": exc.__class__.__name__})
        return Response(_body(MESSAGE_DATABASE_UNAVAILABLE), status=503, headers={"Retry-After": "5"})
    if isinstance(exc, ApplicationError):
        return Response(_body(exc.message, exc.extra), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_body(MESSAGE_INVALID, {"fields": flatten_errors(detail)}), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(MESSAGE_NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(MESSAGE_FORBIDDEN)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handler (config/urls.py) answers
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body(MESSAGE_INVALID, {"fields": flatten_errors(exc.detail)})
    elif isinstance(exc, exceptions.Throttled):
        response.data = _body(MESSAGE_THROTTLED, {"wait_seconds": exc.wait})
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        # Simple JWT's InvalidToken carries {"detail": ..., "code": ..., "messages": [...]}.
        if isinstance(detail, dict):
            message = str(detail.get("detail", MESSAGE_INVALID))
            code = detail.get("code")
        else:
            message = str(detail)
            code = getattr(detail, "code", None)
        extra = {"code": str(code)} if code else {}
        response.data = _body(message, extra)
    return response
