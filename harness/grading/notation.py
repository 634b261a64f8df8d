"""Value-equal notations of one number, read as that number (issue 20, class 2).

``numbers_in`` finds digit tokens; ``revalue`` reads what the text around them says about their
value:

* scientific notation and powers: "7 × 10^4", ``7\\times10^{4}``, "7·10⁴", "7e4", "1.5E+06",
  "10^4", "2^5" are one number each; the exponent is never a number of its own, nor is a unit's
  ("27 cm^3" is 27, not 3);
* magnitude words after the digits: "3.5 thousand", "2 Millionen", "5 mil millones", "2,5 млн",
  "15 тыс.", "3 万" (also after a space), "1,500万", "2 lakh", "3 crore", "5 কোটি", "3 ล้าน",
  "2 milhões"; Swahili puts them before: "elfu 5" is 5,000;
* below zero: "10 degrees below zero", "10 Grad unter Null", "10 градусов ниже нуля", "minus 10",
  "零下10度", "氷点下10度", "ติดลบ 10" are -10. A sign word right after a number ("20 minus 5") is
  subtraction, not a sign.
"""

from __future__ import annotations

import re
from fractions import Fraction

from harness.grading.numwords import SCALES

Found = tuple[int, int, Fraction]

_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
                 "⁹": "9", "⁻": "-", "⁺": "+"}
_SUP = "[" + "".join(_SUPERSCRIPTS) + "]{1,5}"
_TIMES = r"\s?(?:×|x|X|\*|·|⋅|\\times|\\cdot)\s?"


def _exponent_pattern(name: str) -> str:
    """An exponent after "^" (``^{4}``, ``^ -2``) or in superscript digits: group ``name``.

    Not Python's "**": in markdown it closes bold ("**18** 5")."""
    return (r"(?:\s?\^\s?\{?\s?(?P<" + name + r">[+-]?\d{1,4})(?![\d.,])\s?\}?|(?P<" + name + "_sup>"
            + _SUP + "))")


_SCIENTIFIC = re.compile(
    _TIMES + r"10" + _exponent_pattern("exp")
    + r"|(?<=\d)[eE](?P<e_exp>[+-]?\d{1,4})(?![\w.])"  # 7e4, 1.5E+06
)
_POWER = re.compile(_exponent_pattern("exp"))
# A number right after "^" is an exponent (of a unit, a variable, or a power read already).
_AFTER_CARET = re.compile(r"\^\s?\{?\s?[+-]?$")
# Past this many digits a power is not worked out (its base then stands alone, as before).
_MAX_POWER_DIGITS = 2_000

# Magnitude words that may follow digits. Word scales end at a word boundary; abbreviations may
# carry their full stop; CJK and Thai scales need no boundary (万元, ล้านบาท).
_EXTRA_SCALES = {
    "trillion": 10**12, "bn": 10**9, "lakh": 10**5, "lakhs": 10**5,
    "crore": 10**7, "crores": 10**7, "тыс": 10**3, "млн": 10**6, "млрд": 10**9, "трлн": 10**12,
    "миллиард": 10**9, "миллиарда": 10**9, "миллиардов": 10**9, "tsd": 10**3, "mio": 10**6, "mrd": 10**9,
    "milhão": 10**6, "milhões": 10**6, "bilhão": 10**9, "bilhões": 10**9, "milioni": 10**6,
    "miliardi": 10**9, "billón": 10**12, "billones": 10**12, "mille": 10**3, "mila": 10**3,
    "कोटि": 10**7, "करोड़": 10**7, "लाख": 10**5, "हज़ार": 10**3, "हजार": 10**3,
    "কোটি": 10**7, "লক্ষ": 10**5, "లక్ష": 10**5, "లక్షలు": 10**5, "లక్షల": 10**5, "కోటి": 10**7, "కోట్లు": 10**7,
    "కోట్ల": 10**7,
}
_WORD_SCALES = {**{w.lower(): v for w, v in SCALES.items()}, **_EXTRA_SCALES}
_GLUED_SCALES = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "千": 10**3, "ล้าน": 10**6, "แสน": 10**5,
                 "หมื่น": 10**4, "พัน": 10**3}
