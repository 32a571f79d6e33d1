"""Orders: reserved (pending) then paid by checkout, later marked delivered by staff. Prices,
names and the billing address are copied in, so an order reads the same after the catalog
changes. CheckoutAttempt remembers each Idempotency-Key's outcome."""

from django.conf import settings
from django.db import models


class OrderStatus(models.TextChoices):
    # Stock reserved while the gateway charges; becomes paid, or is deleted with its stock put
    # back. Never shown to the buyer (orders/selectors.py).
    PENDING = "pending"
    PAID = "paid"
    # Paid, but the fraud model flagged the charge and FRAUD_SCORING is hold: not delivered until
    # staff approve it (fraud/services.py order_review_approve).
    REVIEW = "review"
    DELIVERED = "delivered"
    # Held, then rejected by staff: the stock is back and the charge refunded (fraud/services.py).
    CANCELLED = "cancelled"


class Order(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PAID)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    billing_full_name = models.CharField(max_length=150)
    billing_line1 = models.CharField(max_length=200)
    billing_line2 = models.CharField(max_length=200, blank=True)
    billing_city = models.CharField(max_length=100)
    billing_state = models.CharField(max_length=100, blank=True)
    billing_postal_code = models.CharField(max_length=20)
    billing_country = models.CharField(max_length=2)
    card_brand = models.CharField(max_length=16, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="order_user_created_idx")]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.status})"

    @property
    def billing_address(self) -> dict[str, str]:
        return {
            "full_name": self.billing_full_name,
            "line1": self.billing_line1,
            "line2": self.billing_line2,
            "city": self.billing_city,
            "state": self.billing_state,
            "postal_code": self.billing_postal_code,
            "country": self.billing_country,
        }


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("product.Product", on_delete=models.PROTECT, related_name="order_items")
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class CheckoutAttempt(models.Model):
    """One Idempotency-Key of one user: the request it came with (a hash of the validated body)
    and, once known, its outcome — the order, or the error's status and body. `status_code` is
    null while the checkout runs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkout_attempts")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="checkout_attempt_key_once_per_user")]
        # checkout_attempt_prune deletes by age.
        indexes = [models.Index(fields=["created_at"], name="checkout_attempt_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'running'})"
