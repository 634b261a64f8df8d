"""Published reference scores (`configs/references.csv`) and their join onto the leaderboard.

The CSV has one row per published number: `model,task,setting,score,source,protocol_match,notes`,
optionally followed by `n,date,protocol`. `model` is a catalogue id, or `closed:<name>` for a closed
model quoted in a claim; `task` is a task id or a task group (e.g. `mgsm`); `score` is a percentage in
[0, 100]; `protocol_match` says whether the published setting (shots, CoT, sampling, pass@k) is the
one our task runs: yes / no / unknown. `n` is the number of items in the evaluated split, `date` the
publication date of the cited document (ISO), `protocol` `key=value` pairs joined by `;` with keys
from PROTOCOL_KEYS (e.g. `shots=0;cot=yes;sampling=temperature=0.6;k=64;metric=pass@1`); each may be
empty where the document does not say.
"""

from __future__ import annotations

import csv
import datetime
import math
import re
from pathlib import Path

import pandas as pd

from harness.errors import InputError

COLUMNS = ("model", "task", "setting", "score", "source", "protocol_match", "notes")
OPTIONAL_COLUMNS = ("n", "date", "protocol")  # all three or none, after COLUMNS
# shots=N, cot=yes|no, sampling=greedy|temperature=T, k=N (samples averaged for pass@1), metric=<name>
PROTOCOL_KEYS = ("shots", "cot", "sampling", "k", "metric")
_PROTOCOL_VALUE = {
    "shots": re.compile(r"^\d+$"),
    "cot": re.compile(r"^(yes|no)$"),
    "sampling": re.compile(r"^(greedy|temperature=\d+(\.\d+)?)$"),
    "k": re.compile(r"^[1-9]\d*$"),
    "metric": re.compile(r"^\S+$"),
}
PROTOCOL_MATCHES = ("yes", "unknown", "no")  # also the preference order when joining
_ID = re.compile(r"^(closed:)?[a-z0-9][a-z0-9._-]*$")
ADDED_COLUMNS = ("reference_score", "reference_source", "delta_vs_reference", "reference_protocol_match")


def _row_problem(row: dict[str, str]) -> str | None:
    for key in ("model", "task"):
        if not _ID.match(row[key]):
            return f"{key} '{row[key]}' is not an id (lowercase letters, digits, . _ -; closed models as closed:<name>)"
    if row["task"].startswith("closed:"):
        return f"task '{row['task']}' cannot be a closed: label"
    try:
        score = float(row["score"])
    except ValueError:
        return f"score '{row['score']}' is not a number"
    if not math.isfinite(score) or not 0.0 <= score <= 100.0:
        return f"score must be a percentage in [0, 100], got {row['score']}"
    if not row["source"].strip():
        return "source is empty (every reference needs a citation)"
    if row["protocol_match"] not in PROTOCOL_MATCHES:
        return f"protocol_match must be one of {', '.join(PROTOCOL_MATCHES)}, got '{row['protocol_match']}'"
    return _optional_problem(row)


def parse_protocol(text: str) -> dict[str, str]:
    """`shots=0;cot=yes` -> {'shots': '0', 'cot': 'yes'}; ValueError names the first bad pair."""
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, value = pair.partition("=")
        if not sep or key not in _PROTOCOL_VALUE:
            raise ValueError(f"protocol '{pair}' is not key=value with a key from {', '.join(PROTOCOL_KEYS)}")
        if not _PROTOCOL_VALUE[key].match(value):
            raise ValueError(f"protocol '{pair}' has a bad value for {key}")
        if key in out:
            raise ValueError(f"protocol key '{key}' given twice")
        out[key] = value
    return out


def _optional_problem(row: dict[str, str]) -> str | None:
    if row.get("n") and not (row["n"].isdigit() and int(row["n"]) > 0):
        return f"n must be a positive whole number of items, got '{row['n']}'"
    if row.get("date"):
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["date"]):
                raise ValueError(row["date"])
            datetime.date.fromisoformat(row["date"])
        except ValueError:
            return f"date must be ISO YYYY-MM-DD, got '{row['date']}'"
    try:
        parse_protocol(row.get("protocol", ""))
    except ValueError as err:
        return str(err)
    return None


def load_references(path: Path | str) -> pd.DataFrame:
    """Read and validate a references CSV; InputError names the file line of the first bad row."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", "check the path")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        names = tuple(h.strip() for h in header or [])
        if names not in (COLUMNS, COLUMNS + OPTIONAL_COLUMNS):
            raise InputError(f"{path}:1: header must be {','.join(COLUMNS)}[,{','.join(OPTIONAL_COLUMNS)}], "
                             f"got {','.join(header or [])}", "fix the CSV header")
        rows = []
        start = reader.line_num + 1
        for values in reader:
            if not any(v.strip() for v in values):
                start = reader.line_num + 1
                continue
            if len(values) != len(names):
                raise InputError(f"{path}:{start}: expected {len(names)} fields, got {len(values)}",
                                 "quote fields that contain commas")
            row = dict(zip(names, (v.strip() for v in values), strict=True))
            problem = _row_problem(row)
            if problem:
                raise InputError(f"{path}:{start}: {problem}", "fix or remove that row")
            rows.append({**dict.fromkeys(OPTIONAL_COLUMNS, ""), **row})
            start = reader.line_num + 1
    frame = pd.DataFrame(rows, columns=[*COLUMNS, *OPTIONAL_COLUMNS])
    frame["score"] = frame["score"].astype(float)
    frame["n"] = pd.to_numeric(frame["n"], errors="coerce").astype("Int64")  # "" -> <NA>
    return frame


def _best_references(refs: pd.DataFrame) -> pd.DataFrame:
    """One reference per (model, task): protocol_match yes, then unknown, then no; file order breaks ties."""
    rank = refs["protocol_match"].map({m: i for i, m in enumerate(PROTOCOL_MATCHES)})
    ordered = refs.assign(_rank=rank, _order=range(len(refs))).sort_values(["_rank", "_order"])
    return ordered.drop_duplicates(["model", "task"], keep="first")


def attach_references(leaderboard: pd.DataFrame, refs: pd.DataFrame, score_column: str = "score") -> pd.DataFrame:
    """Add reference_score, reference_source, delta_vs_reference, reference_protocol_match.

    Rows whose (model, task) has no reference get NaN / empty values. When several references exist
    the one whose protocol matches ours is preferred (yes > unknown > no). delta_vs_reference is in
    percentage points: our score x 100 minus the reference when our score is a fraction in [0, 1]
    (the leaderboard's accuracy metrics), our score as is otherwise.
    """
    for column in ("model", "task", score_column):
        if column not in leaderboard.columns:
            raise InputError(f"leaderboard has no '{column}' column", "pass score_column= for another name")
    best = _best_references(refs)[["model", "task", "score", "source", "protocol_match"]].rename(
        columns={"score": "reference_score", "source": "reference_source",
                 "protocol_match": "reference_protocol_match"})
    base = leaderboard.drop(columns=[c for c in ADDED_COLUMNS if c in leaderboard.columns])
    out = base.merge(best, on=["model", "task"], how="left")
    ours = pd.to_numeric(out[score_column], errors="coerce")
    percent = ours.where(~ours.between(0.0, 1.0), ours * 100.0)
    out["delta_vs_reference"] = percent - out["reference_score"]
    out["reference_source"] = out["reference_source"].fillna("")
    out["reference_protocol_match"] = out["reference_protocol_match"].fillna("")
    return out[[*base.columns, *ADDED_COLUMNS]]
