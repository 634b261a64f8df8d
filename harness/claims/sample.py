"""One claim's measured evidence under one shared item draw per task.

A claim first declares every (unit, models) it needs (`need`), then asks for estimates. A *unit*
is one task, or the parallel tasks of a group (MGSM's languages share their problems: items are
joined on `doc_id` across the tasks and resampled together). For each unit:

- the items are those every declared model with a run answered (`doc_id`s common to all), so all
  comparisons inside the claim use the same items (when runs cover different items, e.g. a
  `--limit` run beside full ones, `notes` says so: mixed evidence);
- one bootstrap draw of those items (`n_boot` resamples, seeded by the claim id and the unit) is
  shared by every model, pair and cell of the claim. Multi-pair gains and group means are then
  paired across pairs as well as within them, and a mean over cells has the right variance.

Estimates are ratio statistics `Σ w·num / Σ w·den` per (model, task) on the item weights `w`:

| metric                 | num per item                      | den          | unit                         |
|------------------------|-----------------------------------|--------------|------------------------------|
| `accuracy`             | 100 · score                       | 1            | points                       |
| `excess`               | 100 · (score − chance)            | 1            | points above chance          |
| `correct_per_1k_tokens`| 1000 · score                      | output tokens| correct answers per 1k tokens|
| `excess_per_active_b`  | 100 · (score − chance) / active B | 1            | points above chance per B    |

An item's score is the mean over its k samples (the samples of one item are one cluster).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.claims import stats
from harness.claims.contrast import Estimate
from harness.claims.evidence import EvidenceSource, ItemScores, task_chance
from harness.config import Catalog

Unit = tuple[str, ...]

METRIC_UNITS = {
    "accuracy": "points",
    "excess": "points above chance",
    "correct_per_1k_tokens": "correct answers per 1k output tokens",
    "excess_per_active_b": "points above chance per active B params",
    "ratio": "percent",
    "rank": "rank",
    "languages": "languages",
    "tasks": "tasks",
}


@dataclass
class _UnitData:
    models: list[str]  # declared models with a run on every task of the unit
    doc_ids: np.ndarray
    items: dict[tuple[str, str], ItemScores]  # (model, task) → scores aligned on doc_ids


@dataclass
class ClaimSample:
    """The evidence one claim uses: declared needs, aligned items, shared draws, cached estimates."""

    evidence: EvidenceSource
    catalog: Catalog
    seed: Sequence[int]
    n_boot: int
    needs: dict[Unit, list[str]] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)
    missing: set[tuple[str, str]] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)  # mixed evidence: runs over different item sets
    _data: dict[Unit, _UnitData] = field(default_factory=dict, repr=False)
    _cache: dict[tuple[Unit, str], dict[str, dict[str, Estimate]]] = field(default_factory=dict, repr=False)

    def need(self, unit: Unit, models: Iterable[str]) -> None:
        """Declare that the claim compares `models` on `unit` (before any estimate is asked for)."""
        if self._data:
            raise RuntimeError("declare every need before asking for estimates")
        known = self.needs.setdefault(unit, [])
        known.extend(m for m in models if m not in known)

    def _prepare(self) -> None:
        if self._data or not self.needs:
            return
        for unit, models in self.needs.items():
            present = [m for m in models if all(self.evidence.has(m, t) for t in unit)]
            self.missing |= {(m, t) for m in models for t in unit if not self.evidence.has(m, t)}
            self.used |= {(m, t) for m in present for t in unit}
            items = {(m, t): self.evidence.items(m, t) for m in present for t in unit}
            shared = None
            for scores in items.values():
                shared = scores.doc_ids if shared is None else np.intersect1d(shared, scores.doc_ids)
            doc_ids = shared if shared is not None else np.array([], dtype=str)
            larger = sorted({f"{m} × {t} ({s.doc_ids.size})" for (m, t), s in items.items()
                             if s.doc_ids.size > doc_ids.size})  # fmt: skip
            if larger:
                self.notes.append(f"mixed evidence on {', '.join(unit)}: only {doc_ids.size} items are common to every "
                                  f"model's run; larger runs: {', '.join(larger)}")  # fmt: skip
            aligned = {key: _align(scores, doc_ids) for key, scores in items.items()}
            self._data[unit] = _UnitData(present, doc_ids, aligned)

    def available(self, unit: Unit) -> list[str]:
        """Declared models with a run on every task of the unit."""
        self._prepare()
        return list(self._data[unit].models)

    def has(self, unit: Unit, models: Iterable[str]) -> bool:
        present = set(self.available(unit))
        return all(m in present for m in models)

    def n_items(self, unit: Unit) -> int:
        self._prepare()
        return int(self._data[unit].doc_ids.size)

    def estimates(self, unit: Unit, metric: str) -> dict[str, dict[str, Estimate]]:
        """model → task → Estimate of `metric` on the unit's shared items and draw."""
        self._prepare()
        key = (unit, metric)
        if key not in self._cache:
            self._cache[key] = self._estimate(unit, metric)
        return self._cache[key]

    def _estimate(self, unit: Unit, metric: str) -> dict[str, dict[str, Estimate]]:
        data = self._data[unit]
        cols = [(m, t) for m in data.models for t in unit]
        n = data.doc_ids.size
        if not cols or n == 0:
            return {m: {t: Estimate(float("nan"), np.full(self.n_boot, np.nan)) for t in unit} for m in data.models}
        num = np.stack([self._num_den(data.items[c], c, metric)[0] for c in cols], axis=1)
        den = np.stack([self._num_den(data.items[c], c, metric)[1] for c in cols], axis=1)
        rng = np.random.default_rng([*self.seed, zlib.crc32("|".join(unit).encode())])
        with np.errstate(invalid="ignore", divide="ignore"):
            point = num.sum(axis=0) / den.sum(axis=0)
            reps = np.concatenate([(w @ num) / (w @ den) for w in stats.weight_chunks(rng, n, self.n_boot)])
        out: dict[str, dict[str, Estimate]] = {}
        for i, (m, t) in enumerate(cols):
            out.setdefault(m, {})[t] = Estimate(float(point[i]), reps[:, i])
        return out

    def _num_den(self, scores: ItemScores, col: tuple[str, str], metric: str) -> tuple[np.ndarray, np.ndarray]:
        model, task = col
        ones = np.ones_like(scores.score)
        if metric == "accuracy":
            return scores.score * 100.0, ones
        if metric == "correct_per_1k_tokens":
            return scores.score * 1000.0, scores.tokens
        chance = np.where(np.isnan(scores.chance), task_chance(self.catalog.tasks[task]), scores.chance)
        excess = (scores.score - chance) * 100.0
        if metric == "excess":
            return excess, ones
        if metric == "excess_per_active_b":
            return excess / self.catalog.models[model].active_params_b, ones
        raise ValueError(f"unknown metric {metric!r}")


def _align(scores: ItemScores, doc_ids: np.ndarray) -> ItemScores:
    idx = np.searchsorted(scores.doc_ids, doc_ids)
    return ItemScores(doc_ids, scores.score[idx], scores.tokens[idx], scores.n_samples[idx], scores.chance[idx])
