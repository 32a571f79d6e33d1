"""The interface every payment gateway implements, and the values it passes around."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CardInput:
    """A card as typed by the buyer (offline gateway only; Stripe never sends us numbers)."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str
    name: str = ""


@dataclass(frozen=True)
class CardSummary:
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None
    fingerprint: str


@dataclass(frozen=True)
class ChargeRequest:
    """Exactly one of `card`, `payment_method_id` or `saved_reference` is set."""

    amount: Decimal
    currency: str
    description: str
    email: str
    card: CardInput | None = None
    payment_method_id: str = ""
    saved_reference: str = ""
    saved_customer: str = ""
    save_card: bool = False
    # The same for every retry of one checkout: a gateway that supports it charges it once.
    idempotency_key: str = ""


@dataclass(frozen=True)
class ChargeResult:
    status: str  # "succeeded", "declined" or "error" (payments.models.TransactionStatus)
    card: CardSummary
    reference: str = ""  # the charge / PaymentIntent id
    decline_code: str = ""
    decline_reason: str = ""
    # When the buyer asked to save the card: handles for charging it again later.
    reusable_reference: str = ""
    customer_reference: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


class PaymentGateway(ABC):
    name: str

    @abstractmethod
    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge once. Declines are results, not exceptions; only unexpected failures raise."""

    @abstractmethod
    def refund(self, reference: str) -> None:
        """Give back a charge that succeeded but whose order could not be committed."""
