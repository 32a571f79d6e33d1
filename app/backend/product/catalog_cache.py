"""The catalog's read cache: rendered JSON of product lists, product details and categories.

Entries live in each worker's memory (the `catalog` cache alias) under versioned keys, and are
never served after a write to a product or category:

- Every save or delete of a Product or Category (the staff API, the admin, checkout taking stock,
  seed_demo_catalog) calls `catalog_changed()` (signals in product/apps.py). Writes that bypass
  `save()` (`QuerySet.update()`, `bulk_create`) must call it themselves.
- `catalog_changed()` moves this process's generation on at once, and when the write's
  transaction commits it gives `CatalogVersion` a new token in PostgreSQL. Keys carry both, so
  the writing worker sees its own write immediately and every other worker and server stops using
  its entries once it reads the new token.
- The version is read before the catalog: an entry stored by a request that raced a write is
  stored under the version it read, which the write has already made obsolete.
- Reading the token on every request was the largest cost of a cached read (a round trip to a
  PostgreSQL that shares the cores; docs/benchmarks.md, Backend). So each process holds the token
  it read under a **lease** of `CATALOG_VERSION_LEASE` seconds, counted from before it sent the
  query, and a writer, once it has published the new token, waits one lease before it returns.
  Every lease granted on the old token was asked for before the write committed, so it has run
  out by the time the writer answers: a read that starts after a write's answer (from any worker
  of any server) reads the new token. Reads running while the write is still unanswered may see
  the catalog before it, as they could without the cache. Leases are measured with each host's
  monotonic clock; only their length, not the hosts' time of day, has to agree. The cost is one
  lease of latency per catalog write (a staff edit, each stock-changing step of a checkout), and
  at most one version read per process per lease.

Responses carry a strong ETag (of the body) and Last-Modified (the last committed catalog write),
so a client revalidating gets 304 without a body.
"""

import hashlib
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from rest_framework.renderers import JSONRenderer

from product.models import CatalogVersion

CACHE_ALIAS = "catalog"
_generations = itertools.count(1)
_generation = 0


_lease_lock = threading.Lock()
# (token, changed_at, monotonic time the lease runs out) of the last version this process read.
_lease: tuple[str, datetime, float] | None = None


def catalog_changed() -> None:
    """A product or category was written: stop serving what was cached before it."""
    global _generation
    _generation = next(_generations)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # One publication (and one lease of waiting) per transaction, however many rows it
        # writes. A callback registered in the savepoints still open now is discarded only by a
        # rollback that would discard this write too.
        open_savepoints = set(connection.savepoint_ids)
        for savepoints, callback, _robust in connection.run_on_commit:
            if callback is _publish_new_version and savepoints <= open_savepoints:
                return
    transaction.on_commit(_publish_new_version, robust=True)


def _publish_new_version() -> None:
    global _lease
    token, now = uuid.uuid4().hex, timezone.now()
    if not CatalogVersion.objects.filter(pk=1).update(token=token, changed_at=now):
        CatalogVersion.objects.get_or_create(pk=1, defaults={"token": token, "changed_at": now})
    with _lease_lock:
        _lease = None
    # Every other process's lease on the old token was asked for before this commit: once one
    # lease has passed, none is left, and the caller may answer.
    time.sleep(settings.CATALOG_VERSION_LEASE)


def _select_version() -> tuple[str, datetime] | None:
    """The version row, by a statement written out: building it with the ORM cost 560-680 us of
    CPU against 125 us (production settings, PostgreSQL), and each process reads it every lease."""
    table = connection.ops.quote_name(CatalogVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, changed_at FROM {table} WHERE id = 1")  # noqa: S608 (no input)
        return cursor.fetchone()


def _read_version() -> tuple[str, datetime]:
    row = _select_version()
    if row is None:  # a database migrated without the row (it is created by 0002)
        _publish_new_version()
        row = _select_version()
        if row is None:
            raise CatalogVersion.DoesNotExist("the catalog version row could not be created")
    token, changed_at = row
    if timezone.is_naive(changed_at):  # SQLite keeps UTC without its zone (USE_TZ); the ORM adds it
        changed_at = timezone.make_aware(changed_at, UTC)
    return token, changed_at


def _leased_version() -> tuple[str, datetime] | None:
    """The version this process holds, while its lease runs."""
    lease = _lease
    if lease is not None and time.monotonic() < lease[2]:
        return lease[0], lease[1]
    return None


def _current_version() -> tuple[str, datetime]:
    """The catalog's version: from this process's lease while it runs, else from the database."""
    global _lease
    leased = _leased_version()
    if leased is not None:
        return leased
    asked_at = time.monotonic()  # before the query is sent: the lease counts from here
    token, changed_at = _read_version()
    expires = asked_at + settings.CATALOG_VERSION_LEASE
    with _lease_lock:
        # Threads may race here: the read asked for last holds the newest token.
        if _lease is None or expires > _lease[2]:
            _lease = (token, changed_at, expires)
    return token, changed_at


def current_key_version() -> tuple[str, int]:
    """(token, generation) a cache key made now carries."""
    return _current_version()[0], _generation


def leased_key_version() -> tuple[str, int] | None:
    """(token, generation) a cache key made now carries, when this process's lease still runs;
    None when only the database can tell (never asks it)."""
    leased = _leased_version()
    return None if leased is None else (leased[0], _generation)


def cached_json_response(request: HttpRequest, build: Callable[[], Any]) -> HttpResponse:
    """200 with the JSON of `build()` for this URL (scheme, host, path and query), from the cache
    when the catalog has not changed since it was stored; 304 when the client's copy is current.
    Whatever `build()` raises (404, 400) is raised, never cached."""
    token, changed_at = _current_version()
    generation = _generation
    url = request.build_absolute_uri()  # next/previous links are absolute: the host is part of it
    key = f"{token}:{generation}:{hashlib.sha256(url.encode()).hexdigest()}"
    cache = caches[CACHE_ALIAS]
    entry = cache.get(key)
    if entry is None:
        body = JSONRenderer().render(build())
        entry = (f'"{hashlib.sha256(body).hexdigest()[:32]}"', body)
        cache.set(key, entry)
    etag, body = entry
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    # Clients may keep a copy but must revalidate it (ETag) before every use.
    patch_cache_control(response, public=True, no_cache=True)
    # The version it was built under: product/middleware.py keeps the whole response under it.
    response.catalog_version = (token, generation)
    # Last-Modified has one-second resolution: a second write within the same second as the first
    # would not change it. It is sent only once that second is over, so a client holding it has
    # seen every write up to it.
    last_modified = int(changed_at.timestamp())
    if timezone.now().timestamp() >= last_modified + 1:
        response["Last-Modified"] = http_date(last_modified)
    else:
        last_modified = None
    return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
