"""Graders for multiple choice: a letter written by the model, or chosen by log-likelihood.

Evidence for a written letter, strongest first (within a tier the last one wins):

1. a boxed letter or an answer phrase followed by a letter ("The answer is (B)", "答案：B",
   "**Answer:** C", "Antwort: B", "la respuesta correcta es la B");
2. a letter set apart by markup: ``**B**``, ``(B)``, ``B.``/``B)`` at the start of a line,
   or a response that is nothing but the letter;
3. the last capital letter that stands alone, skipping the article "A" and the pronoun "I"
   when a lower-case word follows ("A good answer is C" -> C).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.grading.phrases import last_boxed, marker_ends

_LETTER = r"[A-Z\uFF21-\uFF3A\u0410\u0412\u0421\u0415]"  # Latin, full-width, Cyrillic look-alikes
_HOMOGLYPHS = {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
_HOMOGLYPHS.update({"\u0410": "A", "\u0412": "B", "\u0421": "C", "\u0415": "E"})
_NOT_LETTER_BEFORE = r"(?<![A-Za-z\u00C0-\u024F\u0400-\u04FF])"
_NOT_LETTER_AFTER = r"(?![A-Za-z\u00C0-\u024F\u0400-\u04FF'’])"

# After an answer phrase: markup, an article or "option", an opening bracket, then the letter.
_AFTER_PHRASE = re.compile(
    r"[\s:：*_]*(?:\$?\\boxed\{|\\text\{|\$)?\s*"
    r"(?:(?:option|choice|opción|opcion|la|el|le|l'|die|選項|选项|選択肢)\s*)?"
    r"[(\[（【「『]?\s*\**\s*(?P<letter>" + _LETTER + ")" + _NOT_LETTER_AFTER,
    re.IGNORECASE,
)
_SET_APART = re.compile(
    r"\*\*\s*[(\[]?(?P<a>" + _LETTER + r")[)\].:]?\s*\*\*"  # **B**, **(B)**, **B.**
    r"|\*\*\s*(?P<b>" + _LETTER + r")[).:]\s"  # **B) text**
    r"|[(（](?P<c>" + _LETTER + r")[)）]"  # (B)
    r"|(?m:^)[\s>*#-]*(?P<d>" + _LETTER + r")\s*[.)：:](?!\d)"  # B. at line start
)
_BOX_LETTER = re.compile(r"\s*[(\[]?\s*(" + _LETTER + r")" + _NOT_LETTER_AFTER)
_BARE = re.compile(r"[\s*_`$\\{}()\[\]（）.:：]*")
_STANDALONE = re.compile(_NOT_LETTER_BEFORE + "(" + _LETTER + ")" + _NOT_LETTER_AFTER)
_TEXT_NOISE = re.compile(r"[\s*_`.。:：!！\"'“”「」]+")
_ARTICLE_USE = re.compile(
    r"\s+(?!(?:is|was|and|or|seems|appears|would|should|must)\b)[a-z]"
)


def choice_letters(choices: Sequence[str]) -> str:
    """Letters the task offers: one per choice, or A-J when the choices are not known."""
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(choices)] if choices else "ABCDEFGHIJ"


def normalise_letter(text: str) -> str | None:
    """``"(b)"``, ``" B. "``, ``"Ｂ"`` -> ``"B"``; None if ``text`` is not a single letter."""
    bare = _BARE.sub("", text)
    if len(bare) != 1:
        return None
    letter = _HOMOGLYPHS.get(bare, bare).upper()
    return letter if "A" <= letter <= "Z" else None


def extract_letter(answer: str, letters: str) -> str | None:
    """The letter ``answer`` picks among ``letters``, or None."""
    whole = normalise_letter(answer)
    if whole is not None and whole in letters:
        return whole
    strong: list[tuple[int, str]] = []
    box = last_boxed(answer)
    if box is not None:
        content = re.sub(r"\\(?:text|textbf|mathrm)\{([^{}]*)\}", r"\1", box.text)
        match = _BOX_LETTER.match(content)
        letter = _HOMOGLYPHS.get(match.group(1), match.group(1)) if match else ""
        if letter and letter in letters:
            strong.append((box.start, letter))
    for end in marker_ends(answer):
        match = _AFTER_PHRASE.match(answer, end)
        if match:
            letter = _HOMOGLYPHS.get(match.group("letter"), match.group("letter"))
            if letter in letters:  # case-sensitive: "the answer is a..." is prose
                strong.append((end, letter))
    if strong:
        return max(strong)[1]
    for pattern in (_SET_APART, _STANDALONE):
        found = _last_letter(pattern, answer, letters)
        if found is not None:
            return found
    return None


def letter_by_text(answer: str, choices: Sequence[str]) -> str | None:
    """The letter of the choice whose text the answer states verbatim ("Answer: Paris")."""
    ends = marker_ends(answer)
    stated = [answer] + ([answer[ends[-1] :].split("\n", 1)[0]] if ends else [])
    for text in reversed(stated):
        key = _TEXT_NOISE.sub(" ", text).strip().casefold()
        hits = [
            i
            for i, c in enumerate(choices)
            if _TEXT_NOISE.sub(" ", c).strip().casefold() == key
        ]
        if key and len(hits) == 1:
            return choice_letters(choices)[hits[0]]
    return None


def _last_letter(pattern: re.Pattern[str], answer: str, letters: str) -> str | None:
    for match in reversed(list(pattern.finditer(answer))):
        raw = next(g for g in match.groups() if g)
        letter = _HOMOGLYPHS.get(raw, raw)
        if letter not in letters:
            continue
        if (
            pattern is _STANDALONE
            and letter in "AI"
            and _ARTICLE_USE.match(answer, match.end())
        ):
            continue
        return letter
    return None


def grade_choice(
    answer: str, gold: str, choices: Sequence[str] = ()
) -> tuple[str | None, bool]:
    """Return ``(letter, correct)`` for a written multiple-choice answer."""
    expected = _gold_letter(gold)
    letters = choice_letters(choices)
    if expected not in letters:
        letters += expected
    letter = extract_letter(answer, letters)
    if letter is None and choices:
        letter = letter_by_text(answer, choices)
    return letter, letter == expected


def grade_likelihood_choice(response: str, gold: str) -> tuple[str | None, bool]:
    """Return ``(letter, correct)`` when the backend already picked the letter by log-likelihood."""
    expected = _gold_letter(gold)
    letter = normalise_letter(response)
    return letter, letter == expected


def _gold_letter(gold: str) -> str:
    letter = normalise_letter(gold)
    if letter is None:
        raise ValueError(f"gold answer is not a choice letter: {gold!r}")
    return letter
