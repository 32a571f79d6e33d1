"""Throttles that neither a forged X-Forwarded-For nor a second worker or server can get around.

Two things made DRF's stock ScopedRateThrottle bypassable:

- It keys anonymous clients on the whole X-Forwarded-For header, and nginx appends to whatever
  the client sends: a random header per request was a fresh budget per request. Here the key is
  the address core/client_ip.py works out (the right-most hop outside DJANGO_TRUSTED_PROXIES),
  the same one payments_transaction.client_ip records.
- Its history lives in the default cache, which is per process: the limit was multiplied by
  gunicorn workers times servers. Here the count lives in PostgreSQL, which every worker of every
  server already shares.

Why a table of our own rather than Django's database cache (or Redis): the cache API's
get-then-set (DatabaseCache has no atomic incr) loses updates when requests race, which is exactly
what an attacker sending in parallel does; one `INSERT … ON CONFLICT DO UPDATE … RETURNING` is
atomic in PostgreSQL (and SQLite, the development default), needs no new infrastructure and is
created by the migrations the servers already run. Redis would be as good but needs ElastiCache in
Terraform, and one more service to run and watch, for a few writes per login attempt.

The window is fixed (e.g. one minute, aligned to the clock), so a client gets at most `rate`
requests per window — up to twice that across a window boundary, as with any fixed window.
"""

import random
import time

from django.db import connection
from django.http import HttpRequest
from rest_framework.throttling import ScopedRateThrottle

from core.client_ip import client_ip
from core.models import ThrottleWindow

# Old windows are deleted by one request in this many (and by nothing else), so the table stays
# about as large as the number of clients seen in the last window.
_PRUNE_ONE_IN = 100


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/min' -> (20, 60), as DRF reads rates."""
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def throttle_hit(*, scope: str, ident: str, rate: str) -> float | None:
    """Count one request of `ident` in `scope`; None when allowed, else seconds to wait."""
    limit, period = parse_rate(rate)
    now = time.time()
    window_start = int(now // period) * period
    table = connection.ops.quote_name(ThrottleWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608 (our table name)
            f"ON CONFLICT (key, window_start) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [f"{scope}:{ident}"[:200], window_start],
        )
        hits = cursor.fetchone()[0]
    if random.randrange(_PRUNE_ONE_IN) == 0:  # noqa: S311 (not security: when to prune)
        ThrottleWindow.objects.filter(window_start__lt=window_start - 86400).delete()
    if hits > limit:
        return window_start + period - now
    return None


class ClientScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle (the view's `throttle_scope`) counted in ThrottleWindow: per user when
    signed in, else per client address."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        self._wait = throttle_hit(scope=self.scope, ident=ident, rate=self.rate)
        return self._wait is None

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"

    def wait(self) -> float | None:
        return self._wait


def admin_login_throttled(request: HttpRequest) -> float | None:
    """Count a password attempt on /admin/login/ in the `auth` budget of its client address."""
    rate = ScopedRateThrottle.THROTTLE_RATES["auth"]
    return throttle_hit(scope="admin-login", ident=f"ip:{client_ip(request) or 'unknown'}", rate=rate)
