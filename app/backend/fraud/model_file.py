"""The fraud-scan model file (actions/fraud-scan/src/model/model-file.ts), read in NumPy.

The nightly job's TypeScript action trains the model and writes one JSON document: the
network's shape and weights (base64 float32), the preprocessing fitted on training rows, the
per-feature scales of the score and the threshold. This module rebuilds the same computation
so the backend scores a charge attempt exactly as the scan scores the row it becomes: the
parity test (actions/fraud-scan/__tests__/backend-parity.test.ts) holds the two to each other.
"""

import base64
import hashlib
import itertools
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from fraud.features import FEATURES, PROFILE_NAME, PROFILE_VERSION

MODEL_FORMAT = "fraud-scan-model"
MODEL_FORMAT_VERSION = 2
REQUIRED_KEYS = (
    "format",
    "formatVersion",
    "profile",
    "architecture",
    "preprocessing",
    "scoring",
    "threshold",
    "weights",
)


class ModelFileError(Exception):
    """A model file the backend will not score with; the message says why and what to do."""


@dataclass(frozen=True)
class Driver:
    feature: str
    # Share of the row's calibrated errors (each feature's error over its scale).
    share: float


@dataclass(frozen=True)
class Assessment:
    score: float
    threshold: float
    # Per scoring unit (FraudModel.units): the raw error and the calibrated one (error / scale).
    errors: np.ndarray
    calibrated: np.ndarray
    drivers: list[Driver]

    @property
    def flagged(self) -> bool:
        # The scan flags a row above the threshold (scan.ts: score <= threshold is kept).
        return self.score > self.threshold


@dataclass(frozen=True)
class FraudModel:
    path: str
    threshold: float
    created_at: str
    encodings: list[dict[str, Any]]
    clip: float
    layers: list[tuple[np.ndarray, np.ndarray]]
    output: str
    width: int
    # Scoring units: each feature, plus "<feature> (new value)" for a categorical's unseen values.
    units: list[str]
    # (first column, end column) of each unit: units own contiguous columns.
    unit_columns: list[tuple[int, int]]
    scales: np.ndarray
    # What the servers' metrics name the model by: the file's SHA-256 (the first 12 hex digits
    # on /metrics), and training.createdAt as seconds since the epoch (None when absent or not
    # an ISO 8601 instant).
    sha256: str = ""
    trained_at: float | None = None

    def encode(self, values: list[float | str]) -> np.ndarray:
        """preprocessing.ts encodeRow: standardized and clipped numbers, 0/1, one-hot + other."""
        out = np.zeros(self.width, dtype=np.float32)
        o = 0
        for encoding, value in zip(self.encodings, values, strict=True):
            kind = encoding["kind"]
            if kind == "binary":
                out[o] = 1.0 if float(value) > 0 else 0.0
                o += 1
            elif kind == "numeric":
                z = (float(value) - encoding["mean"]) / encoding["std"]
                out[o] = max(-self.clip, min(self.clip, z))
                o += 1
            else:
                categories = encoding["categories"]
                try:
                    index = categories.index(str(value))
                except ValueError:
                    index = len(categories)
                out[o + index] = 1.0
                o += len(categories) + 1
        return out

    def errors(self, encoded: np.ndarray) -> np.ndarray:
        """Each unit's error: its columns' squared reconstruction errors, summed in float32 as
        detector.ts featureErrors does. The forward pass runs in float64 and is rounded once, so
        it differs from TensorFlow.js's float32 pass only by that pass's own rounding."""
        h = encoded.astype(np.float64)
        for kernel, bias in self.layers[:-1]:
            h = np.maximum(h @ kernel + bias, 0.0)
        kernel, bias = self.layers[-1]
        out = h @ kernel + bias
        if self.output == "sigmoid":
            out = 1.0 / (1.0 + np.exp(-out))
        diff = encoded - out.astype(np.float32)
        squared = diff * diff
        errors = np.empty(len(self.units), dtype=np.float32)
        for unit, (start, end) in enumerate(self.unit_columns):
            errors[unit] = squared[start] if end - start == 1 else np.cumsum(squared[start:end])[-1]
        return errors

    def assess(self, values: list[float | str], top: int = 3) -> Assessment:
        """detector.ts calibratedScores and Scored.drivers for one row of feature values."""
        errors = self.errors(self.encode(values))
        calibrated = (errors.astype(np.float64) / self.scales).astype(np.float32)
        score = max(0.0, float(calibrated.max()))
        total = float(calibrated.astype(np.float64).sum())
        shares = [float(v) / total if total > 0 else 0.0 for v in calibrated]
        # sorted() is stable, as Array.prototype.sort is: ties keep the feature order.
        order = sorted(range(len(shares)), key=lambda i: -shares[i])[:top]
        drivers = [Driver(self.units[i], shares[i]) for i in order]
        return Assessment(score, self.threshold, errors, calibrated, drivers)


