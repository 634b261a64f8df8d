"""Is an extracted LaTeX answer equal to the gold one? Cheap exact checks first, then math_verify.

Most answers are decided without sympy: the same text once spacing, ``\\dfrac``, ``\\left``,
degrees, percent and dollar signs are normalised, or two plain numbers (``025`` = 25,
``\\frac{17}{50}`` = 0.34) compared exactly. The rest go to ``math_verify.parse`` + ``verify``
(sets, intervals, tuples, radicals, ``x=3`` = 3; an inequality is its interval and a vector its
tuple, ``harness.grading.mathforms``), with each side's parse and each verdict cached:
the same gold is parsed once per process, and repeated answers are compared once.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction
from typing import Any

from harness.grading.mathforms import equal_forms

# Longer "answers" are not compared (counted wrong): no MATH/AIME answer is that long.
MAX_ANSWER_CHARS = 1000

# Spacing commands, but not the row break "\\" followed by a space.
_NOISE = re.compile(
    r"\s+|(?<!\\)\\[,!;: ]|\\left|\\right|\\displaystyle|\^\{\\circ\}|\^\\circ|\\%|%|\\\$|\$"
)
# "x = 5" for the answer 5: one variable named before the value.
_NAMED = re.compile(r"[a-zA-Z]\s{0,2}=\s{0,2}(?P<value>[^=]+)")
_BASE = re.compile(r"(?P<digits>[0-9A-Za-z]+)_\{?(?P<base>\d{1,2})\}?")
_TUPLE = re.compile(r"(?P<open>[(\[])(?P<body>[^()\[\]]*)(?P<close>[)\]])")
_WRAPPER = re.compile(r"\\(?:text|textbf|mathrm|mathbf|mbox|textnormal)\{([^{}]*)\}")
_FRACTION = re.compile(r"(-?)\\[dt]?frac\{(\d{1,30})\}\{(\d{1,30})\}|(-?)\\[dt]?frac(\d)(\d)")
# A plain number once LaTeX spacing, thousands commas, dollar and percent signs are gone.
_PLAIN = re.compile(r"(-?)(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?")
_PLAIN_NOISE = re.compile(r"\\[,!;: ]|\\\$|\\%|\^\{?\\circ\}?|[\s$%{}]")


def normalise(latex: str) -> str:
    """A canonical spelling for exact comparison (never used to decide that answers differ)."""
    text = _WRAPPER.sub(r"\1", latex)
    text = _NOISE.sub("", text).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    text = text.rstrip(".")
    if len(text) == 3 and text[0] == "(" and text[2] == ")" and text[1].isalpha():
        text = text[1]  # (C) -> C
    return text


def plain_value(latex: str) -> Fraction | None:
    """The exact value of an answer that is just a number or a numeric fraction, else None."""
    text = latex.strip().strip("$").strip()
    match = _FRACTION.fullmatch(text)
    if match:
        sign, num, den = (match.group(1), match.group(2), match.group(3)) if match.group(2) else (
            match.group(4), match.group(5), match.group(6))
        if int(den) == 0:
            return None
        value = Fraction(int(num), int(den))
        return -value if sign else value
    plain = _PLAIN.fullmatch(_PLAIN_NOISE.sub("", text))
    if not plain or not (plain.group(2) or plain.group(3)):
        return None
    whole = Fraction(int(plain.group(2).replace(",", ""))) if plain.group(2) else Fraction(0)
    frac = Fraction(int(plain.group(3)), 10 ** len(plain.group(3))) if plain.group(3) else Fraction(0)
    return -(whole + frac) if plain.group(1) else whole + frac


def answers_match(gold: str, extracted: str) -> bool:
    """Whether ``extracted`` equals ``gold``. Callers bound the time (math_verify can be slow)."""
    if len(extracted) > MAX_ANSWER_CHARS:
        return False
    named = _NAMED.fullmatch(extracted.strip().strip("$"))
    if named and "=" not in gold:
        extracted = named.group("value")
    # "x > 3" for (3, \infty), a column vector for (1, 2, 3): compared in one form.
    gold, extracted = equal_forms(gold, extracted)
    if normalise(gold) == normalise(extracted):
        return True
    cheap = _plain_verdict(gold, extracted)
    return cheap if cheap is not None else verify_cached(gold, extracted)


def _plain_verdict(gold: str, extracted: str) -> bool | None:
    """Equal or not when both are plain numbers, numbers in a base, or tuples/intervals of plain
    numbers; None otherwise."""
    a_base, b_base = _BASE.fullmatch(normalise(gold)), _BASE.fullmatch(normalise(extracted))
    if a_base and b_base:  # math_verify drops the subscript: 52_8 would equal 52_17
        same_digits = a_base.group("digits").upper() == b_base.group("digits").upper()
        return same_digits and int(a_base.group("base")) == int(b_base.group("base"))
    x, y = plain_value(gold), plain_value(extracted)
    if x is not None and y is not None:
        return x == y
    a, b = _TUPLE.fullmatch(normalise(gold)), _TUPLE.fullmatch(normalise(extracted))
    if a is None or b is None:
        return None
    xs, ys = [plain_value(e) for e in a.group("body").split(",")], [plain_value(e) for e in b.group("body").split(",")]
    if None in xs or None in ys or len(xs) < 2:
        return None
    same_brackets = (a.group("open"), a.group("close")) == (b.group("open"), b.group("close"))
    return same_brackets and xs == ys


@functools.lru_cache(maxsize=16384)
def verify_cached(gold: str, extracted: str) -> bool:
    """math_verify's verdict, cached (an exception, such as a time-out, is not cached)."""
    import math_verify

    gold_parsed = _parse(f"${gold}$")
    pred_parsed = _parse(f"\\boxed{{{extracted}}}")
    if not gold_parsed or not pred_parsed:
        return False
    return bool(math_verify.verify(gold_parsed, pred_parsed, timeout_seconds=None))


def warm_up() -> None:
    """Load math_verify, sympy and the LaTeX parser now (seconds, once per process)."""
    verify_cached("1", "2")


@functools.lru_cache(maxsize=8192)
def _parse(latex: str) -> Any:
    import math_verify

    _quiet_math_verify()
    return math_verify.parse(latex, parsing_timeout=None)


def _quiet_math_verify() -> None:
    # math_verify warns once that its own timeout is off; ours is on, so the warning misleads.
    import math_verify.grader
    import math_verify.parser

    math_verify.parser.TIMEOUT_WARNING_SHOWN = True
    math_verify.grader.TIMEOUT_WARNING_SHOWN = True
