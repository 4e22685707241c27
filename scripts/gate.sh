#!/usr/bin/env bash
# The one gate, the same locally and in CI: install kcheck with its test tools, then
# ruff format, ruff check, mypy --strict and pytest. Extra arguments go to pytest.
#
#   bash scripts/gate.sh                    # everything (what CI runs)
#   bash scripts/gate.sh -m "not shared"    # the fast loop: lint, types and the tests that
#                                           # need no real kernel tree (about a minute)
#   bash scripts/gate.sh -k corpus          # a subset of the tests (lint and types still run)
#
# The real Kconfig trees and the reference corpus are carried in tests/data and checked
# against tests/data/SHA256SUMS before any test runs; nothing needs to sit beside the clone.
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
# Spread the tests over the machine's cores (KCHECK_TEST_JOBS=0 runs them in one process);
# the 15 slowest are listed at the end, to see where the gate's time goes.
python3 -m pytest -n "${KCHECK_TEST_JOBS:-auto}" --durations=15 "$@"
