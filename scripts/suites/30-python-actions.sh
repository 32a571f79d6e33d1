#!/usr/bin/env bash
# The Build and Test stages' actions, python-venv and pytest: unit tests of their parsers, cache
# keys and summaries, then both committed bundles run the way the runner runs them — real venvs,
# real installs from PyPI, real pytest on a deliberately failing fixture project, and the
# backend's account tests against the real PostgreSQL.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

# venv needs ensurepip, which Debian ships apart from Python; psql checks the tests' database.
ensure_apt python3-venv postgresql-client
ensure_postgres
# pip's downloads persist in "$TMPDIR/python-actions-pip-cache" between runs (the tests set
# PIP_CACHE_DIR), so a warm run installs from local wheels.

claims=(actions/python-venv actions/pytest)
# Two Jest runs side by side: nearly all the time is spent waiting on pip and pytest processes,
# and Jest alone would use one worker on a 2-core machine.
run_jest "$SUITE-venv" "${claims[0]}" &
venv_pid=$!
rc=0
run_jest "$SUITE-pytest" "${claims[1]}" || rc=$?
wait "$venv_pid" || rc=$?
exit "$rc"
