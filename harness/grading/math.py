"""Grader for LaTeX answers (MATH-500, AIME): symbolic equivalence with math_verify.

The answer is the last ``\\boxed{}``, else what follows the last answer phrase, else the last
inline formula or number. Equivalence (``\\frac12`` = 0.5, ``x=3`` = 3, intervals, tuples,
``90^\\circ`` = 90) is decided by ``math_verify.parse`` + ``verify`` under a per-item time
limit. In the main thread the limit is a SIGALRM timer; elsewhere (or when the caller has
its own timer running) the check runs in a helper process that is killed at the limit.
"""

from __future__ import annotations

import re
import signal
import threading
from typing import Any

from harness.grading.number import latex_to_plain
from harness.grading.numbers import ascii_digits, numbers_in, parse_number
from harness.grading.phrases import last_boxed, marker_ends

# Per item: parsing both sides and comparing them.
MATH_TIMEOUT_S = 5.0
# Longer "answers" are not compared (counted wrong): no MATH/AIME answer is that long.
MAX_ANSWER_CHARS = 1000


class GradingTimeout(Exception):
    """A comparison ran past the time limit; the item is ungradable."""


def extract_math(answer: str) -> str | None:
    """The final answer in ``answer`` as LaTeX text, or None."""
    # A box beats a later answer phrase: MATH-style prompts ask for the box, and text after
    # it is usually a check ("We may check our answer: $17 \cdot 44 = 748$").
    box = last_boxed(answer)
    if box is not None:
        return box.text or None
    ends = marker_ends(answer)
    if ends:
        stated = _after_phrase(answer[ends[-1] : ends[-1] + 500])
        if stated:
            return stated
    formulas = _INLINE_MATH.findall(answer[-2000:])
    if formulas:
        return next(f for f in reversed(formulas[-1]) if f).strip() or None
    found = numbers_in(ascii_digits(answer))
    return answer[found[-1][0] : found[-1][1]] if found else None


def grade_math(
    answer: str, gold: str, timeout_s: float = MATH_TIMEOUT_S
) -> tuple[str | None, bool]:
    """Return ``(extracted, correct)``. Raises GradingTimeout past ``timeout_s``."""
    extracted = extract_math(answer)
    return extracted, extracted is not None and answers_match(
        gold, extracted, timeout_s
    )


def answers_match(gold: str, extracted: str, timeout_s: float = MATH_TIMEOUT_S) -> bool:
    """Whether an extracted LaTeX answer equals the gold one. Raises GradingTimeout past ``timeout_s``."""
    if len(extracted) > MAX_ANSWER_CHARS:
        return False
    if _same_plainly(gold, extracted):
        return True
    return equivalent(gold, extracted, timeout_s)


def equivalent(gold: str, extracted: str, timeout_s: float = MATH_TIMEOUT_S) -> bool:
    """math_verify equivalence of two LaTeX answers, bounded by ``timeout_s`` from any thread."""
    if _signals_usable():
        return _verify_with_alarm(gold, extracted, timeout_s)
    from harness.grading import _worker

    return _worker.verify(gold, extracted, timeout_s)


def verify_unbounded(gold: str, extracted: str) -> bool:
    """math_verify's verdict with no time limit of its own (callers bound it)."""
    import math_verify

    _quiet_math_verify()
    gold_parsed = math_verify.parse(f"${gold}$", parsing_timeout=None)
    pred_parsed = math_verify.parse(f"\\boxed{{{extracted}}}", parsing_timeout=None)
    if not gold_parsed or not pred_parsed:
        return False
    return bool(math_verify.verify(gold_parsed, pred_parsed, timeout_seconds=None))


class _Alarm(BaseException):
    """Raised by the timer. Not an Exception, so math_verify's `except Exception` cannot eat it."""


def _verify_with_alarm(gold: str, extracted: str, timeout_s: float) -> bool:
    import math_verify  # noqa: F401  (import outside the timed section)

    fired = False
    armed = True

    def on_alarm(signum: int, frame: Any) -> None:
        nonlocal fired
        if armed:
            fired = True
            raise _Alarm

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # Re-arm every 0.5 s: if some library swallows one alarm, the next one still stops it.
    signal.setitimer(signal.ITIMER_REAL, timeout_s, 0.5)
    result = False
    try:
        try:
            result = verify_unbounded(gold, extracted)
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        armed = False
        fired = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:
        raise GradingTimeout(f"math comparison took longer than {timeout_s:g}s")
    return result


def _signals_usable() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        # Do not clobber a timer the caller set (e.g. pytest-timeout).
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    )


def _quiet_math_verify() -> None:
    # math_verify warns once that its own timeout is off; ours is on, so the warning misleads.
    import math_verify.grader
    import math_verify.parser

    math_verify.parser.TIMEOUT_WARNING_SHOWN = True
    math_verify.grader.TIMEOUT_WARNING_SHOWN = True


_INLINE_MATH = re.compile(
    r"\$\$(.+?)\$\$|\$(.+?)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.DOTALL
)
_SPACES = re.compile(r"\s+|\\[,!;: ]|\\left|\\right")


def _after_phrase(window: str) -> str | None:
    """What an answer phrase announces: its formula, box, or the rest of its sentence."""
    text = window.lstrip(" \t:：*")
    box = last_boxed(text[:300])
    if box is not None and text[: box.start].strip(" \t\n$\\(") in ("boxed", "fbox"):
        return box.text or None
    formula = _INLINE_MATH.match(text)
    if formula:
        return next(f for f in formula.groups() if f).strip() or None
    line = re.split(
        r"\n|\.(?:\s|$)|\s+(?:I hope|which|since|because)\b", text, maxsplit=1
    )[0]
    line = line.strip().strip("*").strip().rstrip(".。")
    return line or None


def _same_plainly(gold: str, extracted: str) -> bool:
    """Cheap exact checks before math_verify: same text, or the same plain number ("025" = 25)."""
    a = _SPACES.sub("", gold).replace("\\dfrac", "\\frac")
    b = _SPACES.sub("", extracted).replace("\\dfrac", "\\frac")
    if a == b:
        return True
    x, y = parse_number(latex_to_plain(gold)), parse_number(latex_to_plain(extracted))
    plain = re.compile(r"-?[\d.,\s{}\\$%]*")
    return (
        x is not None
        and x == y
        and bool(plain.fullmatch(gold))
        and bool(plain.fullmatch(extracted))
    )
