"""Runs still missing: the `harness run` commands that make them, and the GPU plan.

A missing run is a (model, task) pair some claim needs and no complete run under the results
directory provides. Commands use the suite's run config and name models and tasks explicitly;
a whole task group is named by its group when every member is missing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from harness.config import Catalog
from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.claims.ledger import Ledger
    from harness.claims.verdicts import Verdict

RUN_CONFIGS = {
    "reasoning": "configs/reasoning.yaml",
    "multilingual": "configs/multilingual.yaml",
    "reference": "configs/reference.yaml",
}


def _task_names(tasks: set[str], catalog: Catalog) -> list[str]:
    """Task ids, with complete groups folded into their group name."""
    names, covered = [], set()
    for group, members in sorted(catalog.groups().items()):
        if len(members) > 1 and set(members) <= tasks:
            names.append(group)
            covered |= set(members)
    return names + sorted(tasks - covered)


def grouped_runs(missing: list[tuple[str, str]], catalog: Catalog) -> list[tuple[str, list[str], list[str]]]:
    """(run config, models, task ids): models that miss the same tasks of one suite share a row."""
    per_suite: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for model, task in missing:
        if model in catalog.models and not catalog.models[model].runnable:
            continue  # reference-only (closed): its evidence can only be imported (`harness import`)
        suite: str = catalog.tasks[task].suite if task in catalog.tasks else "reasoning"
        per_suite[suite][model].add(task)
    rows = []
    for suite in sorted(per_suite):
        by_tasks: dict[frozenset[str], list[str]] = defaultdict(list)
        for model, tasks in sorted(per_suite[suite].items()):
            by_tasks[frozenset(tasks)].append(model)
        for task_set, models in by_tasks.items():
            rows.append((RUN_CONFIGS.get(suite, RUN_CONFIGS["reasoning"]), models, sorted(task_set)))
    return rows


def commands_for(missing: list[tuple[str, str]], catalog: Catalog) -> list[str]:
    """`harness run <config> --models A,B --tasks T1,T2` lines that produce the missing runs."""
    return [
        f"harness run {config} --models {','.join(models)} --tasks {','.join(_task_names(set(tasks), catalog))}"
        for config, models, tasks in grouped_runs(missing, catalog)
    ]


def _gpu_plan(missing: list[tuple[str, str]], catalog: Catalog, gpu: str, gpus_per_node: int) -> str:
    try:
        from harness.plan import format_plan, plan_run
    except ImportError as exc:
        return f"(GPU plan unavailable: harness.plan cannot be imported: {exc})"
    per_model: dict[str, set[str]] = defaultdict(set)
    for model, task in missing:
        if model not in catalog.models or catalog.models[model].runnable:  # reference-only: never planned
            per_model[model].add(task)
    groups: dict[frozenset[str], list[str]] = defaultdict(list)  # models missing the same tasks
    for model, model_tasks in sorted(per_model.items()):
        groups[frozenset(model_tasks)].append(model)
    plans = []
    for task_set, models in groups.items():
        try:
            plans.extend(plan_run([catalog.models[m] for m in models], [catalog.tasks[t] for t in sorted(task_set)],
                                  gpu, gpus_per_node))  # fmt: skip
        except HarnessError as exc:
            return f"(GPU plan failed: {exc.one_line()})"
    return format_plan(plans, gpu)


def plan_missing(
    verdicts: list[Verdict], ledger: Ledger, catalog: Catalog, gpu: str = "h100-80gb", gpus_per_node: int = 8
) -> str:
    """Text for `harness claims --plan`: per claim the runs it still needs, then all of them
    deduplicated with their commands, then the GPU plan for them."""
    titles = {s.file: s.title for s in ledger.sources}
    lines = ["Runs still needed by the claims ledger", ""]
    waiting = [v for v in verdicts if v.runs_missing]
    for v in waiting:
        lines.append(f"{v.claim_id} [{v.verdict}] ({titles.get(v.source, v.source)}): {len(v.runs_missing)} run(s)")
        lines.extend(f"    {cmd}" for cmd in v.commands)
    everything = sorted({r for v in waiting for r in v.runs_missing})
    if not everything:
        lines.append("Every claim has the runs it needs.")
        return "\n".join(lines)
    n_models = len({m for m, _ in everything})
    lines += ["", f"All missing runs: {len(everything)} (model × task) over {n_models} models", ""]
    lines += commands_for(everything, catalog)
    lines += ["", f"GPU plan ({gpu}, {gpus_per_node} GPUs per node):"]
    lines.append(_gpu_plan(everything, catalog, gpu, gpus_per_node))
    return "\n".join(lines)
