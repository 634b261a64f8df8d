#!/usr/bin/env bash
# Quickstart 2: set up, then lint (ruff), type-check (mypy) and run the whole test suite (slow
# tests included: they start real vLLM CPU engines on tiny random models and on Gemma 3 270M, and
# tests/test_cluster_slurm.py starts a real Slurm with tests/infra/slurm-up.sh, as root, and
# stops it afterwards).
# `scripts/test.sh --quick`: the quick tier developers run on every change: lint, types and every
# test that starts no engine (-m "not slow"), without the set-up step.
# The tests that start no engine run on two pytest-xdist workers (a file stays on one worker, so
# module fixtures are built once); the slow ones, each starting engines that use every core, run
# one at a time after them.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
[ "$quick" = 1 ] || bash scripts/setup.sh
if [ -z "${HARNESS_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export HARNESS_DATA_DIR="$PWD/../shared/data"; fi
.venv/bin/ruff check harness tests docs benchmarks
.venv/bin/mypy
workers=(-n "${TEST_WORKERS:-2}" --dist loadfile)
if [ "$quick" = 1 ]; then
  exec .venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow" "${workers[@]}" --durations=10 "$@"
fi
rc=0; .venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow" "${workers[@]}" "$@" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 5 ] || exit "$rc"  # 5: the paths given hold no such test
rc=0; .venv/bin/python -m pytest -q -p no:cacheprovider -m slow "$@" || rc=$?
[ "$rc" = 5 ] && rc=0  # 5: the paths given hold no slow test
exit "$rc"
