#!/usr/bin/env bash
# Quickstart 1: set up, then run the embedded default (Gemma 3 270M on vLLM's CPU build, offline).
# Its last line is the report it rebuilt: `report: results/report.html` (open it in a browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${HARNESS_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export HARNESS_DATA_DIR="$PWD/../shared/data"; fi
exec .venv/bin/harness run configs/smoke.yaml "$@"
