"""What hardware a run has, and the engine layout the plan gives each model on it.

Fit before fetch: `engine_settings_for` runs before any download or engine start and refuses a
model whose plan does not fit this machine (CPU RAM without GPUs, else the visible GPUs), with
the plan's numbers and the `harness submit` command that would run it. A model that needs more
than one node runs only inside a multi-node allocation (the Ray cluster a `harness submit` job
brings up, described by the `HARNESS_ALLOCATION_*` variables).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from harness.backends.base import EngineSettings
from harness.errors import InputError
from harness.plan import GIB, GPUS, PlanError, cpu_memory_gib, cpu_weight_bytes, plan_model
from harness.settings import current
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights

# The GPU a refusal's suggested `harness submit` command sizes the model for.
REFERENCE_GPU, REFERENCE_GPUS_PER_NODE = "h100-80gb", 8

# Set by the multi-node job (harness.cluster.job) once every node has joined its Ray cluster.
ENV_NODES = "HARNESS_ALLOCATION_NODES"
ENV_GPUS_PER_NODE = "HARNESS_ALLOCATION_GPUS_PER_NODE"
ENV_RAY_ADDRESS = "HARNESS_RAY_ADDRESS"


@dataclass(frozen=True)
class Allocation:
    """A multi-node allocation whose Ray cluster is up: `nodes` x `gpus_per_node` GPUs."""

    nodes: int
    gpus_per_node: int
    ray_address: str

    @property
    def gpus(self) -> int:
        return self.nodes * self.gpus_per_node


def current_allocation() -> Allocation | None:
    """The multi-node allocation this process runs in, from the environment, or None."""
    s = current()
    nodes, per_node, address = s.allocation_nodes, s.allocation_gpus_per_node, s.ray_address
    if not (nodes and per_node and address):
        return None
    return Allocation(nodes, per_node, address)


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
    override = current().gpu
    if override:
        return count, override
    named = [k for k in GPUS if k.split("-")[0] in name]
    candidates = named or list(GPUS)
    return count, min(candidates, key=lambda k: abs(GPUS[k].memory_gib - memory_gib))


def host_memory_gib() -> float:
    """RAM this process may use: the machine's, capped by a Slurm job's or a cgroup's limit."""
    limits: list[float] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                limits.append(int(line.split()[1]) / 2**20)
    except OSError:
        pass
    slurm = os.environ.get("SLURM_MEM_PER_NODE")
    if slurm and slurm.isdigit() and int(slurm) > 0:
        limits.append(int(slurm) / 1024)
    try:
        cgroup = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if cgroup.isdigit():
            limits.append(int(cgroup) / GIB)
    except OSError:
        pass
    return min(limits) if limits else float("inf")


@dataclass(frozen=True)
class Machine:
    """The machine a model's run is planned for: its GPUs, RAM, CPU and multi-node allocation.

    Tests build stand-ins (a cpuinfo text, a RAM size); `Machine.here` describes this one. A field
    left None is read from this machine when it is needed (`cpuinfo`: /proc/cpuinfo; `memory_gib`:
    `host_memory_gib()`; `allocation`: the environment)."""

    gpus: tuple[int, str] | None
    memory_gib: float | None = None
    cpuinfo: str | None = None
    allocation: Allocation | None = None
    cpu_dtype: str | None = None  # $HARNESS_CPU_DTYPE: the CPU compute dtype, forced

    def as_dict(self) -> dict[str, object]:
        """The facts a manifest records (the cpuinfo text only as its relevant flags)."""
        flags = sorted(cpu_flags(self.cpuinfo) & frozenset().union(*NATIVE_CPU_FLAGS.values()))
        memory = round(self.memory_gib, 1) if self.memory_gib not in (None, float("inf")) else None
        return {"gpus": list(self.gpus) if self.gpus else None, "memory_gib": memory,
                "native_half_flags": flags, "allocation": self.allocation.__dict__ if self.allocation else None}

    @classmethod
    def here(cls, gpus: tuple[int, str] | None) -> Machine:
        """This machine, with `gpus` as `detect_gpus()` found them."""
        return cls(gpus=gpus, memory_gib=host_memory_gib(), allocation=current_allocation(),
                   cpu_dtype=current().cpu_dtype)


