#!/usr/bin/env bash
# Quickstart 2: set up, then lint (ruff), type-check (mypy) and run the whole test suite (slow
# tests included: they start real vLLM CPU engines on tiny random models and on Gemma 3 270M, and
# tests/test_cluster_slurm.py starts a real Slurm with tests/infra/slurm-up.sh, as root, and
# stops it afterwards).
# `scripts/test.sh --quick`: the quick tier developers run on every change: lint, types and every
# test that starts no engine (-m "not slow"), without the set-up step.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
[ "$quick" = 1 ] || bash scripts/setup.sh
if [ -z "${HARNESS_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export HARNESS_DATA_DIR="$PWD/../shared/data"; fi
.venv/bin/ruff check harness tests docs benchmarks
.venv/bin/mypy
if [ "$quick" = 1 ]; then
  exec .venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow" --durations=10 "$@"
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
