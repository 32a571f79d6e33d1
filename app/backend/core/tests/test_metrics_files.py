"""Prometheus multiprocess files under recycling gunicorn workers: the directory stays bounded
and /metrics still adds up every request, those of dead workers included."""

import glob
import os
import re
import subprocess
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess, values

from core.metrics_files import fold_dead_worker
from core.tests.servers import (
    database_url,
    fresh_database,
    request,
    start_server,
    status,
    stop,
)

# Every request, /healthz and /metrics included (answered before the view-level middleware).
GET_TOTAL = re.compile(r"^django_http_requests_before_middlewares_total ([0-9.e+]+)$", re.M)


def _scrape(path: Path) -> str:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(path))
    return generate_latest(registry).decode()


def _write_as(pid: int, path: Path, write) -> None:
    """Write metrics as process `pid` would (prometheus_client picks the file by pid)."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    # Put back the class this process had, not get_value_class(): with the variable still set
    # that would leave every later metric in multiprocess mode, writing to a folder the next
    # test's environment no longer names.
    previous = values.ValueClass
    values.ValueClass = values.MultiProcessValue(process_identifier=lambda: pid)
    try:
        write(CollectorRegistry())
    finally:
        values.ValueClass = previous


@pytest.mark.database_agnostic
class FoldDeadWorkerTests:
    def test_dead_workers_files_are_folded_into_archives_and_the_sums_stay(self, tmp_path, monkeypatch):
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

        def write(registry, requests: int, seconds: float, memory: float):
            counter = Counter("requests", "r", ["view"], registry=registry)
            histogram = Histogram("latency", "l", registry=registry, buckets=(0.1, 1))
            most = Gauge("peak", "p", registry=registry, multiprocess_mode="max")
            live = Gauge("busy", "b", registry=registry, multiprocess_mode="livesum")
            counter.labels("list").inc(requests)
            histogram.observe(seconds)
            most.set(memory)
            live.set(1)

        for pid, (requests, seconds, memory) in {101: (3, 0.05, 10), 102: (4, 0.5, 30), 103: (5, 2, 20)}.items():
            _write_as(pid, tmp_path, lambda registry, r=requests, s=seconds, m=memory: write(registry, r, s, m))
        before = _scrape(tmp_path)
        for pid in (101, 102):
            fold_dead_worker(pid, str(tmp_path))
        after = _scrape(tmp_path)

        names = sorted(os.path.basename(f) for f in glob.glob(str(tmp_path / "*.db")))
        assert not [name for name in names if "_101" in name or "_102" in name], names
        assert {"counter_archive.db", "histogram_archive.db", "gauge_max_archive.db"} <= set(names)
        assert 'requests_total{view="list"} 12.0' in before and 'requests_total{view="list"} 12.0' in after
        assert "latency_count 3.0" in after and 'latency_bucket{le="0.1"} 1.0' in after
        assert "peak 30.0" in after
        assert "busy 1.0" in after  # only the live process's

        # A second round of deaths adds to the archives instead of making new files.
        _write_as(104, tmp_path, lambda registry: write(registry, 6, 0.05, 5))
        fold_dead_worker(104, str(tmp_path))
        assert 'requests_total{view="list"} 18.0' in _scrape(tmp_path)
        assert len(glob.glob(str(tmp_path / "*.db"))) == len(names)


@pytest.mark.postgres
class RecyclingWorkersTests:
    def test_workers_recycled_many_times_leave_a_bounded_directory_and_exact_counts(self, tmp_path):
        requests = 240
        with fresh_database("metrics") as (name, params):
            log = tmp_path / "server.log"
            server, base = start_server(
                url=database_url(name, params),
                tmp_path=tmp_path,
                log=log,
                ready="/healthz",
                GUNICORN_WORKERS="2",
                GUNICORN_THREADS="1",
                GUNICORN_MAX_REQUESTS="8",
                GUNICORN_MAX_REQUESTS_JITTER="0",
            )
            try:
                directory = Path(glob.glob(str(tmp_path / "prometheus.*"))[0])
                scrape = request(f"{base}/metrics")
                assert GET_TOTAL.search(scrape[1].decode()), (scrape, log.read_text()[-3000:])
                first = float(GET_TOTAL.search(scrape[1].decode()).group(1))
                for _ in range(requests):
                    assert status(f"{base}/healthz") == 200
                # A connection a worker accepted just as it recycled is closed unanswered (gunicorn
                # drops what it had not started); that scrape counted nothing, so ask again.
                for _ in range(3):
                    scrape = request(f"{base}/metrics")
                    if scrape[0] is not None:
                        break
                assert GET_TOTAL.search(scrape[1].decode()), (scrape, log.read_text()[-3000:])
                last = float(GET_TOTAL.search(scrape[1].decode()).group(1))
                recycled = log.read_text().count("Autorestarting worker")
                # The entrypoint execs gunicorn: its process is the arbiter (which may write metrics
                # too: with preload_app it loaded the app).
                workers = subprocess.run(  # noqa: S603
                    ["/usr/bin/pgrep", "-P", str(server.pid)], capture_output=True, text=True
                ).stdout.split()
                live = {server.pid, *map(int, workers)}
                pids = {os.path.basename(f).rsplit("_", 1)[1][:-3] for f in glob.glob(str(directory / "*.db"))}
            finally:
                stop([server])
        assert recycled >= requests // 8 // 2, log.read_text()[-2000:]
        # Every request counted once, the dead workers' too (the /metrics calls count themselves).
        assert last - first == requests + 1
        assert pids <= {"archive"} | {str(pid) for pid in live}, (pids, live)
