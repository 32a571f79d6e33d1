"""The model a process scores charges with: loaded once, reloaded when its file changes.

Every charge asks current_model(), which costs one stat() of FRAUD_MODEL_PATH. When the file's
identity (inode, size, mtime) changes, the new file is read and checked in full and only then
replaces the old model, in one assignment: a charge uses either the old or the new model, never
a mixture, and no restart is needed. Publish a model by writing a temporary file beside it and
renaming it over the old one, so a reader never sees half a file. A file that cannot be used
never blocks a sale: with no model loaded, charges go unscored, fraud_scoring_enabled is 0 and
the reason is logged once (once again each time it changes). A bad new file leaves a good model
in service and says so.
"""

import logging
import os
import threading
from dataclasses import dataclass

from django.conf import settings

from fraud.features import PROFILE_NAME, PROFILE_VERSION
from fraud.metrics import MODEL_INFO, MODEL_TRAINED, SCORING_ENABLED, SCORING_MODE
from fraud.model_file import FraudModel, ModelFileError, load_model

logger = logging.getLogger(__name__)

REASON_OFF = "FRAUD_SCORING is off"
REASON_NO_PATH = "FRAUD_MODEL_PATH is not set"


@dataclass(frozen=True)
class _State:
    path: str
    identity: tuple[int, int, int] | None
    model: FraudModel | None
    reason: str


_state = _State(path="", identity=None, model=None, reason="not loaded yet")
_lock = threading.Lock()
_logged_reason = ""
_shown_model: tuple[str, str, str] | None = None
_shown_mode = ""


def _show_mode(mode: str) -> None:
    global _shown_mode
    if mode != _shown_mode:
        for each in ("flag", "hold", "off"):
            SCORING_MODE.labels(mode=each).set(1 if each == mode else 0)
        _shown_mode = mode


def _show_model(model: FraudModel | None) -> None:
    """fraud_model_info and fraud_model_trained_timestamp_seconds for `model` (None: no model)."""
    global _shown_model
    labels = None
    if model is not None:
        labels = (model.sha256[:12], model.created_at, f"{PROFILE_NAME} v{PROFILE_VERSION}")
    if labels == _shown_model:
        return
    if _shown_model is not None:
        MODEL_INFO.labels(*_shown_model).set(0)
    if model is not None and labels is not None:
        MODEL_INFO.labels(*labels).set(1)
        MODEL_TRAINED.set(model.trained_at or 0)
    _shown_model = labels


def _log_once(reason: str, level: int = logging.WARNING) -> None:
    global _logged_reason
    if reason != _logged_reason:
        _logged_reason = reason
        logger.log(level, "fraud scoring: %s", reason)


def _identity(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def current_model() -> FraudModel | None:
    """The model to score with now, or None (scoring off, or no usable model)."""
    global _state
    _show_mode(settings.FRAUD_SCORING)
    if settings.FRAUD_SCORING == "off":
        SCORING_ENABLED.set(0)
        _show_model(None)
        _log_once(REASON_OFF, logging.INFO)
        return None
    path = settings.FRAUD_MODEL_PATH
    if not path:
        SCORING_ENABLED.set(0)
        _show_model(None)
        _log_once(f"{REASON_NO_PATH}: charges are not scored")
        return None
    state = _state
    identity = _identity(path)
    if state.path == path and state.identity == identity and identity is not None:
        return state.model
    with _lock:
        state = _state
        if state.path == path and state.identity == identity and identity is not None:
            return state.model
        try:
            model = load_model(path)
        except ModelFileError as error:
            kept = state.model if state.path == path else None
            _state = _State(path=path, identity=identity, model=kept, reason=str(error))
            if kept is not None:
                _log_once(f"{error} Still scoring with the model loaded before ({kept.created_at}).")
            else:
                SCORING_ENABLED.set(0)
                _show_model(None)
                _log_once(f"{error} Charges are not scored until a usable model is there.")
            return kept
        _state = _State(path=path, identity=identity, model=model, reason="")
        SCORING_ENABLED.set(1)
        _show_model(model)
        _log_once(f"scoring with {path} (trained {model.created_at}, threshold {model.threshold:.4f})", logging.INFO)
        return model


def scoring_status() -> tuple[bool, str]:
    """(enabled, why not) as the last current_model() left it."""
    state = _state
    return state.model is not None, state.reason


def forget_model() -> None:
    """Drop the loaded model and the logged reason (tests; a process starts this way)."""
    global _state, _logged_reason, _shown_mode
    with _lock:
        _state = _State(path="", identity=None, model=None, reason="not loaded yet")
        _logged_reason = ""
        _show_model(None)
        _shown_mode = ""
