#!/usr/bin/env bash
# The one gate, the same locally and in CI: install kcheck with its test tools, then
# ruff format, ruff check, mypy --strict and pytest. Extra arguments go to pytest.
#
#   bash scripts/gate.sh            # everything
#   bash scripts/gate.sh -k corpus  # a subset of the tests (lint and types still run)
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e '.[test]'

echo "== ruff format"
python3 -m ruff format --check kcheck tests bench
echo "== ruff check"
python3 -m ruff check kcheck tests bench
echo "== mypy --strict"
python3 -m mypy --strict
echo "== pytest"
# Spread the tests over the machine's cores (KCHECK_TEST_JOBS=0 runs them in one process).
python3 -m pytest -n "${KCHECK_TEST_JOBS:-auto}" "$@"
