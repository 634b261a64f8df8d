"""Models ranked per suite: the leaderboard's model × task pivot with one aggregate per model.

Tasks have different chance levels (a 4-option test starts at 25 %, an open maths answer at 0 %),
so raw scores are not averaged. Each task score is chance-normalised,

    normalised = (score − chance) / (1 − chance)          (0 = guessing, 1 = every item right)

and a model's suite aggregate is the mean over the suite's tasks it has runs of. Its 95 % interval
treats the task estimates as independent (their item sets are disjoint): the standard error of the
mean is sqrt(Σ se_t²) / k, with each task's se taken from its bootstrap interval (width / 3.92) on
the normalised scale. `covered` of `tasks` says how many of the suite's tasks the aggregate rests
on; aggregates over different task sets are not comparable, so the view ranks full coverage first.
For multilingual suites the same numbers are also given per language (mean over the benchmarks in
that language), the view the multilingual claims are about.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import mean

from harness.report.data import CellRow

Z95 = 1.959964


@dataclass(frozen=True)
class ModelAggregate:
    """One model's standing in one suite."""

    model: str
    family: str
    size: str
    score: float  # mean chance-normalised score over the covered tasks
    ci_low: float
    ci_high: float
    covered: int  # tasks of the suite with a run of this model
    tasks: dict[str, float] = field(default_factory=dict)  # task → raw score (0–1)
    languages: dict[str, float] = field(default_factory=dict)  # language → mean normalised score
    dry: bool = False  # rests on at least one dry (`backend: fake`) run


@dataclass(frozen=True)
class SuiteRanking:
    suite: str
    tasks: list[str]
    chance: dict[str, float]  # task → chance level
    languages: list[str]  # empty unless the suite spans several languages
    models: list[ModelAggregate]  # best first: full coverage, then by score


def normalised(score: float, chance: float) -> float:
    """(score − chance) / (1 − chance): 0 at guessing, 1 at perfect; below 0 when worse than a guess."""
    return (score - chance) / (1.0 - chance) if chance < 1.0 else 0.0


def _se(row: CellRow) -> float:
    width = max(row.ci_high - row.ci_low, 0.0)
    return width / (2 * Z95) / (1.0 - row.chance) if row.chance < 1.0 else 0.0


def _aggregate(mine: list[CellRow], with_languages: bool) -> ModelAggregate:
    first = mine[0]
    values = [normalised(r.score, r.chance) for r in mine]
    score = mean(values)
    half = Z95 * math.sqrt(sum(_se(r) ** 2 for r in mine)) / len(mine)
    languages: dict[str, float] = {}
    if with_languages:
        by_lang: dict[str, list[float]] = {}
        for r, v in zip(mine, values, strict=True):
            by_lang.setdefault(r.language, []).append(v)
        languages = {lang: mean(vs) for lang, vs in by_lang.items()}
    return ModelAggregate(first.model, first.family, first.size, score, score - half, score + half, len(mine),
                          {r.task: r.score for r in mine}, languages, any(r.dry for r in mine))  # fmt: skip


def rankings(rows: list[CellRow]) -> list[SuiteRanking]:
    """One ranking per suite present in `rows` (suites in name order)."""
    out = []
    for suite in sorted({r.suite for r in rows}):
        mine = [r for r in rows if r.suite == suite]
        tasks = sorted({r.task for r in mine})
        languages = sorted({r.language for r in mine}, key=lambda lang: (lang != "en", lang))
        multilingual = len(languages) > 1
        by_model: dict[str, list[CellRow]] = {}
        for r in mine:
            by_model.setdefault(r.model, []).append(r)
        models = [_aggregate(sorted(rs, key=lambda r: r.task), multilingual) for rs in by_model.values()]
        models.sort(key=lambda a: (-a.covered, -a.score, a.model))
        out.append(SuiteRanking(suite, tasks, {r.task: r.chance for r in mine}, languages if multilingual else [],
                                models))  # fmt: skip
    return out
