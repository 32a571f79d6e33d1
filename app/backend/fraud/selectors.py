"""Reads for fraud scoring: the cross-row aggregates of one charge attempt, and the staff
pages' figures (totals, score statistics, the score histogram, flagged attempts, the CSV rows).

The scan computes them for every row with a GROUP BY over the whole table
(actions/fraud-scan/src/features/aggregates.ts); a charge needs them for one attempt only. On
PostgreSQL they are running counts per key that triggers keep (fraud migration 0003), read by
primary key in one round trip; elsewhere each comes from the attempt's own key — its user, its
card fingerprint, its client IP — through that key's index (payments migrations:
transaction_user_time_idx, the card fingerprint's index, transaction_client_ip_idx). Both use the
scan's own SQL expressions (trimmed, empty as NULL, countries in upper case), so all three count
the same rows.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, F, FloatField, Max, Q, QuerySet
from django.db.models.functions import Cast, Floor, Least

from fraud.features import Aggregates, is_decline, text
from fraud.models import ReviewDecision
from fraud.scoring import current_model
from orders.models import OrderStatus
from payments.models import Transaction, TransactionStatus

TABLE = "payments_transaction"
_CARD = "NULLIF(trim(CAST(card_fingerprint AS TEXT)), '')"
_IP = "NULLIF(trim(CAST(client_ip AS TEXT)), '')"
_COUNTRY = "NULLIF(upper(trim(CAST(billing_country AS TEXT))), '')"
_DECLINE = "CASE WHEN coalesce(lower(trim(CAST(status AS TEXT))), '') NOT IN ('', 'succeeded') THEN 1 ELSE 0 END"


def _hour(at: datetime) -> tuple[datetime, datetime]:
    """The attempt's clock hour (UTC), as the scan keys it: floor(epoch / 3600)."""
    start = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=1)


# One part per key. Only module constants are interpolated; every value is a parameter.
# DISTINCT compares in the byte order of COLLATE "C" on PostgreSQL, as the scan does. With the
# database's own collation (strcoll) counting the distinct cards among one user's 704 attempts
# took 8.9 ms against 0.5 ms, and the whole statement 6.7 ms against 2.7 ms (EXPLAIN ANALYZE,
# 2026-12-05). Equality is the same either way: a deterministic collation calls two strings
# equal only when their bytes are.
_COLLATE = {"postgresql": ' COLLATE "C"', "sqlite": " COLLATE BINARY"}


def _user_part(collate: str) -> str:
    return (
        f"SELECT 0 AS part, NULL AS country, count(*) AS a, coalesce(sum({_DECLINE}), 0) AS b,"  # noqa: S608
        f" count(DISTINCT {_CARD}{collate}) AS c,"
        " coalesce(max(CASE WHEN card_fingerprint = %s THEN 1 ELSE 0 END), 0) AS d,"
        f" count(DISTINCT {_IP}{collate}) AS e, coalesce(max(CASE WHEN client_ip = %s THEN 1 ELSE 0 END), 0) AS f"
        f" FROM {TABLE} WHERE user_id = %s"
    )


_USER_PART = {vendor: _user_part(collate) for vendor, collate in _COLLATE.items()}
_COUNTRY_PART = (
    f"SELECT 1, {_COUNTRY}, count(*), 0, 0, 0, 0, 0 FROM {TABLE}"  # noqa: S608
    f" WHERE user_id = %s AND {_COUNTRY} IS NOT NULL GROUP BY {_COUNTRY}"
)
_CARD_PART = (
    f"SELECT 2, NULL, count(*), coalesce(sum({_DECLINE}), 0), count(DISTINCT user_id),"  # noqa: S608
    " coalesce(max(CASE WHEN user_id = %s THEN 1 ELSE 0 END), 0),"
    " coalesce(sum(CASE WHEN created_at >= %s AND created_at < %s THEN 1 ELSE 0 END), 0), 0"
    f" FROM {TABLE} WHERE card_fingerprint = %s"
)
_IP_PART = (
    f"SELECT 3, NULL, count(DISTINCT user_id), coalesce(max(CASE WHEN user_id = %s THEN 1 ELSE 0 END), 0)"  # noqa: S608
    f", 0, 0, 0, 0 FROM {TABLE} WHERE client_ip = %s"
)


