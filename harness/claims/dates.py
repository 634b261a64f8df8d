"""Release and publication dates: which models a claim may compare.

Sources: a catalogue model's `released` (its YAML), and `configs/dates.csv` (`kind,id,date,source`):
`closed` rows date the `closed:<name>` references, `article` rows date the seed articles (file names
as in `seeds/claims.yaml` `sources`). A claim's `dates` rule says how they are used:

- `article` (default): only models released on or before the article's date take part (a model
  released later cannot be what the article meant); a model or article without a date cannot be
  checked, which the verdict says;
- `any`: the claim speaks of the future or of models in general, so every model takes part.

A missing file or cell degrades to "not checked", never to an error; a malformed row is an InputError.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import InputError

COLUMNS = ("kind", "id", "date", "source")
KINDS = ("closed", "article")


@dataclass(frozen=True)
class Dates:
    """Release dates by model id (catalogue and closed) and publication dates by article file."""

    models: dict[str, datetime.date] = field(default_factory=dict)
    articles: dict[str, datetime.date] = field(default_factory=dict)

    def released(self, model: str) -> datetime.date | None:
        return self.models.get(model)

    def article(self, file: str) -> datetime.date | None:
        return self.articles.get(file)


def read_dates_csv(path: Path) -> list[tuple[str, str, datetime.date]]:
    """(kind, id, date) rows of a dates CSV; InputError names the line of the first bad row."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(h.strip() for h in next(reader, []))
        if header != COLUMNS:
            raise InputError(f"{path}:1: header must be {','.join(COLUMNS)}, got {','.join(header)}",
                             "fix the CSV header")
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(COLUMNS):
                raise InputError(f"{path}:{line}: expected {len(COLUMNS)} fields, got {len(values)}",
                                 "quote fields that contain commas")
            kind, ident, day, _source = (v.strip() for v in values)
            if kind not in KINDS:
                raise InputError(f"{path}:{line}: kind must be one of {', '.join(KINDS)}, got '{kind}'",
                                 "fix or remove that row")
            if not day:  # an undated row: the date is not known yet
                continue
            try:
                rows.append((kind, ident, datetime.date.fromisoformat(day)))
            except ValueError:
                raise InputError(f"{path}:{line}: date must be YYYY-MM-DD, got '{day}'", "fix that row") from None
    return rows


def load_dates(config_dir: Path, released: dict[str, datetime.date | None]) -> Dates:
    """Catalogue release dates (`released`, model id → date or None) plus `<config_dir>/dates.csv` if present."""
    models = {m: d for m, d in released.items() if d is not None}
    articles: dict[str, datetime.date] = {}
    path = config_dir / "dates.csv"
    if path.is_file():
        for kind, ident, day in read_dates_csv(path):
            if kind == "article":
                articles[ident] = day
            else:
                models[ident if ident.startswith("closed:") else f"closed:{ident}"] = day
    return Dates(models, articles)


@dataclass
class Availability:
    """The outcome of the date rule for one claim."""

    rule: str  # article | any
    cutoff: datetime.date | None
    late: set[str] = field(default_factory=set)  # released after the article: left out
    undated: set[str] = field(default_factory=set)  # no release date: kept, not checked
    emptied: bool = False  # a whole side was released later: the claim cannot be tested as dated

    def keep(self, model: str, dates: Dates) -> bool:
        if self.rule != "article" or self.cutoff is None:
            return True
        day = dates.released(model)
        if day is None:
            self.undated.add(model)
            return True
        if day > self.cutoff:
            self.late.add(model)
            return False
        return True

    def note(self, article: str) -> str:
        """One line for the verdict: which rule applied and what it did."""
        if self.rule == "any":
            return "dates: the claim speaks of the future or of models in general; every model takes part"
        if self.cutoff is None:
            return f"dates: no publication date for {article}; release dates not checked"
        parts = [f"dates: models released by {self.cutoff.isoformat()} (the article's date)"]
        if self.late:
            parts.append(f"left out as released later: {', '.join(sorted(self.late))}")
        if self.emptied:
            parts.append("no model of one side existed at that date: the comparison is not tested")
        if self.undated:
            parts.append(f"no release date, not checked: {', '.join(sorted(self.undated))}")
        return "; ".join(parts)
