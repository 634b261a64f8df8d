"""Table-driven grading cases from real output styles: one JSONL file per answer type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.grading import grade, split_reasoning

CASES = Path(__file__).parent / "grading_cases"


def load(name: str) -> list[Any]:
    rows = [
        json.loads(line)
        for line in (CASES / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [
        pytest.param(row, id=f"{i}-{row['note'][:50]}")
        for i, row in enumerate(rows, start=1)
    ]


def check(answer_type: str, case: dict[str, Any]) -> None:
    verdict = grade(
        answer_type,
        case["response"],
        case["gold"],
        language=case.get("language", "en"),
        reasoning_format=case.get("reasoning_format", "auto"),
        think_in_prompt=case.get("think_in_prompt", False),
        choices=case.get("choices", ()),
    )
    got = (verdict.extracted, verdict.correct, verdict.truncated, verdict.ungradable)
    want = (case["extracted"], case["correct"], case.get("truncated", False), False)
    assert got == want, case["note"]
    if verdict.truncated:
        assert verdict.answer_text is None


@pytest.mark.parametrize("case", load("number.jsonl"))
def test_number(case: dict[str, Any]) -> None:
    check("number", case)


@pytest.mark.parametrize("case", load("math.jsonl"))
def test_math(case: dict[str, Any]) -> None:
    check("math", case)


@pytest.mark.parametrize("case", load("choice_letter.jsonl"))
def test_choice_letter(case: dict[str, Any]) -> None:
    check("choice_letter", case)


@pytest.mark.parametrize("case", load("reasoning.jsonl"))
def test_split_reasoning(case: dict[str, Any]) -> None:
    got = split_reasoning(case["text"], case["fmt"], case.get("think_in_prompt", False))
    assert got == (case["answer"], case["truncated"]), case["note"]


@pytest.mark.parametrize(
    "name", ["number.jsonl", "math.jsonl", "choice_letter.jsonl", "reasoning.jsonl"]
)
def test_case_files_are_large_enough(name: str) -> None:
    assert len(load(name)) >= 30


@pytest.mark.parametrize(
    ("response", "gold", "extracted", "correct"),
    [
        ("B", "B", "B", True),
        (" (c) ", "C", "C", True),
        ("A", "B", "A", False),
        ("", "B", None, False),
    ],
)
def test_likelihood_choice(
    response: str, gold: str, extracted: str | None, correct: bool
) -> None:
    verdict = grade("likelihood_choice", response, gold)
    assert (verdict.extracted, verdict.correct, verdict.ungradable) == (
        extracted,
        correct,
        False,
    )