def submit_hint(model: ModelSpec, gpu: str = REFERENCE_GPU, gpus_per_node: int = REFERENCE_GPUS_PER_NODE) -> str:
    """The plan on `gpu` nodes and the `harness submit` command that would run the model there."""
    plan = plan_model(model, [], gpu, gpus_per_node)
    if not plan.fits:
        return f"it does not fit {gpu} nodes either: {plan.reason}"
    layout = f"TP{plan.tensor_parallel} x PP{plan.pipeline_parallel}"
    where = f"{plan.gpus} GPU(s)" + (f" on {plan.nodes} nodes" if plan.nodes > 1 else "")
    return (f"plan on {gpu}: {layout}, {where}; run it on a Slurm cluster: "
            f"harness submit CONFIG --models {model.id} --gpu {gpu} --gpus-per-node {gpus_per_node}")


def _check_cpu_fit(model: ModelSpec, memory_gib: float, gpu_model: ModelSpec, kv_cache_gib: float) -> None:
    """`model` is the effective spec: its dtype is the one the CPU engine holds the weights in.
    `gpu_model` (the config's dtype, what a GPU computes in) is what the submit hint sizes."""
    need = cpu_memory_gib(model, kv_cache_gib)
    if need > memory_gib:
        weights = cpu_weight_bytes(model) / GIB
        raise PlanError(
            f"model '{model.id}' does not fit this machine: no GPU, and a CPU run needs ~{need:.0f} GiB of RAM "
            f"({weights:.0f} GiB weights for {model.params_b:g}B params in {model.dtype} + KV cache + runtime), "
            f"{memory_gib:.0f} GiB here", submit_hint(gpu_model))


def engine_settings_for(model: ModelSpec | EffectiveModel, base: EngineSettings, gpus: tuple[int, str] | None, *,
                        memory_gib: float | None = None, allocation: Allocation | None = None) -> EngineSettings:
    """Tensor/pipeline parallelism: the spec's pins, else `harness plan`'s layout on these GPUs.

    `model` is best an `EffectiveModel` (`effective_model`): a CPU run is sized in the dtype the
    engine computes in, not the one the config asked for. A bare spec is sized as it stands.

    Raises PlanError before any weights load when the model cannot fit what is here: without GPUs
    the CPU RAM (`memory_gib`, default: this machine's), with GPUs the visible ones plus, for a
    multi-node layout, the Ray allocation (`allocation`, default: from the environment).
    """
    alloc = allocation or current_allocation()
    if isinstance(model, EffectiveModel):
        requested = model.spec.model_copy(update={"dtype": model.requested_dtype})
        model = model.spec
    else:
        requested = model
    if gpus is None and model.backend != "fake":  # a fake model has no weights to hold in RAM
        _check_cpu_fit(model, host_memory_gib() if memory_gib is None else memory_gib, requested,
                       current().cpu_kv_cache_gib)
    if model.tensor_parallel_size or model.pipeline_parallel_size:
        tp, pp = model.tensor_parallel_size or 1, model.pipeline_parallel_size or 1
    elif gpus is None or not (model.backend == "vllm" or (model.endpoint and model.endpoint.managed)):
        tp, pp = 1, 1
    else:
        count, gpu = gpus
        plan = plan_model(model, [], gpu, count)
        if not plan.fits:
            raise PlanError(f"model '{model.id}' does not fit nodes of {count} x {gpu}: {plan.reason}",
                            submit_hint(model))
        tp, pp = plan.tensor_parallel, plan.pipeline_parallel
    world = tp * pp
    here = gpus[0] if gpus is not None else None
    settings = replace(base, tensor_parallel_size=tp, pipeline_parallel_size=pp)
    if alloc is not None and alloc.nodes > 1:
        if world > alloc.gpus:
            raise PlanError(f"model '{model.id}' needs {world} GPUs (TP{tp} x PP{pp}), the allocation has "
                            f"{alloc.nodes} x {alloc.gpus_per_node}", submit_hint(model))
        # vLLM's multi-node path: its Ray executor over the cluster the job brought up.
        return replace(settings, extra={**settings.extra, "distributed_executor_backend": "ray"})
    if here is not None and world > here:
        nodes = os.environ.get("SLURM_JOB_NUM_NODES", "1")
        where = (f"this {nodes}-node Slurm allocation has no Ray cluster up" if nodes.isdigit() and int(nodes) > 1
                 else "no multi-node allocation")
        raise PlanError(f"model '{model.id}' needs {world} GPUs (TP{tp} x PP{pp}), {here} visible on this machine and "
                        f"{where}", submit_hint(model))
    return settings


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


