"""ensure_app_database_role against real PostgreSQL: the app role it leaves behind owns the shop's
tables and can do nothing else.

The command runs as a stand-in for the RDS master user: a role with LOGIN CREATEROLE CREATEDB
that is *not* a superuser, owning the shop's database (what RDS gives you). Each test class
creates its own throw-away databases and roles and drops them afterwards, so runs by other
engineers against the same server do not collide, and nothing of theirs is changed (the command
only closes databases its user owns).

Most tests use the suite's PostgreSQL (trust authentication: passwords are not checked there).
`PasswordTests` starts a throw-away cluster with scram-sha-256 authentication and
`log_statement = all`, to prove the password works, changes, and never reaches the log.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.utils import load_backend

from core.database_role import scram_sha_256_verifier
from core.management.commands import ensure_app_database_role as command_module

BACKEND = Path(__file__).resolve().parents[2]
PASSWORD = "app-password-0123456789abcdefXYZ"
ENGINE = "django.db.backends.postgresql"


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    """These tests open their own connections (never the test database's): let pytest-django allow them."""
    with django_db_blocker.unblock():
        yield


def _server() -> dict:
    database = settings.DATABASES["default"]
    return {
        "host": database.get("HOST") or "127.0.0.1",
        "port": int(database.get("PORT") or 5432),
        "user": database.get("USER") or "postgres",
        "password": database.get("PASSWORD") or None,
    }


def _wrapper(host, port, name, user, password=""):
    """A Django connection like the one the one-shot container has (it is not opened here)."""
    settings_dict = {
        **settings.DATABASES["default"],
        "ENGINE": ENGINE,
        "HOST": host,
        "PORT": port,
        "NAME": name,
        "USER": user,
        "PASSWORD": password,
        "OPTIONS": {"connect_timeout": 5},
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TEST": {},
    }
    return load_backend(ENGINE).DatabaseWrapper(settings_dict, alias="ensure_app_database_role")


def run_command(monkeypatch, wrapper, *args, role=None, password=PASSWORD, limit=None):
    """The command in this process, on `wrapper`; returns (exit code, stdout + stderr)."""
    monkeypatch.setattr(command_module, "connection", wrapper)
    for key, value in (("APP_DB_USER", role), ("APP_DB_PASSWORD", password), ("APP_DB_CONNECTION_LIMIT", limit)):
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, str(value))
    out, err = StringIO(), StringIO()
    try:
        call_command("ensure_app_database_role", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue() + err.getvalue()


def manage(url: str, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DB_", "APP_DB_"))}
    environment.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test", **(env or {}))
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args], cwd=BACKEND, env=environment, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def unique(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------------------------------------
# Bad input: refused before any statement (the connection points at a port nothing listens on,
# so an attempt to connect would fail differently).
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def unreachable():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return _wrapper("127.0.0.1", port, "shop", "shop_master", "master-password-0123456789")


@pytest.mark.database_agnostic
class BadInputTests:
    @pytest.mark.parametrize(
        ("role", "why"),
        [
            ("app; DROP TABLE x", "not a plain PostgreSQL role name"),
            ('"x"', "not a plain PostgreSQL role name"),
            ("x' OR '1'='1", "not a plain PostgreSQL role name"),
            ("App", "not a plain PostgreSQL role name"),
            ("", "not a plain PostgreSQL role name"),
            ("a" * 64, "not a plain PostgreSQL role name"),
            ("9lives", "not a plain PostgreSQL role name"),
            ("postgres", "a role of PostgreSQL or RDS itself"),
            ("rdsadmin", "a role of PostgreSQL or RDS itself"),
            ("rds_superuser", "a role of PostgreSQL or RDS itself"),
            ("pg_read_all_data", "a role of PostgreSQL or RDS itself"),
            ("public", "a role of PostgreSQL or RDS itself"),
            ("shop_master", "the master user this command connects as"),
        ],
    )
    def test_a_bad_role_name_is_refused_before_any_sql(self, monkeypatch, unreachable, role, why):
        code, output = run_command(monkeypatch, unreachable, role=role)
        assert code == 2, output
        assert why in output
        assert unreachable.connection is None  # never connected
        assert PASSWORD not in output

    @pytest.mark.parametrize(
        ("password", "why"),
        [
            (None, "APP_DB_PASSWORD is empty or not set"),
            ("", "APP_DB_PASSWORD is empty or not set"),
            ("short", "at least 16 printable ASCII characters"),
            ("has a space in it 0123456789", "at least 16 printable ASCII characters"),
            ("master-password-0123456789", "the master user's password"),
        ],
    )
    def test_a_bad_password_is_refused_and_never_echoed(self, monkeypatch, unreachable, password, why):
        code, output = run_command(monkeypatch, unreachable, role="shop_app", password=password)
        assert (code, why in output) == (2, True), output
        assert unreachable.connection is None
        if password:
            assert password not in output

    @pytest.mark.parametrize("limit", ["0", "-1", "many", "10001"])
    def test_a_bad_connection_limit_is_refused(self, monkeypatch, unreachable, limit):
        code, output = run_command(monkeypatch, unreachable, role="shop_app", limit=limit)
        assert code == 2 and "connection limit" in output.lower().replace("_", " "), output
        assert unreachable.connection is None

    def test_the_role_name_is_not_an_argument(self, monkeypatch, unreachable):
        # Only the environment carries credentials: nothing shows up in ps.
        with pytest.raises(CommandError):
            call_command("ensure_app_database_role", "--password", "x", stdout=StringIO(), stderr=StringIO())

    def test_the_verifier_is_postgresqls_scram_format(self):
        verifier = scram_sha_256_verifier(PASSWORD, salt=b"0123456789abcdef")
        assert verifier.startswith("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$")
        assert PASSWORD not in verifier
        assert scram_sha_256_verifier(PASSWORD) != scram_sha_256_verifier(PASSWORD)  # a fresh salt each time


# ---------------------------------------------------------------------------------------------
# The suite's PostgreSQL: the whole life of the app role, as the RDS master would see it.
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="class")
def shop():
    """A master role (not a superuser) owning a shop database migrated as it, plus a second
    database it owns; dropped afterwards with every role the tests created."""
    server = _server()
    master, app = unique("t_master"), unique("t_app")
    database, other = unique("t_shop"), unique("t_other")
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE ROLE "{master}" LOGIN CREATEROLE CREATEDB')
        admin.execute(f'CREATE DATABASE "{database}" OWNER "{master}"')
        admin.execute(f'CREATE DATABASE "{other}" OWNER "{master}"')
    base = f"postgres://{{user}}@{server['host']}:{server['port']}/{database}"
    info = {
        "server": server,
        "master": master,
        "app": app,
        "database": database,
        "other": other,
        "master_url": base.format(user=master),
        "app_url": base.format(user=app),
    }
    try:
        # Today's state: the tables exist and the master owns them. Only part of the schema, so
        # that the app role has to create the rest itself.
        manage(info["master_url"], "migrate", "account", "--no-input")
        yield info
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            for name in (database, other):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in (app, f"{app}_2", master):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def connect_as(info, user, dbname=None):
    server = {**info["server"], "user": user, "password": None}
    return psycopg.connect(dbname=dbname or info["database"], autocommit=True, **server)


def state(info) -> dict:
    """Everything the command may change, read as the server's superuser."""
    with psycopg.connect(dbname=info["database"], autocommit=True, **info["server"]) as admin:
        role = admin.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin, rolconnlimit, "
            "rolpassword FROM pg_authid WHERE rolname = %s",
            [info["app"]],
        ).fetchone()
        owners = admin.execute(
            "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN "
            "('r','p','v','m','S','f') "
            "UNION ALL SELECT p.proname, 'function', pg_get_userbyid(p.proowner) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1"
        ).fetchall()
        databases = admin.execute(
            "SELECT datname, datacl::text FROM pg_database WHERE datname IN (%s, %s) ORDER BY 1",
            [info["database"], info["other"]],
        ).fetchall()
        schema = admin.execute("SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'").fetchone()
        members = admin.execute(
            "SELECT r.rolname, m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE %s IN (r.rolname, m.rolname) ORDER BY 1, 2",
            [info["app"]],
        ).fetchall()
    return {"role": role, "owners": owners, "databases": databases, "schema": schema, "members": members}


