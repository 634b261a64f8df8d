#!/usr/bin/env bash
# Quickstart 2: set up, then lint (ruff), type-check (mypy) and run the whole test suite (slow
# tests included: they start real vLLM CPU engines on tiny random models and on Gemma 3 270M, and
# tests/test_cluster_slurm.py starts a real Slurm with tests/infra/slurm-up.sh, as root, and
# stops it afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${HARNESS_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export HARNESS_DATA_DIR="$PWD/../shared/data"; fi
.venv/bin/ruff check harness tests docs benchmarks
.venv/bin/mypy
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
