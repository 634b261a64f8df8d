"""Option letters as models write them, and the sentences around them.

* Full-width letters (Ｂ) are Latin letters. Standalone Cyrillic capitals are read as option
  letters: by their place in the Russian alphabet (А Б В Г Д Е = A B C D E F) when the prompt
  labels its options that way or the response uses a letter with no Latin look-alike (Б, Г, Д);
  otherwise as the Latin letters they look like (В = B, С = C).
* An option list the response restates ("A. Paris\\nB. London …") is not an answer.
* A sentence rejecting an option ("B is wrong", "not C", "排除D") does not pick it; one
  affirming it ("C is correct", "B. Correct", "选项B正确") does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FULLWIDTH = {0xFF21 + i: 0x41 + i for i in range(26)} | {0xFF41 + i: 0x61 + i for i in range(26)}
_ORDINAL = dict(zip("АБВГДЕЖ", "ABCDEFG", strict=True))
_LOOKALIKE = {"А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "К": "K", "М": "M", "О": "O", "Р": "P", "Т": "T"}
# A standalone capital, or a small letter closed like a list label ("в)"; a bare "в" is "in").
_CYRILLIC_LETTER = re.compile(r"(?<![^\W\d_])(?:[АБВГДЕЖСНКМОРТ](?![^\W\d_])|[абвгдеж](?=[).]))")
_ORDINAL_ONLY = re.compile(r"(?<![^\W\d_])(?:[БГДЖ](?![^\W\d_])|[бгдж](?=[).]))")
_CYRILLIC_LABELLED = re.compile(r"(?<![^\W\d_])(?P<l>[АВСЕ])[).:]\s{0,2}(?P<text>[^\n]{1,80})")
# Lines of an option list, in a prompt or restated in a response: "A. text", "(B) text", "C) text", "D: text".
_OPTION_LINE = re.compile(r"^[ \t>*#-]{0,4}(?:\((?P<a>[A-JА-Ж])\)|(?P<b>[A-JА-Ж])[.):：])[ \t]+(?P<text>[^\n]+)$", re.M)
_TEMPLATE_TOKEN = re.compile(r"<\||<｜|<end_of_turn>|<start_of_turn>|</s>|\[/INST\]|<eos>|<bos>")

W = r"\s{1,2}"
SP = r"\s{0,2}"
_L = r"[(\[（]?(?P<l>(?-i:[A-J]))[)\]）]?"
_OPT = r"(?:(?:option|choice|answer|variant|opción|opcion|option|antwort|вариант|chaguo)" + W + r")?"
_BAD = r"(?:incorrect|wrong|false|invalid|unlikely|eliminated|ruled" + W + r"out|not" + W + r"(?:correct|right|true|" \
       r"the" + W + r"(?:answer|right" + W + r"one|correct" + W + r"one)|valid|possible))"
_REJECTIONS = [
    r"(?<!\w)" + _OPT + _L + SP + r"(?:is|are|seems|would" + W + r"be|can" + W + r"be|must" + W + r"be)" + W + _BAD,
    r"\b(?:not|eliminate|eliminating|rule" + W + r"out|exclude|excluding|except|cross" + W + r"out|reject|rejecting|"
    r"nicht|no|pas|не|si)" + W + _OPT + r"[(\[]?(?P<l>(?-i:[A-J]))[)\]]?(?![A-Za-z])",
    r"(?<!\w)" + _OPT + _L + SP + r"(?:ist|sind)" + W + r"(?:falsch|nicht" + W + r"richtig|inkorrekt|ausgeschlossen)",
    r"(?<!\w)" + _OPT + _L + SP + r"(?:es|son)" + W + r"(?:incorrect[ao]s?|fals[ao]s?|errónea)",
    r"(?<!\w)" + _OPT + _L + SP + r"(?:est|sont)" + W + r"(?:faux|fausses?|incorrecte?s?|exclue?s?)",
    r"(?<!\w)" + _OPT + _L + SP + r"(?:[—–-]" + SP + r")?(?:неверн|неправильн|ошибочн|не" + W + r"подходит)",
    r"(?<!\w)" + _OPT + _L + SP + r"(?:si" + W + r"sahihi|ni" + W + r"makosa|sio" + W + r"sahihi)",
    r"(?:选项|選項)?(?P<l>(?-i:[A-J]))(?:项|項)?(?:是)?(?:错误|錯誤|不正确|不正確|不对|不對|错|錯|不符合)",
    r"(?:排除|不选|不選)(?:选项|選項)?(?P<l>(?-i:[A-J]))",
    r"(?P<l>(?-i:[A-J]))(?:は|が)" + SP + r"(?:誤り|間違い|不正解|正しくない)",
    r"^[ \t>*#-]{0,4}" + _L + r"[.:)：]?" + SP + r"\**" + SP + _BAD.replace("(?:incorrect", "(?:incorrect|falsch|"
                                                                           "incorrecta|fausse|неверно|错误"),
]
_AFFIRMATIONS = [
    r"(?<!\w)" + _OPT + _L + SP + r"(?:is|seems" + W + r"to" + W + r"be|would" + W + r"be|must" + W + r"be)" + W
    + r"(?:the" + W + r")?(?:correct|right|best|true)(?:" + W + r"(?:answer|option|choice|one))?\b",
    r"(?<!\w)" + _OPT + _L + SP + r"(?:ist)" + W + r"(?:richtig|korrekt)\b",
    r"(?<!\w)" + _OPT + _L + SP + r"es" + W + r"(?:la" + W + r")?(?:correcta|correcto)\b",
    r"(?<!\w)" + _OPT + _L + SP + r"est" + W + r"(?:la" + W + r"bonne(?:" + W + r"réponse)?|correcte?|juste)",
    r"(?<!\w)" + _OPT + _L + SP + r"(?:[—–-]" + SP + r")?(?:правильн|верн)",
    r"(?<!\w)" + _OPT + _L + SP + r"ni" + W + r"sahihi\b",
    r"(?:选项|選項)(?P<l>(?-i:[A-J]))(?:项|項)?(?:是)?(?:正确|正確|对|對)",
    r"(?P<l>(?-i:[A-J]))(?:が|は)" + SP + r"正しい",
    r"^[ \t>*#-]{0,4}" + _L + r"[.:)：]" + SP + r"\**" + SP + r"(?:correct|right|true|richtig|correcto|correcta|"
    r"correcte|верно|正确|正確)\b",
]
_ONE = r"[(\[]?(?-i:[A-J])[)\]]?"
_JOIN = r"(?:," + W + r"|" + W + r"and" + W + r"|" + W + r"&" + W + r"|、)"
_PLURAL = re.compile(
    r"(?<!\w)(?:both" + W + r")?(?P<ls>(?:" + _ONE + _JOIN + r"){1,3}" + _ONE + r")" + W + r"are" + W
    + r"(?:both" + W + r"|all" + W + r")?(?:correct|right|true)\b",
    re.IGNORECASE,
)
REJECTION = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in _REJECTIONS]
AFFIRMATION = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in _AFFIRMATIONS]


def choice_letters(choices: Sequence[str]) -> str:
    """Letters the task offers: one per choice, or A-J when the choices are not known."""
    return LATIN[: len(choices)] if choices else LATIN[:10]


def choices_from_prompt(prompt: str) -> tuple[str, ...]:
    """The options of the last option list in ``prompt`` ("A. text" / "(A) text" / "A: text" lines)."""
    blocks: list[list[str]] = []
    expected = 0
    for match in _OPTION_LINE.finditer(prompt):
        letter = match.group("a") or match.group("b")
        index = _index(letter)
        text = _TEMPLATE_TOKEN.split(match.group("text"), maxsplit=1)[0].strip()
        if index == 0:
            blocks.append([text])
            expected = 1
        elif blocks and index == expected:
            blocks[-1].append(text)
            expected += 1
    lists = [b for b in blocks if len(b) >= 2]
    return tuple(lists[-1]) if lists else ()


def prompt_labels_cyrillic(prompt: str | None) -> bool | None:
    """True if the prompt labels its options А, Б, В…; False if A, B, C…; None if unknown."""
    if not prompt:
        return None
    labels = [m.group("a") or m.group("b") for m in _OPTION_LINE.finditer(prompt)]
    if any(label in "БГДЖ" for label in labels):
        return True
    return False if any(label in LATIN for label in labels) else None


def normalise_letters(text: str, prompt: str | None = None, choices: Sequence[str] = ()) -> str:
    """``text`` with full-width and standalone Cyrillic option letters made Latin (same length)."""
    text = text.translate(_FULLWIDTH)
    if not _CYRILLIC_LETTER.search(text):
        return text
    ordinal = prompt_labels_cyrillic(prompt)
    if ordinal is None and _ORDINAL_ONLY.search(text):
        ordinal = True
    if ordinal is None and choices:
        ordinal = _ordinal_by_text(text, choices)
    table = _ORDINAL if ordinal else _LOOKALIKE
    def latin(match: re.Match[str]) -> str:
        letter = match.group(0)
        if letter.islower():  # "в)" looks like no Latin letter: Russian list order
            return _ORDINAL.get(letter.upper(), letter).lower()
        return table.get(letter, letter)

    return _CYRILLIC_LETTER.sub(latin, text)


def _ordinal_by_text(text: str, choices: Sequence[str]) -> bool | None:
    """"В) Париж": whichever reading of the letter names the option whose text follows it."""
    for match in _CYRILLIC_LABELLED.finditer(text):
        said = match.group("text").strip().casefold()
        for table, ordinal in ((_ORDINAL, True), (_LOOKALIKE, False)):
            latin = table.get(match.group("l"))
            index = LATIN.index(latin) if latin else len(choices)
            if index < len(choices) and said.startswith(choices[index].strip().casefold()):
                return ordinal
    return None


def option_list_spans(text: str) -> list[tuple[int, int]]:
    """Spans of option lists restated in ``text``: two or more lines "A. …", "B. …" in order."""
    spans: list[tuple[int, int]] = []
    block: list[tuple[int, int]] = []
    expected = 0
    for match in _OPTION_LINE.finditer(text):
        index = _index(match.group("a") or match.group("b"))
        if block and index == expected and text[block[-1][1] : match.start()].strip() == "":
            block.append(match.span())
            expected += 1
            continue
        if len(block) >= 2:
            spans.append((block[0][0], block[-1][1]))
        block, expected = ([match.span()], index + 1) if index == 0 else ([], 0)
    if len(block) >= 2:
        spans.append((block[0][0], block[-1][1]))
    return spans


_INLINE_LABEL = re.compile(r"(?<![A-Za-z])[(\[]?([A-J])[).:]\s")
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)|\n")


def inline_list_spans(text: str) -> list[tuple[int, int]]:
    """Option lists written on one line: "A) red, B) blue, C) green, D) yellow"."""
    spans = []
    for line_start, line in _lines(text):
        labels = [m for m in _INLINE_LABEL.finditer(line)]
        run: list[re.Match[str]] = []
        for m in labels:
            if run and LATIN.index(m.group(1)) == LATIN.index(run[-1].group(1)) + 1:
                run.append(m)
            elif m.group(1) == "A":
                run = [m]
            else:
                continue
        if len(run) >= 3:
            end = _SENTENCE_END.search(line, run[-1].end())
            spans.append((line_start + run[0].start(), line_start + (end.start() if end else len(line))))
    return spans


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def rejected_positions(text: str) -> set[int]:
    """Offsets of letters that sentences reject ("B is wrong", "not C", "排除D")."""
    return {m.start("l") for pattern in REJECTION for m in pattern.finditer(text)}


def affirmed(text: str) -> list[tuple[int, int, str]]:
    """Letters that sentences affirm ("C is correct", "选项B正确", "(B) and (D) are correct"):
    ``(start, end, letters)``."""
    found = {(m.start(), m.end(), m.group("l").upper()) for pattern in AFFIRMATION for m in pattern.finditer(text)}
    found |= {(m.start(), m.end(), "".join(re.findall(r"[A-J]", m.group("ls")))) for m in _PLURAL.finditer(text)}
    return sorted(found)


def _index(letter: str) -> int:
    return LATIN.index(letter) if letter in LATIN else "АБВГДЕЖ".index(letter)
