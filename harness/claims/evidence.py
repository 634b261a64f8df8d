"""Measured evidence: per-item scores of the stored runs (published values: `harness.claims.published`).

Runs are read through the store's results reader (`harness.store.Results`), which validates every
record and chooses one run per (model, task): complete runs only, preferring runs that match the
catalogue, then full runs over `--limit` runs, then the latest finished. Its problems and its
selection notes are kept here for the reports to show. An item's score is the mean over its k
samples (k samples of one item are one cluster), so statistics resample items, never samples.

Chance level per item (coverage tests): 1 / number of choices when the record has
`choice_logprobs`; else the task spec's `choices`; else 0 for `number`
and `math` answers (free-form answers have no meaningful guessing rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from harness.records import SampleRecord
from harness.specs import TaskSpec
from harness.store import Results

if TYPE_CHECKING:
    from harness.config import Catalog

def task_chance(task: TaskSpec) -> float:
    """Guessing rate (0–1) of a task when records carry no choice list."""
    if task.answer_type in ("number", "math"):
        return 0.0
    return 1.0 / (task.choices or 4)


@dataclass(frozen=True)
class ItemScores:
    """One (model, task) run reduced to items: arrays aligned on `doc_ids` (sorted)."""

    doc_ids: np.ndarray  # str
    score: np.ndarray  # mean score over the item's samples, 0–1
    tokens: np.ndarray  # mean output tokens per sample
    n_samples: np.ndarray
    chance: np.ndarray  # guessing rate per item, NaN when the records do not say


class EvidenceSource(Protocol):
    """What the claims need from measured evidence (`Evidence` reads it from a results directory)."""

    def has(self, model: str, task: str) -> bool: ...

    def items(self, model: str, task: str) -> ItemScores: ...

    def chosen_run(self, model: str, task: str) -> str | None: ...

    def notes(self, model: str, task: str) -> tuple[str, ...]: ...

    def problems_for(self, model: str, task: str) -> list[str]: ...


class Evidence:
    """The evidence runs under one results directory; item scores are read on demand."""

    def __init__(self, results_dir: Path, catalog: Catalog | None = None) -> None:
        self.results_dir = results_dir
        self.reader = Results(results_dir, catalog)
        self.selections = self.reader.selections()
        self.problems: list[str] = [str(p) for p in self.reader.problems]
        self._cache: dict[tuple[str, str], ItemScores] = {}

    def has(self, model: str, task: str) -> bool:
        return (model, task) in self.selections

    def run_keys(self, model: str, task: str) -> list[str]:
        """Every complete run key for (model, task), the one used first."""
        selection = self.selections.get((model, task))
        return selection.run_keys if selection else []

    def chosen_run(self, model: str, task: str) -> str | None:
        """The run key used as evidence for (model, task)."""
        selection = self.selections.get((model, task))
        return selection.chosen.run_key if selection else None

    def problems_for(self, model: str, task: str) -> list[str]:
        """Problems found while reading the runs of (model, task)."""
        return [str(p) for p in self.reader.problems if p.model == model and p.task == task]

    def notes(self, model: str, task: str) -> tuple[str, ...]:
        """Why the evidence run of (model, task) was chosen, when there was a choice or a caveat."""
        selection = self.selections.get((model, task))
        return selection.notes if selection else ()

    def items(self, model: str, task: str) -> ItemScores:
        """Item-level scores of the evidence run. KeyError if there is none."""
        key = (model, task)
        if key not in self._cache:
            self._cache[key] = item_scores(self.reader.samples(self.selections[key].chosen))
        return self._cache[key]


def item_scores(samples: list[SampleRecord]) -> ItemScores:
    rows = [(s.doc_id, s.score, float(s.output_tokens),
             1.0 / len(s.choice_logprobs) if s.choice_logprobs else np.nan) for s in samples]
    frame = pd.DataFrame(rows, columns=["doc_id", "score", "tokens", "chance"])
    grouped = frame.groupby("doc_id", sort=True)
    agg = grouped.agg(score=("score", "mean"), tokens=("tokens", "mean"), chance=("chance", "mean"))
    return ItemScores(
        doc_ids=agg.index.to_numpy(dtype=str),
        score=agg["score"].to_numpy(dtype=float),
        tokens=agg["tokens"].to_numpy(dtype=float),
        n_samples=grouped.size().to_numpy(),
        chance=agg["chance"].to_numpy(dtype=float),
    )
