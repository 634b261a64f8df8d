"""Graders for multiple choice: a letter written by the model, or chosen by log-likelihood.

Evidence for a written letter, strongest first:

1. statements: a box or an answer phrase followed by a letter ("The answer is (B)", "答案：B",
   "Antwort: b)", "Ответ: Б", "Answer: 'C'"), or by an option's text ("Answer: Paris"), and
   sentences affirming an option ("C is correct", "选项B正确"). The final committed statement
   counts (see ``harness.grading.statements``); a take-back after it hands the choice to the
   letter the correction arrives at. Two letters given together ("A、C", "(B) and (D)", two
   boxes) are a hedge: no answer;
2. without statements, a letter set apart by markup (``**B**``, ``(B)``, ``B.`` at a line start),
   then a capital letter standing alone, then an option's text as the whole answer or its last
   line. Letters in a restated option list or in a sentence rejecting an option never count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.grading.letters import (
    LATIN,
    affirmed,
    choice_letters,
    choices_from_prompt,
    inline_list_spans,
    normalise_letters,
    option_list_spans,
    rejected_positions,
)
from harness.grading.statements import Statement, final_commit, statements
from harness.grading.text import prepare

_LETTER_AT = re.compile(
    r"[\s*_`$\"'“”‘’«»„「」『』【】:：=\\]{0,8}(?:\\boxed\{|\\text(?:bf)?\{|\\mathrm\{)?[\s*]{0,2}"
    r"(?:(?:option|choice|letter|either|both|opción|opcion|opção|la|el|le|l['’]|die|das|der|variante|вариант|chaguo|选项|選項"
    r"|選択肢|ตัวเลือก|বিকল্প|ఎంపిక)\s?){0,2}[(\[（【「『\"'“‘«]?\s?\**\s?(?P<l>[A-Za-z])"
    r"(?![A-Za-z\u00C0-\u024F\u0400-\u04FF]|['’][A-Za-z])",
    re.IGNORECASE,
)
_CLOSED = re.compile(r"\s?[)\]）】」』\"'”’».:：*,，;；!?！？、]|\s?$")
_MORE = re.compile(
    r"[)\]）\s*]{0,3}(?:[,，、/&+]|\s(?:and|or|und|oder|y|o|et|ou|и|или|na|au|ama|বা|অথবা|এবং|లేదా|మరియు)\s"
    r"|和|或|及|与|以及|か|または|もしくは|と|หรือ|และ)\s?"
    r"(?:option\s|choice\s)?[(\[（]?\s?(?P<l>[A-J])(?![A-Za-z])",
    re.IGNORECASE,
)
# "B) and C) is wrong": a letter named to be rejected is not a second answer.
_REJECTED_AFTER = re.compile(
    r"[)\]）]?\s?(?:is|are|was|ist|es|est|是)?\s?(?:wrong|incorrect|false|not|falsch|incorrect[ao]|faux|fausse|错|錯|不)",
    re.IGNORECASE,
)
_PARTNER = re.compile(
    r"(?<![A-Za-z])[(\[]?(?P<l>[A-J])[)\]]?\s?(?:/|&|、|\sor|\sand|\sund|\soder|\sou|\set|\sy|\so|\sили|\sи|或|和)\s?[(\[]?$"
)
_CLAUSE_BREAK = re.compile(r"[,;(（—–]|\s(?:which|because|since|as|that|while|compared|whereas|unlike)\b")
_LETTER_RUN = re.compile(r"[\s*_`$\\{}()]*(?:text\{)?([A-J]{2,4})[\s*_`$\\{}().]*")
_SET_APART = re.compile(
    r"\*\*\s?[(\[]?(?P<a>[A-J])[)\].:]?\s?\*\*"  # **B**, **(B)**, **B.**
    r"|\*\*\s?(?P<b>[A-J])[).:]\s"  # **B) text**
    r"|[(（](?P<c>[A-J])[)）]"  # (B)
    r"|^[ \t>*#-]{0,4}(?P<d>[A-J])\s?[.)：:](?!\d)",  # B. at line start
    re.MULTILINE,
)
_STANDALONE = re.compile(r"(?<![A-Za-z\u00C0-\u024F\u0400-\u04FF])([A-J])(?![A-Za-z\u00C0-\u024F\u0400-\u04FF'’])")
_FORMULA_AFTER = re.compile(
    r"\s?(?:[=≈≠<>≤≥^²³_]|[+*/×·]\s?[\w(]|-\s?(?:\d|[A-Za-z](?![A-Za-z]))|\(\w{1,3}\)\s?=)")
_FORMULA_BEFORE = re.compile(r"[=≈+*/×·^]\s?$")
_PROSE_AFTER = re.compile(r"\s(?!(?:is|was|and|or|seems|appears|would|should|must)\b)[a-zа-яё]")
_BARE = re.compile(r"[\s*_`$\\{}()\[\]（）.:：\"'“”]*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_TEXT_NOISE = re.compile(r"[\s*_`.。,，:：;；!！?？\"'“”「」()（）\[\]$]+")


def normalise_letter(text: str) -> str | None:
    """``"(b)"``, ``" B. "``, ``"Ｂ"`` -> ``"B"``; None if ``text`` is not a single letter."""
    bare = _BARE.sub("", normalise_letters(text))
    return bare.upper() if len(bare) == 1 and bare.upper() in LATIN else None


def grade_choice(
    answer: str, gold: str, choices: Sequence[str] = (), prompt: str | None = None
) -> tuple[str | None, bool, str | None]:
    """Return ``(letter(s), correct, reason)`` for a written multiple-choice answer."""
    expected = gold_letters(gold)
    if not choices and prompt:
        choices = choices_from_prompt(prompt)
    letters = choice_letters(choices)
    letters += "".join(x for x in sorted(expected) if x not in letters)
    found, reason = extract_letters(answer, letters, choices, prompt)
    if not found:
        return None, False, reason
    distinct = tuple(dict.fromkeys(found))
    if len(expected) == 1 and len(distinct) > 1:
        return None, False, f"several answers: {' or '.join(distinct)}"
    return ", ".join(distinct), frozenset(distinct) == expected, reason


def extract_letters(
    answer: str, letters: str, choices: Sequence[str] = (), prompt: str | None = None
) -> tuple[tuple[str, ...], str | None]:
    """The letter(s) ``answer`` commits to last, and a reason when there are none."""
    text = normalise_letters(prepare(answer), prompt, choices)
    whole = normalise_letter(text)
    if whole is not None and whole in letters:
        return (whole,), None
    read: dict[int, tuple[str, ...]] = {}
    found: list[Statement] = []
    for statement in statements(text):
        got = read_letters(statement.region, letters, choices)
        if got:
            read[id(statement)] = got
            found.append(statement)
    for start, end, named in affirmed(text):
        if all(letter in letters for letter in named):
            statement = Statement(start, start, end, named, False, True)
            read[id(statement)] = tuple(named)
            found.append(statement)
    found.sort(key=lambda s: (s.start, s.end))
    commit = final_commit(text, found)
    if commit is None:
        weak = _weak_letter(text, letters, choices)
        return (tuple(weak), None) if weak else ((), "no letter")
    if commit.correction is not None:
        weak = _weak_letter(commit.correction, letters, ())
        if weak:
            return tuple(weak), "revised"
        if commit.strong:
            return (), "answer taken back"
    return tuple(x for s in commit.group for x in read[id(s)]), None


def read_letters(region: str, letters: str, choices: Sequence[str]) -> tuple[str, ...]:
    """The letter(s) a statement gives: "(B)", "b)", "'C'", "A、C", "(B) and (D)", or an option's text."""
    run = _LETTER_RUN.fullmatch(region)
    if run and all(c in letters for c in run.group(1)):
        return tuple(run.group(1))  # \boxed{AC}
    match = _LETTER_AT.match(region)
    if match:
        letter = match.group("l")
        closed = _CLOSED.match(region, match.end())
        if letter.upper() in letters and (letter.isupper() or closed):
            out = [letter.upper()]
            pos = match.end()
            while more := _MORE.match(region, pos):
                if more.group("l").upper() not in letters or _REJECTED_AFTER.match(region, more.end()):
                    break
                out.append(more.group("l").upper())
                pos = more.end()
            return tuple(out)
    if not choices:
        return ()
    # "The answer is nitrogen, which …, compared with oxygen": the option named first counts.
    head = _CLAUSE_BREAK.split(region, maxsplit=1)[0]
    return letters_by_text(head, choices) or letters_by_text(region, choices)


