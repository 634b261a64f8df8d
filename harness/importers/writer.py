"""Grade a matched import with the harness's grader and write it as an ordinary run.

Everything is written into a hidden temporary folder under `<results>/runs/` and renamed into
place at the end, so a failed import leaves nothing half-written and readers (which skip hidden
folders) never see a partial run. The run key hashes the source file's content, the model and
task specs and the importer version: importing the same file again is a no-op, a changed file is
a new run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.importers.base import SourceFile
from harness.importers.match import Matching
from harness.records import GenerationRecord, RunManifest, SampleRecord
from harness.specs import ModelSpec, TaskSpec
from harness.store.files import atomic_write_text
from harness.store.rundir import RunDir

# Bump when what an import writes or how it grades changes (part of the run key).
IMPORTER_VERSION = 2  # 2: written answers to log-likelihood tasks graded as letters
SUMMARY_FILE = "import.json"
VERDICTS_FILE = "imported.jsonl"


def import_key(source: SourceFile, model: ModelSpec, task: TaskSpec) -> str:
    """Hash of the imported content and everything that can change its grades."""
    from harness.provenance import answer_fields

    payload = {"v": IMPORTER_VERSION, "format": source.format, "sha256": source.sha256,
               "extra": sorted(source.extra_files.values()), "model": answer_fields(model),
               "task": answer_fields(task)}
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def letter_task(task: TaskSpec, source: SourceFile) -> TaskSpec | None:
    """The task to grade with when the source *wrote* its answers (a `generate_until` log) for a task
    the harness scores by log-likelihood (ARC, BoolQ, PIQA); None otherwise. The written letter (or
    choice text) is read by the letter grader against the same gold: without per-choice
    log-likelihoods there is nothing else to score. Its accuracy is named `acc` (the model's
    choice), as the task's native runs name theirs, and there is no `acc_norm`."""
    if task.answer_type != "likelihood_choice":
        return None
    if any(isinstance(item.meta.get("logprobs"), list) for item in source.items):
        return None
    return task.model_copy(update={"answer_type": "choice_letter"})


def _grade(source: SourceFile, matching: Matching, model: ModelSpec, task: TaskSpec,
           run_key: str) -> tuple[list[GenerationRecord], list[SampleRecord], list[dict[str, Any]]]:
    from harness.answer_types import answer_type
    from harness.provenance import request_key
    from harness.tasks.base import Prompt
    from harness.tasks.native import PlannedItem, grade_item

    likelihood = answer_type(task.answer_type).likelihood
    gens, samples, verdicts = [], [], []
    served = {"mode": "imported", "format": source.format, "source": source.path.name}
    graded_as = letter_task(task, source) or task
    for item, doc, how in matching.pairs:
        prompt_text = item.prompt or doc.question
        prompt = Prompt(text=prompt_text)
        prompt_hash = hashlib.sha256(prompt_text.encode()).hexdigest()[:16]
        logprobs = item.meta.get("logprobs")
        if likelihood and isinstance(logprobs, list):
            keys = tuple(request_key(prompt.identity(), {"source": source.sha256}, item.sample_idx, f"{doc.doc_id}:{i}")
                         for i in range(len(logprobs)))
            item_gens = [GenerationRecord(key=k, doc_id=doc.doc_id, sample_idx=item.sample_idx, kind="loglikelihood",
                                          logprob=lp, served_by=served) for k, lp in zip(keys, logprobs, strict=True)]
        else:
            keys = (request_key(prompt.identity(), {"source": source.sha256}, item.sample_idx, doc.doc_id),)
            item_gens = [GenerationRecord(key=keys[0], doc_id=doc.doc_id, sample_idx=item.sample_idx, kind="generate",
                                          text=item.response, finish_reason=item.finish_reason,
                                          sampling=source.settings, served_by=served)]
        planned = PlannedItem(doc=doc, sample_idx=item.sample_idx, prompt=prompt, prompt_text=prompt_text,
                              prompt_hash=prompt_hash, keys=keys)
        sample = grade_item(planned, item_gens, model, graded_as, run_key)
        gens.extend(item_gens)
        samples.append(sample)
        verdicts.append({
            "doc_id": doc.doc_id, "sample_idx": item.sample_idx, "row": item.row, "source_id": item.source_id,
            "matched_by": how, "source_gold": item.gold, "source_extracted": item.source_extracted,
            "source_correct": item.source_correct, "source_scores": item.source_scores,
            "harness_extracted": sample.extracted, "harness_correct": sample.correct,
            "agree": None if item.source_correct is None else item.source_correct == sample.correct,
        })
    return gens, samples, verdicts


def write_run(results: Path, source: SourceFile, matching: Matching, model: ModelSpec, task: TaskSpec,
              run_key: str, summarise: Callable[[list[SampleRecord], list[dict[str, Any]]], dict[str, Any]],
              ) -> dict[str, Any]:
    """Grade and write the run `run_key`; returns `summarise(samples, verdicts)`, written as import.json."""
    from harness.provenance import git_commit, harness_version
    from harness.tasks.native import metrics_for

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    gens, samples, verdicts = _grade(source, matching, model, task, run_key)
    letters = letter_task(task, source)
    if letters is not None:
        # Named as the task's own accuracy metric, so the run sits in the same column as native runs.
        metrics = [m.model_copy(update={"metric": "acc"}) for m in metrics_for(model, letters, samples, 0.0)]
    else:
        metrics = metrics_for(model, task, samples, 0.0)
    summary = summarise(samples, verdicts)
    runs = results / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    # Written beside `runs/`, not in it, so no reader ever sees a half-written run; the same file
    # system, so the final rename is atomic.
    staging = results / f".import-{run_key}-{os.getpid()}"
    tmp = RunDir(staging, run_key)
    try:
        tmp.path.mkdir(parents=True)
        tmp.append_chunk(gens)
        tmp.write_samples(samples)
        tmp.write_metrics(metrics)
        lines = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in verdicts)
        atomic_write_text(tmp.path / VERDICTS_FILE, lines)
        atomic_write_text(tmp.path / SUMMARY_FILE, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        data_files = {str(source.path): source.sha256, **source.extra_files}
        limit = source.protocol.get("limit")
        tmp.write_manifest(RunManifest(
            run_key=run_key, status="complete", model=model.id, task=task.id, harness_version=harness_version(),
            git_commit=git_commit(), packages={}, device="imported (generated elsewhere; graded here)",
            model_revision=None, weights_hash=None,
            model_spec=model.model_dump(mode="json"), task_spec=task.model_dump(mode="json"),
            run_settings={"backend": "imported", "served_by": "imported",
                          "limit": int(limit) if isinstance(limit, (int, float)) else None,
                          "source": summary["source"], "protocol": source.protocol, "settings": source.settings,
                          "items_from": matching.items_from,
                          "graded_as": summary["graded_as"]},
            data_files=data_files, started_at=started.isoformat(),
            finished_at=dt.datetime.now(dt.UTC).isoformat(), wall_s=round(time.perf_counter() - t0, 3),
            n_requests=len(gens)))
        try:
            os.rename(tmp.path, runs / run_key)
        except OSError:
            if not RunDir(results, run_key).is_complete():  # not a concurrent import of the same file
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return summary
