"""Positional numerals written with characters: Chinese/Japanese (三十五, 一百二十, 7万, 1万2000,
两百, 二〇二四) and Thai (สามสิบห้า, หนึ่งร้อยยี่สิบ).

A lone digit character (一, 两, สาม) is a number only where the caller says an answer starts: in
running text it is usually part of a word (一起 "together", 一共 "in total", สามารถ "can").
"""

from __future__ import annotations

import re
from fractions import Fraction

_CJK_DIGITS = {
    **{c: i for i, c in enumerate("零一二三四五六七八九")},
    "〇": 0, "两": 2, "兩": 2, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6,
    "陸": 6, "柒": 7, "捌": 8, "玖": 9,
}
_CJK_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CJK_LARGE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CJK_RUN = re.compile(
    r"(?:[0-9]+(?:\.[0-9]+)?)?[" + "".join(_CJK_DIGITS) + "".join(_CJK_SMALL) + "".join(_CJK_LARGE) + r"]"
    r"(?:[0-9]+(?:\.[0-9]+)?|[" + "".join(_CJK_DIGITS) + "".join(_CJK_SMALL) + "".join(_CJK_LARGE) + r"])*"
)
# Words that start or end with a numeral character but are not numbers.
_CJK_NOT_NUMBERS = re.compile(
    r"一(?:共|起|些|样|樣|定|般|直|下|切|点|點|旦|半|边|邊|致|步|同|再|向|生|时|時|面|方面)"
    r"|(?:统|統|唯|第|星期|礼拜|禮拜)[一二三四五六七八九十]|十分|百分之|零下"
    r"|千(?:克|米|瓦|卡|焦|帕|赫|字节)"  # kilo-: 5千克 is 5 kg, not 5,000
)

_THAI_DIGITS = {"ศูนย์": 0, "หนึ่ง": 1, "เอ็ด": 1, "สอง": 2, "ยี่": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6,
                "เจ็ด": 7, "แปด": 8, "เก้า": 9}
_THAI_SMALL = {"สิบ": 10, "ร้อย": 100, "พัน": 1000, "หมื่น": 10**4, "แสน": 10**5}
_THAI_LARGE = {"ล้าน": 10**6}
_THAI_TOKEN = re.compile("|".join(sorted([*_THAI_DIGITS, *_THAI_SMALL, *_THAI_LARGE], key=len, reverse=True)))
# Thai words that begin with a numeral: สามารถ "can", เก้าอี้ "chair", ห้าม "forbid", พันธุ์ "breed".
_THAI_NOT_NUMBERS = ("สามารถ", "เก้าอี้", "ห้าม", "พันธ", "แสนจะ", "หกล้ม", "สองสาม", "ร้อยละ")


# Measure words and counters: "三个", "两本", "二つ", "五円" are numbers wherever they stand.
_MEASURE = re.compile(
    r"个|個|只|隻|本|元|天|次|人|件|条|條|张|張|块|塊|名|岁|歲|米|颗|顆|枚|辆|輛|台|杯|瓶|盒|箱|支|把|位|匹|头|頭|朵|棵"
    r"|份|页|頁|周|年|月|小时|小時|分钟|分鐘|秒|公里|美元|つ|円|ドル|歳|回|日|時間|分"
)


def cjk_numbers(text: str, answer_start: int | None = None) -> list[tuple[int, int, Fraction]]:
    """Chinese/Japanese numerals in ``text`` as ``(start, end, value)``.

    A run of one digit character without a multiplier (一, 两) counts only at ``answer_start``
    or before a measure word (三个, 二つ).
    """
    excluded = [(m.start(), m.end()) for m in _CJK_NOT_NUMBERS.finditer(text)]
    found = []
    for match in _CJK_RUN.finditer(text):
        start, end = match.span()
        for a, b in excluded:
            if a <= start and end <= b:
                start = end  # the whole run is part of a word
            elif start < a < end <= b:
                end = a  # 三十一起: the run stops before 一起
        run = text[start:end]
        if not run or not any(c in _CJK_DIGITS or c in _CJK_SMALL or c in _CJK_LARGE for c in run):
            continue
        if len(run) == 1 and run in _CJK_DIGITS and start != answer_start and not _MEASURE.match(text, end):
            continue
        value = _cjk_value(run)
        if value is not None:
            found.append((start, end, value))
    return found


def _cjk_value(run: str) -> Fraction | None:
    tokens = re.findall(r"[0-9]+(?:\.[0-9]+)?|.", run)
    if not any(t in _CJK_SMALL or t in _CJK_LARGE for t in tokens):
        if not all(t in _CJK_DIGITS for t in tokens):
            return None
        return Fraction(int("".join(str(_CJK_DIGITS[t]) for t in tokens)))  # 二〇二四 = 2024
    total = Fraction(0)
    section = Fraction(0)
    number: Fraction | None = None
    for tok in tokens:
        if tok in _CJK_DIGITS:
            number = Fraction(_CJK_DIGITS[tok])
        elif tok[0].isdigit():
            number = Fraction(tok)
        elif tok in _CJK_SMALL:
            section += (number if number is not None else 1) * _CJK_SMALL[tok]
            number = None
        else:
            unit = _CJK_LARGE[tok]
            section += number or 0
            if unit == 10**8:
                total = (total + section) * unit
            else:
                total += section * unit
            section, number = Fraction(0), None
    return total + section + (number or 0)


def thai_numbers(text: str, answer_start: int | None = None) -> list[tuple[int, int, Fraction]]:
    """Thai numerals spelt in words (สิบแปด = 18, หนึ่งร้อยยี่สิบ = 120) as ``(start, end, value)``."""
    found = []
    pos = 0
    n = len(text)
    while pos < n:
        match = _THAI_TOKEN.search(text, pos)
        if match is None:
            break
        start = match.start()
        if text.startswith(_THAI_NOT_NUMBERS, start):
            pos = start + 1
            continue
        tokens = []
        end = start
        while True:
            tok = _THAI_TOKEN.match(text, end)
            if tok is None:
                break
            tokens.append(tok.group(0))
            end = tok.end()
        pos = end
        if len(tokens) == 1 and tokens[0] in _THAI_DIGITS and start != answer_start:
            continue
        found.append((start, end, _thai_value(tokens)))
    return found


def _thai_value(tokens: list[str]) -> Fraction:
    total = 0
    section = 0
    number: int | None = None
    for tok in tokens:
        if tok in _THAI_DIGITS:
            number = _THAI_DIGITS[tok]
        elif tok in _THAI_SMALL:
            section += (number if number is not None else 1) * _THAI_SMALL[tok]
            number = None
        else:
            total = (total + section + (number or 0)) * _THAI_LARGE[tok]
            section, number = 0, None
    return Fraction(total + section + (number or 0))
