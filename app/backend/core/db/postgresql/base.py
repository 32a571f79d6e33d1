"""PostgreSQL with a health check that costs no round trip.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request that reuses
a persistent connection. Under load that round trip was 41% of a cached catalog read (py-spy;
docs/benchmarks.md, Backend): one more wait on a PostgreSQL that competes for the same cores.

What the check must catch is a connection the server has dropped (a restart, a failover, an
idle timeout): PostgreSQL then sends a FATAL message and closes the socket. An idle connection
has nothing to read otherwise, so one non-blocking poll of its socket tells: nothing to read is
healthy; something to read is consumed, and the connection is kept only if libpq still calls it
OK and a real `SELECT 1` passes (rare: a notice or a TLS record, never on the hot path). After a
query error Django still checks with `SELECT 1` (is_usable, unchanged).

A connection that dies silently (a cable pulled, no FIN) is not seen by either check until its
first query times out; `SELECT 1` would hang on it just the same.
"""

import select

from django_prometheus.db.backends.postgresql import base
from psycopg import OperationalError
from psycopg.pq import ConnStatus, TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if not self._looks_alive():
            self.close()
        self.health_check_done = True

    def _looks_alive(self) -> bool:
        connection = self.connection
        if connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.status != ConnStatus.OK or pgconn.transaction_status == TransactionStatus.UNKNOWN:
            return False
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        try:
            pgconn.consume_input()
        except OperationalError:
            return False
        return pgconn.status == ConnStatus.OK and self.is_usable()
