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

import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

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


Row = dict[str, Any]  # one references.csv row (a record of the frame), with "_pos": its file position


class _Index:
    """The rows of one references frame by (model, task), each list in file order: built once per
    frame, so a look-up is a dict access rather than a filter over the whole frame (the claims
    evaluation asks for thousands of cells)."""

    def __init__(self, refs: pd.DataFrame) -> None:
        self.frame = weakref.ref(refs)
        self.rows: dict[tuple[str, str], list[Row]] = {}
        for pos, row in enumerate(refs.to_dict(orient="records")):
            self.rows.setdefault((row["model"], row["task"]), []).append({**row, "_pos": pos})


_INDEXES: dict[int, _Index] = {}


def _index(refs: pd.DataFrame) -> _Index:
    """The index of `refs`, built on first use. Keyed by the frame's identity (a frame is not
    hashable); the weak reference tells a live frame from a new one that reuses a freed id. The frame
    is treated as read-only after its first look-up, as `load_references` hands it out."""
    found = _INDEXES.get(id(refs))
    if found is None or found.frame() is not refs:
        for key in [k for k, v in _INDEXES.items() if v.frame() is None]:
            del _INDEXES[key]
        found = _INDEXES[id(refs)] = _Index(refs)
    return found


_RANK = {m: i for i, m in enumerate(PROTOCOL_PREFERENCE)}


def _rank(row: Row) -> int:
    return _RANK.get(row["protocol_match"], len(_RANK))


def _order(rows: list[Row]) -> list[Row]:
    """Rows by protocol preference (yes, unknown, no), then file order."""
    return sorted(rows, key=lambda r: (_rank(r), r["_pos"]))


def _text(row: Row, column: str) -> str:
    """A cell as text, "" when the column is absent or the cell empty (NA)."""
    value = row.get(column, "")
    return "" if value is None or pd.isna(value) else str(value).strip()


def _from_row(model: str, task: str, row: Row, n_rows: int) -> Published:
    n = _text(row, "n").removesuffix(".0")
    return Published(model, task, float(row["score"]), str(row["source"]), str(row["protocol_match"]), n_rows,
                     _text(row, "setting"), int(n) if n.isdigit() and int(n) > 0 else None,
                     _text(row, "date"), _text(row, "protocol"))  # fmt: skip


def _rows(refs: pd.DataFrame, models: list[str], task: str, setting: str | None,
          protocol_match_only: bool) -> list[Row]:  # fmt: skip
    """The rows of `models` on `task` (with `setting`, and a matching protocol if asked), in file order."""
    index = _index(refs).rows
    rows = sorted((r for m in dict.fromkeys(models) for r in index.get((m, task), ())), key=lambda r: r["_pos"])
    if setting is not None:
        rows = [r for r in rows if r.get("setting") == setting]
    if protocol_match_only:
        rows = [r for r in rows if r["protocol_match"] == "yes"]
    return rows


def cell_values(refs: pd.DataFrame | None, models: list[str], task: str, setting: str | None = None,
                protocol_match_only: bool = False) -> dict[str, Published]:  # fmt: skip
    """The published value of each of `models` on `task` for one comparison: every model that the
    source table covering most of them prints takes its value from that table (ties: the table
    with the best-matching protocol, then file order); the others their own best row."""
    if refs is None:
        return {}
    rows = _order(_rows(refs, models, task, setting, protocol_match_only))
    if not rows:
        return {}
    coverage: dict[str, set[str]] = {}  # source -> models it prints, in order of first (best) row
    for r in rows:
        coverage.setdefault(r["source"], set()).add(r["model"])
    most = max(len(v) for v in coverage.values())
    table = next(s for s, v in coverage.items() if len(v) == most)  # first maximum: best protocol, file order
    out = {}
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        if not mine:
            continue
        same = [r for r in mine if r["source"] == table]
        out[model] = _from_row(model, task, (same or mine)[0], len(mine))
    return out


def published_value(refs: pd.DataFrame | None, model: str, task: str, setting: str | None = None,
                    protocol_match_only: bool = False) -> Published | None:  # fmt: skip
    """The published score of `model` on `task` (a task id or a group id), preferring rows whose
    protocol matches ours (yes, then unknown, then no), then file order."""
    if refs is None:
        return None
    rows = _order(_rows(refs, [model], task, setting, protocol_match_only))
    return None if not rows else _from_row(model, task, rows[0], len(rows))


def worst_protocol(flags: list[str]) -> str | None:
    """The least matching flag among the values used (no > unknown > yes); None when none were used."""
    for flag in reversed(PROTOCOL_PREFERENCE):
        if flag in flags:
            return flag
    return None
