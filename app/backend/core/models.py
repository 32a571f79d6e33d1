"""Request counts of the throttles (core/throttling.py), one row per client, scope and window;
when periodic maintenance last started (core/maintenance.py)."""

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


class MaintenanceRun(models.Model):
    """When the periodic maintenance (core/maintenance.py) last started, shared by every worker
    and server: whoever moves `started_at` on claims the run."""

    name = models.CharField(max_length=100, primary_key=True)
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.started_at:%Y-%m-%dT%H:%M:%S}"
