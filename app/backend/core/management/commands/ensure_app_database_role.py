"""Create (or bring into line) the app's own PostgreSQL role, connected as the master user.

Run once per deploy by the servers' db-setup step (terraform/deploy.sh), with the master's
credentials in DATABASE_URL or DB_* and the app role's in APP_DB_USER and APP_DB_PASSWORD — from
the environment only, never from arguments, and never printed. Afterwards the app role:

- logs in (NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS, a connection limit),
  to this database only (CONNECT revoked from PUBLIC here and on the other databases the master
  owns);
- may create in schema public (CREATE revoked from PUBLIC) and owns every table, view and
  sequence there, django_migrations included: migrations then run as the app role.

Exit codes: 0 done (or nothing to do); 2 bad input, nothing sent to the database; 3 the database
holds something this command will not change (the message says who must do what); 4 PostgreSQL
refused a statement, everything rolled back; 1 anything else (e.g. the database does not answer).
"""

import os
import re

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection

from core import database_role
from core.database_role import RoleSetupError

# Two app servers x (gunicorn's worker cap 8 x 4 threads + 4 for the entrypoint's commands and a
# container being replaced): what terraform/main.tf passes for its two servers.
DEFAULT_CONNECTION_LIMIT = 72
PREFIX = "ensure_app_database_role"


class Command(BaseCommand):
    help = (
        "Create or update the app's PostgreSQL role (APP_DB_USER/APP_DB_PASSWORD from the environment) "
        "so that it owns the shop's tables and nothing more. Connects as the master user."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--connection-limit",
            type=int,
            default=None,
            help=(
                "the role's CONNECTION LIMIT: servers x gunicorn workers x threads, plus a few "
                f"(default: APP_DB_CONNECTION_LIMIT, else {DEFAULT_CONNECTION_LIMIT})"
            ),
        )

    def handle(self, *args, connection_limit: int | None, **options):
        try:
            self._run(connection_limit)
        except RoleSetupError as error:
            raise CommandError(f"{PREFIX}: {error}", returncode=error.exit_code) from None

    def _run(self, connection_limit: int | None):
        # Everything the user supplies is checked before a single statement reaches the database.
        if connection.vendor != "postgresql":
            raise RoleSetupError(
                f"the database is {connection.vendor}, not PostgreSQL: roles exist only there",
                database_role.INPUT_ERROR,
            )
        master = connection.settings_dict["USER"] or ""
        role = database_role.validate_role_name(os.environ.get("APP_DB_USER", "").strip(), master)
        password = os.environ.get("APP_DB_PASSWORD", "")
        database_role.validate_password(password, connection.settings_dict.get("PASSWORD"))
        if connection_limit is None:
            raw = os.environ.get("APP_DB_CONNECTION_LIMIT", "").strip() or str(DEFAULT_CONNECTION_LIMIT)
            if not raw.isdigit():
                raise RoleSetupError(
                    f"APP_DB_CONNECTION_LIMIT must be a number, not {raw!r}", database_role.INPUT_ERROR
                )
            connection_limit = int(raw)
        database_role.validate_connection_limit(connection_limit)

        # The psycopg connection itself: neither Django's query logging nor its metrics wrappers
        # see these statements.
        try:
            connection.ensure_connection()
        except OperationalError as error:
            raise RoleSetupError(
                f"cannot connect to {connection.settings_dict['NAME']} as {master or 'the configured user'}: "
                f"{str(error).strip()} (the master's credentials come from the deploy step; check the database "
                "is up and its security group admits this server)",
                1,
            ) from None
        conn: psycopg.Connection = connection.connection
        params = connection.get_connection_params()
        self.stdout.write(
            f"{PREFIX}: as {master or 'the configured user'} on {connection.settings_dict['NAME']}, "
            f"making sure role {role} exists and owns the shop's tables"
        )
        works = database_role.password_works(params, role, password)
        try:
            outcome = database_role.ensure_app_role(
                conn,
                role=role,
                password=password,
                connection_limit=connection_limit,
                password_already_works=works,
                log=lambda line: self.stdout.write(f"{PREFIX}: {line}"),
            )
        except psycopg.Error as error:
            # A server message may quote the statement: never let the password or its verifier out.
            message = str(error).strip().replace(password, "***")
            message = _redact_verifiers(message)
            raise RoleSetupError(
                f"PostgreSQL refused: {message} (sqlstate {error.sqlstate}); nothing was changed. "
                f"The connecting user must own database {connection.settings_dict['NAME']} and be allowed to "
                "create roles (the RDS master user is)",
                database_role.DATABASE_ERROR,
            ) from None
        finally:
            connection.close()

        if not outcome.changes:
            self.stdout.write(f"{PREFIX}: nothing to change; role {role} was already in line")
        if outcome.still_reachable:
            names = ", ".join(outcome.still_reachable)
            self.stderr.write(
                f"{PREFIX}: warning: {role} can still connect to {names} (through PUBLIC; owned by another "
                f"user): as each one's owner run REVOKE CONNECT ON DATABASE <name> FROM PUBLIC"
            )
        self.stdout.write(
            f"{PREFIX}: done: {role} logs in to {outcome.database}, owns its tables there, and cannot create "
            "roles or databases"
        )


def _redact_verifiers(text: str) -> str:
    return re.sub(r"SCRAM-SHA-256\$[^'\s]+", "SCRAM-SHA-256$***", text)