_INDIC_MARKS = "\u0900-\u0dff"  # Devanagari to Telugu letters and vowel signs: part of a word
_SCALE_WORD = re.compile(
    r"[ \u00a0]?(?P<word>" + "|".join(sorted(map(re.escape, _WORD_SCALES), key=len, reverse=True))
    + r")\.?(?![^\W\d_]|[" + _INDIC_MARKS + "])"
    # 千克, 千米: kilo- units (5千克 is 5 kg); พันธุ์ "breed".
    + r"|[ \u00a0]?(?P<glued>" + "|".join(sorted(_GLUED_SCALES, key=len, reverse=True)) + r")(?![ธ克米瓦卡焦帕赫])",
    re.IGNORECASE,
)
# After 万 or 億 the smaller parts follow without a space: 1万2000, 3万5千, 1億2000万.
_CJK_REST = re.compile(
    r"(?:(?P<n1000>\d*)[千仟])?(?:(?P<n100>\d*)[百佰])?(?:(?P<n10>\d*)[十拾])?(?P<n1>\d+(?![\d.,]))?"
)
_CJK_LARGE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_SWAHILI_BEFORE = re.compile(r"(?<![^\W\d_])(?P<word>elfu|laki|milioni|bilioni)\s$", re.IGNORECASE)
_SWAHILI_BEFORE_VALUES = {"elfu": 10**3, "laki": 10**5, "milioni": 10**6, "bilioni": 10**9}

# "10 degrees below zero", "10°C below zero", "10 Grad unter Null", "10 grados bajo cero".
_BELOW_WORDS = (
    r"below\s(?:zero|0)|unter\s(?:null|0)|bajo\scero|abaixo\sde\szero|en\sdessous\sde\széro|au-dessous\sde\széro"
    r"|sous\széro|ниже\sнуля|chini\sya\s(?:sifuri|0)|শূন্যের\sনিচে|సున్నా\sక(?:ం|న్న)టే\sతక్కువ"
)
_BELOW_AFTER = re.compile(
    r"(?:\s?[°º˚]\s?[CF]?|\s(?:[^\W\d_]|[" + _INDIC_MARKS + r"]){1,14}\.?){0,3}\s(?:" + _BELOW_WORDS
    + r")(?![^\W\d_])",
    re.IGNORECASE,
)
# The same words, and those written before the number, wherever they stand.
_BELOW_MARKERS = re.compile(_BELOW_WORDS + r"|零下|氷点下|ติดลบ", re.IGNORECASE)
# "minus 10", "moins 10", "минус 10", "零下10度", "氷点下10度", "マイナス10度", "ติดลบ 10", "মাইনাস 10".
_SIGN_BEFORE = re.compile(
    r"(?:(?<![^\W\d_])(?:minus|negative|moins|минус|menos|hasi)\s|零下|氷点下|マイナス|ติดลบ\s?|(?<!ผล)ลบ\s?|মাইনাস\s?"
    r"|మైనస్\s?|শূন্যের নিচে\s?)$",
    re.IGNORECASE,
)
# Before a sign word, an operand makes it subtraction: "20 minus 5", "(3) - ".
_OPERAND_END = re.compile(r"[\d)\]}%]\s{0,2}$")


def revalue(text: str, found: list[Found]) -> list[Found]:
    """``found`` (digit tokens of ``text``, in order) with the notations around them read."""
    out: list[Found] = []
    skip_to = -1
    for start, end, value in found:
        if start < skip_to:
            continue  # the exponent of a number read already, or the rest of 1万2000
        if _AFTER_CARET.search(text, max(0, start - 6), start):
            continue  # "cm^3", "x^{2}": an exponent is not a value
        end, value = _power(text, end, value)
        end, value = _scales(text, end, value)
        start, value = _swahili_scale(text, start, value)
        value = -value if value > 0 and _below_zero(text, start, end) else value
        skip_to = end
        out.append((start, end, value))
    return out


