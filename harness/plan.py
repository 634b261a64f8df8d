"""GPU planning: weight and KV-cache memory, tensor/pipeline parallelism, concurrency, GPU-hours.

Everything here is arithmetic on catalogue facts (`ModelSpec.architecture`, `params_b`, dtype and
quantization); nothing loads torch or touches a GPU. The numbers are estimates meant to pick a
parallel layout and to size a job, not to replace vLLM's own memory profiling.

Memory model, per GPU:
    usable   = memory_gib * GPU_MEMORY_UTILIZATION            (vLLM's gpu_memory_utilization)
    weights  = weight_gib / (tp * pp)                          (even split; embeddings ignored)
    kv       = usable - weights - RUNTIME_OVERHEAD_GIB         (activations, CUDA graphs, NCCL)
A layout fits when kv >= MIN_KV_FRACTION * usable. The smallest power-of-two TP that fits (TP must
divide the attention heads, and divide or be a multiple of the KV heads) is chosen; when TP up to
`gpus_per_node` does not fit, pipeline stages are added (pp = 2, 3, ...) across nodes, up to
`max_nodes`.

Weight bytes: params x bytes per param. bf16/fp16 = 2, fp32 = 4, fp8 = 1 (block scales and bf16
embeddings add ~1%, ignored). mxfp4 (gpt-oss) applies only to the MoE experts: 4-bit values plus one
8-bit scale per 32 values = 4.25 bits = 0.531 bytes; the rest (attention, router, embeddings) is bf16.

KV bytes per token (bf16 cache): 2 (K and V) x layers x kv_heads x head_dim x 2 bytes; for MLA
(DeepSeek-V3/R1) layers x (kv_lora_rank + qk_rope_head_dim) x 2 bytes (one latent, no separate V).
Sliding-window layers hold at most `sliding_window` tokens of a sequence; with
`sliding_window_pattern` N one layer in N is global (Gemma 3: N = 6, gpt-oss: N = 2). This assumes the
engine frees out-of-window blocks (vLLM's hybrid KV-cache manager does); it is an approximation.
Under TP each GPU holds kv_heads / tp heads (a full copy when kv_heads < tp); an MLA latent is
replicated on every TP rank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from harness.answer_types import answer_type
from harness.errors import InputError
from harness.specs import Architecture, ModelSpec, TaskSpec
from harness.tasks.native import max_new_tokens

GIB = 1024**3

GPU_MEMORY_UTILIZATION = 0.9
RUNTIME_OVERHEAD_GIB = 2.0
MIN_KV_FRACTION = 0.2
MAX_NODES = 4
KV_CACHE_BYTES = 2  # bf16 KV cache (vLLM kv_cache_dtype "auto" for bf16 models)
MAX_NUM_SEQS = 256  # vLLM's default cap on sequences per engine step

# Throughput estimate knobs (see `estimate_gpu_hours`).
HBM_EFFICIENCY = 0.6  # achieved fraction of peak memory bandwidth during decode
MFU = 0.4  # achieved fraction of peak bf16 FLOPs (prefill, compute-bound decode)

# Prompt and output length guesses (tokens) when a task does not say.
PROMPT_TOKENS = 300
PROMPT_TOKENS_PER_SHOT = 200
REASONING_MEAN_OUTPUT_FRACTION = 0.5
CHAT_MEAN_OUTPUT_TOKENS = 500
BASE_MEAN_OUTPUT_TOKENS = 200
LIKELIHOOD_CHOICE_TOKENS = 4 * 32

DTYPE_BYTES = {"auto": 2.0, "bfloat16": 2.0, "float16": 2.0, "float32": 4.0}
QUANT_BYTES = {"fp8": 1.0, "int8": 1.0, "w8a8": 1.0, "q8_0": 1.0625, "int4": 0.5625, "awq": 0.5625,
               "gptq": 0.5625, "q4_0": 0.5625, "q4_k_m": 0.606}
MXFP4_BYTES = 4.25 / 8

# Items assumed for a task whose spec does not give `items`.
FALLBACK_ITEMS = 1000


class PlanError(InputError):
    """A model that cannot be placed on the given hardware, or an unknown GPU type."""


@dataclass(frozen=True)
class GPUType:
    """One accelerator: memory as the driver reports it, dense bf16 TFLOPs, fp8 support, HBM TB/s."""

    name: str
    memory_gib: float
    bf16_tflops: float
    fp8: bool
    hbm_tb_s: float


GPUS: dict[str, GPUType] = {
    g.name: g
    for g in (
        GPUType("h100-80gb", 79.6, 989.0, True, 3.35),  # SXM5
        GPUType("h200-141gb", 140.4, 989.0, True, 4.8),
        GPUType("a100-80gb", 79.2, 312.0, False, 2.04),  # SXM4
        GPUType("a100-40gb", 39.4, 312.0, False, 1.56),
        GPUType("l40s-48gb", 44.5, 362.0, True, 0.864),
        GPUType("b200-192gb", 179.0, 2250.0, True, 8.0),
    )
}


@dataclass(frozen=True)
class ModelPlan:
    """Where one model runs and what it costs. `max_concurrent_seqs` is per task id."""

    model_id: str
    weight_gib: float
    kv_bytes_per_token: int
    tensor_parallel: int
    pipeline_parallel: int
    nodes: int
    gpus: int
    fits: bool
    reason: str
    max_concurrent_seqs: dict[str, int] = field(default_factory=dict)
    est_gpu_hours: float = 0.0


# ---------------------------------------------------------------- memory facts


def gpu_type(gpu: str) -> GPUType:
    """The GPUType for a name in `GPUS`, or PlanError naming the known ones."""
    if gpu not in GPUS:
        raise PlanError(f"unknown GPU type '{gpu}'", f"known: {', '.join(GPUS)}")
    return GPUS[gpu]


def expert_params(model: ModelSpec) -> float:
    """Routed-expert parameters, from total/active counts: experts = (P - A) / (1 - k/E)."""
    arch = model.architecture
    if arch is None or not arch.experts or not arch.experts_per_token:
        return 0.0
    share = arch.experts_per_token / arch.experts
    total, active = model.params_b * 1e9, model.active_params_b * 1e9
    return min(total, (total - active) / (1.0 - share)) if share < 1 else 0.0


def weight_bytes(model: ModelSpec) -> float:
    """Bytes of weights on the GPUs, by dtype and quantization (see the module docstring)."""
    params = model.params_b * 1e9
    quant = (model.quantization or "").lower()
    if quant == "mxfp4":
        experts = expert_params(model) or params
        return experts * MXFP4_BYTES + (params - experts) * DTYPE_BYTES["bfloat16"]
    if quant:
        if quant not in QUANT_BYTES:
            raise PlanError(f"{model.id}: unknown quantization '{model.quantization}'",
                            f"known: mxfp4, {', '.join(QUANT_BYTES)}")
        return params * QUANT_BYTES[quant]
    return params * DTYPE_BYTES[model.dtype]


def _layer_token_bytes(arch: Architecture, tp: int = 1) -> float:
    """KV bytes one layer stores per token on one GPU at tensor-parallel size `tp`."""
    if arch.kv_lora_rank:
        return (arch.kv_lora_rank + (arch.qk_rope_head_dim or 0)) * KV_CACHE_BYTES
    heads = arch.kv_heads / tp if arch.kv_heads >= tp else 1
    return 2 * math.ceil(heads) * arch.head_dim * KV_CACHE_BYTES


def _global_and_sliding_layers(arch: Architecture) -> tuple[int, int]:
    if not arch.sliding_window:
        return arch.layers, 0
    n_global = arch.layers // arch.sliding_window_pattern if arch.sliding_window_pattern else 0
    return n_global, arch.layers - n_global


def kv_bytes_per_token(arch: Architecture) -> int:
    """KV bytes per token for the whole model, every layer, before sliding-window caps."""
    return int(arch.layers * _layer_token_bytes(arch))


def kv_bytes_per_sequence(arch: Architecture, seq_len: int, tp: int = 1, pp: int = 1) -> float:
    """KV bytes one sequence of `seq_len` tokens needs on one GPU (sliding layers capped)."""
    n_global, n_sliding = _global_and_sliding_layers(arch)
    window = min(seq_len, arch.sliding_window or seq_len)
    tokens = n_global * seq_len + n_sliding * window
    return tokens * _layer_token_bytes(arch, tp) / pp


# ---------------------------------------------------------------- layout


def _tp_divides(arch: Architecture | None, tp: int) -> bool:
    if arch is None or tp == 1:
        return True
    kv_ok = arch.kv_heads % tp == 0 or tp % arch.kv_heads == 0
    return arch.attention_heads % tp == 0 and kv_ok


def _kv_gib(weight_gib: float, gpu: GPUType, tp: int, pp: int) -> float:
    usable = gpu.memory_gib * GPU_MEMORY_UTILIZATION
    return usable - weight_gib / (tp * pp) - RUNTIME_OVERHEAD_GIB


def _layout_fits(weight_gib: float, gpu: GPUType, tp: int, pp: int) -> bool:
    usable = gpu.memory_gib * GPU_MEMORY_UTILIZATION
    return _kv_gib(weight_gib, gpu, tp, pp) >= MIN_KV_FRACTION * usable


def _choose_layout(model: ModelSpec, weight_gib: float, gpu: GPUType, gpus_per_node: int,
                   max_nodes: int) -> tuple[int, int, bool]:
    """(tp, pp, fits): smallest power-of-two TP in a node, then pipeline stages across nodes."""
    arch = model.architecture
    if model.tensor_parallel_size:
        tp, pp = model.tensor_parallel_size, model.pipeline_parallel_size or 1
        return tp, pp, _layout_fits(weight_gib, gpu, tp, pp)
    tps = [t for t in (2**i for i in range(8)) if t <= gpus_per_node and _tp_divides(arch, t)]
    for tp in tps:
        if _layout_fits(weight_gib, gpu, tp, 1):
            return tp, 1, True
    tp = tps[-1]
    max_layers = arch.layers if arch else 10**6
    pp = 2
    while math.ceil(tp * pp / gpus_per_node) <= max_nodes and pp <= max_layers:
        if _layout_fits(weight_gib, gpu, tp, pp):
            return tp, pp, True
        pp += 1
    return tp, pp - 1, False


# ---------------------------------------------------------------- per-task sizing


def items_for(task: TaskSpec, n_items: Mapping[str, int] | None = None) -> int:
    """Items in a task: from `n_items` (a --limit), else the spec's `items`, else FALLBACK_ITEMS."""
    if n_items and task.id in n_items:
        return min(n_items[task.id], task.items) if task.items else n_items[task.id]
    return task.items or FALLBACK_ITEMS


