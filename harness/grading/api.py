"""Grading entry points: one response (``grade``) and a JSONL file of them (``grade_file``)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.grading.choice import grade_choice, grade_likelihood_choice
from harness.grading.math import answers_match, extract_math
from harness.grading.number import grade_number
from harness.grading.reasoning import REASONING_FORMATS, split_reasoning

ANSWER_TYPES = ("number", "math", "choice_letter", "likelihood_choice")


@dataclass(frozen=True)
class Grade:
    """The verdict on one response."""

    #: normalised extracted answer (None = no answer found)
    extracted: str | None
    correct: bool
    #: reasoning never closed -> no answer, counted wrong
    truncated: bool
    #: a grader error happened (caught) -> counted wrong, counted separately
    ungradable: bool
    #: the answer part of the response (after reasoning removal)
    answer_text: str | None


def grade(
    answer_type: str,
    response: str,
    gold: str,
    *,
    language: str = "en",
    reasoning_format: str = "auto",
    think_in_prompt: bool = False,
    choices: Sequence[str] = (),
) -> Grade:
    """Grade one response against its gold answer.

    ``answer_type`` is one of ``number``, ``math``, ``choice_letter``, ``likelihood_choice``
    (for which ``response`` is the letter the backend chose). Never raises because of the
    response or gold text: a grader error or a math time-out gives ``ungradable=True``,
    ``correct=False``. An unknown ``answer_type`` or ``reasoning_format`` is a caller bug
    and raises ValueError.
    """
    if answer_type not in ANSWER_TYPES:
        raise ValueError(
            f"answer_type must be one of {ANSWER_TYPES}, got {answer_type!r}"
        )
    if reasoning_format not in REASONING_FORMATS:
        raise ValueError(
            f"reasoning_format must be one of {REASONING_FORMATS}, got {reasoning_format!r}"
        )
    answer: str | None = None
    extracted: str | None = None
    try:
        if answer_type == "likelihood_choice":
            answer = response
            extracted, correct = grade_likelihood_choice(response, gold)
            return Grade(extracted, correct, False, False, answer)
        answer, truncated = split_reasoning(response, reasoning_format, think_in_prompt)
        if truncated or answer is None:
            return Grade(None, False, True, False, None)
        if answer_type == "number":
            extracted, correct = grade_number(answer, gold, language)
        elif answer_type == "math":
            # Extracted first, so that it is recorded even if the comparison times out.
            extracted = extract_math(answer)
            correct = extracted is not None and answers_match(gold, extracted)
        else:
            extracted, correct = grade_choice(answer, gold, choices)
        return Grade(extracted, correct, False, False, answer)
    # GradingTimeout, RecursionError, a bad gold answer, a bug: counted, never raised.
    except Exception:  # noqa: BLE001
        return Grade(extracted, False, False, True, answer)


_REQUIRED = ("task", "response", "gold")


def grade_file(
    input_path: Path,
    output_path: Path | None,
    resolve_task: Callable[[str], tuple[str, str]],
) -> dict[str, dict[str, float]]:
    """Grade a JSONL file of responses (the ``harness grade`` backend).

    Each line needs ``task``, ``response`` and ``gold``; ``choices``, ``reasoning_format``
    and ``think_in_prompt`` are optional. ``resolve_task(task_id)`` gives
    ``(answer_type, language)``. Each output line is the input object plus ``extracted``,
    ``correct``, ``truncated`` and ``ungradable``; the output file is replaced atomically.
    Returns ``{task: {"accuracy", "n", "n_truncated", "n_ungradable"}}``. Raises InputError
    (naming the file and line) for unreadable or malformed lines and unknown tasks.
    """
    resolved: dict[str, tuple[str, str]] = {}
    counts: dict[str, list[int]] = {}  # task -> [n, correct, truncated, ungradable]
    out_lines: list[str] = []
    try:
        lines = Path(input_path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{input_path}: cannot read: {exc}", "pass a UTF-8 JSONL file"
        ) from exc
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{input_path}:{lineno}"
        row = _parse_line(line, where)
        task = row["task"]
        if task not in resolved:
            try:
                resolved[task] = resolve_task(task)
            except InputError as exc:
                raise InputError(f"{where}: {exc.message}", exc.hint) from exc
        answer_type, language = resolved[task]
        try:
            verdict = grade(
                answer_type,
                row["response"],
                str(row["gold"]),
                language=language,
                reasoning_format=row.get("reasoning_format", "auto"),
                think_in_prompt=bool(row.get("think_in_prompt", False)),
                choices=tuple(str(c) for c in row.get("choices") or ()),
            )
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from exc
        row.update(
            extracted=verdict.extracted,
            correct=verdict.correct,
            truncated=verdict.truncated,
            ungradable=verdict.ungradable,
        )
        out_lines.append(json.dumps(row, ensure_ascii=False))
        tally = counts.setdefault(task, [0, 0, 0, 0])
        for i, flag in enumerate(
            (True, verdict.correct, verdict.truncated, verdict.ungradable)
        ):
            tally[i] += int(flag)
    if output_path is not None:
        _write_atomic(Path(output_path), out_lines)
    return {
        task: {"accuracy": c / n, "n": n, "n_truncated": t, "n_ungradable": u}
        for task, (n, c, t, u) in counts.items()
    }


def _parse_line(line: str, where: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: not valid JSON: {exc.msg}", "one JSON object per line"
        ) from exc
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(row).__name__}")
    missing = [key for key in _REQUIRED if key not in row]
    if missing:
        raise InputError(
            f"{where}: missing key(s) {', '.join(missing)}",
            "each line needs task, response and gold",
        )
    if not isinstance(row["task"], str) or not isinstance(row["response"], str):
        raise InputError(f"{where}: task and response must be strings")
    if not isinstance(row["gold"], (str, int, float)) or isinstance(row["gold"], bool):
        raise InputError(f"{where}: gold must be a string or a number")
    choices = row.get("choices")
    if choices is not None and not isinstance(choices, list):
        raise InputError(f"{where}: choices must be a list")
    return row


def _write_atomic(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(f"{line}\n" for line in lines))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