def aggregate_query(*, attempt: Any) -> tuple[str, list[Any]]:
    """The one statement (a UNION ALL of one part per key the attempt has) and its parameters."""
    user_id = attempt.user_id
    card = text(attempt.card_fingerprint)
    ip = text(attempt.client_ip)
    parts: list[str] = []
    params: list[Any] = []
    if user_id is not None:
        user_part = _USER_PART.get(connection.vendor) or _user_part("")  # built only for another vendor
        parts += [user_part, _COUNTRY_PART]
        params += [card, ip or None, user_id, user_id]
    if card:
        adapt = connection.ops.adapt_datetimefield_value
        start, end = _hour(attempt.created_at)
        parts.append(_CARD_PART)
        params += [user_id, adapt(start), adapt(end), card]
    if ip:
        parts.append(_IP_PART)
        params += [user_id, ip]
    return "\nUNION ALL\n".join(parts), params


# PostgreSQL keeps the counts themselves (fraud.models.KeyTally, PairTally, kept by triggers, see
# fraud migration 0003): a charge reads a few rows by primary key, however many attempts its keys
# have — counting them took 2.1 ms per charge for a user with 704 attempts (issue 16), and an
# attacker hammering one card made every later attempt on it slower. The keys are written as the
# triggers write them: user id as text, the card trimmed, the IP as PostgreSQL prints an inet.
_TALLIES = (
    "SELECT 0 AS part, kind, '' AS other, attempts, declines, distinct_a, distinct_b FROM fraud_key_tally"
    " WHERE (kind = 0 AND key = %(user)s) OR (kind = 1 AND key = %(card)s)"
    " OR (kind = 2 AND key = CAST(CAST(%(ip)s AS inet) AS TEXT))"
    "\nUNION ALL\n"
    "SELECT 1, kind, other, n, 0, 0, 0 FROM fraud_pair_tally WHERE n > 0 AND ("
    "(kind = 0 AND key = %(user)s AND other = %(card)s)"
    " OR (kind = 1 AND key = %(user)s AND other = CAST(CAST(%(ip)s AS inet) AS TEXT))"
    " OR (kind = 2 AND key = %(user)s) OR (kind = 3 AND key = %(card)s AND other = %(hour)s))"
)


def _from_tallies(attempt: Any, found: Aggregates) -> tuple[bool, bool, bool, bool]:
    """The counts from the tallies; returns (card known to the user, IP known to the user, user
    known to the card, user known to the IP), as the direct query's parts do."""
    user = None if attempt.user_id is None else str(attempt.user_id)
    card = text(attempt.card_fingerprint) or None
    hour = None
    if card is not None and attempt.created_at is not None:
        hour = str(math.floor(attempt.created_at.timestamp() / 3600))
    params = {"user": user, "card": card, "ip": text(attempt.client_ip) or None, "hour": hour}
    with connection.cursor() as cursor:
        cursor.execute(_TALLIES, params)
        rows = cursor.fetchall()
    card_known = ip_known = False
    for part, kind, other, a, b, c, d in rows:
        if part == 0 and kind == 0:
            found.attempts_per_user, found.declines_per_user, found.cards_per_user, found.ips_per_user = a, b, c, d
        elif part == 0 and kind == 1:
            found.attempts_per_card, found.declines_per_card, found.users_per_card = a, b, c
        elif part == 0:
            found.users_per_ip = c
        elif kind == 0:
            card_known = True
        elif kind == 1:
            ip_known = True
        elif kind == 2:
            found.user_countries[other] = a
        else:
            found.attempts_per_card_hour = a
    # One (user, card) pair answers both "has the user used this card" and "has the card this user".
    return card_known, ip_known, card_known, ip_known