@pytest.mark.postgres
class AppRoleTests:
    """In order: the tests share one shop database and build on each other's state."""

    def test_1_the_command_creates_the_role_and_hands_it_every_table(self, monkeypatch, shop):
        wrapper = _wrapper(shop["server"]["host"], shop["server"]["port"], shop["database"], shop["master"])
        code, output = run_command(monkeypatch, wrapper, role=shop["app"], limit=40)
        assert code == 0, output
        assert f"created role {shop['app']}" in output
        assert "revoked CONNECT on database" in output and "handed" in output
        assert PASSWORD not in output
        # Databases owned by others (the server's own postgres database) cannot be closed by the
        # master: the command says so instead of pretending.
        assert "postgres" in output.split("can still connect to", 1)[1]

        after = state(shop)
        assert after["role"][:7] == (False, False, False, False, False, True, 40)
        assert after["role"][7].startswith("SCRAM-SHA-256$")
        assert {owner for _, _, owner in after["owners"]} == {shop["app"]}
        assert ("django_migrations", "r", shop["app"]) in after["owners"]
        # The master became a member of the app role (to hand it its tables); never the reverse.
        assert after["members"] == [(shop["app"], shop["master"])]

    def test_2_the_app_role_migrates_the_rest_and_serves_writes(self, shop):
        result = manage(shop["app_url"], "migrate", "--no-input")
        assert "Applying orders.0001_initial" in result.stdout, result.stdout
        script = (
            "import django; django.setup()\n"
            "from django.core.management import call_command\n"
            "from rest_framework.test import APIClient\n"
            "from product.models import Product\n"
            "call_command('seed_demo_catalog')\n"
            "c = APIClient()\n"
            "r = c.post('/api/auth/register/', {'email': 'ada@example.com', 'password': 'a-long-Passw0rd!'}, "
            "format='json'); assert r.status_code == 201, r.content\n"
            "t = c.post('/api/auth/token/', {'email': 'ada@example.com', 'password': 'a-long-Passw0rd!'}, "
            "format='json').json()['access']\n"
            "c.credentials(HTTP_AUTHORIZATION='Bearer ' + t)\n"
            "p = Product.objects.filter(stock__gt=0).first()\n"
            "body = {'items': [{'product_id': p.pk, 'quantity': 1}], 'billing_address': {'full_name': 'Ada', "
            "'line1': '1 Row', 'city': 'Springfield', 'state': 'IL', 'postal_code': '62701', 'country': 'US'}, "
            "'payment': {'card': {'number': '4242424242424242', 'exp_month': 12, 'exp_year': 2035, 'cvc': '123'}}}\n"
            "r = c.post('/api/orders/', body, format='json'); assert r.status_code == 201, r.content\n"
            "print('checkout', r.json()['status'])\n"
        )
        result = manage(shop["app_url"], "shell", "-c", script, env={"DJANGO_ALLOWED_HOSTS": "testserver"})
        assert "checkout paid" in result.stdout, result.stdout + result.stderr
        owners = {owner for _, _, owner in state(shop)["owners"]}
        assert owners == {shop["app"]}  # what it created is its own too

    @pytest.mark.parametrize(
        ("statement", "error"),
        [
            ('CREATE ROLE "{app}_2"', psycopg.errors.InsufficientPrivilege),
            ('CREATE DATABASE "{app}_2"', psycopg.errors.InsufficientPrivilege),
            ('ALTER ROLE "{master}" NOLOGIN', psycopg.errors.InsufficientPrivilege),
            ('ALTER ROLE "{app}" CREATEROLE', psycopg.errors.InsufficientPrivilege),
            ('ALTER ROLE "{app}" CONNECTION LIMIT -1', psycopg.errors.InsufficientPrivilege),
            ('GRANT "{master}" TO "{app}"', psycopg.errors.InsufficientPrivilege),
            ('ALTER SCHEMA public OWNER TO "{app}"', psycopg.errors.InsufficientPrivilege),
        ],
    )
    def test_3_the_app_role_can_do_nothing_else(self, shop, statement, error):
        with connect_as(shop, shop["app"]) as conn, pytest.raises(error):
            conn.execute(statement.format(**shop))

    def test_3_the_app_role_cannot_connect_to_another_database(self, shop):
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            connect_as(shop, shop["app"], dbname=shop["other"])
        # ... while the master still can.
        connect_as(shop, shop["master"], dbname=shop["other"]).close()

    def test_3_other_roles_cannot_connect_to_the_shop_database_through_public(self, shop):
        with psycopg.connect(dbname="postgres", autocommit=True, **shop["server"]) as admin:
            admin.execute(f'CREATE ROLE "{shop["app"]}_2" LOGIN')
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            connect_as(shop, f"{shop['app']}_2")

    def test_4_a_second_run_changes_nothing(self, monkeypatch, shop):
        before = state(shop)
        wrapper = _wrapper(shop["server"]["host"], shop["server"]["port"], shop["database"], shop["master"])
        code, output = run_command(monkeypatch, wrapper, role=shop["app"], limit=40)
        assert code == 0, output
        assert "nothing to change" in output, output
        assert state(shop) == before

    def test_5_a_new_limit_is_applied_and_a_table_the_master_made_is_handed_over(self, monkeypatch, shop):
        with connect_as(shop, shop["master"]) as conn:
            conn.execute("CREATE TABLE made_by_master (id serial PRIMARY KEY)")
            conn.execute("CREATE VIEW view_by_master AS SELECT id FROM made_by_master")
            # A name that must be quoted: the handover uses PostgreSQL's own text of the signature.
            conn.execute(
                'CREATE FUNCTION "Made by master"(a integer, b text) RETURNS integer LANGUAGE sql AS $$ SELECT a $$'
            )
            # Named like a built-in: an unqualified ALTER would reach pg_catalog's lower(text).
            conn.execute("CREATE FUNCTION lower(t text) RETURNS text LANGUAGE sql AS $$ SELECT t $$")
        wrapper = _wrapper(shop["server"]["host"], shop["server"]["port"], shop["database"], shop["master"])
        code, output = run_command(monkeypatch, wrapper, "--connection-limit", "12", role=shop["app"])
        assert code == 0, output
        assert "connection limit 40 -> 12" in output and "2 functions, 1 tables, 1 views" in output, output
        after = state(shop)
        assert after["role"][6] == 12
        assert {owner for _, _, owner in after["owners"]} == {shop["app"]}

    def test_6_a_role_that_holds_another_roles_privileges_is_refused_and_nothing_changes(self, monkeypatch, shop):
        with psycopg.connect(dbname="postgres", autocommit=True, **shop["server"]) as admin:
            admin.execute(f'GRANT pg_read_all_data TO "{shop["app"]}"')
        try:
            before = state(shop)
            wrapper = _wrapper(shop["server"]["host"], shop["server"]["port"], shop["database"], shop["master"])
            code, output = run_command(monkeypatch, wrapper, "--connection-limit", "30", role=shop["app"])
            assert code == 3, output
            assert f"REVOKE pg_read_all_data FROM {shop['app']}" in output
            assert state(shop) == before  # the new limit was rolled back with everything else
        finally:
            with psycopg.connect(dbname="postgres", autocommit=True, **shop["server"]) as admin:
                admin.execute(f'REVOKE pg_read_all_data FROM "{shop["app"]}"')

    def test_7_a_superuser_role_of_that_name_is_refused(self, monkeypatch, shop):
        with psycopg.connect(dbname="postgres", autocommit=True, **shop["server"]) as admin:
            admin.execute(f'ALTER ROLE "{shop["app"]}" SUPERUSER')
        try:
            wrapper = _wrapper(shop["server"]["host"], shop["server"]["port"], shop["database"], shop["master"])
            code, output = run_command(monkeypatch, wrapper, role=shop["app"])
            assert code == 3 and "already exists with SUPERUSER" in output, output
        finally:
            with psycopg.connect(dbname="postgres", autocommit=True, **shop["server"]) as admin:
                admin.execute(f'ALTER ROLE "{shop["app"]}" NOSUPERUSER')

    def test_8_a_master_that_may_not_create_roles_gets_an_actionable_error(self, monkeypatch, shop):
        weak = f"{shop['app']}_2"  # created above: LOGIN only
        with psycopg.connect(dbname="postgres", autocommit=True, **shop["server"]) as admin:
            admin.execute(f'GRANT CONNECT ON DATABASE "{shop["database"]}" TO "{weak}"')
        wrapper = _wrapper(shop["server"]["host"], shop["server"]["port"], shop["database"], weak)
        code, output = run_command(monkeypatch, wrapper, role=unique("t_new"))
        assert code == 4, output
        assert "PostgreSQL refused" in output and "nothing was changed" in output and "create roles" in output

    def test_9_a_database_that_does_not_answer_exits_1_with_what_to_check(self, monkeypatch, unreachable):
        code, output = run_command(monkeypatch, unreachable, role="shop_app")
        assert code == 1 and "cannot connect to shop as shop_master" in output, output


