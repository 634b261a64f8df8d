"""Load a task's items from the Hugging Face Hub dataset lm-eval uses (when no mirror is set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.errors import DataMissingError
from harness.specs import TaskSpec
from harness.tasks.base import Doc, TaskData

RowMapper = Callable[[dict[str, Any], int], Doc]
_MAPPERS: dict[str, RowMapper] = {}


def register_hub_mapper(loader_name: str) -> Callable[[RowMapper], RowMapper]:
    """Map one Hub row to a Doc, keyed by the task's local loader name (same item schema)."""

    def deco(fn: RowMapper) -> RowMapper:
        _MAPPERS[loader_name] = fn
        return fn

    return deco


@register_hub_mapper("gsm8k_jsonl")
def _gsm8k(row: dict[str, Any], i: int) -> Doc:
    from harness.tasks.loaders import gsm8k_doc

    return gsm8k_doc(row, str(i))


@register_hub_mapper("arc_jsonl")
def _arc(row: dict[str, Any], i: int) -> Doc:
    labels = list(row["choices"]["label"])
    return Doc(
        doc_id=row["id"],
        question=row["question"],
        gold="ABCDEFGHIJ"[labels.index(row["answerKey"])],
        choices=tuple(row["choices"]["text"]),
    )


def load_hub(task: TaskSpec) -> TaskData:
    hub = task.data.hub
    assert hub is not None
    loader = task.data.local.loader if task.data.local else task.id
    mapper = _MAPPERS.get(loader)
    if mapper is None:
        raise DataMissingError(
            f"task '{task.id}': no Hub reader for this task", "set HARNESS_DATA_DIR to a local mirror"
        )
    try:
        import datasets

        split = datasets.load_dataset(hub.path, hub.name, split=hub.split)
        shots = datasets.load_dataset(hub.path, hub.name, split=hub.fewshot_split) if hub.fewshot_split else []
    except Exception as exc:  # noqa: BLE001 - offline, gated, renamed: all mean "no data"
        raise DataMissingError(
            f"task '{task.id}': cannot load Hub dataset {hub.path} ({type(exc).__name__})",
            "check network/HF_TOKEN, or set HARNESS_DATA_DIR to a local mirror of the upstream files",
        ) from None
    docs = [mapper(dict(row), i) for i, row in enumerate(split)]
    pool = [mapper(dict(row), i) for i, row in enumerate(shots)]
    return TaskData(docs, pool)
