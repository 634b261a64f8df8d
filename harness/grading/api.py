"""Grading entry point for one response: ``grade``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from harness.grading.budget import GRADE_TIMEOUT_S, GradingTimeout, signals_usable, time_budget
from harness.grading.choice import grade_choice, grade_likelihood_choice
from harness.grading.math import extract_math_parts, grade_math
from harness.grading.mathcmp import warm_up
from harness.grading.number import grade_number
from harness.grading.phrases import boxes, open_box
from harness.grading.reasoning import REASONING_FORMATS, split_reasoning
from harness.grading.restated import restates_question
from harness.grading.spans import locate
from harness.grading.statements import final_commit
from harness.grading.structured import Field, answer_field
from harness.grading.text import cut_mid_sentence, loops, prepare

ANSWER_TYPES = ("number", "math", "choice_letter", "likelihood_choice")


@dataclass(frozen=True)
class Grade:
    """The verdict on one response."""

    #: normalised extracted answer (None = no answer found, or a hedge)
    extracted: str | None
    correct: bool
    #: reasoning never closed -> no answer, counted wrong
    truncated: bool
    #: a grader error or time-out happened (caught) -> counted wrong, counted separately
    ungradable: bool
    #: the answer part of the response (after reasoning removal)
    answer_text: str | None
    #: why there is no answer, or how it was found ("revised", "several answers: 18 or 20", "timed out")
    reason: str | None = None
    #: where the answer was found: ``(start, end)`` character offsets into the response (None when
    #: no answer was found, or its text cannot be matched back), and that text, for auditing
    span: tuple[int, int] | None = None
    span_text: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The verdict as plain data (for the helper process and JSONL output)."""
        return asdict(self)


def grade(
    answer_type: str,
    response: str,
    gold: str,
    *,
    language: str = "en",
    reasoning_format: str = "auto",
    think_in_prompt: bool = False,
    choices: Sequence[str] = (),
    prompt: str | None = None,
    timeout_s: float = GRADE_TIMEOUT_S,
) -> Grade:
    """Grade one response against its gold answer, within ``timeout_s`` seconds.

    ``answer_type`` is one of ``number``, ``math``, ``choice_letter``, ``likelihood_choice``
    (for which ``response`` is the letter the backend chose, or that choice's text).
    ``prompt`` (optional) lets the letter grader read the option list and its labels when
    ``choices`` are not given. Never raises because of the response or gold text: a grader
    error, or grading past ``timeout_s``, gives ``ungradable=True``, ``correct=False``. An
    unknown ``answer_type`` or ``reasoning_format`` is a caller bug and raises ValueError.
    """
    if answer_type not in ANSWER_TYPES:
        raise ValueError(f"answer_type must be one of {ANSWER_TYPES}, got {answer_type!r}")
    if reasoning_format not in REASONING_FORMATS:
        raise ValueError(f"reasoning_format must be one of {REASONING_FORMATS}, got {reasoning_format!r}")
    args = dict(
        answer_type=answer_type, response=response, gold=gold, language=language,
        reasoning_format=reasoning_format, think_in_prompt=think_in_prompt, choices=list(choices), prompt=prompt,
    )
    if not signals_usable():
        # No timer off the main thread: the helper process grades it under its own.
        from harness.grading import _worker

        try:
            return Grade(**_worker.grade(args, timeout_s))
        except GradingTimeout as exc:
            return Grade(None, False, False, True, None, str(exc))
        except Exception as exc:  # noqa: BLE001  (a helper failure is this item's failure, not the caller's)
            return Grade(None, False, False, True, None, f"grader error: {exc}"[:300])
    if answer_type == "math":
        warm_up()  # the first comparison would load sympy and the LaTeX parser: not on an item's clock
    progress: dict[str, str | None] = {}
    try:
        with time_budget(timeout_s):
            return grade_unbounded(**args, progress=progress)  # type: ignore[arg-type]
    except GradingTimeout as exc:
        # What was found before the time ran out is kept, for the record.
        return Grade(progress.get("extracted"), False, False, True, progress.get("answer"), str(exc))


