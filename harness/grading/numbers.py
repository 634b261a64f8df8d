"""Numbers as models write them, in many scripts and conventions, to exact fractions.

``1,200`` (en), ``1.200`` (de), ``1 200`` (fr, narrow no-break space too), ``１２``
(full-width), ``১২`` (Bengali), ``$18.00``, ``-5``, ``3/4``. Values are ``Fraction`` so
``18.00 == 18`` and ``0.75 == 3/4`` exactly.

A single separator followed by exactly three digits is ambiguous (``1.200``): it is a
thousands separator unless it is the language's decimal mark (``.`` in en, ``,`` in de) or
the number starts with ``0``.
"""

from __future__ import annotations

import re
from fractions import Fraction

from harness.grading.cjk import cjk_numbers, thai_numbers
from harness.grading.notation import revalue
from harness.grading.numwords import word_numbers

# Languages that write 1.234,5 or 1 234,5 (decimal comma).
DECIMAL_COMMA_LANGUAGES = frozenset(
    {
        "de",
        "es",
        "fr",
        "ru",
        "it",
        "pt",
        "nl",
        "id",
        "tr",
        "pl",
        "sv",
        "da",
        "fi",
        "nb",
        "no",
        "cs",
        "sk",
        "ro",
        "hu",
        "uk",
        "bg",
        "hr",
        "sr",
        "sl",
        "el",
        "et",
        "lv",
        "lt",
        "vi",
        "az",
        "ca",
    }
)

_ZEROS = (
    0xFF10,  # full-width
    0x0660,  # Arabic-Indic
    0x06F0,  # Extended Arabic-Indic (Persian, Urdu)
    0x0966,  # Devanagari
    0x09E6,  # Bengali
    0x0A66,  # Gurmukhi
    0x0AE6,  # Gujarati
    0x0B66,  # Oriya
    0x0BE6,  # Tamil
    0x0C66,  # Telugu
    0x0CE6,  # Kannada
    0x0D66,  # Malayalam
    0x0E50,  # Thai
    0x0ED0,  # Lao
    0x1040,  # Myanmar
    0x17E0,  # Khmer
)
_TABLE: dict[int, str] = {zero + d: str(d) for zero in _ZEROS for d in range(10)}
# Separators and signs with full-width or script-specific forms; one character each, so
# offsets in the text do not move.
_TABLE.update(
    {
        ord("，"): ",",
        ord("．"): ".",
        ord("٫"): ".",  # Arabic decimal separator
        ord("٬"): ",",  # Arabic thousands separator
        ord("－"): "-",
        ord("−"): "-",  # U+2212 minus sign
        ord("／"): "/",
    }
)


def ascii_digits(text: str) -> str:
    """``text`` with native and full-width digits, minus signs and separators made ASCII.

    Each character maps to one character, so offsets into the result match the input.
    """
    return text.translate(_TABLE)


_SPACE = "[ \u00a0\u202f\u2009]"
# A number token: digits joined by `.`/`,`, or by a space only before a 3-digit group.
# The sign needs no letter, digit or closing bracket before it ("5-3" is not -3).
NUMBER = re.compile(
    r"(?P<sign>(?<![0-9A-Za-z)\]}])-)?"
    r"(?<![0-9])(?P<body>\d+(?:(?:[.,]|(?:" + _SPACE + r"|['’])(?=\d{3}(?!\d)))\d+)*)"
    r"(?:/(?P<den>\d{1,12})(?![0-9]))?"
)
_SEPS = re.compile(r"([.,'’]|" + _SPACE + ")")  # 57'500: the Swiss group with an apostrophe
# Longer digit strings are not read as numbers. Python refuses int(str) past 4,300 digits by
# default, so longer ones are converted in chunks (a 5,000-digit gold is still a number).
_MAX_DIGITS = 12_000
_CHUNK = 1_000
_THAI = re.compile("[\u0e00-\u0e7f]")
# A time of day on the hour ("2:00 pm", "14:00") is one number, the hour: GSM8K asks "what is the
# latest time ..." with the gold 2, and reading "2:00" as 2 and then 0 took the minutes as the answer.
# Other minutes ("2:30") stay two numbers: whether 2.5 or 150 is meant depends on the question.
_ON_THE_HOUR = re.compile(r"(?<![\d:.,])(\d{1,2}):00(?![\d:])")
_CJK = re.compile("[\u3007\u4e00-\u9fff\uf900-\ufaff]")


