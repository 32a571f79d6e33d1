"""gunicorn settings for the shop's backend (https://docs.gunicorn.org/en/stable/settings.html).

Every value can be changed from the environment, so the same image fits a 2-core server and a
laptop. Check it with: gunicorn --check-config -c docker/backend/gunicorn.conf.py config.wsgi
"""

import gc
import json
import logging
import os
import time

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Workers: one per core, plus one. A cached catalog read (most of the traffic) no longer waits on
# the database (no health-check round trip, the catalog version under a lease), so a request
# holds its worker's GIL nearly all the time and processes, not threads, are what use the cores;
# the extra worker keeps the cores busy while one waits on PostgreSQL (cache misses, writes).
# gunicorn's usual (2 x cores) + 1 did no better here: alternating 6 s wrk runs of the product
# list at 32 connections on 2 cores (load average 8-10 from other work) gave 3 x 4 1,036, 528,
# 987 and 739 req/s against 5 x 4's 1,200, 673, 458 and 821 (4 x 2, 2 x 8 and 5 x 2 were lower),
# with 40% fewer processes and database connections. Capped so a large host does not open more
# database connections than the database allows (each worker thread holds one).
_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
workers = _int("GUNICORN_WORKERS", min(_cores + 1, _int("GUNICORN_MAX_WORKERS", 8)))
# Threads let a worker overlap waits that do not need the GIL: PostgreSQL, and above all the
# payment gateway (up to twice PAYMENT_GATEWAY_TIMEOUT per checkout), so a slow gateway holds a
# thread, not a whole worker. 4 per worker leaves 12 concurrent requests on 2 cores.
# Other worker classes, measured (2026-12-05, 6 s wrk runs of the cached product list at 32
# connections on 2 cores at load average 3-8 from other work; docs/benchmarks.md, Backend):
# - sync (3 or 5 workers): 1,292-1,968 req/s at 717-815 us of CPU per request against gthread
#   3 x 4's 1,337-1,749 at 693-879 us in the same runs, i.e. no cheaper; and a sync worker is
#   held whole by every slow gateway call (and gets no keep-alive), so a checkout rush would
#   queue every other request behind the gateway.
# - gevent (26.9, 3 workers): with preload_app the database connections Django opened before
#   gevent patched threading are shared between greenlets (every answer an error); without preload
#   it served 283-901 req/s at 934-1,468 us per request. Not used.
# - gthread with 1 or 2 threads per worker: 1,297-1,457 req/s at 764-816 us, within the noise of
#   3 x 4 and with fewer slots for gateway waits.
# Where a worker's time holding the GIL goes on a cached product detail through nginx:
# bash scripts/bench/backend-profile.sh. After the WSGI fast path was made cheaper
# (app/backend/product/middleware.py; docs/benchmarks.md, Backend), about half of it is the fast
# path (its log line a third of that) and the rest gthread's own request loop, parsing and
# sending.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# Where to listen: comma-separated, each host:port or unix:/path. In the deployment (compose.yml)
# both: TCP 8000 for Prometheus and the container's health check, and a Unix socket in a volume
# shared with the storefront's nginx alone, which keeps a pool of open connections to it
# (docker/frontend/templates/default.conf.template). gunicorn replaces a stale socket file left
# by a killed server, and creates it with mode 0777 (umask 0): who may connect is decided by who
# can reach the file, i.e. which containers mount the volume.
bind = [part.strip() for part in os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",") if part.strip()]
umask = 0

