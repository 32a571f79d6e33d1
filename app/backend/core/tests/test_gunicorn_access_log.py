"""gunicorn writes an access line per request only when GUNICORN_ACCESS_LOG=true, and otherwise does
not even gather the line's fields (docker/backend/gunicorn.conf.py, AccessLogWhenAsked): the app
logs its own line per request, and gathering gunicorn's cost 7% of a cached read's time."""

import json
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from core.tests.servers import ENTRYPOINT, database_url, fresh_database, request, start_server, stop

SHIPPED_CONFIG = ENTRYPOINT.parent / "gunicorn.conf.py"


def _shipped_config(monkeypatch, access_log: str) -> Config:
    """The shipped file read as gunicorn reads a config file: its module-level settings, by name."""
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", access_log)
    config = Config()
    for name, value in runpy.run_path(str(SHIPPED_CONFIG)).items():
        if name in config.settings:
            config.set(name, value)
    return config


def _fields_gathered(logger: Logger) -> int:
    """How many times `access` gathers a line's fields for one request."""
    gathered = []
    logger.atoms = lambda *args: gathered.append(args) or {"s": "200"}
    logger.access(resp=object(), req=object(), environ={}, request_time=timedelta(milliseconds=3))
    return len(gathered)


class AccessLoggerTests:
    def test_with_the_access_log_off_no_field_of_the_line_is_gathered(self, monkeypatch):
        config = _shipped_config(monkeypatch, "false")
        assert config.accesslog is None
        assert _fields_gathered(config.logger_class(config)) == 0

    def test_with_the_access_log_on_the_line_is_gathered(self, monkeypatch):
        config = _shipped_config(monkeypatch, "true")
        assert _fields_gathered(config.logger_class(config)) == 1

    def test_gunicorns_own_logger_would_gather_it_even_with_the_access_log_off(self, monkeypatch):
        # Why the shipped logger exists: a logconfig_dict alone turns gunicorn's access path on.
        config = _shipped_config(monkeypatch, "false")
        assert config.logconfig_dict
        assert _fields_gathered(Logger(config)) == 1


@pytest.mark.postgres
class AccessLogServerTests:
    @pytest.mark.parametrize("access_log", ["true", "false"])
    def test_a_running_server_writes_access_lines_only_when_asked(self, tmp_path: Path, access_log):
        with fresh_database("gunicorn_access") as (name, params):
            log = tmp_path / "server.log"
            server, base = start_server(
                url=database_url(name, params),
                tmp_path=tmp_path,
                log=log,
                ready="/healthz",
                GUNICORN_ACCESS_LOG=access_log,
                GUNICORN_WORKERS="1",
            )
            try:
                for _ in range(3):
                    assert request(f"{base}/healthz", headers={"X-Request-ID": "access-log-test"})[0] == 200
            finally:
                stop([server])
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        access = [line for line in lines if "remote_addr" in line]
        if access_log == "true":
            # The readiness polls are logged too; the three requests carry their id.
            tagged = [line for line in access if line["request_id"] == "access-log-test"]
            assert len(tagged) == 3, lines
            assert all(line["path"] == "/healthz" and line["status"] == "200" for line in tagged)
        else:
            assert access == [], access
