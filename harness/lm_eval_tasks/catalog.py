"""`lm_eval:<name>` → TaskSpecs, without importing lm_eval or loading any data.

A task becomes one TaskSpec (one run). A tag becomes its tasks. A group becomes its leaf tasks (each
a run, built with the group's overrides) followed by one spec per group or subgroup for which
lm-eval defines aggregate metrics (`aggregate_metric_list`), innermost first: those "runs" send no
requests; they aggregate their members' metrics the way lm-eval does (`harness.lm_eval_tasks.score`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.config import suggest
from harness.errors import InputError
from harness.lm_eval_tasks.index import Listed, _listed, full_index
from harness.specs import DataSource, HubData, LocalData, TaskSpec

PREFIX = "lm_eval:"
PROJECT_DIR = "lm_eval"  # under the configs directory: the project's own lm-eval YAMLs

# lm-eval output type → how the harness describes the answer (plan.py budgets likelihood tasks at 0 tokens).
ANSWER_TYPES = {"multiple_choice": "likelihood_choice", "loglikelihood": "likelihood_choice",
                "loglikelihood_rolling": "likelihood_choice", "generate_until": "text"}


def is_lm_eval_id(task_id: str) -> bool:
    return task_id.startswith(PREFIX)


def project_root(config_dir: Path) -> Path:
    """The include directory of the project's lm-eval YAMLs: `<configs>/lm_eval/`."""
    return config_dir / PROJECT_DIR


@dataclass(frozen=True)
class Leaf:
    """A task to run: its index entry and the top-level group it is built in (None: on its own)."""

    listed: Listed
    top: str | None


@dataclass(frozen=True)
class Expansion:
    leaves: list[Leaf]
    aggregates: list[tuple[str, str]]  # (group name, top-level name), innermost first


def expand(name: str, config_dir: Path) -> Expansion:
    """Leaf tasks and aggregating groups of an lm-eval name (task, group or tag)."""
    index = full_index(project_root(config_dir))
    entry = index.get(name)
    if entry is None:
        raise InputError(f"unknown lm-eval task '{name}'",
                         f"{suggest(name, list(index))}; `harness tasks --lm-eval` lists them")
    leaves: list[Leaf] = []
    aggregates: list[tuple[str, str]] = []
    if entry.kind in ("task", "py_task"):
        leaves.append(Leaf(entry, None))
    elif entry.kind == "tag":
        leaves.extend(Leaf(index[m], None) for m in entry.members if m in index)
    else:
        _walk_group(name, entry.members, entry.aggregate, name, index, leaves, aggregates, entry.source)
    unique: dict[str, Leaf] = {}
    for leaf in leaves:
        unique.setdefault(leaf.listed.name, leaf)
    for leaf in unique.values():
        _check_runnable(leaf.listed, name)
    return Expansion(list(unique.values()), aggregates)


def _walk_group(group: str, members: list[Any], aggregate: bool, top: str, index: dict[str, Listed],
                leaves: list[Leaf], aggregates: list[tuple[str, str]], source: str) -> None:
    """Mirror of lm-eval's TaskFactory._build_group_members, for names only (nothing is built)."""
    for item in members:
        if isinstance(item, dict) and "group" in item:
            sub = str(item["group"])
            if sub in index and index[sub].kind == "group":
                _walk_group(sub, index[sub].members, index[sub].aggregate, top, index, leaves, aggregates,
                            index[sub].source)
            else:  # a group defined inline
                listed = item.get("task")
                inner: list[Any] = listed if isinstance(listed, list) else []
                _walk_group(f"{group}::{sub}", inner, bool(item.get("aggregate_metric_list")), top, index,
                            leaves, aggregates, source)
            continue
        base = str(item["task"]) if isinstance(item, dict) else str(item)
        child = index.get(base)
        if child is None:  # a task defined inline: lm-eval names it group::task
            cfg = item if isinstance(item, dict) else {}
            leaves.append(Leaf(_listed(f"{group}::{base}", "task", cfg, source, None), top))
        elif child.kind == "group":
            _walk_group(base, child.members, child.aggregate, top, index, leaves, aggregates, child.source)
        elif child.kind == "tag":
            leaves.extend(Leaf(index[m], top) for m in child.members if m in index)
        else:
            leaves.append(Leaf(child, top))
    if aggregate:
        aggregates.append((group, top))


def _check_runnable(entry: Listed, requested: str) -> None:
    via = f" (in '{requested}')" if requested != entry.name else ""
    if entry.unsafe_code:
        raise InputError(f"lm-eval task '{entry.name}'{via} executes model-written code (unsafe_code: true)",
                         "the harness does not run code-execution tasks; pick another task")
    if entry.multimodal:
        raise InputError(f"lm-eval task '{entry.name}'{via} needs images or audio",
                         "the harness backends are text-only; pick a text task")


def _data(entry: Listed) -> DataSource:
    if entry.data_files:
        return DataSource(local=LocalData(loader="lm_eval", files=entry.data_files))
    path, _, name = (entry.dataset or f"{PREFIX}{entry.name}").partition(":")
    return DataSource(hub=HubData(path=path, name=name or None))


def _spec(entry: Listed, top: str | None, output_type: str | None, include: Path) -> TaskSpec:
    return TaskSpec(
        id=f"{PREFIX}{entry.name}", name=f"lm-eval {entry.alias or entry.name}", suite="lm_eval",
        group=f"{PREFIX}{top}" if top else None, language="und",
        answer_type=ANSWER_TYPES.get(output_type or "generate_until", "text"),
        runner="lm_eval", lm_eval_task=entry.name, data=_data(entry), fewshot=entry.num_fewshot or 0,
        lm_eval_include=str(include),
    )


def resolve(task_id: str, config_dir: Path) -> list[TaskSpec]:
    """TaskSpecs for `lm_eval:<name>`: leaf tasks, then group aggregates (innermost first)."""
    name = task_id.removeprefix(PREFIX)
    expansion = expand(name, config_dir)
    include = project_root(config_dir.resolve())
    specs = [_spec(leaf.listed, leaf.top, leaf.listed.output_type, include) for leaf in expansion.leaves]
    first_type = expansion.leaves[0].listed.output_type if expansion.leaves else None
    index = full_index(project_root(config_dir))
    for group, top in expansion.aggregates:
        entry = index.get(group) or Listed(name=group, kind="group", source="inline")
        specs.append(_spec(entry, None if group == top else top, first_type, include))
    if not specs:
        raise InputError(f"lm-eval name '{name}' has no tasks", "pick a task, group or tag with members")
    return specs
