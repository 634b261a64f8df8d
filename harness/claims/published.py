"""Published values (`configs/references.csv`): lookup by model and task, preferring matching protocols.

A published value is aggregate evidence: a score over the n items of the benchmark's evaluated
split (`harness.claims.aggregate` turns it into an `Estimate` with an interval). Every value keeps
its provenance (source document and table, setting, n, date, protocol) and its `protocol_match`
flag (does the published setting — shots, CoT, sampling, pass@k — match the harness's task?); both
travel with the verdicts that use them.

Which row: for one model alone, the best-matching protocol (yes, unknown, no), then file order.
For the models of one comparison (`cell_values`), the source table that covers most of them is
preferred for every model it covers, so values printed side by side in one table stay together.
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
    setting: str = ""
    n: int | None = None  # items of the evaluated split (references.csv `n`, else the task spec)
    date: str = ""  # the source document's publication date, "" when not stated
    protocol: str = ""  # shots=5;cot=yes;sampling=greedy;k=1 style, "" when not stated

    @property
    def short_source(self) -> str:
        return self.source.split(" | ")[0]


def _order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows by protocol preference (yes, unknown, no), then file order."""
    order = {m: i for i, m in enumerate(PROTOCOL_PREFERENCE)}
    rank = rows["protocol_match"].map(order).fillna(len(order)).to_numpy()
    return rows.iloc[np.argsort(rank, kind="stable")]


def _text(row: pd.Series, column: str) -> str:
    """A cell as text, "" when the column is absent or the cell empty (NA)."""
    value = row.get(column, "")
    return "" if value is None or pd.isna(value) else str(value).strip()


def _from_row(model: str, task: str, row: pd.Series, n_rows: int) -> Published:
    n = _text(row, "n").removesuffix(".0")
    return Published(model, task, float(row["score"]), str(row["source"]), str(row["protocol_match"]), n_rows,
                     _text(row, "setting"), int(n) if n.isdigit() and int(n) > 0 else None,
                     _text(row, "date"), _text(row, "protocol"))  # fmt: skip


def _rows(refs: pd.DataFrame, models: list[str], task: str, setting: str | None,
          protocol_match_only: bool) -> pd.DataFrame:  # fmt: skip
    rows = refs[refs["model"].isin(models) & (refs["task"] == task)]
    if setting is not None:
        rows = rows[rows["setting"] == setting]
    if protocol_match_only:
        rows = rows[rows["protocol_match"] == "yes"]
    return rows


def cell_values(refs: pd.DataFrame | None, models: list[str], task: str, setting: str | None = None,
                protocol_match_only: bool = False) -> dict[str, Published]:  # fmt: skip
    """The published value of each of `models` on `task` for one comparison: every model that the
    source table covering most of them prints takes its value from that table (ties: the table
    with the best-matching protocol, then file order); the others their own best row."""
    if refs is None:
        return {}
    rows = _order(_rows(refs, models, task, setting, protocol_match_only))
    if rows.empty:
        return {}
    coverage = rows.groupby("source", sort=False)["model"].nunique()
    table = str(coverage.index[int(np.argmax(coverage.to_numpy()))])  # first maximum: best protocol, file order
    out = {}
    for model in models:
        mine = rows[rows["model"] == model]
        if mine.empty:
            continue
        same = mine[mine["source"] == table]
        out[model] = _from_row(model, task, (same if not same.empty else mine).iloc[0], len(mine))
    return out


def published_value(refs: pd.DataFrame | None, model: str, task: str, setting: str | None = None,
                    protocol_match_only: bool = False) -> Published | None:  # fmt: skip
    """The published score of `model` on `task` (a task id or a group id), preferring rows whose
    protocol matches ours (yes, then unknown, then no), then file order."""
    if refs is None:
        return None
    rows = _order(_rows(refs, [model], task, setting, protocol_match_only))
    return None if rows.empty else _from_row(model, task, rows.iloc[0], len(rows))


def worst_protocol(flags: list[str]) -> str | None:
    """The least matching flag among the values used (no > unknown > yes); None when none were used."""
    for flag in reversed(PROTOCOL_PREFERENCE):
        if flag in flags:
            return flag
    return None