def grade_unbounded(
    answer_type: str,
    response: str,
    gold: str,
    language: str,
    reasoning_format: str,
    think_in_prompt: bool,
    choices: Sequence[str],
    prompt: str | None,
    progress: dict[str, str | None] | None = None,
) -> Grade:
    """``grade`` without its time budget (the caller bounds it). Never raises on bad text.

    ``progress`` receives the answer part and the extracted answer as soon as they are known.
    """
    answer: str | None = None
    progress = {} if progress is None else progress
    try:
        if answer_type == "likelihood_choice":
            letter, correct = grade_likelihood_choice(response, gold, choices)
            return Grade(letter, correct, False, False, response)
        answer, truncated = split_reasoning(response, reasoning_format, think_in_prompt)
        if truncated or answer is None:
            return Grade(None, False, True, False, None, "reasoning never finished")
        progress["answer"] = answer
        # An explicit answer field ({"answer": "38"}) is the committed answer: only it is read.
        field = answer_field(answer)
        text = field.value if field is not None else answer
        # Cut inside its answer box: truncated, never graded on a number from before the box.
        # (A loop is no answer, not a cut: "\\boxed{\\boxed{…" repeated, "1,1,1,…".)
        cut = None if loops(text) else open_box(prepare(text))
        if cut is not None:
            return Grade(None, False, True, False, None, cut)
        # Cut mid-sentence with no stated answer: the answer was never reached; an earlier number
        # in the working is not it.
        if (field is None and answer_type in ("number", "math") and final_commit(prepare(text)) is None
                and not loops(text) and cut_mid_sentence(prepare(text))):
            return Grade(None, False, True, False, None, "output cut mid-sentence")
        if answer_type == "number":
            extracted, correct, reason = grade_number(text, gold, language, prompt)
        elif answer_type == "math":
            parts = _field_math_parts(text) if field is not None else extract_math_parts(text)
            progress["extracted"] = ", ".join(parts) or None
            extracted, correct = grade_math(text, gold, parts)
            reason = None if extracted is not None else "no answer"
            # "Simplify $\\sqrt{242}$" answered \\sqrt{242}: equal in value, but not an answer.
            restated = restates_question(prompt, extracted, gold) if correct and prompt and extracted else None
            if restated is not None:
                correct, reason = False, restated
        elif field is None and loops(text):
            # A loop ("Is it B? … Is it C? … Is it B? …" until the budget) commits to no option.
            extracted, correct, reason = None, False, "output loops"
        else:
            extracted, correct, reason = grade_choice(text, gold, choices, prompt)
        if field is not None:
            reason = reason or "answer field"
        span, span_text = _where(response, answer, field, extracted)
        return Grade(extracted, correct, False, False, answer, reason, span, span_text)
    # RecursionError, a bad gold answer, a bug: counted, never raised.
    except Exception as exc:  # noqa: BLE001
        return Grade(None, False, False, True, answer, f"grader error: {type(exc).__name__}: {exc}"[:300])


_PROSE = re.compile(r"(?<![\\\w])[^\W\d_]{3,}\s[^\W\d_]{2,}")
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def _field_math_parts(value: str) -> list[str]:
    """A math answer field's answer: its box or answer phrase if it has one, else the whole value."""
    # "1152 cups of flour", "The answer is \\boxed{5}": a sentence, read as any answer text is.
    if boxes(value) or _PROSE.search(value) or final_commit(prepare(value)) is not None:
        return extract_math_parts(value)
    value = value.strip()
    for left, right in _DELIMITERS:
        if value.startswith(left) and value.endswith(right) and len(value) > len(left) + len(right):
            value = value[len(left) : -len(right)].strip()
            break
    return [value] if value else []


def _where(response: str, answer: str, field: Field | None, extracted: str | None) -> tuple[
    tuple[int, int] | None, str | None
]:
    """Where in ``response`` the answer was found: the answer field's value, else the final
    statement ("The answer is 18 dollars", a box), else the extracted answer's last occurrence."""
    if extracted is None:
        return None, None
    base = response.rfind(answer) if answer else -1
    if base < 0:
        return None, None
    if field is not None:
        return (base + field.start, base + field.end), answer[field.start : field.end]
    snippet = extracted
    text = prepare(answer)
    commit = final_commit(text)
    if commit is not None and commit.correction is None and commit.group:
        snippet = text[commit.group[0].start : commit.group[-1].end]
    found = locate(answer, snippet) or (locate(answer, extracted) if snippet != extracted else None)
    if found is None:
        return None, None
    return (base + found[0], base + found[1]), answer[found[0] : found[1]]