def letters_by_text(text: str, choices: Sequence[str]) -> tuple[str, ...]:
    """The letter(s) of the options whose text ``text`` states ("Answer: Paris", "So London.")."""
    key = _TEXT_NOISE.sub(" ", text).strip().casefold()
    texts = [_TEXT_NOISE.sub(" ", c).strip().casefold() for c in choices]
    exact = [i for i, t in enumerate(texts) if t and t == key]
    if len(exact) == 1:
        return (LATIN[exact[0]],)
    hits = [i for i, t in enumerate(texts) if t and _contains(key, t)]
    # "New York" contains "York": keep only options not inside another hit.
    hits = [i for i in hits if not any(j != i and texts[i] in texts[j] for j in hits)]
    return tuple(LATIN[i] for i in hits)


def _contains(text: str, part: str) -> bool:
    """``part`` occurs in ``text`` as whole words (any position for CJK text, which has no spaces)."""
    start = text.find(part)
    while start >= 0:
        end = start + len(part)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if (not before.isalnum() or _CJK.match(part[0])) and (not after.isalnum() or _CJK.match(part[-1])):
            return True
        start = text.find(part, start + 1)
    return False


def _with_partner(text: str, pos: int, letter: str, letters: str) -> str:
    """``letter``, or it and the letter offered with it ("A and C", "B/C", "(B) or (C)") as a hedge."""
    partner = _PARTNER.search(text, max(0, pos - 16), pos)
    if partner and partner.group("l") in letters and partner.group("l") != letter:
        return partner.group("l") + letter
    return letter