def _exponent(match: re.Match[str], name: str) -> int | None:
    digits = match.group(name)
    if digits is None:
        sup = match.group(f"{name}_sup")
        if sup is None:
            return None
        digits = "".join(_SUPERSCRIPTS[c] for c in sup)
    try:
        return int(digits)
    except ValueError:  # "⁻" alone
        return None


def _power(text: str, end: int, value: Fraction) -> tuple[int, Fraction]:
    """Scientific notation or a power after the number ending at ``end``."""
    match = _SCIENTIFIC.match(text, end)
    if match:
        exp = int(match.group("e_exp")) if match.group("e_exp") else _exponent(match, "exp")
        if exp is not None and abs(exp) <= _MAX_POWER_DIGITS:
            return match.end(), value * Fraction(10) ** exp
    match = _POWER.match(text, end)
    if match and value.denominator == 1 and value != 0:
        exp = _exponent(match, "exp")
        if exp is not None and abs(exp) * max(len(str(abs(value.numerator))), 1) <= _MAX_POWER_DIGITS:
            return match.end(), value**exp
    return end, value


def _scales(text: str, end: int, value: Fraction) -> tuple[int, Fraction]:
    """Magnitude words after the number: "3.5 thousand", "5 mil millones", "1万2000"."""
    previous = 0
    while match := _SCALE_WORD.match(text, end):
        word, glued = match.group("word"), match.group("glued")
        scale = _WORD_SCALES[word.lower()] if word else _GLUED_SCALES[glued]
        if previous and scale <= previous:
            break  # "thousand million" multiplies; "million thousand" is two numbers
        value, end, previous = value * scale, match.end(), scale
        if glued in _CJK_LARGE:
            return _cjk_rest(text, end, value, scale)
    return end, value


def _cjk_rest(text: str, end: int, value: Fraction, scale: int) -> tuple[int, Fraction]:
    """The smaller parts after a CJK large unit: 1万**2000**, 3万**5千**, 1億**2000万**."""
    while (rest := _CJK_REST.match(text, end)) and rest.end() > end:
        part = int(rest.group("n1") or 0)
        for unit in (1000, 100, 10):
            digits = rest.group(f"n{unit}")
            part += 0 if digits is None else int(digits or 1) * unit  # 千 alone is 1千
        below = text[rest.end() : rest.end() + 1]
        if below in _CJK_LARGE and _CJK_LARGE[below] < scale:
            value, end, scale = value + part * _CJK_LARGE[below], rest.end() + 1, _CJK_LARGE[below]
            continue
        return rest.end(), value + part
    return end, value


def _swahili_scale(text: str, start: int, value: Fraction) -> tuple[int, Fraction]:
    """Swahili writes the magnitude first: "shilingi elfu 5" is 5,000 shillings."""
    match = _SWAHILI_BEFORE.search(text, max(0, start - 12), start)
    if match is None:
        return start, value
    return match.start(), value * _SWAHILI_BEFORE_VALUES[match.group("word").lower()]


def _below_zero(text: str, start: int, end: int) -> bool:
    """Whether the number is written as below zero ("10 degrees below zero", "minus 10")."""
    if _BELOW_AFTER.match(text, end):
        return True
    sign = _SIGN_BEFORE.search(text, max(0, start - 24), start)
    return sign is not None and not _OPERAND_END.search(text, max(0, sign.start() - 24), sign.start())


def asks_below_zero(prompt: str | None) -> bool:
    """Whether the prompt's last question asks in below-zero terms ("How many degrees below zero
    …?", "零下多少度？"): then "10 degrees below zero" answers 10, as the question counts."""
    tail = (prompt or "")[-3000:]
    if not _BELOW_MARKERS.search(tail):
        return False  # the common case, decided without looking for the question
    end = max(tail.rfind("?"), tail.rfind("？"))
    if end < 0:
        return False
    start = max(tail.rfind(mark, 0, end) for mark in (".", "!", "\n", "。", "！", "？", "?")) + 1
    return _BELOW_MARKERS.search(tail, start, end) is not None


def blank_below_zero(text: str) -> str:
    """``text`` with its below-zero words blanked (same length, so offsets hold)."""
    return _BELOW_MARKERS.sub(lambda m: " " * len(m.group(0)), text)
