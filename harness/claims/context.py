"""What evaluating one claim needs: the catalogue, the evidence, a seeded generator, and
bookkeeping of the runs used and missing. Also the item alignment every test shares: runs are
joined on doc_id (the items every run has), one column per model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.claims import stats
from harness.claims.evidence import Evidence, ItemScores
from harness.config import Catalog

N_MIN = 20


@dataclass
class Context:
    catalog: Catalog
    evidence: Evidence
    refs: pd.DataFrame | None
    seed: int
    n_boot: int
    n_min: int
    used: set[tuple[str, str]] = field(default_factory=set)
    missing: set[tuple[str, str]] = field(default_factory=set)
    rng: np.random.Generator = field(default_factory=np.random.default_rng)

    def need(self, models: list[str], task: str) -> bool:
        """Record the runs a cell needs; True when all exist (and only then count them as used)."""
        absent = {(m, task) for m in models if not self.evidence.has(m, task)}
        self.missing |= absent
        if not absent:
            self.used |= {(m, task) for m in models}
        return not absent

    def side(self, models: list[str], tasks: list[str], metric: str, aggregate: str) -> tuple[stats.Side, int]:
        """Side over the items every model answered (items of several tasks pooled), with the count."""
        parts = [aligned([self.evidence.items(m, t) for m in models]) for t in tasks]
        score = np.concatenate([p[0] for p in parts])
        tokens = np.concatenate([p[1] for p in parts])
        return make_side(score, tokens, models, metric, aggregate, self.catalog), score.shape[0]


def aligned(items: list[ItemScores]) -> tuple[np.ndarray, np.ndarray]:
    """(score, tokens) matrices, items × models, over the doc ids every run has."""
    shared = items[0].doc_ids
    for it in items[1:]:
        shared = np.intersect1d(shared, it.doc_ids)
    idx = [np.searchsorted(it.doc_ids, shared) for it in items]
    score = np.stack([it.score[i] for it, i in zip(items, idx, strict=True)], axis=1)
    tokens = np.stack([it.tokens[i] for it, i in zip(items, idx, strict=True)], axis=1)
    return score, tokens


def make_side(score: np.ndarray, tokens: np.ndarray, models: list[str], metric: str, aggregate: str,
               catalog: Catalog) -> stats.Side:  # fmt: skip
    if metric == "correct_per_1k_tokens":
        return stats.Side(score, tokens, np.full(len(models), 1000.0), aggregate)
    scale = np.ones(len(models))
    if metric == "score_per_active_b":
        scale = np.array([1.0 / catalog.models[m].active_params_b for m in models])
    return stats.Side(score * 100.0, np.ones_like(score), scale, aggregate)
