"""Reads for fraud scoring: the cross-row aggregates of one charge attempt.

The scan computes them for every row with a GROUP BY over the whole table
(actions/fraud-scan/src/features/aggregates.ts); a charge needs them for one attempt only, so
each comes from the attempt's own key — its user, its card fingerprint, its client IP — through
that key's index (payments migrations: transaction_user_time_idx, the card fingerprint's index,
transaction_client_ip_idx), in one round trip. The values are read with the scan's own SQL
expressions (trimmed, empty as NULL, countries in upper case), so both count the same rows.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection

from fraud.features import Aggregates, is_decline, text

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
_USER_PART = (
    f"SELECT 0 AS part, NULL AS country, count(*) AS a, coalesce(sum({_DECLINE}), 0) AS b,"  # noqa: S608
    f" count(DISTINCT {_CARD}) AS c, coalesce(max(CASE WHEN card_fingerprint = %s THEN 1 ELSE 0 END), 0) AS d,"
    f" count(DISTINCT {_IP}) AS e, coalesce(max(CASE WHEN client_ip = %s THEN 1 ELSE 0 END), 0) AS f"
    f" FROM {TABLE} WHERE user_id = %s"
)
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
        parts += [_USER_PART, _COUNTRY_PART]
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


def transaction_aggregates(*, attempt: Any, in_table: bool = False) -> Aggregates:
    """The attempt's aggregates over payments_transaction with the attempt in it: `in_table` when
    the row is already saved (scoring a stored row), otherwise it is counted here as the scan
    would count it once written."""
    found = Aggregates()
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
