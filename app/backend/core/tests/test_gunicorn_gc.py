"""gunicorn's workers start with the loaded app frozen out of the cycle collector's reach
(docker/backend/gunicorn.conf.py, gc_freeze): the first workers and every replacement of a
recycled one, and none of them when GUNICORN_GC_FREEZE=false."""

import json
import time
from pathlib import Path

import pytest

from core.tests.servers import ENTRYPOINT, database_url, fresh_database, start_server, status, stop

SHIPPED_CONFIG = ENTRYPOINT.parent / "gunicorn.conf.py"


def _recording_config(tmp_path: Path) -> Path:
    """The shipped configuration plus a post_fork hook (it defines none) that writes down, in each
    new worker, how many objects are frozen and how many the collector still tracks."""
    config = tmp_path / "recording.conf.py"
    records = tmp_path / "workers.jsonl"
    config.write_text(
        "import gc, json, os\n"
        f"exec(compile(open({str(SHIPPED_CONFIG)!r}).read(), 'gunicorn.conf.py', 'exec'))\n"
        "def post_fork(server, worker):\n"
        f"    with open({str(records)!r}, 'a') as out:\n"
        "        out.write(json.dumps({'pid': os.getpid(), 'frozen': gc.get_freeze_count(),"
        " 'tracked': len(gc.get_objects())}) + '\\n')\n"
    )
    return config


@pytest.mark.postgres
class WorkerGcTests:
    @pytest.mark.parametrize("freeze", ["true", "false"])
    def test_every_worker_recycled_or_not_starts_with_the_app_frozen_unless_turned_off(self, tmp_path, freeze):
        with fresh_database("gunicorn_gc") as (name, params):
            log = tmp_path / "server.log"
            server, base = start_server(
                url=database_url(name, params),
                tmp_path=tmp_path,
                log=log,
                ready="/healthz",
                GUNICORN_CONFIG=str(_recording_config(tmp_path)),
                GUNICORN_GC_FREEZE=freeze,
                GUNICORN_WORKERS="2",
                GUNICORN_THREADS="1",
                GUNICORN_MAX_REQUESTS="4",
                GUNICORN_MAX_REQUESTS_JITTER="0",
            )
            records = tmp_path / "workers.jsonl"
            try:
                for _ in range(24):
                    assert status(f"{base}/healthz") == 200
                # The last recycled workers' replacements are forked after their last answers:
                # waited for (a replacement for every recycle, three checks in a row), so that
                # stopping the server does not race them.
                deadline, settled = time.monotonic() + 20, 0
                while time.monotonic() < deadline and settled < 3:
                    recycled = log.read_text().count("Autorestarting worker")
                    settled = settled + 1 if len(records.read_text().splitlines()) >= 2 + recycled else 0
                    time.sleep(0.2)
            finally:
                stop([server])
        workers = [json.loads(line) for line in records.read_text().splitlines()]
        recycled = log.read_text().count("Autorestarting worker")
        # 2 first workers and a replacement for each recycled one.
        assert recycled >= 3 and len(workers) >= 2 + recycled, (workers, log.read_text()[-2000:])
        if freeze == "true":
            # The loaded Django app is tens of thousands of objects; a new worker tracks next to nothing.
            assert all(w["frozen"] > 20_000 and w["tracked"] < w["frozen"] // 10 for w in workers), workers
        else:
            assert all(w["frozen"] == 0 and w["tracked"] > 20_000 for w in workers), workers
