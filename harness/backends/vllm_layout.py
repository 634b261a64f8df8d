"""How vLLM's CPU build lays out its processes and threads for one engine (chosen by measurement).

By default vLLM's CPU build runs three processes: this one, an engine-core process (scheduler) and
a worker process (the model). It reserves one core for the engine core and binds the worker's
OpenMP threads to the rest, and the engine core busy-waits (`sched_yield`) on a shared-memory
queue while the worker computes. On a 2-core machine that leaves the model one core.

The measured choice (see README, "Speed") is recorded in each run's manifest
(`run_settings.engine_info.process_layout`). Set `HARNESS_VLLM_CPU_LAYOUT=vllm-default` to keep
vLLM's own layout.
"""

from __future__ import annotations

import os
from typing import Any

from harness.backends.base import EngineSettings

LAYOUT_ENV = "HARNESS_VLLM_CPU_LAYOUT"

# name → environment set before the engine starts
LAYOUTS: dict[str, dict[str, str]] = {
    "vllm-default": {},
}
DEFAULT_LAYOUT = "vllm-default"


def cpu_process_layout(settings: EngineSettings) -> dict[str, Any]:
    """The CPU layout to use: its name and the environment variables that select it.

    Variables the user already set win (they are reported, not overridden)."""
    name = os.environ.get(LAYOUT_ENV) or DEFAULT_LAYOUT
    if name not in LAYOUTS:
        from harness.errors import InputError

        raise InputError(f"{LAYOUT_ENV}={name!r} is not a known layout", f"use one of {', '.join(LAYOUTS)}")
    env = {k: v for k, v in LAYOUTS[name].items() if k not in os.environ}
    return {"name": name, "env": env}