def to_int(digits: str) -> int:
    """``int(digits)`` for ASCII digit strings of any length up to ``_MAX_DIGITS``."""
    if len(digits) <= _CHUNK:
        return int(digits)
    value = 0
    for i in range(0, len(digits), _CHUNK):
        chunk = digits[i : i + _CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def int_text(value: int) -> str:
    """``str(value)`` without Python's 4,300-digit limit."""
    if -(10**_CHUNK) < value < 10**_CHUNK:
        return str(value)
    sign, value = ("-", -value) if value < 0 else ("", value)
    parts = []
    while value:
        value, low = divmod(value, 10**_CHUNK)
        parts.append(str(low).rjust(_CHUNK, "0"))
    return sign + "".join(reversed(parts)).lstrip("0")


def values_in(
    text: str, language: str = "en", *, words: bool = False, answer_start: int | None = None
) -> list[tuple[int, int, Fraction]]:
    """Every number in ``text`` as ``(start, end, value)``, in order; ``text`` must be ASCII-digit.

    Digits, read with the notation around them (``harness.grading.notation``: "1.5 million",
    "7 × 10^4", "10 degrees below zero"); with ``words``, also numbers in words and characters
    (twelve, zwölf, 三十五, 7万, สิบแปด). A lone numeral character (一, สาม) counts only at
    ``answer_start``.
    """
    found = revalue(text, numbers_in(text, language))
    if words:
        found += word_numbers(text, language)
        if _CJK.search(text):
            found += cjk_numbers(text, answer_start)
        if _THAI.search(text):
            found += thai_numbers(text, answer_start)
        found.sort()
        # A digit run inside a CJK numeral (1万2000) is read once, as part of it.
        kept: list[tuple[int, int, Fraction]] = []
        for item in found:
            if kept and item[0] < kept[-1][1]:
                if item[1] - item[0] > kept[-1][1] - kept[-1][0]:
                    kept[-1] = item
                continue
            kept.append(item)
        found = kept
    return found


def numbers_in(text: str, language: str = "en") -> list[tuple[int, int, Fraction]]:
    """Every number in ``text`` as ``(start, end, value)``, in order. ``text`` must be ASCII-digit."""
    found: list[tuple[int, int, Fraction]] = []
    for match in NUMBER.finditer(text):
        values = _interpret(match.group("body"), language)
        if not values:
            continue
        if match.group("sign"):
            values[0] = -values[0]
        den = match.group("den")
        if (
            den is not None
            and len(values) == 1
            and int(den) != 0
            and values[0].denominator == 1
        ):
            values[0] = values[0] / int(den)
        found.extend((match.start(), match.end(), v) for v in values)
    for clock in _ON_THE_HOUR.finditer(text):
        hour = int(clock.group(1))
        # The tokens the time overlaps: the hour (with its sign, if any) and the minutes, in order.
        inside = [i for i, f in enumerate(found) if f[0] < clock.end() and f[1] > clock.start()]
        if hour <= 24 and inside:
            first = found[inside[0]]
            value = Fraction(-hour if first[2] < 0 else hour)
            found[inside[0] : inside[-1] + 1] = [(min(first[0], clock.start()), clock.end(), value)]
    return found


def parse_number(text: str, language: str = "en") -> Fraction | None:
    """The value of ``text`` if it holds exactly one number (units and symbols around it are ignored)."""
    found = numbers_in(ascii_digits(text), language)
    return found[0][2] if len(found) == 1 else None


def format_number(value: Fraction) -> str:
    """Canonical text: ``18``, ``-2.5``, ``1/3`` (a decimal when one is exact)."""
    if value.denominator == 1:
        return int_text(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{int_text(value.numerator)}/{int_text(value.denominator)}"
    places = max(twos, fives)
    scaled = abs(value.numerator) * (10**places) // value.denominator
    sign = "-" if value < 0 else ""
    digits = int_text(scaled).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")


def _interpret(body: str, language: str) -> list[Fraction]:
    """Read one token; a token that is not a well-formed number becomes its digit groups."""
    parts = _SEPS.split(body)
    groups, seps = parts[0::2], parts[1::2]
    if sum(len(g) for g in groups) > _MAX_DIGITS:
        return []
    if not seps:
        return [Fraction(to_int(body))]
    decimal_comma = language.split("-")[0].lower() in DECIMAL_COMMA_LANGUAGES
    decimal_at = _decimal_index(groups, seps, decimal_comma)
    if decimal_at is None:
        return [Fraction(to_int(g)) for g in groups]
    if decimal_at == -1:
        whole, frac = groups, ""
    else:
        whole, frac = groups[: decimal_at + 1], groups[decimal_at + 1]
    # 1,00,000 and 12,34,567: Indian grouping (lakh, crore) is two digits above the thousands.
    indian = len(whole) > 2 and len(whole[0]) <= 2 and len(whole[-1]) == 3 and all(len(g) == 2 for g in whole[1:-1])
    if len(whole) > 1 and not indian and (len(whole[0]) > 3 or any(len(g) != 3 for g in whole[1:])):
        return [Fraction(to_int(g)) for g in groups]
    value = Fraction(to_int("".join(whole)))
    if frac:
        value += Fraction(to_int(frac), 10 ** len(frac))
    return [value]


def _decimal_index(
    groups: list[str], seps: list[str], decimal_comma: bool
) -> int | None:
    """Index of the group before the decimal mark; -1 = no decimal mark; None = not a number."""
    punct = [(i, s) for i, s in enumerate(seps) if s in ".,"]
    spaced = len(punct) < len(seps)
    if not punct:
        return -1
    kinds = {s for _, s in punct}
    last_i, last_s = punct[-1]
    if last_i != len(seps) - 1 and spaced:
        return None  # "1,5 000": a space after the decimal mark
    if len(kinds) == 2:
        # "1,234.56" / "1.234,56": the last mark is the decimal one, the others group.
        if sum(1 for _, s in punct if s == last_s) > 1 or last_i != len(seps) - 1:
            return None
        return last_i
    if len(punct) > 1:
        return -1  # "1,234,567": only a thousands separator repeats
    if spaced:
        return last_i  # "1 234,5"
    after, before = groups[last_i + 1], groups[last_i]
    decimal_mark = "," if decimal_comma else "."
    if len(after) == 3 and len(before) <= 3 and before != "0":
        return last_i if last_s == decimal_mark else -1
    if last_s == "." or decimal_comma:
        return last_i
    return None  # "3,4" in English: two numbers
