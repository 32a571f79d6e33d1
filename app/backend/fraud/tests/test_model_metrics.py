"""What /metrics says about the loaded model (fraud_model_info, fraud_model_trained_timestamp_seconds,
fraud_scoring_mode), that an idle worker's figures follow a swapped model, and the checker the
servers' model fetch runs before it swaps a file in (python -m fraud.validate_model)."""

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client import REGISTRY

from fraud.features import PROFILE_NAME, PROFILE_VERSION
from fraud.metrics import SCORING_ENABLED
from fraud.scoring import current_model
from fraud.tests.conftest import MODEL, model_body
from fraud.validate_model import main as validate

PROFILE = f"{PROFILE_NAME} v{PROFILE_VERSION}"
BACKEND = Path(__file__).resolve().parents[2]


def sample(name: str, labels: dict[str, str] | None = None) -> float | None:
    return REGISTRY.get_sample_value(name, labels or {})


def info(path: Path, created_at: str) -> dict[str, str]:
    return {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:12],
        "trained_at": created_at,
        "profile": PROFILE,
    }


def trained(created_at: str) -> dict:
    return {**model_body()["training"], "createdAt": created_at}


class ModelMetricsTests:
    def test_a_loaded_model_is_named_by_its_digest_and_training_time(self, scoring):
        path = scoring("flag", training=trained("2026-12-01T03:17:00.000Z"))
        assert current_model() is not None
        assert sample("fraud_model_info", info(path, "2026-12-01T03:17:00.000Z")) == 1
        assert (
            sample("fraud_model_trained_timestamp_seconds")
            == datetime.fromisoformat("2026-12-01T03:17:00+00:00").timestamp()
        )
        assert sample("fraud_scoring_enabled") == 1
        assert sample("fraud_scoring_mode", {"mode": "flag"}) == 1
        assert sample("fraud_scoring_mode", {"mode": "off"}) == 0

    def test_a_swapped_model_replaces_the_old_ones_labels_and_time(self, scoring):
        old = scoring("flag", training=trained("2026-11-01T00:00:00Z"))
        current_model()
        old_labels = info(old, "2026-11-01T00:00:00Z")
        new = scoring("flag", training=trained("2026-12-04T03:17:00Z"))
        current_model()
        assert sample("fraud_model_info", old_labels) == 0
        assert sample("fraud_model_info", info(new, "2026-12-04T03:17:00Z")) == 1
        assert (
            sample("fraud_model_trained_timestamp_seconds")
            == datetime.fromisoformat("2026-12-04T03:17:00+00:00").timestamp()
        )

    def test_a_model_without_a_training_time_says_0_and_still_scores(self, scoring):
        path = scoring("flag", training={"rows": 3})
        assert current_model() is not None
        assert sample("fraud_model_info", info(path, "")) == 1
        assert sample("fraud_model_trained_timestamp_seconds") == 0

    def test_scoring_off_says_so_and_names_no_model(self, scoring, settings):
        path = scoring("flag")
        current_model()
        labels = info(path, model_body()["training"]["createdAt"])
        settings.FRAUD_SCORING = "off"
        assert current_model() is None
        assert sample("fraud_scoring_mode", {"mode": "off"}) == 1
        assert sample("fraud_scoring_mode", {"mode": "flag"}) == 0
        assert sample("fraud_scoring_enabled") == 0
        assert sample("fraud_model_info", labels) == 0

    def test_a_corrupt_file_over_a_good_model_keeps_the_good_models_figures(self, scoring, settings):
        path = scoring("hold")
        current_model()
        labels = info(path, model_body()["training"]["createdAt"])
        Path(settings.FRAUD_MODEL_PATH).write_text('{"format": "fraud-scan-model", "formatVersion": 2')
        assert current_model() is not None
        assert sample("fraud_model_info", labels) == 1
        assert sample("fraud_scoring_enabled") == 1


@pytest.mark.django_db
class ModelRefreshMiddlewareTests:
    def test_a_request_brings_an_idle_workers_figures_up_to_date(self, scoring, monkeypatch):
        monkeypatch.setattr("fraud.middleware.REFRESH_SECONDS", 0.0)
        SCORING_ENABLED.set(0)  # a worker that has not scored a charge since it started
        path = scoring("flag")
        assert Client().get("/healthz").status_code == 200
        assert sample("fraud_scoring_enabled") == 1
        assert sample("fraud_model_info", info(path, model_body()["training"]["createdAt"])) == 1


class ValidateModelTests:
    def test_a_good_file_passes_and_is_named(self, capsys):
        assert validate([str(MODEL)]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"ok: {MODEL}: fraud-scan-model v2, profile {PROFILE}, trained ")
        assert hashlib.sha256(MODEL.read_bytes()).hexdigest()[:12] in out

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            ('{"format": "fraud-scan-model", "formatVersion": 2', "cannot be read"),
            ("<html>503</html>", "cannot be read"),
            (json.dumps({**model_body(), "formatVersion": 1}), "has format version 1"),
            (
                json.dumps({**model_body(), "profile": {**model_body()["profile"], "name": "stripemodel"}}),
                'was trained for the "stripemodel" feature profile',
            ),
            (json.dumps({"format": "something-else"}), "is not a fraud-scan model file"),
        ],
        ids=["cut-short", "not-json", "format-version-1", "other-profile", "not-a-model"],
    )
    def test_a_file_the_shop_cannot_score_with_is_refused_with_the_loaders_reason(self, tmp_path, capsys, body, reason):
        path = tmp_path / "candidate.json"
        path.write_text(body)
        assert validate([str(path)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("refused: ") and reason in err

    def test_runs_as_a_module_without_django_settings(self):
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        result = subprocess.run(  # noqa: S603 (our own interpreter)
            [sys.executable, "-m", "fraud.validate_model", str(MODEL)],
            cwd=BACKEND,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout.startswith("ok: ")
        usage = subprocess.run(
            [sys.executable, "-m", "fraud.validate_model"], cwd=BACKEND, env=env, capture_output=True, text=True
        )
        assert (usage.returncode, usage.stderr) == (2, "usage: python -m fraud.validate_model FILE\n")


class PreloadedMasterTests:
    def test_the_master_that_imported_the_metrics_before_forking_does_not_pin_the_gauges_at_0(self, tmp_path):
        # gunicorn with preload_app: the master imports fraud.metrics, forks a worker that loads
        # a model; /metrics (the multiprocess collector) must say what the worker says.
        script = """
import os
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from fraud.metrics import MODEL_TRAINED, SCORING_ENABLED
pid = os.fork()
if pid == 0:
    SCORING_ENABLED.set(1)
    MODEL_TRAINED.set(1796000000)
    os._exit(0)
os.waitpid(pid, 0)
registry = CollectorRegistry()
MultiProcessCollector(registry)
print(generate_latest(registry).decode())
"""
        result = subprocess.run(  # noqa: S603 (our own interpreter)
            [sys.executable, "-c", script],
            cwd=BACKEND,
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            check=True,
        )
        samples = [line for line in result.stdout.splitlines() if not line.startswith("#")]
        assert "fraud_scoring_enabled 1.0" in samples
        assert "fraud_model_trained_timestamp_seconds 1.796e+09" in samples
