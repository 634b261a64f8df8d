"""Agreement with careful human labels on tricky outputs (tests/grading_cases/tricky/*.jsonl).

The cases imitate the catalogue's model families (DeepSeek-R1 and its distills, Qwen3 think and
no-think, gpt-oss harmony, Llama 3.x, Gemma 3, Mistral) across the MGSM languages and the choice
tasks, one file per class of difficulty: revised answers, unreadable answers, number words and
CJK numerals, hedges and set-valued golds, letter forms, Cyrillic letters, restated option
lists, rejections, option text, log-likelihood picks, degenerate outputs. Labels say what a
careful reader decides; where the graders disagree, the case is pinned below with the reason.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from helpers.grading_cases import agreement, grade_case, load_cases

CASES = load_cases()
# Cases where the graders' verdict differs from the label, and why (an honest residue).
DISAGREE = {
    # The answer is implied by elimination of colours in prose that names three options.
    "option_list:8": "three options named in the last sentence; only reasoning picks 'green'",
}
# Verdict agrees, but the grader extracts something where the label says "no answer".
EXTRACTED_DIFFERS = {
    "pathological:11": "a run of '1,' is read as the number 1 (wrong either way)",
    "pathological:12": "a looping 'Is it B? … Is it C?' yields its last letter (wrong either way)",
}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    start = time.monotonic()
    verdict = grade_case(case)
    assert time.monotonic() - start < 5.0
    assert verdict.ungradable is False
    if case["id"] in DISAGREE:
        assert verdict.correct != case["correct"], "fixed: remove it from DISAGREE"
        return
    assert (verdict.correct, verdict.truncated) == (case["correct"], case.get("truncated", False)), case["response"]
    if "extracted" in case and case["id"] not in EXTRACTED_DIFFERS:
        assert verdict.extracted == case["extracted"], case["response"]


def test_agreement_is_at_least_98_percent_in_every_class_and_language() -> None:
    report = agreement(CASES)
    assert report["n"] == 660
    assert report["disagreements"] == sorted(DISAGREE)
    assert report["agreement"] >= 0.98
    for table in ("by_class", "by_language"):
        for key, ratio in report[table].items():
            agreed, n = map(int, ratio.split("/"))
            assert agreed / n >= 0.9, (table, key, ratio)


def test_the_cases_cover_every_class_language_and_style() -> None:
    classes = {c["class"] for c in CASES}
    assert {"revision", "unreadable", "number_words", "hedge", "set_gold", "letter_format", "cyrillic",
            "option_list", "rejection", "option_text", "likelihood", "pathological"} <= classes
    assert {c["language"] for c in CASES} == {"bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh"}
    styles = {c["style"] for c in CASES}
    assert {"r1-distill", "qwen3-think", "qwen3-nothink", "gpt-oss", "llama3", "gemma3", "mistral"} <= styles
    assert {c["answer_type"] for c in CASES} == {"number", "math", "choice_letter", "likelihood_choice"}
