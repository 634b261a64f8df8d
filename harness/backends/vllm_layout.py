"""How vLLM's CPU build lays out its processes and threads for one engine (chosen by measurement).

vLLM's CPU build runs three processes by default: this one, an engine-core process (scheduler)
and a worker process (the model). It reserves one core for the engine core and binds the worker's
OpenMP threads to the rest, and the engine core busy-waits (`sched_yield`) on a shared-memory queue
while the worker computes: on a 2-core machine the model gets one core, and starting the two extra
processes (each importing torch and vLLM) takes most of the engine's start-up time.

Layouts (`HARNESS_VLLM_CPU_LAYOUT`; the choice is recorded in every run's manifest under
`run_settings.engine_info`):
- `in-process`   — engine core and model in this process (`VLLM_ENABLE_V1_MULTIPROCESSING=0`),
                   OpenMP threads = the cores this process may use;
- `in-process-1` — the same with one thread (leaves the other cores to other work);
- `vllm-default` — vLLM's own three-process layout.
Measurements behind the default are in the README ("Speed").
"""

from __future__ import annotations

import os
from typing import Any

from harness.backends.base import EngineSettings
from harness.errors import InputError

LAYOUT_ENV = "HARNESS_VLLM_CPU_LAYOUT"
LAYOUTS = ("in-process", "in-process-1", "vllm-default")
DEFAULT_LAYOUT = "in-process"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_process_layout(settings: EngineSettings, name: str | None = None) -> dict[str, Any]:
    """The layout for a CPU engine: its name, the environment that selects it, its thread count.

    Variables the user already set win (they are reported, not overridden)."""
    from harness.settings import current

    name = name or current().vllm_cpu_layout or DEFAULT_LAYOUT
    if name not in LAYOUTS:
        raise InputError(f"{LAYOUT_ENV}={name!r} is not a known layout", f"use one of {', '.join(LAYOUTS)}")
    if name == "vllm-default":
        return {"name": name, "env": {}, "threads": None}
    if settings.tensor_parallel_size * settings.pipeline_parallel_size > 1:
        # Tensor/pipeline parallel CPU engines need vLLM's worker processes.
        return {"name": "vllm-default", "env": {}, "threads": None}
    threads = int(os.environ.get("OMP_NUM_THREADS") or (usable_cores() if name == "in-process" else 1))
    wanted = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0", "OMP_NUM_THREADS": str(threads)}
    env = {k: v for k, v in wanted.items() if k not in os.environ}
    return {"name": name, "env": env, "threads": threads}


def apply_layout(layout: dict[str, Any]) -> None:
    """Set the layout's environment, and torch's thread count (torch may already be loaded, and
    then reads OMP_NUM_THREADS no more)."""
    os.environ.update(layout["env"])
    if layout.get("threads"):
        import torch

        torch.set_num_threads(int(layout["threads"]))
