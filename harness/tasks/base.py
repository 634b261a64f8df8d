"""The task interface: items (Docs) and the prompts built from them.

A task is a TaskSpec (YAML) plus a registered *loader* that reads its items and a *prompt
builder* that turns an item into a prompt, each named in the YAML and looked up in
`harness.tasks.registries`. Grading is by the task's `answer_type` (harness.answer_types).
Nothing here imports torch, vllm or lm_eval.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import DataMissingError
from harness.specs import TaskSpec
from harness.tasks.registries import HUB_FORMATS, LOADERS

Message = dict[str, str]


@dataclass(frozen=True)
class Doc:
    """One benchmark item, normalised across sources."""

    doc_id: str
    question: str
    gold: str  # number as text, LaTeX answer, or choice letter ("A"...)
    choices: tuple[str, ...] = ()  # for multiple choice
    passage: str = ""  # reading passage (Belebele, BoolQ)
    solution: str = ""  # worked solution (few-shot exemplars)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Prompt:
    """What a backend receives. Either plain `text` (base models) or chat `messages`."""

    text: str | None = None
    messages: tuple[Message, ...] | None = None
    continuations: tuple[str, ...] = ()  # loglikelihood: one per choice, scored after `text`
    stop: tuple[str, ...] = ()
    # Partial scoring (WinoGrande): one context per continuation, used instead of `text`.
    contexts: tuple[str, ...] = ()

    def identity(self) -> str:
        payload = {"t": self.text, "m": self.messages, "c": self.continuations, "s": self.stop}
        if self.contexts:
            payload["x"] = self.contexts
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


Loader = Callable[[TaskSpec, Path], "TaskData"]


@dataclass(frozen=True)
class TaskData:
    docs: list[Doc]
    fewshot_pool: list[Doc] = field(default_factory=list)


def data_dir() -> Path | None:
    from harness.settings import current

    return current().data_dir


def load_task_data(task: TaskSpec) -> TaskData:
    """Read a task's items from the local mirror ($HARNESS_DATA_DIR) or, without one, the Hub."""
    root = data_dir()
    local = task.data.local
    if root is not None and local is not None:
        missing = [f for f in local.files if not (root / f).is_file()]
        if missing:
            raise DataMissingError(
                f"task '{task.id}': data file {root / missing[0]} not found",
                _how_to_provide(task),
            )
        data = LOADERS.get(local.loader, f"task '{task.id}'")(task, root)
    elif task.data.hub is not None and root is None:
        data = load_from_hub(task)
    else:
        raise DataMissingError(
            f"task '{task.id}': no data in the local mirror {root}", _how_to_provide(task)
        )
    if not data.docs:
        raise DataMissingError(f"task '{task.id}': the data has no items", _how_to_provide(task))
    return data


def _how_to_provide(task: TaskSpec) -> str:
    parts = []
    if task.data.local:
        files = task.data.local.files
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")
        parts.append(f"put {shown} under $HARNESS_DATA_DIR")
    if task.data.hub:
        hub = task.data.hub
        name = f" (config {hub.name})" if hub.name else ""
        lead = "or unset" if parts else "unset"
        parts.append(f"{lead} HARNESS_DATA_DIR to load Hub dataset {hub.path}{name} split {hub.split}")
    return "; ".join(parts) or "this task has no data source"


def load_from_hub(task: TaskSpec) -> TaskData:
    """A task's items read from its Hub dataset by the format its YAML names (`data.hub.format`,
    looked up in `HUB_FORMATS`, so this module never imports `harness.tasks.hub`)."""
    hub = task.data.hub
    assert hub is not None
    if hub.format is None:
        raise DataMissingError(
            f"task '{task.id}': no Hub reader for this task (its YAML names no data.hub.format)",
            "set HARNESS_DATA_DIR to a local mirror"
        )
    return HUB_FORMATS.get(hub.format, f"task '{task.id}'").load(task)


def fewshot_examples(task: TaskSpec, pool: list[Doc], n: int, exclude: str) -> list[Doc]:
    """n exemplars drawn with the task's seed (same for every item, as lm-eval's first_n is not)."""
    if n <= 0 or not pool:
        return []
    candidates = [d for d in pool if d.doc_id != exclude]
    rng = random.Random(task.fewshot_seed)
    return rng.sample(candidates, min(n, len(candidates)))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_fingerprint(task: TaskSpec) -> dict[str, str]:
    """sha256 of every local file a task reads (part of the run key)."""
    root = data_dir()
    if root is None or task.data.local is None:
        hub = task.data.hub
        return {"hub": f"{hub.path}:{hub.name}:{hub.split}"} if hub else {}
    out = {}
    for rel in [*task.data.local.files, *task.data.local.fewshot_files]:
        p = root / rel
        if p.is_file():
            out[rel] = file_sha256(p)
    return out
