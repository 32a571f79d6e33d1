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


class TallyKind(models.IntegerChoices):
    """What a KeyTally counts for."""

    USER = 0
    CARD = 1
    IP = 2


class PairKind(models.IntegerChoices):
    """The pair a PairTally counts: (user, card), (user, IP), (user, billing country), (card, clock hour)."""

    USER_CARD = 0
    USER_IP = 1
    USER_COUNTRY = 2
    CARD_HOUR = 3


class KeyTally(models.Model):
    """Running counts of payments_transaction per user, card fingerprint and client IP, kept by
    database triggers on PostgreSQL (migration fraud 0003), so that scoring one charge reads a
    few rows by primary key instead of every earlier attempt of its keys (fraud/selectors.py).
    Keys are the scan's own expressions of the row's columns, as text: trimmed, empty as none.

    `distinct_a`: cards of a user, users of a card, users of an IP; `distinct_b`: IPs of a user.
    Never written by the application; rows at zero stay (a later attempt counts up from them).
    """

    pk = models.CompositePrimaryKey("kind", "key")
    kind = models.SmallIntegerField(choices=TallyKind.choices)
    key = models.TextField()
    attempts = models.BigIntegerField()
    declines = models.BigIntegerField()
    distinct_a = models.BigIntegerField()
    distinct_b = models.BigIntegerField()

    class Meta:
        db_table = "fraud_key_tally"

    def __str__(self) -> str:
        return f"{TallyKind(self.kind).label} {self.key}: {self.attempts} attempts"


class PairTally(models.Model):
    """Attempts per pair of keys (PairKind), kept by the same triggers: whether a user has used a
    card or IP before, a user's attempts per country, a card's attempts in one clock hour
    (`other` is floor(epoch / 3600) as text, as the scan keys it)."""

    pk = models.CompositePrimaryKey("kind", "key", "other")
    kind = models.SmallIntegerField(choices=PairKind.choices)
    key = models.TextField()
    other = models.TextField()
    n = models.BigIntegerField()

    class Meta:
        db_table = "fraud_pair_tally"

    def __str__(self) -> str:
        return f"{PairKind(self.kind).label} {self.key}/{self.other}: {self.n}"