def _refuse(path: str, message: str) -> ModelFileError:
    return ModelFileError(f'Model file "{path}" {message}')


def _weights(path: str, body: dict[str, Any], shapes: list[list[int]]) -> list[np.ndarray]:
    stored = body["weights"]
    if not isinstance(stored, list) or len(stored) != len(shapes):
        count = len(stored) if isinstance(stored, list) else "no list of"
        raise _refuse(path, f"has {count} weight tensors; its architecture needs {len(shapes)}: retrain.")
    arrays = []
    for i, (entry, shape) in enumerate(zip(stored, shapes, strict=True)):
        if not isinstance(entry, dict) or list(entry.get("shape", [])) != shape:
            got = entry.get("shape") if isinstance(entry, dict) else entry
            raise _refuse(path, f"has weight tensor {i} of shape {got}; its architecture needs {shape}: retrain.")
        try:
            raw = base64.b64decode(entry["data"], validate=True)
        except (KeyError, TypeError, ValueError) as error:
            raise _refuse(path, f"has weight tensor {i} whose data is not base64: {error}.") from None
        if len(raw) != 4 * int(np.prod(shape)):
            raise _refuse(
                path, f"has weight tensor {i} of {len(raw)} bytes; shape {shape} needs {4 * int(np.prod(shape))}."
            )
        values = np.frombuffer(raw, dtype="<f4").reshape(shape)
        if not np.all(np.isfinite(values)):
            raise _refuse(path, f"has weight tensor {i} holding values that are not finite: retrain.")
        arrays.append(values.astype(np.float64))
    return arrays


def _units(encodings: list[dict[str, Any]]) -> tuple[list[str], list[tuple[int, int]]]:
    """detector.ts scoringUnits: one unit per feature, and a categorical's "other" column apart."""
    names: list[str] = []
    columns: list[tuple[int, int]] = []
    at = 0
    for encoding in encodings:
        if encoding["kind"] != "categorical":
            names.append(encoding["feature"])
            columns.append((at, at + 1))
            at += 1
            continue
        n = len(encoding["categories"])
        names.append(encoding["feature"])
        columns.append((at, at + n))
        names.append(f"{encoding['feature']} (new value)")
        columns.append((at + n, at + n + 1))
        at += n + 1
    return names, columns


def _instant(value: Any) -> float | None:
    """An ISO 8601 instant (the action writes Date.toISOString(): 2026-12-05T13:16:18.691Z) as
    seconds since the epoch; None for anything else, or one without a time zone."""
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant.timestamp() if instant.tzinfo is not None else None