# ---------------------------------------------------------------------------------------------
# Real password authentication and the statement log: a throw-away cluster.
# ---------------------------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


@pytest.fixture(scope="class")
def scram_cluster():
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("needs PostgreSQL's server binaries (initdb) for a cluster with password authentication")
    as_user: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="pg-scram-"))
    if os.geteuid() == 0:
        # initdb refuses to run as root.
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser: cannot start a throw-away cluster")
        shutil.chown(directory, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data, log = directory / "data", directory / "log"
    subprocess.run(  # noqa: S603
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust",
         "--auth-host=scram-sha-256", "-E", "UTF8"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c log_statement=all -c log_connections=on"
    subprocess.run(  # noqa: S603
        [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    master_password = "master-password-" + uuid.uuid4().hex
    try:
        with psycopg.connect(host=str(directory), port=port, user="postgres", dbname="postgres", autocommit=True) as su:
            su.execute(
                "CREATE ROLE shop_master LOGIN CREATEROLE CREATEDB PASSWORD "
                f"'{scram_sha_256_verifier(master_password)}'"
            )
            su.execute("CREATE DATABASE shop OWNER shop_master")
        yield {"port": port, "socket": str(directory), "master_password": master_password, "log": log}
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],  # noqa: S603
                       capture_output=True)  # fmt: skip
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.postgres
class PasswordTests:
    def _login(self, cluster, password):
        return psycopg.connect(
            host="127.0.0.1", port=cluster["port"], dbname="shop", user="shop_app", password=password
        )

    def _verifier(self, cluster):
        with psycopg.connect(host=cluster["socket"], port=cluster["port"], user="postgres", dbname="postgres") as su:
            return su.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'shop_app'").fetchone()[0]

    def test_the_password_works_changes_and_never_reaches_the_log(self, monkeypatch, scram_cluster):
        def run(password):
            wrapper = _wrapper(
                "127.0.0.1", scram_cluster["port"], "shop", "shop_master", scram_cluster["master_password"]
            )
            return run_command(monkeypatch, wrapper, role="shop_app", password=password)

        first, second = PASSWORD, "a-new-password-9876543210abcdef"
        code, output = run(first)
        assert code == 0, output
        self._login(scram_cluster, first).close()
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            self._login(scram_cluster, "not-the-password-0123456789")

        verifier = self._verifier(scram_cluster)
        code, output = run(first)
        assert (code, "nothing to change" in output) == (0, True), output
        assert self._verifier(scram_cluster) == verifier  # unchanged: same salt, same hash

        code, output = run(second)
        assert code == 0 and "set the password of role shop_app" in output, output
        self._login(scram_cluster, second).close()
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            self._login(scram_cluster, first)

        time.sleep(0.2)
        log = scram_cluster["log"].read_text()
        assert "CREATE ROLE" in log and "ALTER ROLE" in log, log[-2000:]  # statements are logged ...
        assert "SCRAM-SHA-256$" in log
        for password in (first, second):  # ... but no password is
            assert password not in log
            assert password not in output