# A request that takes longer than this is killed (the worker is restarted).
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (docker stop, a rolling deploy), in-flight requests get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
# How long an idle connection stays open. nginx keeps its pool's idle connections for 4 s (its
# upstream keepalive_timeout), less than this, so it never sends a request down a connection
# gunicorn is closing at that moment (a POST it could not retry).
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycling workers now and then bounds the damage of a slow memory leak. Not every 2,000
# requests, as before: at the catalog's rate that recycled each worker every few seconds, and
# every recycle costs a fresh worker its caches and database connection, the arbiter the folding
# of its metrics files, and the clients on its connections a reconnect. Alternating 6 s wrk runs of
# the product list at 32 connections (load average 10-11 from other work) gave 1,129 and
# 1,288 req/s, p99 1,259 and 823 ms, 782 and 754 us of CPU per request with 2,000, against
# 2,732 and 2,802 req/s, p99 78 and 406 ms, 528 and 538 us with 50,000 (docs/benchmarks.md,
# Backend). 50,000 is still a recycle every minute or so per worker at full load.
max_requests = _int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 5000)
# Load the app before forking: a broken import fails at start, and workers share memory.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"
# Python's cycle collector, in a worker, now and then walks every object the worker holds: its
# oldest generation held the ~90,000 objects of the loaded app, and one such pass took ~50 ms of
# CPU (120-230 ms of wall time on 2 busy cores) during which that worker answered nothing, once
# per worker in a 20 s load run: the product detail's p99. Objects loaded before the fork are
# moved out of the collector's reach (gc.freeze, as Python's gc docs advise for a fork without
# exec): they are still freed by reference counting, just never walked, and their memory pages
# stay shared with the arbiter instead of being copied by the collector's writes. With them
# frozen, the same run had no full pass in any worker. GUNICORN_GC_FREEZE=false turns it off;
# scripts/bench/backend-gc-pauses.sh measures both.
gc_freeze = os.environ.get("GUNICORN_GC_FREEZE", "true").lower() == "true"

# X-Forwarded-* are believed only from these addresses (the frontend's nginx on the same host).
# The client IP itself is worked out by the app from X-Forwarded-For (core/client_ip.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# /tmp in a container can be an overlay file system; the heartbeat files belong in memory.
_shm = "/dev/shm"  # noqa: S108 (gunicorn's own advice for its heartbeat files)
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", _shm if os.path.isdir(_shm) else None)

# Recent gunicorn releases open a control socket under $HOME (or XDG_RUNTIME_DIR) by default: one fixed
# path that several servers on one machine would fight over, and a read-only home in the image.
# Nothing here uses it.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "false").lower() != "true"

# Logs: JSON lines on stdout/stderr. The app already logs one line per request (with its
# request id), so gunicorn's own access log is off unless GUNICORN_ACCESS_LOG=true.
_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "false").lower() == "true"
accesslog = "-" if _access_log else None
access_log_format = json.dumps(
    {
        "remote_addr": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "duration_ms": "%(M)s",
        "request_id": "%({x-request-id}o)s",
        "user_agent": "%(a)s",
    }
)
errorlog = "-"


class AccessLogWhenAsked(Logger):
    """gunicorn's logger, which prepares an access line only when GUNICORN_ACCESS_LOG asks for one.

    gunicorn treats the access log as on whenever a logconfig_dict is given (the one below exists
    for the JSON error lines), so for every request it gathered the line's fields and formatted
    them, and the CRITICAL level of gunicorn.access then dropped the line: 7% of a worker's time
    holding the GIL on a cached product detail (scripts/bench/backend-profile.sh,
    docs/benchmarks.md, Backend).
    """

    def access(self, resp, req, environ, request_time):
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


logger_class = AccessLogWhenAsked
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


class JsonFormatter(logging.Formatter):
    """gunicorn's own messages (boot, worker restarts) in the app's JSON line format."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": JsonFormatter},
        # access_log_format already renders a JSON object: print it as it is.
        "raw": {"format": "%(message)s"},
    },
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "console": {"class": "logging.StreamHandler", "formatter": "raw", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {
            "level": "INFO" if _access_log else "CRITICAL",
            "handlers": ["console"],
            "propagate": False,
        },
    },
}


def child_exit(server, worker):
    """With several workers, Prometheus metrics are kept in files (PROMETHEUS_MULTIPROC_DIR).
    Workers recycle every max_requests: a dead worker's files are folded into one archive per
    kind and deleted (core/metrics_files.py), so the directory stays bounded and /metrics still
    counts what the dead worker counted."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from core.metrics_files import fold_dead_worker

        try:
            fold_dead_worker(worker.pid)
        except Exception:
            # Never let metrics bookkeeping take the arbiter down; the files stay until next start.
            server.log.exception("could not fold the metrics of worker %s", worker.pid)


def pre_fork(server, worker):
    """Before each worker is forked (the first ones and every replacement), collect the arbiter's
    garbage and freeze what is left (see gc_freeze above), so the worker starts with an empty
    collector. After the first time the arbiter has little to collect."""
    if gc_freeze:
        gc.collect()
        gc.freeze()