def _from_attempts(attempt: Any, found: Aggregates) -> tuple[bool, bool, bool, bool]:
    """The counts from the attempts themselves (SQLite, and any database without the tallies)."""
    user_known = ip_user_known = card_known = ip_known = False
    sql, params = aggregate_query(attempt=attempt)
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for part, country, a, b, c, d, e, f in rows:
            if part == 0:
                found.attempts_per_user, found.declines_per_user = a, b
                found.cards_per_user, card_known, found.ips_per_user, ip_known = c, bool(d), e, bool(f)
            elif part == 1:
                found.user_countries[country] = a
            elif part == 2:
                found.attempts_per_card, found.declines_per_card = a, b
                found.users_per_card, user_known, found.attempts_per_card_hour = c, bool(d), e
            else:
                found.users_per_ip, ip_user_known = a, bool(b)
    return card_known, ip_known, user_known, ip_user_known


def transaction_aggregates(*, attempt: Any, in_table: bool = False, from_tallies: bool | None = None) -> Aggregates:
    """The attempt's aggregates over payments_transaction with the attempt in it: `in_table` when
    the row is already saved (scoring a stored row), otherwise it is counted here as the scan
    would count it once written. `from_tallies`: read the tallies (default: on PostgreSQL)."""
    found = Aggregates()
    if from_tallies is None:
        from_tallies = connection.vendor == "postgresql"
    read = _from_tallies if from_tallies else _from_attempts
    card_known, ip_known, user_known, ip_user_known = read(attempt, found)
    found.countries_per_user = len(found.user_countries)
    if in_table:
        return found
    # The attempt itself, as one more row of the table (a key with an empty part counts nowhere).
    declined = int(is_decline(attempt.status))
    card = text(attempt.card_fingerprint)
    ip = text(attempt.client_ip)
    country = text(attempt.billing_country).upper()
    if attempt.user_id is not None:
        found.attempts_per_user += 1
        found.declines_per_user += declined
        found.cards_per_user += int(bool(card) and not card_known)
        found.ips_per_user += int(bool(ip) and not ip_known)
        if country:
            if country not in found.user_countries:
                found.countries_per_user += 1
            found.user_countries[country] = found.user_countries.get(country, 0) + 1
    if card:
        found.attempts_per_card += 1
        found.declines_per_card += declined
        found.attempts_per_card_hour += 1
        found.users_per_card += int(attempt.user_id is not None and not user_known)
    if ip:
        found.users_per_ip += int(attempt.user_id is not None and not ip_user_known)
    return found


# ---------------------------------------------------------------------------------------------
# Staff pages. A date range is whole UTC days, both ends included.


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)


def _in_range(period: DateRange) -> QuerySet[Transaction]:
    return Transaction.objects.filter(created_at__gte=period.since, created_at__lt=period.until)


_FLAGGED = Q(fraud_score__isnull=False, fraud_threshold__isnull=False, fraud_score__gt=F("fraud_threshold"))
# Held: a flagged successful charge whose order went to review (it may have been decided since).
_HELD = (
    _FLAGGED
    & Q(status=TransactionStatus.SUCCEEDED)
    & (Q(order__status=OrderStatus.REVIEW) | Q(order__fraud_review__isnull=False))
)


def fraud_totals(*, period: DateRange) -> dict[str, int]:
    """Attempts scored, flagged and held in the range, and the held orders' decisions, in one query."""
    decision = "order__fraud_review__decision"
    return _in_range(period).aggregate(
        scored=Count("pk", filter=Q(fraud_score__isnull=False)),
        flagged=Count("pk", filter=_FLAGGED),
        held=Count("pk", filter=_HELD),
        awaiting_review=Count("pk", filter=_FLAGGED & Q(order__status=OrderStatus.REVIEW)),
        approved=Count("pk", filter=_HELD & Q(**{decision: ReviewDecision.APPROVED})),
        rejected=Count("pk", filter=_HELD & Q(**{decision: ReviewDecision.REJECTED})),
    )