def prompt_tokens(model: ModelSpec, task: TaskSpec) -> int:
    """Prompt length guess: chat models zero-shot, base models with the task's shots."""
    shots = task.fewshot if model.kind == "base" else 0
    return PROMPT_TOKENS + shots * PROMPT_TOKENS_PER_SHOT


def mean_output_tokens(model: ModelSpec, task: TaskSpec) -> float:
    """Expected generated tokens per sample (a guess; reasoning models use half their budget)."""
    budget = max_new_tokens(model, task)
    if model.kind == "reasoning":
        return REASONING_MEAN_OUTPUT_FRACTION * budget
    return float(min(budget, BASE_MEAN_OUTPUT_TOKENS if model.kind == "base" else CHAT_MEAN_OUTPUT_TOKENS))


def sequence_length(model: ModelSpec, task: TaskSpec) -> int:
    """Longest sequence a request of this task can reach, capped at the model's max_model_len."""
    extra = LIKELIHOOD_CHOICE_TOKENS if answer_type(task.answer_type).likelihood else 0
    return min(prompt_tokens(model, task) + extra + max_new_tokens(model, task), model.max_model_len)


def estimate_gpu_hours(model: ModelSpec, task: TaskSpec, gpu: GPUType, tp: int, pp: int,
                       kv_gib: float, items: int) -> float:
    """GPU-hours for one task: compute-bound prefill plus bandwidth-bound decode. An estimate.

    prefill_s = items * prompt * 2 * active_params / (tp * pp * TFLOPs * MFU)
    Decode batch B = min(MAX_NUM_SEQS, items * samples, KV budget / KV of a typical sequence of
    prompt + mean_output tokens); it runs in pp micro-batches of m = B / pp. One stage step:
      t_step = max(bytes_step / (HBM * HBM_EFFICIENCY), m * 2 * active_params / (tp*pp * TFLOPs * MFU))
      bytes_step = W_read(m) / (tp * pp) + m * context * kv_bytes_per_token_per_gpu
      W_read(m) = dense bytes + expert bytes * (1 - (1 - k/E)^m)   (experts a batch touches)
    tokens/s = m / t_step; decode_s = items * samples * mean_output / tokens/s;
    GPU-hours = (prefill_s + decode_s) * tp * pp / 3600.
    """
    arch = model.architecture
    active = model.active_params_b * 1e9
    flops_per_s = tp * pp * gpu.bf16_tflops * 1e12 * MFU
    samples = task.samples or model.generation.samples
    prompt = prompt_tokens(model, task)
    if answer_type(task.answer_type).likelihood:
        prompt += LIKELIHOOD_CHOICE_TOKENS
    prefill_s = items * prompt * 2 * active / flops_per_s
    output = mean_output_tokens(model, task)
    if output <= 0:
        return prefill_s * tp * pp / 3600
    typical = kv_bytes_per_sequence(arch, int(prompt + output), tp, pp) if arch is not None else 0.0
    fit = int(max(kv_gib, 0) * GIB // typical) if typical else MAX_NUM_SEQS
    batch = max(1, min(fit, MAX_NUM_SEQS, items * samples))
    micro = max(1.0, batch / pp)
    total_w = weight_bytes(model)
    experts_w = total_w * expert_params(model) / (model.params_b * 1e9)
    touched = 1.0
    if arch is not None and arch.experts and arch.experts_per_token:
        touched = 1.0 - (1.0 - arch.experts_per_token / arch.experts) ** micro
    read_w = (total_w - experts_w) + experts_w * touched
    kv_tok = kv_bytes_per_sequence(arch, 1, tp, pp) if arch is not None else 0.0
    context = prompt + output / 2
    step_bytes = read_w / (tp * pp) + micro * context * kv_tok
    t_mem = step_bytes / (gpu.hbm_tb_s * 1e12 * HBM_EFFICIENCY)
    t_compute = micro * 2 * active / flops_per_s
    tokens_per_s = micro / max(t_mem, t_compute)
    decode_s = items * samples * output / tokens_per_s
    return (prefill_s + decode_s) * tp * pp / 3600


# ---------------------------------------------------------------- public API


def plan_model(model: ModelSpec, tasks: Sequence[TaskSpec], gpu: str = "h100-80gb",
               gpus_per_node: int = 8, n_items: Mapping[str, int] | None = None,
               *, max_nodes: int = MAX_NODES) -> ModelPlan:
    """Pick (tp, pp) for `model` on `gpu` nodes and size every task. Never raises for a misfit:
    a model that cannot be placed comes back with fits=False and the reason."""
    hw = gpu_type(gpu)
    if gpus_per_node < 1:
        raise PlanError(f"gpus_per_node must be >= 1, got {gpus_per_node}")
    w_gib = weight_bytes(model) / GIB
    arch = model.architecture
    tp, pp, fits = _choose_layout(model, w_gib, hw, gpus_per_node, max_nodes)
    gpus, nodes = tp * pp, math.ceil(tp * pp / gpus_per_node)
    usable = hw.memory_gib * GPU_MEMORY_UTILIZATION
    kv_gib = _kv_gib(w_gib, hw, tp, pp)
    pinned = " (pinned in the spec)" if model.tensor_parallel_size else ""
    layout = f"TP{tp}" + (f" x PP{pp}" if pp > 1 else "") + pinned
    if fits:
        reason = (f"{layout}: {w_gib / gpus:.1f} GiB weights per GPU leaves {kv_gib:.1f} GiB "
                  f"({kv_gib / usable:.0%} of {usable:.1f}) for KV cache")
    else:
        reason = (f"does not fit: {w_gib:.0f} GiB of weights on up to {max_nodes} node(s) of "
                  f"{gpus_per_node} x {gpu} leaves {max(kv_gib, 0):.1f} GiB per GPU for KV cache at "
                  f"{layout}, below {MIN_KV_FRACTION:.0%} of {usable:.1f} GiB")
    notes: list[str] = []
    if (model.quantization or "").lower() in ("fp8", "mxfp4") and not hw.fp8:
        notes.append(f"{model.quantization} weights on {gpu} need weight-only kernels (slower)")
    concurrency: dict[str, int] = {}
    hours = 0.0
    for task in tasks:
        seq = sequence_length(model, task)
        wanted = prompt_tokens(model, task) + max_new_tokens(model, task)
        if wanted > model.max_model_len:
            notes.append(f"{task.id}: ~{wanted} tokens wanted > max_model_len {model.max_model_len}")
        if arch is None:
            seqs = MAX_NUM_SEQS
        else:
            seqs = int(max(kv_gib, 0) * GIB // kv_bytes_per_sequence(arch, seq, tp, pp))
        concurrency[task.id] = seqs
        if fits and seqs < 1:
            fits = False
            notes.append(f"{task.id}: KV cache holds no {seq}-token sequence")
        if fits:
            hours += estimate_gpu_hours(model, task, hw, tp, pp, kv_gib, items_for(task, n_items))
    if arch is None:
        notes.append("no architecture in the spec: KV cache not estimated")
    if notes:
        reason += "; " + "; ".join(notes)
    kv_tok = kv_bytes_per_token(arch) if arch is not None else 0
    return ModelPlan(model.id, round(w_gib, 2), kv_tok, tp, pp, nodes, gpus, fits, reason,
                     concurrency, round(hours, 2) if fits else 0.0)


def plan_run(models: Sequence[ModelSpec], tasks: Sequence[TaskSpec], gpu: str = "h100-80gb",
             gpus_per_node: int = 8, n_items: Mapping[str, int] | None = None) -> list[ModelPlan]:
    """One ModelPlan per model, every task sized for every model."""
    return [plan_model(m, tasks, gpu, gpus_per_node, n_items) for m in models]


def parallelism_for(model: ModelSpec, gpu: str = "h100-80gb", gpus_per_node: int = 8) -> tuple[int, int]:
    """(tensor_parallel, pipeline_parallel) for `harness run`; PlanError if the model cannot fit."""
    plan = plan_model(model, [], gpu, gpus_per_node)
    if not plan.fits:
        raise PlanError(f"{model.id}: {plan.reason}",
                        "use a larger GPU type, more GPUs per node, or a quantized checkpoint")
    return plan.tensor_parallel, plan.pipeline_parallel


# CPU runs (vLLM's CPU build): the weights as the engine holds them, the KV cache it reserves
# (`HARNESS_CPU_KV_CACHE_GIB`, default 2) and the process itself (torch, tokenizer, Python).
CPU_RUNTIME_OVERHEAD_GIB = 2.0
CPU_KV_CACHE_GIB = 2.0


def cpu_weight_bytes(model: ModelSpec) -> float:
    """Bytes of weights a CPU engine holds. A GGUF package is dequantized to the spec's dtype
    (`auto` and float32 to float32, as `harness.weights` converts it); others as `weight_bytes`."""
    if model.source.type == "gguf":
        dtype = "float32" if model.dtype == "auto" else model.dtype
        return model.params_b * 1e9 * DTYPE_BYTES[dtype]
    return weight_bytes(model)


def cpu_memory_gib(model: ModelSpec, kv_cache_gib: float = CPU_KV_CACHE_GIB) -> float:
    """RAM a CPU run of `model` needs: weights + KV cache + runtime overhead (an estimate)."""
    return cpu_weight_bytes(model) / GIB + kv_cache_gib + CPU_RUNTIME_OVERHEAD_GIB


def _table_line(values: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True)))


