"""What hardware a run has, and the engine layout the plan gives each model on it."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from harness.backends.base import EngineSettings
from harness.errors import InputError
from harness.plan import GPUS, PlanError, parallelism_for
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights


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


# ---------------------------------------------------------------- CPU compute dtype

# Instruction-set flags (as /proc/cpuinfo spells them) that make a half-precision type fast on CPU.
# Without them PyTorch and vLLM emulate it: bfloat16 runs ~4x slower than float32 on AVX2.
NATIVE_CPU_FLAGS = {
    "bfloat16": frozenset({"avx512_bf16", "amx_bf16", "bf16"}),  # x86 AVX-512-BF16 / AMX; Arm BF16
    "float16": frozenset({"avx512_fp16", "amx_fp16", "asimdhp"}),  # x86 AVX-512-FP16 / AMX-FP16; Arm FP16
}
CPU_DTYPE_ENV = "HARNESS_CPU_DTYPE"


@dataclass(frozen=True)
class DtypeChoice:
    """The dtype a model's spec asks for and the one the engine computes in (with why they differ)."""

    requested: str
    effective: str
    reason: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"requested": self.requested, "effective": self.effective, "reason": self.reason}


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The CPU's instruction-set flags, from /proc/cpuinfo text (x86 `flags`, Arm `Features`)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return frozenset()
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() in ("flags", "features"):
            return frozenset(value.split())
    return frozenset()


def cpu_dtype(requested: str, flags: frozenset[str], *, checkpoint_dtype: str | None = None,
              forced: str | None = None) -> DtypeChoice:
    """The dtype to compute in on this CPU: half precision only where the CPU has it natively.

    `auto` means the checkpoint's own dtype (`checkpoint_dtype`, when known). `forced` (from
    $HARNESS_CPU_DTYPE) wins over everything, for measuring or reproducing another machine."""
    if forced:
        if forced not in ("float32", "bfloat16", "float16"):
            raise InputError(f"{CPU_DTYPE_ENV}={forced!r} is not a dtype", "use float32, bfloat16 or float16")
        reason = None if forced == requested else f"{CPU_DTYPE_ENV}={forced} is set"
        return DtypeChoice(requested, forced, reason)
    wanted = checkpoint_dtype if requested == "auto" and checkpoint_dtype else requested
    native = NATIVE_CPU_FLAGS.get(wanted)
    if native is None or flags & native:
        return DtypeChoice(requested, requested)  # float32, unknown `auto`, or native support
    missing = "/".join(sorted(f.upper() for f in native if not f.startswith(("bf16", "asimd"))))
    return DtypeChoice(requested, "float32",
                       f"this CPU has no native {wanted} ({missing} absent), where it runs several times slower")


def checkpoint_dtype(location: str) -> str | None:
    """The dtype a local checkpoint's config.json declares (`torch_dtype` or `dtype`), if any."""
    import json

    config = Path(location) / "config.json"
    if not config.is_file():
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    text_config = data.get("text_config") if isinstance(data.get("text_config"), dict) else {}
    value = data.get("torch_dtype") or data.get("dtype") or text_config.get("torch_dtype") or text_config.get("dtype")
    return value if value in ("float32", "bfloat16", "float16") else None


def effective_dtype(model: ModelSpec, weights: ResolvedWeights | None, *, on_gpu: bool,
                    cpuinfo: str | None = None) -> DtypeChoice:
    """The dtype `model` computes in here: its spec's on GPUs, the CPU's best match on CPUs."""
    external = model.backend == "openai" and not (model.endpoint and model.endpoint.managed)
    if on_gpu or model.backend == "fake" or external:  # a server elsewhere computes in what it was started with
        return DtypeChoice(model.dtype, model.dtype)
    ckpt = checkpoint_dtype(weights.location) if weights is not None else None
    return cpu_dtype(model.dtype, cpu_flags(cpuinfo), checkpoint_dtype=ckpt,
                     forced=os.environ.get(CPU_DTYPE_ENV) or None)


def effective_model(model: ModelSpec, weights: ResolvedWeights | None, *, on_gpu: bool,
                    cpuinfo: str | None = None) -> tuple[ModelSpec, DtypeChoice]:
    """The spec a run uses (and hashes into its run key): `model` with the dtype it computes in.

    Code that recomputes run keys (status, resubmission) must call this with `on_gpu` true for runs
    that execute on GPUs, whatever machine it runs on itself."""
    choice = effective_dtype(model, weights, on_gpu=on_gpu, cpuinfo=cpuinfo)
    return model.model_copy(update={"dtype": choice.effective}), choice