def current_threshold() -> float | None:
    """The loaded model's threshold; with none loaded, the one the latest scored attempt met."""
    model = current_model()
    if model is not None:
        return model.threshold
    return (
        Transaction.objects.filter(fraud_threshold__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("fraud_threshold", flat=True)
        .first()
    )


def _percentile(scores: QuerySet[Transaction], count: int, fraction: float) -> float | None:
    """percentile_cont: the two ranked scores around the fraction, interpolated; read with
    ORDER BY … LIMIT 2 OFFSET k, which PostgreSQL and SQLite both run without fetching the rest."""
    if count == 0:
        return None
    position = fraction * (count - 1)
    below = math.floor(position)
    pair = list(scores.order_by("fraud_score").values_list("fraud_score", flat=True)[below : below + 2])
    if len(pair) == 1 or position == below:
        return pair[0]
    return pair[0] + (pair[1] - pair[0]) * (position - below)


def fraud_statistics(*, period: DateRange) -> dict[str, Any]:
    """Count, mean and percentiles of the scores in the range, and the threshold in force."""
    scores = _in_range(period).filter(fraud_score__isnull=False)
    figures = scores.aggregate(count=Count("pk"), mean=Avg("fraud_score"), max=Max("fraud_score"))
    count = figures["count"]
    return {
        "count": count,
        "mean": figures["mean"],
        "max": figures["max"],
        "p50": _percentile(scores, count, 0.50),
        "p95": _percentile(scores, count, 0.95),
        "p99": _percentile(scores, count, 0.99),
        "threshold": current_threshold(),
    }


def fraud_distribution(*, period: DateRange, bins: int) -> dict[str, Any]:
    """The scores as `bins` equal bins from 0 to a little above the larger of the 99th percentile
    and the threshold (so the threshold is on the chart and one wild score does not squash it);
    scores above that are `overflow`. The counting is one GROUP BY in the database."""
    statistics = fraud_statistics(period=period)
    reference = max(statistics["p99"] or 0.0, statistics["threshold"] or 0.0)
    upper = reference * 1.25 if reference > 0 else 1.0
    width = upper / bins
    scores = _in_range(period).filter(fraud_score__isnull=False)
    counted = (
        scores.filter(fraud_score__lte=upper)
        .annotate(bin=Least(Cast(Floor(F("fraud_score") / width), FloatField()), float(bins - 1)))
        .values("bin")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_bin = {int(row["bin"]): row["n"] for row in counted}
    return {
        "threshold": statistics["threshold"],
        "upper": upper,
        "overflow": scores.filter(fraud_score__gt=upper).count(),
        "bins": [{"lower": i * width, "upper": (i + 1) * width, "count": by_bin.get(i, 0)} for i in range(bins)],
    }


def fraud_flag_list(*, period: DateRange, held_only: bool = False, after: int | None = None, limit: int = 50):
    """Flagged attempts in the range, newest first, with their order and its review. `after`: only
    attempts with a larger id (the page's poll for new flags; ids only grow)."""
    flagged = _in_range(period).filter(_HELD if held_only else _FLAGGED)
    if after is not None:
        flagged = flagged.filter(pk__gt=after)
    return list(
        flagged.select_related("user", "order", "order__fraud_review", "order__fraud_review__decided_by").order_by(
            "-id"
        )[:limit]
    )


def fraud_latest_flag_id() -> int:
    """The newest flagged attempt's id (0 when none): where a page's polling starts."""
    return Transaction.objects.filter(_FLAGGED).order_by("-id").values_list("pk", flat=True).first() or 0


def fraud_export_rows(*, period: DateRange) -> Iterator[Transaction]:
    """Every attempt in the range, oldest first, streamed from the database in chunks."""
    return (
        _in_range(period)
        .select_related("user", "order", "order__fraud_review")
        .order_by("created_at", "id")
        .iterator(chunk_size=2000)
    )
