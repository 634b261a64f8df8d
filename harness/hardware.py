"""What hardware a run has, and the engine layout the plan gives each model on it."""

from __future__ import annotations

import os
from dataclasses import replace

from harness.backends.base import EngineSettings
from harness.plan import GPUS, PlanError, parallelism_for
from harness.specs import ModelSpec


def detect_gpus() -> tuple[int, str] | None:
    """(visible GPU count, GPU type key) or None without CUDA. `HARNESS_GPU` overrides the type."""
    try:
        import torch

        if not torch.cuda.is_available():
            return None
        count = torch.cuda.device_count()
        memory_gib = torch.cuda.get_device_properties(0).total_memory / 2**30
        name = torch.cuda.get_device_name(0).lower()
    except Exception:  # noqa: BLE001 - no usable CUDA means a CPU run
        return None
    override = os.environ.get("HARNESS_GPU")
    if override:
        return count, override
    named = [k for k in GPUS if k.split("-")[0] in name]
    candidates = named or list(GPUS)
    return count, min(candidates, key=lambda k: abs(GPUS[k].memory_gib - memory_gib))


def engine_settings_for(model: ModelSpec, base: EngineSettings,
                        gpus: tuple[int, str] | None) -> EngineSettings:
    """Tensor/pipeline parallelism: the spec's pins, else `harness plan`'s layout on these GPUs.

    Raises PlanError (before any weights load) when the model cannot fit what is visible.
    """
    if model.tensor_parallel_size or model.pipeline_parallel_size:
        tp, pp = model.tensor_parallel_size or 1, model.pipeline_parallel_size or 1
    elif gpus is None or not (model.backend == "vllm" or (model.endpoint and model.endpoint.managed)):
        tp, pp = 1, 1
    else:
        count, gpu = gpus
        tp, pp = parallelism_for(model, gpu, gpus_per_node=count)
    if gpus is not None and tp * pp > gpus[0]:
        raise PlanError(
            f"model '{model.id}' needs {tp * pp} GPUs (TP{tp} x PP{pp}), {gpus[0]} visible",
            "request more GPUs in the job, or run `harness plan` to size it",
        )
    return replace(base, tensor_parallel_size=tp, pipeline_parallel_size=pp)
