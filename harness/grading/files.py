"""``harness grade``: grade a JSONL file of responses, or re-grade a run's ``samples.jsonl``.

Built to survive any input: lines are split on ``\\n`` only (a U+2028 inside a JSON string is
text, not a line end), integers of any length are read, a line that is not valid UTF-8 or JSON,
or lacks a field, becomes an output line with an ``error`` (the rest is graded), and output is
written ASCII-escaped so it always reads back. Output is appended and flushed line by line: a
crash or kill loses nothing already graded, and running the same command again continues after
the last complete line.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from harness.answer_types import ANSWER_TYPES
from harness.errors import InputError
from harness.grading.api import grade
from harness.grading.choice import normalise_letter
from harness.grading.letters import LATIN
from harness.grading.statements import final_commit
from harness.grading.structured import answer_field
from harness.grading.text import prepare

TaskResolver = Callable[[str], tuple[str, str]]  # task id -> (answer_type, language)
ModelResolver = Callable[[str], "tuple[str, bool] | None"]  # model id -> (reasoning format, think_in_prompt)

_PROBE_LINES = 20  # a file whose first lines hold no gradable record is not a grading input
_MAX_ECHO = 10_000  # characters of a bad line copied into its output line


@dataclass
class FileSummary:
    """What ``grade_file`` did: per-task metrics, bad lines, lines resumed from an earlier run."""

    tasks: dict[str, dict[str, float]] = field(default_factory=dict)
    n_graded: int = 0
    n_bad: int = 0
    bad: list[str] = field(default_factory=list)
    resumed: int = 0
    unknown_models: set[str] = field(default_factory=set)
    #: lines with no answer whose reasoning format nobody gave (no model, no format, no flag): if the
    #: model's template opens the think block, they are truncated reasoning, which grading cannot know
    unknown_reasoning: int = 0

    def count(self, row: dict[str, Any]) -> None:
        """Add one output line to the tallies."""
        if "error" in row and "task" not in row or not isinstance(row.get("task"), str):
            self.n_bad += 1
            if len(self.bad) < 5:
                self.bad.append(f"line {row.get('line')}: {row.get('error')}")
            return
        self.n_graded += 1
        tally = self.tasks.setdefault(row["task"], {"correct": 0, "n": 0, "n_truncated": 0, "n_ungradable": 0})
        tally["n"] += 1
        tally["correct"] += bool(row.get("correct"))
        tally["n_truncated"] += bool(row.get("truncated"))
        tally["n_ungradable"] += bool(row.get("ungradable"))

    def metrics(self) -> dict[str, dict[str, float]]:
        """``{task: {"accuracy", "n", "n_truncated", "n_ungradable"}}``."""
        return {
            task: {"accuracy": t["correct"] / t["n"], "n": t["n"], "n_truncated": t["n_truncated"],
                   "n_ungradable": t["n_ungradable"]}
            for task, t in self.tasks.items()
        }


@dataclass(frozen=True)
class Defaults:
    """What ``harness grade`` was told for lines that do not say it themselves.

    ``model``: a catalogue model id (its reasoning format); ``think_in_prompt``: the model's template
    opens the think block, so an output with no closing tag is unfinished reasoning; ``stops``: task
    id -> the stop strings a run applies, cut from raw outputs (not from a run's records)."""

    model: str | None = None
    think_in_prompt: bool | None = None
    stops: Callable[[str], tuple[str, ...]] | None = None


def grade_file(
    input_path: Path,
    output_path: Path | None,
    resolve_task: TaskResolver,
    resolve_model: ModelResolver | None = None,
    *,
    fresh: bool = False,
    defaults: Defaults | None = None,
) -> FileSummary:
    """Grade every line of ``input_path``; append graded lines to ``output_path`` (if given).

    A line needs ``task``, ``response`` and ``gold``; ``choices``, ``prompt``,
    ``reasoning_format`` and ``think_in_prompt`` are optional. Lines of a run's
    ``samples.jsonl`` are re-graded as the run graded them: the reasoning format of the line's
    ``model`` (``resolve_model``), log-likelihood choices from ``choice_logprobs``, backend
    errors and token-budget truncation as recorded. An existing output file is continued
    after its last complete line unless ``fresh``. Raises InputError (exit 2) only for a file
    that is unreadable or holds no gradable record in its first lines.
    """
    input_path, summary = Path(input_path), FileSummary()
    _probe(input_path, resolve_task)
    resolved: dict[str, tuple[str, str] | InputError] = {}
    with _open(input_path) as source:
        lines = _numbered(source)
        out = None
        if output_path is not None:
            output_path = Path(output_path)
            if output_path.resolve() == input_path.resolve():
                raise InputError(f"{output_path}: output would overwrite the input", "pass another --out path")
            summary.resumed = 0 if fresh else _resume(output_path, lines, summary)
            out = _open_output(output_path, fresh)
        try:
            for lineno, raw in lines:
                row = grade_line(raw, lineno, resolve_task, resolve_model, resolved, summary, defaults)
                summary.count(row)
                if out is not None:
                    _write(out, output_path, row)
        finally:
            if out is not None:
                out.close()
    return summary


def grade_line(
    raw: bytes,
    lineno: int,
    resolve_task: TaskResolver,
    resolve_model: ModelResolver | None,
    resolved: dict[str, tuple[str, str] | InputError],
    summary: FileSummary,
    defaults: Defaults | None = None,
) -> dict[str, Any]:
    """The output object for one input line: the input plus its verdict, or an error line."""
    try:
        row = parse_line(raw)
        task = row["task"]
        if task not in resolved:
            try:
                resolved[task] = resolve_task(task)
            except InputError as exc:
                resolved[task] = exc
        spec = resolved[task]
        if isinstance(spec, InputError):
            raise spec
        row.update(_verdict(row, *spec, resolve_model, summary, defaults or Defaults()))
        return row
    except InputError as exc:
        return _bad(lineno, exc.one_line(), raw)
    except Exception as exc:  # noqa: BLE001  (one line's failure must not lose the others)
        return _bad(lineno, f"internal error: {type(exc).__name__}: {exc}", raw)


def parse_line(raw: bytes) -> dict[str, Any]:
    """One input line as a dict with valid ``task``, ``response`` and ``gold``, or InputError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start})", "write the file as UTF-8") from None
    try:
        row = json.loads(text, parse_int=_int_or_text)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON: {getattr(exc, 'msg', exc)}", "one JSON object per line") from None
    if not isinstance(row, dict):
        raise InputError(f"expected a JSON object, got {type(row).__name__}")
    missing = [k for k in ("task", "response", "gold") if k not in row]
    if missing:
        raise InputError(f"missing key(s) {', '.join(missing)}", "each line needs task, response and gold")
    if not isinstance(row["task"], str) or not isinstance(row["response"], str):
        raise InputError("task and response must be strings")
    gold = row["gold"]
    finite = not isinstance(gold, float) or math.isfinite(gold)
    if isinstance(gold, bool) or not isinstance(gold, (str, int, float)) or not finite:
        raise InputError("gold must be a string or a number")
    choices = row.get("choices")
    if choices is not None and (not isinstance(choices, list) or not all(isinstance(c, str) for c in choices)):
        raise InputError("choices must be a list of strings")
    for key in ("prompt", "reasoning_format", "model"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise InputError(f"{key} must be a string")
    return row


def _verdict(
    row: dict[str, Any], answer_type: str, language: str, resolve_model: ModelResolver | None, summary: FileSummary,
    defaults: Defaults,
) -> dict[str, Any]:
    """Verdict fields for one valid row, graded the way the run grades a sample."""
    gold = str(row["gold"])
    record = "run_key" in row
    logprobs = row.get("choice_logprobs")
    kind = ANSWER_TYPES.get(answer_type)
    if kind is not None and kind.likelihood and isinstance(logprobs, list) and logprobs:
        scores = [-math.inf if x is None else float(x) for x in logprobs]
        letter = LATIN[max(range(len(scores)), key=scores.__getitem__)]
        correct = letter == (normalise_letter(gold) or gold)
        return _fields(letter, correct, False, False, None, record, None, None)
    if row.get("error") is not None and record:
        return _fields(None, False, False, True, "backend error", record, None, None)  # as the run recorded it
    fmt, think_in_prompt = row.get("reasoning_format"), row.get("think_in_prompt")
    if think_in_prompt is None:
        think_in_prompt = defaults.think_in_prompt
    model = row.get("model") or defaults.model
    if fmt is None and isinstance(model, str) and resolve_model is not None:
        known = resolve_model(model)
        if known is None:
            summary.unknown_models.add(printable(model))
        else:
            fmt = known[0]
            think_in_prompt = known[1] if think_in_prompt is None else think_in_prompt
    told = fmt is not None or think_in_prompt is not None
    response = row["response"]
    if not record and defaults.stops is not None:
        # A raw base-model output runs on into an invented next question: cut it where the run would.
        response = cut_at_stops(response, defaults.stops(row["task"]))
    try:
        g = grade(
            answer_type, response, gold, language=language, reasoning_format=fmt or "auto",
            think_in_prompt=bool(think_in_prompt), choices=tuple(row.get("choices") or ()),
            prompt=row.get("prompt"),
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None
    # As the runner: hitting the token budget with no answer part is truncation.
    truncated = g.truncated or (row.get("finish_reason") == "length" and g.extracted is None)
    if not told and _maybe_open_think(response, g.extracted, truncated):
        summary.unknown_reasoning += 1
    return _fields(g.extracted, g.correct and not truncated, truncated, g.ungradable, g.reason, record, g.span,
                   g.span_text)


def _maybe_open_think(response: str, extracted: str | None, truncated: bool) -> bool:
    """Whether an output graded without knowing the model's template may be unfinished reasoning
    inside a think block the template opened: no think tags, and no stated answer (no answer
    phrase, box or answer field: what was graded is a number from the working, or nothing). A bare
    short answer ("B", "yes") is not working."""
    if "think>" in response or "[/THINK]" in response or len(response.split()) < 12:
        return False
    if truncated or extracted is None:
        return True
    return answer_field(response) is None and final_commit(prepare(response)) is None


def cut_at_stops(text: str, stops: tuple[str, ...]) -> str:
    """``text`` up to its first stop string. A stop string at the very start is not one (a chat
    model restating "Question: …" before answering; a run would have returned nothing)."""
    lead = len(text) - len(text.lstrip())
    cuts = [i for s in stops if s and (i := text.find(s, lead + 1)) > lead]
    return text[: min(cuts)] if cuts else text


def _fields(
    extracted: str | None, correct: bool, truncated: bool, ungradable: bool, reason: str | None, record: bool,
    span: tuple[int, int] | None, span_text: str | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"extracted": extracted, "correct": correct, "truncated": truncated,
                           "ungradable": ungradable}
    if record:
        out["score"] = float(correct)  # a SampleRecord keeps its schema
        out["answer_span"] = list(span) if span else None
    else:
        out["reason"] = reason
        # Where the answer was found, to audit the verdict: offsets into `response`, and the text.
        out["span"] = list(span) if span else None
        out["span_text"] = span_text
    return out


def _int_or_text(digits: str) -> int | str:
    # Python refuses int() past 4,300 digits; such a number (a gold answer) stays text.
    return int(digits) if len(digits) <= 4000 else digits


def _bad(lineno: int, message: str, raw: bytes) -> dict[str, Any]:
    return {"line": lineno, "error": printable(message), "input": raw[:_MAX_ECHO].decode("utf-8", errors="replace")}


def printable(text: str) -> str:
    """``text`` safe to print and encode: lone surrogates become ``\\udXXX`` escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}", "pass a JSONL file") from None


