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


class TrainingUpload(models.Model):
    """A training CSV staff uploaded (fraud/training_files.py), checked whole before it is kept.

    In the database, not on one server's disk: the upload and the retraining that reads it are two
    requests, which the load balancer may send to different servers, and a container's files go
    with the container. Kept FRAUD_TRAINING_UPLOAD_DAYS, then deleted by the next upload.
    """

    id = models.CharField(primary_key=True, max_length=32)  # secrets.token_hex(16): never guessed
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    rows = models.PositiveIntegerField()
    formula_rows = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"Training upload {self.id} ({self.rows} rows)"


class RetrainingStatus(models.Model):
    """The last retraining's status (fraud/retraining.py): one row, pk 1, that every server of the
    shop reads and writes, so the staff page shows the same thing whichever server answers."""

    status = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Retraining {self.status.get('state', 'idle')}"
