"""Labelled grading cases (tests/grading_cases/tricky/*.jsonl): loading, grading, agreement tables.

Each line: ``class``, ``answer_type``, ``language``, ``style`` (the model family whose output it
imitates), ``gold``, ``response``, the human label ``correct`` and optionally ``extracted``;
``choices``, ``prompt``, ``reasoning_format``, ``think_in_prompt`` as the run would pass them.
``expand`` ([[text, count], …]) builds long degenerate responses that would bloat the file.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.grading import Grade, grade

TRICKY = Path(__file__).resolve().parent.parent / "grading_cases" / "tricky"


def load_cases(directory: Path = TRICKY) -> list[dict[str, Any]]:
    """Every case, in file order, with an ``id`` (file stem and line number)."""
    cases = []
    for path in sorted(directory.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if not line.strip():
                continue
            case = json.loads(line)
            if "expand" in case:
                case["response"] = "".join(text * count for text, count in case["expand"])
            case["id"] = f"{path.stem}:{lineno}"
            cases.append(case)
    return cases


def grade_case(case: dict[str, Any]) -> Grade:
    """Grade a case as the runner grades a sample of its task."""
    return grade(
        case["answer_type"], case["response"], case["gold"], language=case.get("language", "en"),
        reasoning_format=case.get("reasoning_format", "auto"), think_in_prompt=case.get("think_in_prompt", False),
        choices=tuple(case.get("choices", ())), prompt=case.get("prompt"),
    )


def agreement(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Agreement of the graders' ``correct`` with the labels: overall, per class, per language."""
    per: dict[str, dict[str, list[int]]] = {key: defaultdict(lambda: [0, 0]) for key in ("class", "language")}
    disagree = []
    slowest = 0.0
    for case in cases:
        start = time.perf_counter()
        verdict = grade_case(case)
        slowest = max(slowest, time.perf_counter() - start)
        ok = verdict.correct == case["correct"] and verdict.truncated == case.get("truncated", False)
        for key in ("class", "language"):
            tally = per[key][case.get(key, "en")]
            tally[0] += ok
            tally[1] += 1
        if not ok:
            disagree.append(case["id"])
    agreed = sum(t[0] for t in per["class"].values())
    return {
        "n": len(cases),
        "agreed": agreed,
        "agreement": agreed / len(cases) if cases else 0.0,
        "by_class": {k: f"{a}/{n}" for k, (a, n) in sorted(per["class"].items())},
        "by_language": {k: f"{a}/{n}" for k, (a, n) in sorted(per["language"].items())},
        "disagreements": disagree,
        "slowest_item_s": round(slowest, 3),
    }
