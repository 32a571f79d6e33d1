"""Errors services raise; core/exception_handler.py turns them into API.md's {message, extra}."""

from typing import Any


class ApplicationError(Exception):
    """A failure the client caused and can read about: `message` for people, `extra` for code."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


class PaymentDeclined(ApplicationError):
    """402: the gateway declined the card, or it was rejected before reaching one."""

    status_code = 402


class OutOfStock(ApplicationError):
    """409: at least one product has less stock than asked for."""

    status_code = 409


class Conflict(ApplicationError):
    """409: the object is not in a state that allows the operation."""

    status_code = 409


class PaymentGatewayError(ApplicationError):
    """502: the gateway could not be reached or failed; nothing was charged."""

    status_code = 502


class CheckoutRefunded(ApplicationError):
    """503: the card was charged but the order could not be written (the database failed), so the
    charge was refunded."""

    status_code = 503
