"""A model file trained by the committed fraud-scan CLI (data/model.json: `node
actions/fraud-scan/dist/cli.js scan --source postgres --profile transactions --train --epochs 20`
on a table of `generate_demo_transactions --seed 1 --users 300 --until 2026-06-15T12:00:00+00:00`),
and copies of it changed as a test needs — a threshold of 0 flags every attempt, 1e9 none."""

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fraud.scoring import forget_model

MODEL = Path(__file__).parent / "data" / "model.json"


def model_body() -> dict[str, Any]:
    return json.loads(MODEL.read_text())


@pytest.fixture(autouse=True)
def _each_test_starts_without_a_model():
    forget_model()
    yield
    forget_model()


@pytest.fixture
def write_model(tmp_path) -> Callable[..., Path]:
    """Write (atomically, as a deployment should) a copy of the model with `changes` applied."""

    def write(name: str = "model.json", **changes: Any) -> Path:
        body = {**model_body(), **changes}
        path = tmp_path / name
        staging = tmp_path / f".{name}.tmp"
        staging.write_text(json.dumps(body))
        os.replace(staging, path)
        return path

    return write


@pytest.fixture
def scoring(settings, write_model) -> Callable[..., Path]:
    """Turn scoring on with a copy of the model: scoring("hold", threshold=0)."""

    def configure(mode: str = "flag", **changes: Any) -> Path:
        settings.FRAUD_SCORING = mode
        settings.FRAUD_MODEL_PATH = str(write_model(**changes))
        return Path(settings.FRAUD_MODEL_PATH)

    return configure
