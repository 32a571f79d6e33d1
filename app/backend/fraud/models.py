"""Staff decisions on orders the fraud model held (FRAUD_SCORING=hold): one per order, ever."""

from django.conf import settings
from django.db import models


class ReviewDecision(models.TextChoices):
    APPROVED = "approved"
    REJECTED = "rejected"


class OrderReview(models.Model):
    # One decision per order: approving or rejecting twice is refused by the service (409) and,
    # should two staff click at once, by this constraint.
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="fraud_review")
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    # Rejections only: whether the gateway gave the money back (False: refund it by hand; logged).
    refunded = models.BooleanField(null=True)

    def __str__(self) -> str:
        return f"Order {self.order_id} {self.decision}"
