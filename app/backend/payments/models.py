"""Saved cards and the record of every charge attempt (payments_transaction, read by the fraud
scan: its columns are a contract, documented in app/backend/API.md and payments/README.md)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CardBrand(models.TextChoices):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    UNKNOWN = "unknown"


class SavedCard(models.Model):
    """What is kept of a card: never the number or the CVC."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_cards")
    brand = models.CharField(max_length=16, choices=CardBrand.choices)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    fingerprint = models.CharField(max_length=64, help_text="hex HMAC-SHA256 keyed by CARD_FINGERPRINT_KEY")
    gateway = models.CharField(max_length=16)
    # The gateway's reusable handles: Stripe's PaymentMethod and Customer ids; offline, a token.
    gateway_reference = models.CharField(max_length=255, blank=True)
    gateway_customer = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "fingerprint", "gateway"], name="saved_card_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class TransactionStatus(models.TextChoices):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    REJECTED = "rejected"  # invalid before reaching a gateway (bad number, past expiry)
    ERROR = "error"  # the gateway failed; nothing was charged


class Transaction(models.Model):
    """One row per charge attempt, successful or not. Table name: payments_transaction."""

    # A default rather than auto_now_add, so generate_demo_transactions can date its history.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=TransactionStatus.choices)
    decline_code = models.CharField(max_length=64, blank=True)
    decline_reason = models.CharField(max_length=255, blank=True)
    card_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    card_brand = models.CharField(max_length=16, choices=CardBrand.choices, default=CardBrand.UNKNOWN)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    billing_city = models.CharField(max_length=100, blank=True)
    billing_state = models.CharField(max_length=100, blank=True)
    billing_postal_code = models.CharField(max_length=20, blank=True)
    billing_country = models.CharField(max_length=2, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    gateway = models.CharField(max_length=16)
    gateway_reference = models.CharField(max_length=255, blank=True)
    # The fraud model's verdict at charge time (fraud/): its score, the threshold it was held to
    # and the top features behind it ([{"feature", "share"}]); NULL when the attempt was not scored.
    fraud_score = models.FloatField(null=True, blank=True)
    fraud_threshold = models.FloatField(null=True, blank=True)
    fraud_drivers = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="transaction_user_time_idx"),
            # Users per client IP, read for every scored charge (fraud/selectors.py).
            models.Index(fields=["client_ip"], name="transaction_client_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.amount} {self.currency} ({self.card_brand} {self.card_last4})"
