"""The app's own PostgreSQL role: it owns the shop's tables and nothing more.

`manage.py ensure_app_database_role` calls `ensure_app_role` with a connection as the database's
master user (on RDS: a member of rds_superuser, not a superuser). Everything that changes the
catalog happens in one transaction, under the migration lock (`migrate_locked`), so a refusal
halfway leaves the database as it was, and a migration never runs while ownership moves.

Every identifier and literal is composed with psycopg's `sql` module, never by string
formatting. The password reaches PostgreSQL only as a SCRAM-SHA-256 verifier computed here, so
`log_statement = ddl` (or `all`) logs the verifier, never the password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from core.management.commands.migrate_locked import MIGRATION_LOCK_KEY

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Roles of PostgreSQL and RDS themselves, and words PostgreSQL reads as something other than a
# role name in GRANT and ALTER ROLE.
RESERVED_ROLES = frozenset(
    {
        "postgres",
        "rdsadmin",
        "rdsrepladmin",
        "rdstopmgr",
        "rds_superuser",
        "public",
        "none",
        "all",
        "current_role",
        "current_user",
        "session_user",
        "user",
    }
)
RESERVED_PREFIXES = ("pg_", "rds_")
# Printable ASCII without spaces: SASLprep leaves it unchanged (so the verifier computed here is
# the one PostgreSQL would compute), and it survives env files and connection strings.
PASSWORD = re.compile(r"^[\x21-\x7e]+$")
MIN_PASSWORD_LENGTH = 16
SCRAM_ITERATIONS = 4096  # PostgreSQL's default (scram_iterations)
CONNECTION_LIMIT_RANGE = (1, 10_000)

# Relations of the public schema handed to the app role. A sequence that belongs to a column
# (serial, identity) follows its table and cannot be altered on its own.
_RELATIONS = """
SELECT c.relkind, c.relname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
  AND NOT (c.relkind = 'S' AND EXISTS (
        SELECT 1 FROM pg_depend d
        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
ORDER BY c.relkind, c.relname
"""
# Functions of the public schema (the fraud tallies' trigger functions, migration fraud.0003)
# not owned by the app role and not part of an extension, each as its schema-qualified signature
# quoted by PostgreSQL itself (format's %I, and the argument types as the catalog prints them).
_FUNCTIONS = """
SELECT format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
  AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
  AND NOT EXISTS (
        SELECT 1 FROM pg_depend d
        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
"""
_KINDS = {
    "r": ("TABLE", "tables"),
    "p": ("TABLE", "tables"),
    "f": ("FOREIGN TABLE", "tables"),
    "v": ("VIEW", "views"),
    "m": ("MATERIALIZED VIEW", "views"),
    "S": ("SEQUENCE", "sequences"),
}


class RoleSetupError(Exception):
    """Something a person must fix; `exit_code` says which kind (see the management command)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


INPUT_ERROR = 2  # a bad name, password or limit: nothing was sent to the database
REFUSED = 3  # the database is in a state this command will not (or may not) change
DATABASE_ERROR = 4  # PostgreSQL refused a statement; the transaction was rolled back


def validate_role_name(name: str, master: str) -> str:
    if not ROLE_NAME.match(name):
        raise RoleSetupError(
            f"APP_DB_USER {name!r} is not a plain PostgreSQL role name: use 1 to 63 lower-case letters, "
            "digits and underscores, starting with a letter or underscore (e.g. ecommerce_app)",
            INPUT_ERROR,
        )
    if name in RESERVED_ROLES or name.startswith(RESERVED_PREFIXES):
        raise RoleSetupError(
            f"APP_DB_USER {name!r} is a role of PostgreSQL or RDS itself: choose another name (e.g. ecommerce_app)",
            INPUT_ERROR,
        )
    if name == master.lower():
        raise RoleSetupError(
            f"APP_DB_USER {name!r} is the master user this command connects as: the app needs a role of its "
            "own (e.g. ecommerce_app)",
            INPUT_ERROR,
        )
    return name


def validate_password(password: str, master_password: str | None) -> str:
    if not password:
        raise RoleSetupError("APP_DB_PASSWORD is empty or not set: the deploy step reads it from SSM", INPUT_ERROR)
    if len(password) < MIN_PASSWORD_LENGTH or not PASSWORD.match(password):
        raise RoleSetupError(
            f"APP_DB_PASSWORD must be at least {MIN_PASSWORD_LENGTH} printable ASCII characters without "
            "spaces (actions/app-secrets generates such values)",
            INPUT_ERROR,
        )
    if master_password and hmac.compare_digest(password, master_password):
        raise RoleSetupError("APP_DB_PASSWORD is the master user's password: generate one of its own", INPUT_ERROR)
    return password


def validate_connection_limit(limit: int) -> int:
    low, high = CONNECTION_LIMIT_RANGE
    if not low <= limit <= high:
        raise RoleSetupError(
            f"the connection limit must lie between {low} and {high} (got {limit}); size it as servers x "
            "gunicorn workers x threads, plus a few",
            INPUT_ERROR,
        )
    return limit


def scram_sha_256_verifier(password: str, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """What PostgreSQL stores for `PASSWORD 'secret'` under password_encryption = scram-sha-256
    (RFC 5802/7677); PostgreSQL takes a value in this form as already hashed."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


@dataclass
class Outcome:
    role: str
    database: str
    created: bool = False
    password_set: bool = False
    changes: list[str] = field(default_factory=list)
    transferred: dict[str, int] = field(default_factory=dict)
    # Databases other than the shop's that the role can still connect to (owned by someone else).
    still_reachable: list[str] = field(default_factory=list)


def password_works(connect_params: dict, role: str, password: str) -> bool:
    """Whether `role` can log in with `password` (then the stored verifier stays as it is, and a
    second run changes nothing). Any failure — wrong password, no such role, no CONNECT yet, the
    connection limit — means: set it."""
    try:
        with psycopg.connect(**{**connect_params, "user": role, "password": password}):
            return True
    except psycopg.Error:
        return False


def ensure_app_role(
    conn: psycopg.Connection,
    *,
    role: str,
    password: str,
    connection_limit: int,
    password_already_works: bool,
    log: Callable[[str], None],
) -> Outcome:
    """Create or bring `role` into line, in one transaction on `conn` (the master's connection)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK_KEY])
        me, database, is_superuser, version = cur.execute(
            "SELECT current_user, current_database(), rolsuper, current_setting('server_version_num')::int "
            "FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        if role == me:
            raise RoleSetupError(f"APP_DB_USER {role!r} is the role this command connects as", INPUT_ERROR)
        outcome = Outcome(role=role, database=database)
        ident = sql.Identifier(role)

        existing = cur.execute(
            "SELECT rolsuper, rolreplication, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        ).fetchone()
        if existing is None:
            cur.execute(
                sql.SQL(
                    "CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                    "CONNECTION LIMIT {} PASSWORD {}"
                ).format(ident, sql.Literal(connection_limit), sql.Literal(scram_sha_256_verifier(password)))
            )
            outcome.created = outcome.password_set = True
            outcome.changes.append(f"created role {role} (LOGIN, connection limit {connection_limit})")
        else:
            superuser, replication, bypassrls, createrole, createdb, canlogin, connlimit = existing
            # Only a superuser may take these away (the RDS master is not one): refuse rather than
            # hand the app a role that can read or change everything.
            dangerous = [n for n, on in (("SUPERUSER", superuser), ("REPLICATION", replication)) if on]
            dangerous += ["BYPASSRLS"] if bypassrls else []
            if dangerous:
                raise RoleSetupError(
                    f"role {role} already exists with {', '.join(dangerous)}: it must not be the app's role. A "
                    f"superuser must run ALTER ROLE {role} NO{' NO'.join(dangerous)}, or choose another APP_DB_USER",
                    REFUSED,
                )
            clauses = []
            if createrole:
                clauses.append("NOCREATEROLE")
            if createdb:
                clauses.append("NOCREATEDB")
            if not canlogin:
                clauses.append("LOGIN")
            if clauses or connlimit != connection_limit:
                cur.execute(
                    sql.SQL("ALTER ROLE {} WITH " + " ".join(clauses) + " CONNECTION LIMIT {}").format(
                        ident, sql.Literal(connection_limit)
                    )
                )
                detail = ", ".join([*clauses, f"connection limit {connlimit} -> {connection_limit}"])
                outcome.changes.append(f"updated role {role}: {detail}")
            if not password_already_works:
                cur.execute(
                    sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(
                        ident, sql.Literal(scram_sha_256_verifier(password))
                    )
                )
                outcome.password_set = True
                outcome.changes.append(f"set the password of role {role}")

        # The app role must hold no other role's privileges (rds_superuser, the master, pg_read_all_data ...).
        memberships = [
            r[0]
            for r in cur.execute(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s ORDER BY 1",
                [role],
            ).fetchall()
        ]
        if memberships:
            revokes = "; ".join(f"REVOKE {g} FROM {role}" for g in memberships)
            raise RoleSetupError(
                f"role {role} is a member of {', '.join(memberships)} and would act with their privileges: "
                f"as the master user run {revokes}; then run this again",
                REFUSED,
            )

        # ALTER ... OWNER TO needs the master to be able to act as the new owner (PostgreSQL 16: the SET
        # option of a membership; 15: membership). The master becomes a member of the app role (so
        # it can still read the shop's tables by hand), never the other way round.
        if not is_superuser:
            can_set = cur.execute(
                "SELECT pg_has_role(current_user, %s, %s)", [role, "SET" if version >= 160000 else "MEMBER"]
            ).fetchone()[0]
            if not can_set:
                grant = "GRANT {} TO {} WITH INHERIT TRUE, SET TRUE" if version >= 160000 else "GRANT {} TO {}"
                cur.execute(sql.SQL(grant).format(ident, sql.Identifier(me)))
                outcome.changes.append(f"made {me} a member of {role} (to hand it its tables)")

        db = sql.Identifier(database)
        if cur.execute("SELECT has_database_privilege('public', %s, 'CONNECT')", [database]).fetchone()[0]:
            cur.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(db))
            outcome.changes.append(f"revoked CONNECT on database {database} from PUBLIC")
        if not _has_direct_grant(cur, "pg_database", "datacl", "datname", database, role, "c"):
            cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, ident))
            outcome.changes.append(f"granted CONNECT on database {database} to {role}")

        if cur.execute("SELECT has_schema_privilege('public', 'public', 'CREATE')").fetchone()[0]:
            cur.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            outcome.changes.append("revoked CREATE on schema public from PUBLIC")
        for privilege, letter in (("USAGE", "U"), ("CREATE", "C")):
            if not _has_direct_grant(cur, "pg_namespace", "nspacl", "nspname", "public", role, letter):
                cur.execute(sql.SQL("GRANT {} ON SCHEMA public TO {}").format(sql.SQL(privilege), ident))
                outcome.changes.append(f"granted {privilege} on schema public to {role}")

        for kind, name in cur.execute(_RELATIONS, {"role": role}).fetchall():
            keyword, group = _KINDS[kind]
            cur.execute(
                sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(keyword), sql.Identifier("public", name), ident)
            )
            outcome.transferred[group] = outcome.transferred.get(group, 0) + 1
        for (signature,) in cur.execute(_FUNCTIONS, {"role": role}).fetchall():
            cur.execute(sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(signature), ident))
            outcome.transferred["functions"] = outcome.transferred.get("functions", 0) + 1
        if outcome.transferred:
            counts = ", ".join(f"{n} {group}" for group, n in sorted(outcome.transferred.items()))
            outcome.changes.append(f"handed {counts} of schema public to {role}")

        # Every database lets PUBLIC connect unless told otherwise. Those this user owns are closed
        # to PUBLIC here (their owner keeps access); others are reported for their owner to close.
        for other, owned in cur.execute(
            "SELECT datname, datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user) FROM pg_database "
            "WHERE datallowconn AND datname <> current_database() AND has_database_privilege(%s, oid, 'CONNECT') "
            "ORDER BY 1",
            [role],
        ).fetchall():
            if owned:
                cur.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(other)))
                cur.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM {}").format(sql.Identifier(other), ident))
                outcome.changes.append(f"revoked CONNECT on database {other} from PUBLIC and {role}")
        outcome.still_reachable = [
            r[0]
            for r in cur.execute(
                "SELECT datname FROM pg_database WHERE datallowconn AND datname <> current_database() "
                "AND has_database_privilege(%s, oid, 'CONNECT') ORDER BY 1",
                [role],
            ).fetchall()
        ]
        for change in outcome.changes:
            log(change)
    return outcome


def _has_direct_grant(cur, catalog: str, acl_column: str, name_column: str, name: str, role: str, letter: str) -> bool:
    """Whether `role` itself (not PUBLIC, not through a membership) holds the privilege."""
    query = sql.SQL(
        "SELECT EXISTS (SELECT 1 FROM {catalog} o, aclexplode(o.{acl}) a "
        "WHERE o.{name} = %s AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s) AND a.privilege_type = %s)"
    ).format(catalog=sql.Identifier(catalog), acl=sql.Identifier(acl_column), name=sql.Identifier(name_column))
    privilege = {"c": "CONNECT", "U": "USAGE", "C": "CREATE"}[letter]
    return cur.execute(query, [name, role, privilege]).fetchone()[0]
