"""Views derived from the cell rows: multilingual heatmaps, reasoning cost, reproduction of published
numbers. Plain data, no plotting (see `harness.report.figures`)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import mean

from harness.report.data import CellRow

MULTILINGUAL_GROUPS = ("mgsm", "global_mmlu", "belebele", "xcopa")
GROUP_TITLES = {"mgsm": "MGSM", "global_mmlu": "Global-MMLU", "belebele": "Belebele", "xcopa": "XCOPA"}
EFFORT_ORDER = ("low", "medium", "high")
DEFAULT_TOLERANCE = 5.0  # points: |measured − published| within this reproduces the number
NEAR_CHANCE = 0.05  # an English score within this of chance makes a ratio to it meaningless
Z95 = 1.959964


def _difference(english: CellRow, others: list[CellRow]) -> tuple[float, float, float]:
    """Mean non-English − English with a 95% interval (independent item sets; se from each 95% CI)."""
    se = [(r.ci_high - r.ci_low) / (2 * Z95) for r in others]
    se_mean = math.sqrt(sum(x * x for x in se)) / len(others)
    se_en = (english.ci_high - english.ci_low) / (2 * Z95)
    diff = mean(r.score for r in others) - english.score
    half = Z95 * math.sqrt(se_mean**2 + se_en**2)
    return diff, diff - half, diff + half


@dataclass(frozen=True)
class Heatmap:
    """Models × languages of one multilingual benchmark (scores 0–1; None where not run)."""

    group: str
    title: str
    models: list[str]
    languages: list[str]
    scores: list[list[float | None]]
    cells: list[list[str | None]]  # task id behind each value, for drill-down
    relative: dict[str, float | None]  # mean non-English score / English score (None near chance)
    # mean non-English − English score, with its 95% interval, per model: stays readable near chance
    difference: dict[str, tuple[float, float, float]] = field(default_factory=dict)


def heatmaps(rows: list[CellRow]) -> list[Heatmap]:
    """One heatmap per multilingual benchmark with results. Languages: English first, then by mean
    score over models (highest first); models by mean score."""
    out = []
    for group in MULTILINGUAL_GROUPS:
        mine = [r for r in rows if r.group == group]
        if not mine:
            continue
        by = {(r.model, r.language): r for r in mine}
        lang_mean = {lang: mean(r.score for r in mine if r.language == lang) for lang in {r.language for r in mine}}
        languages = sorted(lang_mean, key=lambda lang: (lang != "en", -lang_mean[lang], lang))
        model_mean = {m: mean(r.score for r in mine if r.model == m) for m in {r.model for r in mine}}
        models = sorted(model_mean, key=lambda m: (-model_mean[m], m))
        scores = [[by[(m, lang)].score if (m, lang) in by else None for lang in languages] for m in models]
        cells = [[by[(m, lang)].task if (m, lang) in by else None for lang in languages] for m in models]
        relative: dict[str, float | None] = {}
        difference: dict[str, tuple[float, float, float]] = {}
        for m in models:
            english = by.get((m, "en"))
            others = [by[(m, lang)] for lang in languages if lang != "en" and (m, lang) in by]
            usable = english is not None and english.score > english.chance + NEAR_CHANCE
            relative[m] = mean(r.score for r in others) / english.score if english and usable and others else None
            if english is not None and others:
                difference[m] = _difference(english, others)
        out.append(Heatmap(group, GROUP_TITLES[group], models, languages, scores, cells, relative, difference))
    return out


@dataclass(frozen=True)
class VariantGroup:
    """Models that share weights and differ in thinking (off, on) or reasoning effort (low → high)."""

    weights: str
    kind: str  # thinking | effort
    models: list[str]


def variant_groups(rows: list[CellRow]) -> list[VariantGroup]:
    """Thinking on/off pairs and effort-level series among the measured models."""
    variants = {r.model: r.variant for r in rows}
    by_weights: dict[str, list[str]] = defaultdict(list)
    for model, v in sorted(variants.items()):
        by_weights[v.weights].append(model)
    out = []
    for weights, models in sorted(by_weights.items()):
        if len(models) < 2:
            continue
        efforts = {m: variants[m].effort for m in models if variants[m].effort in EFFORT_ORDER}
        thinking = {m: variants[m].thinking for m in models if variants[m].thinking is not None}
        if len(efforts) >= 2:
            ordered = sorted(efforts, key=lambda m: EFFORT_ORDER.index(efforts[m] or "low"))
            out.append(VariantGroup(weights, "effort", ordered))
        if len(set(thinking.values())) == 2:
            ordered = sorted(thinking, key=lambda m: bool(thinking[m]))
            out.append(VariantGroup(weights, "thinking", [ordered[0], ordered[-1]]))
    return out


def reasoning_rows(rows: list[CellRow]) -> list[CellRow]:
    """Cells of the reasoning suite (generative tasks where output length is the cost)."""
    return [r for r in rows if r.suite == "reasoning"]


@dataclass(frozen=True)
class Reproduction:
    rows: list[CellRow]
    tolerance: float
    within: int  # rows with |delta| <= tolerance
    matching_protocol: int


def reproduction(rows: list[CellRow], tolerance: float = DEFAULT_TOLERANCE) -> Reproduction:
    """Cells with a published reference, and how many reproduce it within `tolerance` points."""
    refs = [r for r in rows if r.reference_score is not None]
    within = sum(abs(r.delta_vs_reference or 0.0) <= tolerance for r in refs)
    return Reproduction(refs, tolerance, within, sum(r.reference_protocol_match == "yes" for r in refs))
