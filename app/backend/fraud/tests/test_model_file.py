"""The NumPy reading of fraud-scan's model file: what it computes, and every file it refuses."""

import json

import numpy as np
import pytest

from fraud.features import Aggregates, featurize
from fraud.model_file import ModelFileError, load_model
from fraud.tests.conftest import MODEL, model_body


class Attempt:
    """The fields featurize() reads, as an unsaved payments.Transaction has them."""

    def __init__(self, **fields):
        from datetime import UTC, datetime
        from decimal import Decimal

        self.__dict__.update(
            amount=Decimal("42.00"),
            created_at=datetime(2026, 6, 1, 14, 30, tzinfo=UTC),
            status="succeeded",
            decline_code="",
            card_brand="visa",
            card_exp_month=12,
            card_exp_year=2030,
            billing_city="Leeds",
            billing_state="",
            billing_postal_code="LS1",
            billing_country="GB",
        )
        self.__dict__.update(fields)


def aggregates() -> Aggregates:
    return Aggregates(1, 1, 1, 1, 1, 1, 1, 0, 1, 0, {"GB": 1})


class LoadModelTests:
    def test_a_model_the_cli_trained_scores_an_attempt_with_its_three_driving_features(self):
        model = load_model(MODEL)
        assessment = model.assess(featurize(Attempt(), aggregates()))
        assert len(model.units) == len(model.scales) == 34
        assert assessment.score == pytest.approx(float(assessment.calibrated.max()))
        assert assessment.threshold == model_body()["threshold"]
        assert assessment.drivers[0].feature == model.units[int(np.argmax(assessment.calibrated))]
        assert len(assessment.drivers) == 3

    def test_an_unseen_status_scores_above_the_threshold_on_its_new_value_unit(self):
        model = load_model(MODEL)
        assessment = model.assess(featurize(Attempt(status="disputed"), aggregates()))
        assert assessment.flagged
        assert assessment.drivers[0].feature == "status (new value)"

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (
                lambda b: b["profile"].update(name="stripemodel"),
                'was trained for the "stripemodel" feature profile; the shop scores its charges with '
                '"transactions": retrain with --profile transactions.',
            ),
            (
                lambda b: b.update(formatVersion=1),
                "has format version 1; the shop reads version 2: retrain with the current fraud-scan.",
            ),
            (
                lambda b: b["profile"].update(version=2),
                "was trained for feature profile transactions v2 with other features; the shop has transactions v3",
            ),
            (lambda b: b.pop("weights"), "lacks weights: it was not written by fraud-scan, or was cut short."),
            (
                lambda b: b["weights"][0].update(shape=[27, 16]),
                "has weight tensor 0 of shape [27, 16]; its architecture needs [77, 16]: retrain.",
            ),
            (lambda b: b["weights"].pop(), "has 11 weight tensors; its architecture needs 12: retrain."),
            (
                lambda b: b["weights"][1].update(data="AAAA"),
                "has weight tensor 1 of 3 bytes; shape [16] needs 64.",
            ),
            (lambda b: b["scoring"]["scales"].pop(), "has 33 scoring scales for 34 scoring units"),
        ],
        ids=["other-profile", "format-1", "profile-v2", "no-weights", "kernel-shape", "layer-missing", "short-data",
             "scales"],
    )  # fmt: skip
    def test_a_model_that_does_not_fit_is_refused_saying_why(self, tmp_path, change, message):
        body = model_body()
        change(body)
        path = tmp_path / "model.json"
        path.write_text(json.dumps(body))
        with pytest.raises(ModelFileError) as refused:
            load_model(path)
        assert str(refused.value).startswith(f'Model file "{path}" ')
        assert message in str(refused.value)

    def test_a_file_that_is_not_json_or_not_a_model_is_refused(self, tmp_path):
        cut = tmp_path / "cut.json"
        cut.write_text(MODEL.read_text()[:500])
        with pytest.raises(ModelFileError, match="cannot be read: Unterminated string"):
            load_model(cut)
        other = tmp_path / "other.json"
        other.write_text('{"format": "keras"}')
        with pytest.raises(ModelFileError, match="is not a fraud-scan model file"):
            load_model(other)
        with pytest.raises(ModelFileError, match=r"cannot be read: .*No such file"):
            load_model(tmp_path / "absent.json")