def _weak_letter(text: str, letters: str, choices: Sequence[str]) -> str | None:
    """A letter set apart, standing alone, or an option's text — outside lists and rejections."""
    lists = option_list_spans(text) + inline_list_spans(text)
    rejected = rejected_positions(text)

    def usable(pos: int) -> bool:
        return pos not in rejected and not any(a <= pos < b for a, b in lists)

    for match in reversed(list(_SET_APART.finditer(text))):
        name = next(k for k, v in match.groupdict().items() if v)
        if match.group(name) in letters and usable(match.start(name)):
            return _with_partner(text, match.start(name), match.group(name), letters)
    for match in reversed(list(_STANDALONE.finditer(text))):
        letter = match.group(1)
        if letter not in letters or not usable(match.start()):
            continue
        if letter in "AI" and _PROSE_AFTER.match(text, match.end()):
            continue  # the article "A", the pronoun "I"
        if _FORMULA_AFTER.match(text, match.end()) or _FORMULA_BEFORE.search(text, max(0, match.start() - 3),
                                                                              match.start()):
            continue  # a variable in a formula ("E = hc/λ", "A = πr²", "F = ma"), not an option
        return _with_partner(text, match.start(), letter, letters)
    if choices:
        body = text
        for a, b in reversed(lists):
            body = body[:a] + body[b:]
        lines = [line for line in body.split("\n") if line.strip()]
        for candidate in lines[-1:] + [body]:
            got = letters_by_text(candidate, choices)
            if len(got) == 1:
                return got[0]
    return None


def grade_likelihood_choice(
    response: str, gold: str, choices: Sequence[str] = ()
) -> tuple[str | None, bool]:
    """Return ``(letter, correct)`` when the backend already picked a choice by log-likelihood.

    ``response`` is the letter, or (as stored in run records) the chosen option's text.
    """
    expected = gold_letters(gold)
    letter = normalise_letter(response)
    key = response.strip().casefold()
    if letter is None and not choices and key in ("no", "yes"):
        choices = ("no", "yes")  # BoolQ, the one yes/no task, scores " no" then " yes" (lm-eval)
    if letter is None and choices:
        hits = [i for i, c in enumerate(choices) if c.strip().casefold() == key]
        letter = LATIN[hits[0]] if len(hits) == 1 else None
    return letter, letter is not None and frozenset(letter) == expected


def gold_letters(gold: str) -> frozenset[str]:
    """The gold letter(s): "B", "(b)", or a set "A, C"."""
    letter = normalise_letter(gold)
    if letter is not None:
        return frozenset(letter)
    parts = [p for p in re.split(r"[\s,;、]+", gold.strip()) if p]
    if len(parts) > 1 and all(len(p) == 1 and p in LATIN for p in parts):
        return frozenset(parts)
    raise ValueError(f"gold answer is not a choice letter: {gold[:80]!r}")
