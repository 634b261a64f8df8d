"""Where ``harness grade`` learns each line's answer type, language and reasoning format.

From the catalogue (``configs/``): a task id gives the answer type and language, a model id the
reasoning format. When the input is a run's ``samples.jsonl``, the run's own ``manifest.json``
beside it wins: it holds the specs the run actually used, even if the catalogue changed since.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.grading.files import ModelResolver, TaskResolver


def resolvers(input_path: Path) -> tuple[TaskResolver, ModelResolver]:
    """``(resolve_task, resolve_model)`` for a grading input file."""
    from harness.config import load_catalog, suggest

    catalog = load_catalog()
    manifest = _manifest_beside(input_path)
    run_task = manifest.get("task_spec") or {}
    run_model = manifest.get("model_spec") or {}

    def resolve_task(task_id: str) -> tuple[str, str]:
        if run_task.get("id") == task_id:
            return str(run_task["answer_type"]), str(run_task["language"])
        if task_id not in catalog.tasks:
            raise InputError(f"unknown task id '{task_id}'", suggest(task_id, list(catalog.tasks)))
        task = catalog.tasks[task_id]
        return task.answer_type, task.language

    def resolve_model(model_id: str) -> tuple[str, bool] | None:
        if run_model.get("id") == model_id:
            reasoning = run_model.get("reasoning") or {}
            return str(reasoning.get("format", "none")), bool(reasoning.get("think_in_prompt", False))
        if model_id not in catalog.models:
            return None
        model = catalog.models[model_id]
        return model.reasoning.format, model.reasoning.think_in_prompt

    return resolve_task, resolve_model


def stop_resolver() -> Callable[[str], tuple[str, ...]]:
    """task id -> the stop strings ``harness run`` gives a base model on that task (the prompt
    builder's and the spec's ``stop``); () for a task that is not in the catalogue."""
    from harness.config import load_catalog
    from harness.tasks.base import Doc
    from harness.tasks.prompts import build_prompt

    catalog = load_catalog()
    cache: dict[str, tuple[str, ...]] = {}

    def stops(task_id: str) -> tuple[str, ...]:
        if task_id not in cache:
            task = catalog.tasks.get(task_id)
            found: tuple[str, ...] = ()
            if task is not None:
                # The builders put their stop strings on every prompt; any item gives them.
                probe = Doc("0", "?", "A" if task.choices else "0", choices=("a", "b", "c", "d"))
                try:
                    found = build_prompt(task, probe, [], chat=False).stop
                except Exception:  # noqa: BLE001  (a builder that needs real item fields: the spec's own stops)
                    found = ()
                found = tuple(dict.fromkeys([*found, *task.stop]))
            cache[task_id] = found
        return cache[task_id]

    return stops


def _manifest_beside(input_path: Path) -> dict[str, Any]:
    path = Path(input_path).resolve().parent / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
