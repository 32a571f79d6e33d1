"""`migrate` under a PostgreSQL advisory lock, so servers starting together migrate once.

The first server to take the lock applies the migrations; the others block on the same lock,
and when it is released find nothing left to apply. The lock is session-level: if the holder
dies, PostgreSQL releases it with the connection, and the next server resumes. SQLite (one
local process) runs a plain migrate.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Any constant 64-bit key works, as long as nothing else in the database uses it:
# int.from_bytes(hashlib.sha256(b"shop-backend:migrate").digest()[:8], "big", signed=True).
MIGRATION_LOCK_KEY = -4_733_468_343_979_707_600


def _pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class Command(BaseCommand):
    help = "Apply migrations once even when several servers start together (PostgreSQL advisory lock)."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write(f"migrate_locked: {connection.vendor} has no advisory locks; running migrate")
            call_command("migrate", interactive=False, verbosity=1)
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            acquired = cursor.fetchone()[0]
            if not acquired:
                self.stdout.write("migrate_locked: another server holds the migration lock; waiting for it")
                cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
                self.stdout.write("migrate_locked: waited for the migration lock held by another server")
        try:
            pending = _pending_migrations()
            if not pending:
                self.stdout.write("migrate_locked: nothing to apply; the schema is up to date")
                return
            self.stdout.write(f"migrate_locked: applying {len(pending)} migrations")
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write(f"migrate_locked: applied {len(pending)} migrations")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
