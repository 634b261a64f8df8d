"""The `HARNESS_*` environment variables, resolved into one frozen `Settings` value.

`VARIABLES` is the one table of them (README's "Settings" section prints the same table; a test
keeps the two equal). Code reads a setting through `current()`, never `os.environ` directly, and a
run resolves them once at its start and writes them into every manifest it produces
(`run_settings.settings`). Settings are transport and location knobs: none is part of a run key
except through what it changes (`HARNESS_CPU_DTYPE` changes the effective dtype, which is).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.errors import InputError


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, the `Settings` field it fills, its default, what it does."""

    name: str
    field: str
    default: str
    doc: str


VARIABLES: tuple[Variable, ...] = (
    Variable("HARNESS_DATA_DIR", "data_dir", "(unset: the Hub)", "Local mirror of benchmark files"),
    Variable("HARNESS_CONFIG_DIR", "config_dir", "./configs, else the checkout's", "Catalogue of models and tasks"),
    Variable("HARNESS_RESULTS", "results_dir", "results", "Default `--results` of every command"),
    Variable("HARNESS_CACHE_DIR", "cache_dir", "~/.cache/harness", "Converted GGUF weights, lm-eval task index"),
    Variable("HARNESS_PREFETCH_DIR", "prefetch_dir", "(unset)", "Shared cache of `harness prefetch`/`submit`"),
    Variable("HARNESS_CPU_DTYPE", "cpu_dtype", "(unset: by CPU flags)",
             "Force the CPU compute dtype (float32, bfloat16, float16)"),
    Variable("HARNESS_CPU_KV_CACHE_GIB", "cpu_kv_cache_gib", "2", "KV cache of a CPU vLLM engine, GiB (fit check too)"),
    Variable("HARNESS_VLLM_CPU_LAYOUT", "vllm_cpu_layout", "(unset: default layout)", "vLLM CPU process layout"),
    Variable("HARNESS_GPU", "gpu", "(unset: detected)", "GPU type key the planner uses (e.g. h100-80gb)"),
    Variable("HARNESS_ALLOCATION_NODES", "allocation_nodes", "(set by the job)", "Nodes of a multi-node job"),
    Variable("HARNESS_ALLOCATION_GPUS_PER_NODE", "allocation_gpus_per_node", "(set by the job)",
             "GPUs per node of a multi-node job"),
    Variable("HARNESS_RAY_ADDRESS", "ray_address", "(set by the job)", "Ray head of a multi-node job"),
    Variable("HARNESS_RAY_NODE_IP", "ray_node_ip", "(unset: default route)", "This node's address for Ray"),
    Variable("HARNESS_LOCK_FILE", "lock_file", "(set by `submit`)", "Prefetch lock a job checks"),
    Variable("HARNESS_DEBUG", "debug", "(unset)", "Keep tracebacks: of a failed command and of a failed task"),
)


@dataclass(frozen=True)
class Settings:
    """Every `HARNESS_*` setting, typed. Unset optional ones are None."""

    data_dir: Path | None = None
    config_dir: Path | None = None
    results_dir: Path = Path("results")
    cache_dir: Path = Path.home() / ".cache" / "harness"
    prefetch_dir: Path | None = None
    cpu_dtype: str | None = None
    cpu_kv_cache_gib: float = 2.0
    vllm_cpu_layout: str | None = None
    gpu: str | None = None
    allocation_nodes: int | None = None
    allocation_gpus_per_node: int | None = None
    ray_address: str | None = None
    ray_node_ip: str | None = None
    lock_file: Path | None = None
    debug: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the run manifest."""
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def _number(name: str, value: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise InputError(f"{name}={value!r} is not a number", f"set {name} to a {kind.__name__} or unset it") from None


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Resolve the settings from `env` (default: this process's environment). Empty means unset."""
    env = os.environ if env is None else env
    raw = {v.field: env.get(v.name) or None for v in VARIABLES}
    out: dict[str, Any] = {}
    for var in VARIABLES:
        value = raw[var.field]
        if value is None:
            continue
        if var.field in ("data_dir", "config_dir", "results_dir", "prefetch_dir", "lock_file"):
            out[var.field] = Path(value)
        elif var.field == "cache_dir":
            out[var.field] = Path(value).expanduser()
        elif var.field == "cpu_kv_cache_gib":
            out[var.field] = _number(var.name, value, float)
        elif var.field in ("allocation_nodes", "allocation_gpus_per_node"):
            out[var.field] = _number(var.name, value, int)
        elif var.field == "debug":
            out[var.field] = value.lower() not in ("0", "false", "no")
        else:
            out[var.field] = value
    return Settings(**out)


def current() -> Settings:
    """The settings now. Cheap (a dozen dict look-ups); re-read so that a job that sets allocation
    variables, or a test that sets `HARNESS_DATA_DIR`, is seen at once."""
    return from_env()


def results_dir(explicit: Path | None = None, configured: str | None = None) -> Path:
    """The results directory of any command: `--results`, else a run config's `results:`, else
    `$HARNESS_RESULTS`, else ./results."""
    if explicit is not None:
        return explicit
    return Path(configured) if configured else current().results_dir


def markdown_table() -> str:
    """The README's table of variables."""
    lines = ["| variable | default | what it sets |", "|---|---|---|"]
    lines += [f"| `{v.name}` | {v.default} | {v.doc} |" for v in VARIABLES]
    return "\n".join(lines)
