"""Prometheus multiprocess files that do not pile up as gunicorn recycles workers.

Under gunicorn every worker writes its metrics to its own files in PROMETHEUS_MULTIPROC_DIR
(`counter_<pid>.db`, `histogram_<pid>.db`, …) and /metrics adds up every file there. A worker
recycled after max_requests leaves its files behind: prometheus_client's own mark_process_dead
removes only the live gauges' ones, so the directory (a small tmpfs in the container) grows with
every recycle, and so does the work of every scrape.

fold_dead_worker, called by gunicorn's arbiter when a worker exits (child_exit in
docker/backend/gunicorn.conf.py), adds the dead worker's values into one `<kind>_archive.db`
per kind and deletes its files, so the directory holds at most one file per kind for each live
worker plus the archives, and /metrics still counts everything the dead worker counted. Only
the arbiter writes the archives (one process, one exit at a time).

A scrape that lands between the archive's update and the file's removal (microseconds) could see
the dead worker's counts twice once; Prometheus would read the next scrape as a counter reset.
"""

import glob
import os

from prometheus_client import multiprocess
from prometheus_client.mmap_dict import MmapedDict

# How a kind's values from several processes combine (prometheus_client's own rules, with the
# `pid` label gone). Per-process gauges (`all` modes) and live gauges die with their process.
_SUM = {"counter", "histogram", "summary", "gauge_sum"}
_MAX = {"gauge_max"}
_MIN = {"gauge_min"}
_MOST_RECENT = {"gauge_mostrecent"}


def _combine(kind: str, old: tuple[float, float] | None, new: tuple[float, float]) -> tuple[float, float]:
    if old is None:
        return new
    (old_value, old_time), (value, timestamp) = old, new
    if kind in _SUM:
        return old_value + value, max(old_time, timestamp)
    if kind in _MAX:
        return max(old_value, value), max(old_time, timestamp)
    if kind in _MIN:
        return min(old_value, value), max(old_time, timestamp)
    return new if timestamp >= old_time else old  # most recent


def fold_dead_worker(pid: int, path: str | None = None) -> None:
    """Fold a dead process's metric files into the archives and delete them."""
    path = path or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return
    multiprocess.mark_process_dead(pid, path)
    for file in glob.glob(os.path.join(path, f"*_{pid}.db")):
        kind = os.path.basename(file)[: -len(f"_{pid}.db")]
        if kind in _SUM | _MAX | _MIN | _MOST_RECENT:
            archive = MmapedDict(os.path.join(path, f"{kind}_archive.db"))
            try:
                existing = {key: (value, ts) for key, value, ts in archive.read_all_values()}
                for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(file):
                    archive.write_value(key, *_combine(kind, existing.get(key), (value, timestamp)))
            finally:
                archive.close()
        os.remove(file)
