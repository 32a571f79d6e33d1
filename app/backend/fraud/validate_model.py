"""Check a model file the way the backend loads it, without Django: `python -m
fraud.validate_model FILE`. Exit 0 and one line naming the model when the shop can score with
it; exit 1 and the loader's reason on stderr when not (not JSON, not a fraud-scan model, another
format version or feature profile, weights that do not fit). The app servers' model fetch runs
this in the backend container before it swaps a downloaded file in (terraform/deploy.sh)."""

import sys

from fraud.features import PROFILE_NAME, PROFILE_VERSION
from fraud.model_file import MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelFileError, load_model

USAGE = "usage: python -m fraud.validate_model FILE"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        model = load_model(argv[0])
    except ModelFileError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    print(
        f"ok: {argv[0]}: {MODEL_FORMAT} v{MODEL_FORMAT_VERSION}, profile {PROFILE_NAME} v{PROFILE_VERSION}, "
        f"trained {model.created_at or 'at an unknown time'}, sha256 {model.sha256[:12]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
