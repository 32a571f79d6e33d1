"""Wait (bounded) until the database accepts connections: the container entrypoint's first step."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection


class Command(BaseCommand):
    help = "Wait until the default database accepts connections, for at most --timeout seconds."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait (default 60)")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between attempts")

    def handle(self, *args, timeout: float, interval: float, **options):
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                connection.ensure_connection()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                self.stdout.write(f"wait_for_database: the database answered (attempt {attempt})")
                return
            except OperationalError as error:
                connection.close()
                if time.monotonic() + interval > deadline:
                    raise CommandError(
                        f"wait_for_database: no answer from the database within {timeout:g}s: {error}"
                    ) from error
                self.stderr.write(f"wait_for_database: not yet (attempt {attempt}): {str(error).strip()}")
                time.sleep(interval)
