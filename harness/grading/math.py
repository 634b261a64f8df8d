"""Grader for LaTeX answers (MATH-500, AIME): the final committed answer, symbolically compared.

The answer is the last statement: a ``\\boxed{}`` or what follows the last answer phrase (a
formula, a box, or the rest of the sentence). Boxes written together count together, so
``\\boxed{18}`` and ``\\boxed{20}`` become the answer "18, 20": a hedge against a single gold
answer, and the complete answer against a set-valued one ("1, -2"). A take-back after the last
statement hands the answer to the last formula of the correction. Without any statement, the
last inline formula or number counts. Equality is decided by ``harness.grading.mathcmp``
(cheap checks, then math_verify); the caller's time budget bounds it.
"""

from __future__ import annotations

import re

from harness.grading.budget import GRADE_TIMEOUT_S, GradingTimeout, in_budget, signals_usable, time_budget
from harness.grading.mathcmp import MAX_ANSWER_CHARS, answers_match, normalise
from harness.grading.numbers import ascii_digits, numbers_in
from harness.grading.phrases import boxes
from harness.grading.statements import final_commit
from harness.grading.text import prepare

#: Seconds a math comparison may take when called on its own (``grade`` bounds the whole item).
MATH_TIMEOUT_S = GRADE_TIMEOUT_S

__all__ = ["MATH_TIMEOUT_S", "MAX_ANSWER_CHARS", "GradingTimeout", "answers_match", "equivalent", "extract_math"]

_INLINE_MATH = re.compile(
    r"\$\$([^$]{1,500}?)\$\$|\$([^$]{1,500}?)\$|\\\[(.{1,500}?)\\\]|\\\((.{1,500}?)\\\)", re.DOTALL
)
_ANOTHER_FORMULA = re.compile(r"\s{0,2}(?:,|;|or|and|oder|und|ou|et|o|y|или|и|或|和|、)\s{0,2}(?=\$|\\\(|\\\[)")
_SENTENCE_END = re.compile(r"\n|\.(?:\s|$)|\s(?:I hope|which|since|because|as|so that)\b|[。，;；]")


def extract_math(answer: str) -> str | None:
    """The final answer in ``answer`` as LaTeX text ("a, b" for several boxes), or None."""
    return ", ".join(extract_math_parts(answer)) or None


def extract_math_parts(answer: str) -> list[str]:
    """The final committed answer(s) in ``answer``: one per box written together, usually one."""
    text = prepare(answer)
    commit = final_commit(text)
    if commit is None:
        found = _last_formula(text)
        return [found] if found else []
    if commit.correction is not None:
        corrected = _last_formula(commit.correction)
        if corrected:
            return [corrected]
        if commit.strong:
            return []
    parts: dict[str, str] = {}
    for statement in commit.group:
        value = statement.region if statement.boxed else _after_phrase(text[statement.value_start :])
        if value:
            parts.setdefault(normalise(value), value)
    return list(parts.values())


def grade_math(answer: str, gold: str, parts: list[str] | None = None) -> tuple[str | None, bool]:
    """Return ``(extracted, correct)``; the caller bounds the time (see ``grade``).

    ``parts``: what ``extract_math_parts(answer)`` gave, when the caller has it already. Several
    answers are right together when they make the gold set ("1, -2"), or when each one is the
    gold answer written another way (``\\boxed{\\frac12}``, i.e. ``\\boxed{0.5}``).
    """
    parts = extract_math_parts(answer) if parts is None else parts
    extracted = ", ".join(parts) or None
    if extracted is None:
        return None, False
    if answers_match(gold, extracted):
        return extracted, True
    return extracted, len(parts) > 1 and all(answers_match(gold, part) for part in parts)


def equivalent(gold: str, extracted: str, timeout_s: float = MATH_TIMEOUT_S) -> bool:
    """Whether two LaTeX answers are equal, bounded by ``timeout_s`` from any thread.

    Raises GradingTimeout past the limit.
    """
    if in_budget():
        return answers_match(gold, extracted)
    if signals_usable():
        with time_budget(timeout_s):
            return answers_match(gold, extracted)
    from harness.grading import _worker

    return _worker.verify(gold, extracted, timeout_s)


def _after_phrase(window: str) -> str | None:
    """What an answer phrase announces: its formula, or the rest of its sentence."""
    text = window[:500].lstrip(" \t\n:：*")
    formula = _INLINE_MATH.match(text)
    if formula:
        # "$1$ or $-2$": formulas offered together are one answer (a set, or a hedge).
        parts = [next(f for f in formula.groups() if f).strip()]
        while more := _ANOTHER_FORMULA.match(text, formula.end()):
            formula = _INLINE_MATH.match(text, more.end())
            if formula is None:
                break
            parts.append(next(f for f in formula.groups() if f).strip())
        return ", ".join(p for p in parts if p) or None
    stop = _SENTENCE_END.search(text)
    line = text[: stop.start()] if stop else text
    line = line.strip().strip("*").strip().rstrip(".。,;")
    return line or None


def _last_formula(text: str) -> str | None:
    """The last inline formula (or box) of ``text``, else its last number."""
    found = boxes(text)
    tail = text[-2000:]
    formulas = list(_INLINE_MATH.finditer(tail))
    if found and (not formulas or found[-1].start >= len(text) - len(tail) + formulas[-1].start()):
        return found[-1].text or None
    if formulas:
        formula = next(f for f in reversed(formulas[-1].groups()) if f).strip()
        # "$\\frac{3}{5}\\cdot\\frac{2}{4} = \\frac{3}{10}$": a calculation's result.
        return formula.rsplit("=", 1)[-1].strip() or None
    numbers = numbers_in(ascii_digits(text))
    return text[numbers[-1][0] : numbers[-1][1]] if numbers else None
