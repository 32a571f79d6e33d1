"""Periodic maintenance, run by the servers themselves with a guard in the database.

Three chores keep tables from growing or stock from staying stuck: release_stale_reservations
(checkouts whose worker died mid-charge), prune_idempotency_keys (keys past their retention) and
Simple JWT's flushexpiredtokens (revoked tokens past their expiry). The entrypoint runs them at
every start; this runs them every MAINTENANCE_INTERVAL seconds while the service is up.

No timer process or cron: after a request, a worker whose own clock says the interval has passed
starts a thread that tries to claim the run in the database (`MaintenanceRun`: one UPDATE that
moves `started_at` on only if it is older than the interval). Exactly one worker of one server
wins each interval, however many servers run; the others do nothing. The load balancer's health
checks are requests too, so the chores run even when no one shops. Every chore is idempotent
and safe beside checkouts (row locks), so a run cut short by a worker recycling is finished by
the next one. `manage.py run_maintenance` does the same by hand.
"""

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.models import MaintenanceRun

logger = logging.getLogger(__name__)

NAME = "maintenance"
CHORES = ("release_stale_reservations", "prune_idempotency_keys", "flushexpiredtokens")
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)

_lock = threading.Lock()
_next_check = 0.0  # monotonic time this process next looks whether a run is due


def maintenance_claim(*, every: timedelta) -> bool:
    """Claim this interval's run: True for exactly one caller per interval across every server."""
    now = timezone.now()
    MaintenanceRun.objects.get_or_create(name=NAME, defaults={"started_at": _NEVER})
    return MaintenanceRun.objects.filter(name=NAME, started_at__lte=now - every).update(started_at=now) == 1


def maintenance_run() -> list[str]:
    """Run every chore; one failing does not stop the others. Returns what each one said."""
    said = []
    for chore in CHORES:
        output = StringIO()
        try:
            call_command(chore, stdout=output)
        except Exception:
            logger.exception("maintenance chore failed", extra={"chore": chore})
            continue
        said.append(output.getvalue().strip() or chore)
    return said


def maintenance_run_if_due(*, every: timedelta) -> bool:
    if not maintenance_claim(every=every):
        return False
    for line in maintenance_run():
        logger.info("maintenance", extra={"chore_said": line})
    return True


def _in_background(every: timedelta) -> None:
    try:
        maintenance_run_if_due(every=every)
    except Exception:
        # The database may be down: the next interval tries again.
        logger.warning("maintenance could not run", exc_info=True)
    finally:
        connection.close()  # this thread's own connection


def maybe_start_maintenance() -> None:
    """Called after each request: at most once per interval per process, try for a run in a
    thread of its own (the request has its answer already). Costs a clock read otherwise."""
    global _next_check
    interval = settings.MAINTENANCE_INTERVAL
    now = time.monotonic()
    if interval <= 0 or now < _next_check:
        return
    with _lock:
        if now < _next_check:
            return
        _next_check = now + interval
    threading.Thread(
        target=_in_background, args=(timedelta(seconds=interval),), name="maintenance", daemon=True
    ).start()