def load_model(path: str | Path) -> FraudModel:
    """Read and check a model file. Refuses, with a message naming the problem, a file that is not
    JSON or not a fraud-scan model, another format version, another feature profile (or version,
    or feature list), a missing key, or weights that do not fit the architecture."""
    path = str(path)
    try:
        raw = Path(path).read_bytes()
        body = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise _refuse(path, f"cannot be read: {error}") from None
    if not isinstance(body, dict) or body.get("format") != MODEL_FORMAT:
        raise ModelFileError(f'"{path}" is not a fraud-scan model file.')
    missing = [key for key in REQUIRED_KEYS if key not in body]
    if missing:
        raise _refuse(path, f"lacks {', '.join(missing)}: it was not written by fraud-scan, or was cut short.")
    if body["formatVersion"] != MODEL_FORMAT_VERSION:
        raise _refuse(
            path,
            f"has format version {body['formatVersion']}; the shop reads version {MODEL_FORMAT_VERSION}: "
            "retrain with the current fraud-scan.",
        )
    profile = body["profile"]
    names = [name for name, _ in FEATURES]
    if not isinstance(profile, dict) or profile.get("name") != PROFILE_NAME:
        got = profile.get("name") if isinstance(profile, dict) else profile
        raise _refuse(
            path,
            f'was trained for the "{got}" feature profile; the shop scores its charges with '
            f'"{PROFILE_NAME}": retrain with --profile {PROFILE_NAME}.',
        )
    if profile.get("version") != PROFILE_VERSION or profile.get("features") != names:
        raise _refuse(
            path,
            f"was trained for feature profile {PROFILE_NAME} v{profile.get('version')} with other features; "
            f"the shop has {PROFILE_NAME} v{PROFILE_VERSION}: retrain.",
        )
    try:
        arch = body["architecture"]
        preprocessing = body["preprocessing"]
        encodings = preprocessing["encodings"]
        clip = float(preprocessing["clip"])
        scales = np.asarray(body["scoring"]["scales"], dtype=np.float64)
        threshold = float(body["threshold"])
        inputs, encoder = int(arch["inputs"]), [int(w) for w in arch["encoder"]]
        output = arch["output"]
        activation = arch["activation"]
        kinds = dict(FEATURES)
        if [e["feature"] for e in encodings] != names or any(kinds[e["feature"]] != e["kind"] for e in encodings):
            raise _refuse(path, "has preprocessing for other features than its profile lists.")
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise _refuse(path, f"has a malformed architecture, preprocessing or scoring ({error!r}).") from None
    if body["scoring"].get("method") != "calibrated-max":
        raise _refuse(path, f"scores by {body['scoring'].get('method')!r}; the shop knows 'calibrated-max'.")
    if activation != "relu" or output not in ("linear", "sigmoid") or not encoder:
        raise _refuse(path, f"has an architecture the shop cannot run (activation {activation}, output {output}).")
    units, unit_columns = _units(encodings)
    width = unit_columns[-1][1] if unit_columns else 0
    if inputs != width:
        raise _refuse(path, f"has {inputs} model inputs; its preprocessing makes {width}.")
    if len(scales) != len(units) or not np.all(scales > 0):
        raise _refuse(path, f"has {len(scales)} scoring scales for {len(units)} scoring units (all must be > 0).")
    widths = [inputs, *encoder, *reversed(encoder[:-1]), inputs]
    shapes: list[list[int]] = []
    for n_in, n_out in itertools.pairwise(widths):
        shapes += [[n_in, n_out], [n_out]]
    arrays = _weights(path, body, shapes)
    # Optional metadata: a missing or odd training block names no training time, never a refusal.
    training = body.get("training") if isinstance(body.get("training"), dict) else {}
    return FraudModel(
        path=path,
        threshold=threshold,
        created_at=str(training.get("createdAt", "")),
        encodings=encodings,
        clip=clip,
        layers=[(arrays[i], arrays[i + 1]) for i in range(0, len(arrays), 2)],
        output=output,
        width=width,
        units=units,
        unit_columns=unit_columns,
        scales=scales,
        sha256=hashlib.sha256(raw).hexdigest(),
        trained_at=_instant(training.get("createdAt")),
    )
