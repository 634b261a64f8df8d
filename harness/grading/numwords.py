"""Numbers written as words: "twelve", "zweihundertfünfzig", "treinta y cinco", "quatre-vingt-dix",
"двадцать пять", "kumi na mbili", "ఇరవై ఐదు", "পঁচিশ".

Words are read in the task's language and in English. An article ("a", "ein", "un", "une") is a
number only inside a longer number ("a hundred", "vingt et un"), never alone.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

UNIT, HUNDRED, BIG, ARTICLE, LINK = "unit", "hundred", "big", "article", "link"
Word = tuple[int, str]


def _units(words: str, start: int = 0) -> dict[str, Word]:
    return {w: (start + i, UNIT) for i, w in enumerate(words.split())}


def _tens(words: str, first: int = 20) -> dict[str, Word]:
    return {w: (first + 10 * i, UNIT) for i, w in enumerate(words.split())}


def _table(**groups: dict[str, Word]) -> dict[str, Word]:
    out: dict[str, Word] = {}
    for group in groups.values():
        out.update(group)
    return out


_EN = _table(
    ones=_units("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen"),
    tens=_tens("twenty thirty forty fifty sixty seventy eighty ninety"),
    more={"fourty": (40, UNIT), "hundred": (100, HUNDRED), "dozen": (12, HUNDRED), "thousand": (1000, BIG),
          "million": (10**6, BIG), "billion": (10**9, BIG), "a": (1, ARTICLE), "an": (1, ARTICLE), "and": (0, LINK)},
)
# German number words are compounds ("zweihundertfünfundzwanzig"): split into these parts.
_DE = _table(
    ones=_units("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn "
                "sechzehn siebzehn achtzehn neunzehn"),
    tens={w: (10 * (i + 2), UNIT) for i, w in enumerate("zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig "
                                                          "neunzig".split())},
    more={"zwo": (2, UNIT), "dreissig": (30, UNIT), "fuenf": (5, UNIT), "zwoelf": (12, UNIT), "ein": (1, ARTICLE),
          "eine": (1, ARTICLE), "einen": (1, ARTICLE), "hundert": (100, HUNDRED), "tausend": (1000, BIG),
          "million": (10**6, BIG), "millionen": (10**6, BIG), "milliarde": (10**9, BIG),
          "milliarden": (10**9, BIG), "und": (0, LINK)},
)
_ES = _table(
    ones=_units("cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
                "dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro "
                "veinticinco veintiséis veintisiete veintiocho veintinueve"),
    tens={w: (10 * (i + 3), UNIT) for i, w in enumerate("treinta cuarenta cincuenta sesenta setenta ochenta "
                                                          "noventa".split())},
    hundreds={w: (100 * (i + 2), UNIT) for i, w in enumerate("doscientos trescientos cuatrocientos quinientos "
                                                               "seiscientos setecientos ochocientos "
                                                               "novecientos".split())},
    more={"dieciseis": (16, UNIT), "veintidos": (22, UNIT), "veintitres": (23, UNIT), "veintiseis": (26, UNIT),
          "veintiún": (21, UNIT), "un": (1, ARTICLE), "una": (1, ARTICLE), "cien": (100, UNIT),
          "ciento": (100, UNIT), "mil": (1000, BIG), "millón": (10**6, BIG), "millon": (10**6, BIG),
          "millones": (10**6, BIG), "y": (0, LINK)},
)
_FR = _table(
    ones=_units("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize"),
    tens={w: (10 * (i + 2), UNIT) for i, w in enumerate("vingt trente quarante cinquante soixante septante "
                                                          "huitante nonante".split())},
    more={"zero": (0, UNIT), "un": (1, ARTICLE), "une": (1, ARTICLE), "vingts": (20, UNIT), "octante": (80, UNIT),
          "cent": (100, HUNDRED), "cents": (100, HUNDRED), "mille": (1000, BIG), "million": (10**6, BIG),
          "millions": (10**6, BIG), "milliard": (10**9, BIG), "milliards": (10**9, BIG), "et": (0, LINK)},
)


def _ru() -> dict[str, Word]:
    forms = {
        0: "ноль нуль ноля нуля", 1: "один одна одно одного одной одному", 2: "два две двух двум",
        3: "три трёх трех трём трем", 4: "четыре четырёх четырех", 5: "пять пяти", 6: "шесть шести",
        7: "семь семи", 8: "восемь восьми", 9: "девять девяти", 10: "десять десяти", 40: "сорок сорока",
        50: "пятьдесят пятидесяти", 60: "шестьдесят шестидесяти", 70: "семьдесят семидесяти",
        80: "восемьдесят восьмидесяти", 90: "девяносто девяноста", 100: "сто ста", 200: "двести двухсот",
        300: "триста трёхсот трехсот", 400: "четыреста четырёхсот четырехсот", 500: "пятьсот пятисот",
        600: "шестьсот шестисот", 700: "семьсот семисот", 800: "восемьсот восьмисот", 900: "девятьсот девятисот",
    }
    teens = "одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать " \
            "девятнадцать двадцать тридцать"
    out = {w: (v, UNIT) for v, ws in forms.items() for w in ws.split()}
    for i, w in enumerate(teens.split()):
        value = 11 + i if i < 9 else (20 if i == 9 else 30)
        out[w] = out[w[:-1] + "и"] = (value, UNIT)  # двенадцать, двенадцати
    for w in ("тысяча", "тысячи", "тысяч", "тысячу"):
        out[w] = (1000, BIG)
    for w in ("миллион", "миллиона", "миллионов"):
        out[w] = (10**6, BIG)
    return out


_SW = _table(
    ones=_units("sifuri moja mbili tatu nne tano sita saba nane tisa kumi"),
    tens={w: (10 * (i + 2), UNIT) for i, w in enumerate("ishirini thelathini arobaini hamsini sitini sabini "
                                                          "themanini tisini".split())},
    more={"mmoja": (1, UNIT), "wawili": (2, UNIT), "watatu": (3, UNIT), "wanne": (4, UNIT), "watano": (5, UNIT),
          "mia": (100, HUNDRED), "elfu": (1000, BIG), "laki": (10**5, BIG), "milioni": (10**6, BIG),
          "na": (0, LINK)},
)
_TE = _table(
    ones=_units("సున్నా ఒకటి రెండు మూడు నాలుగు ఐదు ఆరు ఏడు ఎనిమిది తొమ్మిది పది పదకొండు పన్నెండు పదమూడు "
                "పద్నాలుగు పదిహేను పదహారు పదిహేడు పద్దెనిమిది పంతొమ్మిది ఇరవై"),
    tens={w: (10 * (i + 3), UNIT) for i, w in enumerate("ముప్పై నలభై యాభై అరవై డెబ్బై ఎనభై తొంభై".split())},
    more={"ఒక": (1, UNIT), "అయిదు": (5, UNIT), "పందొమ్మిది": (19, UNIT), "ముప్ఫై": (30, UNIT),
          "వంద": (100, HUNDRED), "వందలు": (100, HUNDRED), "వందల": (100, HUNDRED), "నూరు": (100, UNIT),
          "వెయ్యి": (1000, BIG), "వేలు": (1000, BIG), "వేల": (1000, BIG)},
)
_BN = _table(
    ones=_units("শূন্য এক দুই তিন চার পাঁচ ছয় সাত আট নয় দশ এগারো বারো তেরো চোদ্দ পনেরো ষোলো সতেরো আঠারো উনিশ বিশ "
                "একুশ বাইশ তেইশ চব্বিশ পঁচিশ ছাব্বিশ সাতাশ আঠাশ ঊনত্রিশ ত্রিশ"),
    tens={"চল্লিশ": (40, UNIT), "পঞ্চাশ": (50, UNIT), "ষাট": (60, UNIT), "সত্তর": (70, UNIT), "আশি": (80, UNIT),
          "নব্বই": (90, UNIT)},
    hundreds={w: (100 * (i + 1), UNIT) for i, w in enumerate("একশো দুশো তিনশো চারশো পাঁচশো ছয়শো সাতশো আটশো "
                                                               "নয়শো".split())},
    thirties=_units("একত্রিশ বত্রিশ তেত্রিশ চৌত্রিশ পঁয়ত্রিশ ছত্রিশ সাঁইত্রিশ আটত্রিশ ঊনচল্লিশ", 31),
    forties=_units("একচল্লিশ বিয়াল্লিশ তেতাল্লিশ চুয়াল্লিশ পঁয়তাল্লিশ ছেচল্লিশ সাতচল্লিশ আটচল্লিশ ঊনপঞ্চাশ", 41),
    fifties=_units("একান্ন বাহান্ন তিপ্পান্ন চুয়ান্ন পঞ্চান্ন ছাপ্পান্ন সাতান্ন আটান্ন ঊনষাট", 51),
    sixties=_units("একষট্টি বাষট্টি তেষট্টি চৌষট্টি পঁয়ষট্টি ছেষট্টি সাতষট্টি আটষট্টি ঊনসত্তর", 61),
    seventies=_units("একাত্তর বাহাত্তর তিয়াত্তর চুয়াত্তর পঁচাত্তর ছিয়াত্তর সাতাত্তর আটাত্তর ঊনআশি", 71),
    eighties=_units("একাশি বিরাশি তিরাশি চুরাশি পঁচাশি ছিয়াশি সাতাশি অষ্টআশি ঊননব্বই", 81),
    nineties=_units("একানব্বই বিরানব্বই তিরানব্বই চুরানব্বই পঁচানব্বই ছিয়ানব্বই সাতানব্বই আটানব্বই নিরানব্বই", 91),
    more={"দু": (2, UNIT), "চৌদ্দ": (14, UNIT), "ষোল": (16, UNIT), "কুড়ি": (20, UNIT), "তিরিশ": (30, UNIT),
          "একশ": (100, UNIT), "দুইশো": (200, UNIT), "হাজার": (1000, BIG), "লাখ": (10**5, BIG)},
)
_BY_LANGUAGE = {"en": _EN, "de": _DE, "es": _ES, "fr": _FR, "ru": _ru(), "sw": _SW, "te": _TE, "bn": _BN}
_NFC = {
    lang: {unicodedata.normalize("NFC", w): v for w, v in table.items()} for lang, table in _BY_LANGUAGE.items()
}
_DE_PARTS = sorted(_NFC["de"], key=len, reverse=True)
# Scale words that may follow digits: "1.5 million", "3 mil", "7 Millionen", "5 тысяч".
SCALES = {w: v for table in _NFC.values() for w, (v, kind) in table.items() if kind == BIG}

# Letters and the combining vowel signs of Indic scripts (not `\w` in Python's `re`).
_LETTERS = r"(?:[^\W\d_]|[\u0300-\u036f\u0900-\u0963\u0966-\u0dff])+"  # not the danda "।"
_WORD = re.compile(_LETTERS + r"(?:[-‐'’]" + _LETTERS + r")*")


def word_numbers(text: str, language: str) -> list[tuple[int, int, Fraction]]:
    """Numbers spelt in words in ``text``: ``(start, end, value)``, in order."""
    lang = language.split("-")[0].lower()
    tables = [_NFC[code] for code in dict.fromkeys(("en", lang)) if code in _NFC]
    found: list[tuple[int, int, Fraction]] = []
    run: list[tuple[int, int, list[Word]]] = []
    for match in _WORD.finditer(text):
        words = _lookup(match.group(0), tables)
        if words is not None and run and text[run[-1][1] : match.start()] in (" ", "") and _continues(run, words):
            run.append((match.start(), match.end(), words))
            continue
        found += _close(run, swahili=lang == "sw")
        run = [(match.start(), match.end(), words)] if words is not None else []
    found += _close(run, swahili=lang == "sw")
    return found


def _continues(run: list[tuple[int, int, list[Word]]], words: list[Word]) -> bool:
    """Whether ``words`` can extend the number in ``run`` ("twenty" + "five", not "five" + "twenty")."""
    value, kind = words[0]
    previous = [w for _, _, ws in run for w in ws]
    numeric = [w for w in previous if w[1] != LINK]
    if not numeric:
        return False
    if kind == LINK or kind in (HUNDRED, BIG):
        return True
    if kind == ARTICLE:
        return previous[-1][1] == LINK  # "vingt et un", not "twenty a day"
    last_value, last_kind = numeric[-1]
    if last_kind in (HUNDRED, BIG):
        return True
    if len(numeric) >= 2 and numeric[-2][1] in (HUNDRED, BIG) and previous[-1][1] == LINK:
        return value < numeric[-2][0]  # Swahili "mia moja na ishirini": 20 is added to the hundred
    zeros = len(str(last_value)) - len(str(last_value).rstrip("0"))
    return value < 10**zeros


def _lookup(token: str, tables: list[dict[str, Word]]) -> list[Word] | None:
    key = unicodedata.normalize("NFC", token.lower().replace("‐", "-").replace("’", "'"))
    parts = key.split("-")
    out: list[Word] = []
    skip = False
    for i, part in enumerate(parts):
        if skip:
            skip = False
            continue
        if part == "quatre" and i + 1 < len(parts) and parts[i + 1] in ("vingt", "vingts"):
            out.append((80, UNIT))  # quatre-vingt(s) = 80
            skip = True
            continue
        word = next((t[part] for t in tables if part in t), None)
        if word is not None:
            out.append(word)
            continue
        split = _split_german(part) if any(t is _NFC["de"] for t in tables) else None
        if split is None:
            return None
        out += split
    return out or None


def _split_german(word: str) -> list[Word] | None:
    """``zweihundertfünfundzwanzig`` -> its parts, or None when it is not a number word."""
    out: list[Word] = []
    pos = 0
    while pos < len(word):
        part = next((p for p in _DE_PARTS if word.startswith(p, pos)), None)
        if part is None:
            return None
        out.append(_NFC["de"][part])
        pos += len(part)
    return out if len(out) > 1 else None


def _close(run: list[tuple[int, int, list[Word]]], swahili: bool) -> list[tuple[int, int, Fraction]]:
    """The number a run of words spells, or nothing for an article or a link alone."""
    while run and run[-1][2][-1][1] == LINK:
        run = run[:-1]
    if run and run[0][2][0][1] == ARTICLE and not (
        len(run[0][2]) > 1 and run[0][2][1][1] in (HUNDRED, BIG)
        or len(run) > 1 and run[1][2][0][1] in (HUNDRED, BIG)
    ):
        run = run[1:]  # "a day", "ein Apfel": an article, not a number
    words = [w for _, _, ws in run for w in ws]
    if not any(kind in (UNIT, HUNDRED, BIG) for _, kind in words):
        return []
    value = _swahili(words) if swahili else _value(words)
    return [(run[0][0], run[-1][1], Fraction(value))]


def _value(words: list[Word]) -> int:
    total = current = 0
    for value, kind in words:
        if kind in (UNIT, ARTICLE):
            current += value
        elif kind == HUNDRED:
            current = (current or 1) * value
        elif kind == BIG:
            total += (current or 1) * value
            current = 0
    return total + current


def _swahili(words: list[Word]) -> int:
    """Swahili puts the count after the scale: ``mia tano`` = 500, ``elfu mbili mia tano`` = 2500."""
    total = 0
    i = 0
    while i < len(words):
        value, kind = words[i]
        if kind in (HUNDRED, BIG):
            nxt = words[i + 1] if i + 1 < len(words) else None
            if nxt is not None and nxt[1] == UNIT and nxt[0] < 100:
                total += value * nxt[0]
                i += 2
                continue
            total += value
        elif kind in (UNIT, ARTICLE):
            total += value
        i += 1
    return total