def _numbered(source: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines with their 1-based numbers, split on b"\\n" only."""
    for lineno, raw in enumerate(source, start=1):
        line = raw.rstrip(b"\r\n")
        if line.strip():
            yield lineno, line


def _probe(path: Path, resolve_task: TaskResolver) -> None:
    """Refuse a file whose first lines hold no gradable record (not JSONL, or not ours)."""
    first_problem = None
    with _open(path) as source:
        for i, (lineno, raw) in enumerate(_numbered(source)):
            if i >= _PROBE_LINES:
                break
            try:
                resolve_task(parse_line(raw)["task"])
                return
            except InputError as exc:
                first_problem = first_problem or printable(f"line {lineno}: {exc.one_line()}")
    if first_problem is None:
        raise InputError(f"{path}: no lines to grade", "pass a JSONL file with task, response, gold per line")
    raise InputError(
        f"{path}: not a JSONL file of responses to grade ({first_problem})",
        "each line must be a JSON object with task, response and gold",
    )


def _resume(path: Path, lines: Iterator[tuple[int, bytes]], summary: FileSummary) -> int:
    """Keep the complete lines already in ``path``, skip their input lines; return how many."""
    if not path.is_file():
        return 0
    kept = good_end = 0
    with path.open("rb") as done:
        for raw in done:
            try:
                row = json.loads(raw, parse_int=_int_or_text) if raw.endswith(b"\n") else None
            except (json.JSONDecodeError, ValueError, RecursionError):
                row = None
            if not isinstance(row, dict):
                break  # a line cut by a crash: graded again
            lineno, source = next(lines, (None, None))
            if source is None or not _same_line(row, lineno, source):
                raise InputError(
                    f"{path}: line {kept + 1} was graded from another input",
                    "delete it, pass --fresh, or choose another --out",
                )
            summary.count(row)
            kept += 1
            good_end += len(raw)
    try:
        os.truncate(path, good_end)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}", "check the --out path") from None
    return kept


def _same_line(row: dict[str, Any], lineno: int | None, source: bytes) -> bool:
    if "error" in row and "line" in row:
        return row["line"] == lineno
    try:
        given = json.loads(source, parse_int=_int_or_text)
        return all(given.get(key) == row.get(key) for key in ("task", "response", "gold"))
    except (json.JSONDecodeError, ValueError, RecursionError, AttributeError):
        return False


def _open_output(path: Path, fresh: bool) -> BinaryIO:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb" if fresh else "ab")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}", "check the --out path") from None


def _write(out: BinaryIO, path: Path | None, row: dict[str, Any]) -> None:
    # ASCII-escaped: U+2028, NEL and lone surrogates survive as \\u escapes and read back.
    line = json.dumps(row, ensure_ascii=True) + "\n"
    try:
        out.write(line.encode("ascii"))
        out.flush()
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}", "check free disk space") from None
