"""Request counts of the throttles (core/throttling.py), one row per client, scope and window."""

from django.db import models


class ThrottleWindow(models.Model):
    """How many requests `key` (scope and client) made in the window starting at `window_start`
    (seconds since the epoch). Rows older than their window are deleted as new windows begin."""

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="throttle_key_window_unique")]
        indexes = [models.Index(fields=["window_start"], name="throttle_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.hits}"