def format_plan(plans: Sequence[ModelPlan], gpu: str) -> str:
    """A plain-text table of plans, one row per model, with each model's reason underneath."""
    hw = gpu_type(gpu)
    head = (f"GPU plan on {gpu} ({hw.memory_gib:g} GiB, {GPU_MEMORY_UTILIZATION:.0%} usable, "
            f"KV cache >= {MIN_KV_FRACTION:.0%} of usable)")
    cols = ("model", "weights_GiB", "KV_KiB/tok", "TP", "PP", "nodes", "GPUs", "fits",
            "min_seqs", "GPU_h")
    rows = []
    for p in plans:
        low = min(p.max_concurrent_seqs.values()) if p.max_concurrent_seqs else None
        rows.append((p.model_id, f"{p.weight_gib:.1f}", f"{p.kv_bytes_per_token / 1024:.0f}",
                     str(p.tensor_parallel), str(p.pipeline_parallel), str(p.nodes), str(p.gpus),
                     "yes" if p.fits else "NO", "-" if low is None else str(low),
                     f"{p.est_gpu_hours:.1f}"))
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)]
    out = [head, _table_line(cols, widths), _table_line(["-" * w for w in widths], widths)]
    out += [_table_line(r, widths) for r in rows]
    out.append("")
    out += [f"{p.model_id}: {p.reason}" for p in plans]
    return "\n".join(out)