def source_checkpoint_dtype(model: ModelSpec, weights: ResolvedWeights | None = None) -> str | None:
    """The checkpoint's dtype, known before any download: a local folder's config.json, the dtype a
    GGUF package is converted to (`harness.weights`), or the resolved folder's config when given.
    A Hub checkpoint's is unknown until it is fetched (None: the engine decides `auto`)."""
    if weights is not None and weights.location and Path(weights.location).is_dir():
        return checkpoint_dtype(weights.location)
    if model.source.type == "local":
        return checkpoint_dtype(str(Path(model.source.path or "").expanduser()))
    if model.source.type == "gguf":
        return "float32" if model.dtype in ("auto", "float32") else model.dtype
    return None


def effective_dtype(model: ModelSpec, weights: ResolvedWeights | None = None, *, on_gpu: bool,
                    cpuinfo: str | None = None, forced: str | None = None) -> DtypeChoice:
    """The dtype `model` computes in here: its spec's on GPUs, the CPU's best match on CPUs.

    Needs no download (`weights` is optional): the fit check sizes this dtype before any fetch.
    `forced` defaults to $HARNESS_CPU_DTYPE."""
    external = model.backend == "openai" and not (model.endpoint and model.endpoint.managed)
    if on_gpu or model.backend == "fake" or external:  # a server elsewhere computes in what it was started with
        return DtypeChoice(model.dtype, model.dtype)
    if forced is None:
        forced = current().cpu_dtype
    return cpu_dtype(model.dtype, cpu_flags(cpuinfo), checkpoint_dtype=source_checkpoint_dtype(model, weights),
                     forced=forced)


@dataclass(frozen=True)
class EffectiveModel:
    """A model as this machine runs it. `spec` carries the dtype the engine computes in, and is what
    the fit check sizes, the run key hashes, the manifest records and the engine loads; `dtype`
    records the choice. The dtype the config asked for survives only as `requested_dtype`, for what
    must not depend on the machine (the GGUF conversion and its cache folder, `harness.weights`)."""

    spec: ModelSpec
    dtype: DtypeChoice

    @property
    def requested_dtype(self) -> str:
        return self.dtype.requested

    def note(self) -> str | None:
        """One line saying why the engine computes in another dtype than the config's, or None."""
        if not self.dtype.reason:
            return None
        return (f"{self.spec.id}: computing in {self.dtype.effective} (config: {self.dtype.requested}): "
                f"{self.dtype.reason}")


def effective_model(model: ModelSpec, weights: ResolvedWeights | None = None, *, on_gpu: bool,
                    cpuinfo: str | None = None, forced: str | None = None) -> EffectiveModel:
    """`model` with the dtype it computes in on this machine (see `EffectiveModel`).

    Code that recomputes run keys (status, resubmission) must call this with `on_gpu` true for runs
    that execute on GPUs, whatever machine it runs on itself."""
    choice = effective_dtype(model, weights, on_gpu=on_gpu, cpuinfo=cpuinfo, forced=forced)
    return EffectiveModel(model.model_copy(update={"dtype": choice.effective}), choice)
