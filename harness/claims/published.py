"""Published values (`configs/references.csv`): lookup by model and task, preferring matching protocols.

A published value is a constant: the papers and model cards state no sampling error, so it enters
the statistics as an `Estimate` without replicates. Every value keeps its `protocol_match` flag
(does the published setting — shots, CoT, sampling, pass@k — match the harness's task?), and the
flags travel with the verdicts that use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

PROTOCOL_PREFERENCE = ("yes", "unknown", "no")


def references_path(config_dir: Path) -> Path:
    return config_dir / "references.csv"


@lru_cache(maxsize=8)
def _references(path: Path, mtime: float) -> pd.DataFrame:
    from harness.references import load_references as read_references  # validates every row

    return read_references(path)


def load_references(config_dir: Path) -> pd.DataFrame | None:
    """Published values (model, task, setting, score in percent, source, protocol_match) or None.

    Raises InputError (from harness.references) naming the first bad row of the file.
    """
    path = references_path(config_dir)
    if not path.is_file():
        return None
    return _references(path, path.stat().st_mtime)


def closed_model_ids(config_dir: Path) -> list[str] | None:
    """Every `closed:` model with a published value, or None when there is no references.csv."""
    refs = load_references(config_dir)
    if refs is None:
        return None
    return sorted({m for m in refs["model"] if str(m).startswith("closed:")})


@dataclass(frozen=True)
class Published:
    model: str
    task: str  # a task id or a group id (e.g. mgsm: one average over its languages)
    score: float  # percent
    source: str
    protocol_match: str  # yes | unknown | no
    n_rows: int  # rows that matched; the best-matching protocol (then file order) is used

    @property
    def short_source(self) -> str:
        return self.source.split(" | ")[0]


def published_value(refs: pd.DataFrame | None, model: str, task: str, setting: str | None = None,
                    protocol_match_only: bool = False) -> Published | None:  # fmt: skip
    """The published score of `model` on `task` (a task id or a group id), preferring rows whose
    protocol matches ours (yes, then unknown, then no), then file order."""
    if refs is None:
        return None
    rows = refs[(refs["model"] == model) & (refs["task"] == task)]
    if setting is not None:
        rows = rows[rows["setting"] == setting]
    if protocol_match_only:
        rows = rows[rows["protocol_match"] == "yes"]
    if rows.empty:
        return None
    order = {m: i for i, m in enumerate(PROTOCOL_PREFERENCE)}
    rank = rows["protocol_match"].map(order).fillna(len(order)).to_numpy()
    first = rows.iloc[int(np.argmin(rank))]
    return Published(model, task, float(first["score"]), str(first["source"]), str(first["protocol_match"]),
                     len(rows))  # fmt: skip


def worst_protocol(flags: list[str]) -> str | None:
    """The least matching flag among the values used (no > unknown > yes); None when none were used."""
    for flag in reversed(PROTOCOL_PREFERENCE):
        if flag in flags:
            return flag
    return None
