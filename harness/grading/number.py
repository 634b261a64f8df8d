"""Grader for numeric answers (GSM8K, MGSM): read the final committed number, compare exactly.

The final answer is the last statement (``#### 18``, ``\\boxed{18}``, "The answer is 18", "答案是
十八", "Jibu ni kumi na mbili"), unless a take-back follows it, in which case the number the
correction arrives at counts. A statement whose number cannot be read is no answer: the grader
never falls back to a stray number from the working. Without any statement, the last number
counts. Two different numbers offered together ("18 or 20", two boxes) are a hedge: no answer,
unless the gold answer itself is a set of numbers, which then must all be given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from harness.grading.latex import latex_to_plain
from harness.grading.notation import asks_below_zero, blank_below_zero
from harness.grading.numbers import ascii_digits, format_number, values_in
from harness.grading.statements import final_commit
from harness.grading.text import prepare

Found = tuple[int, int, Fraction]

_LEAD = re.compile(r"[\s*_`$\\(\[{\"'“”«»„「」【】:：]{0,12}")
_OPERATOR_AFTER = re.compile(r"\s?(?:[-+*/×x÷·]|\\times|\\cdot)\s?[$€£¥₹(]?\s?\d")
_RANGE = re.compile(r"\s?(?:–|—|~|-|to|bis|à|до|hadi|到|至|から)\s?[$€£¥₹]?\s?(?=\d)", re.IGNORECASE)
# Between two numbers that are offered together: at most two unit words, then "or" / "and" / a
# comma ("18 dollars or 20 dollars", "18, 20", "18或20", "2 and 3").
_GAP = r"(?:\s?(?:[^\W\d_]{1,14}|[$€£¥₹%]))?(?:\s?[^\W\d_]{1,14})?\s?(?:,\s?)?\(?\s?"
_WORD = r"(?<![^\W\d_])(?:{})(?![^\W\d_])"  # whole words: "for" does not contain "or"
_OR = (
    _WORD.format(r"or|either|oder|bzw\.?|beziehungsweise|o|u|ou|или|либо|au|ama")
    + r"|也可能是|也可能|或者是|或者|或|还是|還是|か|หรือ|বা|অথবা|లేదా|,|、|/"
)
_AND = _WORD.format(r"and|und|y|e|et|и|na") + r"|和|与|與|及|と|และ|ও|এবং|మరియు"
_MAYBE = r"\s?(?:maybe|perhaps|possibly|vielleicht|quizás|quizá|peut-être|возможно|labda|也许|可能)?\s?[$€£¥₹]?\s?$"
_OR_GAP = re.compile(_GAP + r"(?:" + _OR + r")" + _MAYBE, re.IGNORECASE)
_ANY_GAP = re.compile(_GAP + r"(?:" + _OR + "|" + _AND + r")" + _MAYBE, re.IGNORECASE)
# Where a calculation states its result: "= 9", "which is 18", "ergibt 18", "等于18".
_RESULT = re.compile(
    r"=|≈|" + _WORD.format(r"equals|is|makes|gives|totals|ergibt|ist|es|est|fait|равно|составляет|ni")
    + r"|等于|是|为|は",
    re.IGNORECASE,
)
# A sentence states its result after its verb: "The total age of the four birds is 51 years",
# "X will be 109 years old in 10 years", "Die Gesamtstrecke beträgt 45 Meilen", "总共是72".
_STATES = re.compile(
    r"=|≈|" + _WORD.format(
        r"equals|is|are|was|were|be|makes|gives|totals|comes\s(?:to|out\sto)|ergibt|ist|sind|war|beträgt|betragen|wäre"
        r"|es|son|será|serán|sería|est|sont|sera|seront|fait|равно|равна|равен|составляет|составит|составляют|будет"
        r"|ni|itakuwa|ilikuwa|คือ|เท่ากับ|রয়েছে|হল|হলো|হবে|অবশিষ্ট") + r"|等于|是|为|為|共|は|です|となり|になり",
    re.IGNORECASE,
)
# An answer phrase that ends in a verb ("The answer is", "Antwort lautet", "答案是") is followed by its
# value; one that ends in a colon or is a heading ("Answer:", "**Final Answer**") may be followed by
# a whole sentence, whose subject can hold numbers ("all 3 boxes").
_PHRASE_VERB_END = re.compile(
    r"(?:[^\W\d_]*\s)?(?:is|are|be|ist|lautet|wäre|es|est|serait|sera|será|sería|ni|равен|будет|составляет|это"
    r"|হল|হলো|হবে|คือ)[\s*_]*$|(?:是|为|為|は|=|####)[\s*_]*$",
    re.IGNORECASE,
)
# A number after a preposition sets the scene ("in 10 years", "за 3 дня", "baada ya miaka 10", "nach
# 4 Stunden"); in a sentence that states an answer, it is not the answer.
_CONTEXT_BEFORE = re.compile(
    _WORD.format(
        r"in|after|for|per|each|every|of|within|over|during|nach|für|pro|je|binnen|innerhalb|за|через|после|в|на|из"
        r"|baada\sya|kwa|katika|dans|après|pour|par|en|tras|después\sde|por|durante|cada|ใน|ภายใน|หลังจาก"
    ) + r"(?:\s[^\W\d_]{1,12})?\s?$",
    re.IGNORECASE,
)
# The same with a postposition after the number and its unit: "1週間に", "3天后", "4 ঘণ্টা পরে",
# "3 రోజుల్లో" (not "です", "になります").
_CONTEXT_AFTER = re.compile(
    r"\s?[^\s\d.,!?。、，]{0,10}?(?:に(?!な)|で(?![すしき])|後|以内|あたり|ごとに|后|内|內|里|\sপরে|\sমধ্যে|\sধরে"
    r"|ల్లో|లో(?=\s)|\sతర్వాత)"
)
_PARENTHESES = re.compile(r"\([^()\n]{0,200}\)")
_DENIED = re.compile(r"\b(?:not|instead of|rather than|nicht|statt|no|pas|не|si)\s{1,2}[$€£¥₹]?\s?$", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"\n|[.!?](?=\s)|[。！？।]")


class GoldError(ValueError):
    """The gold answer is not a number: a data problem, not a wrong answer."""


@dataclass(frozen=True)
class NumberAnswer:
    """What a response answers: its numbers (None = no answer) and why."""

    values: tuple[Fraction, ...] | None
    reason: str | None = None


def gold_values(gold: str) -> frozenset[Fraction]:
    """The gold answer's value(s): one number, or a set ("2, 3"). Gold files write English numbers."""
    found = values_in(ascii_digits(latex_to_plain(gold)), "en")
    if not found:
        raise GoldError(f"gold answer is not a number: {gold[:80]!r}")
    return frozenset(v for _, _, v in found)


def grade_number(
    answer: str, gold: str, language: str = "en", prompt: str | None = None
) -> tuple[str | None, bool, str | None]:
    """Return ``(extracted, correct, reason)`` for ``answer`` against ``gold``.

    ``extracted`` is the canonical number ("18", "-2.5"), or for a set-valued gold the numbers
    given ("2, 3"); None when there is no answer or a hedge. ``prompt`` (optional): a question
    that asks "how many degrees below zero" is answered by "10 degrees below zero" with 10.
    """
    expected = gold_values(gold)
    if asks_below_zero(prompt):
        answer = blank_below_zero(answer)
    found = extract_answer(answer, language)
    if found.values is None:
        return None, False, found.reason
    distinct = tuple(dict.fromkeys(found.values))
    if len(expected) == 1 and len(distinct) > 1:
        shown = " or ".join(format_number(v) for v in distinct[:4])
        return None, False, f"several answers: {shown}"
    extracted = ", ".join(format_number(v) for v in distinct)
    return extracted, frozenset(distinct) == expected, found.reason


def extract_answer(answer: str, language: str = "en") -> NumberAnswer:
    """The number(s) ``answer`` commits to last."""
    text = ascii_digits(prepare(answer))
    commit = final_commit(text)
    if commit is None:
        values = _last_values(text, language)
        return NumberAnswer(values, None if values else "no number")
    if commit.correction is not None:
        values = _last_values(commit.correction, language)
        if values:
            return NumberAnswer(values, "revised")
        if commit.strong:
            return NumberAnswer(None, "answer taken back")
    values_out: list[Fraction] = []
    for statement in commit.group:
        sentence = statement.phrase and not statement.boxed and not _PHRASE_VERB_END.search(
            text, max(0, statement.value_start - 40), statement.value_start)
        values_out += read_values(statement.region, language, sentence=sentence) or []
    if not values_out:
        return NumberAnswer(None, "answer not readable as a number")
    return NumberAnswer(tuple(values_out))


def read_values(region: str, language: str, *, sentence: bool = False) -> list[Fraction] | None:
    """The number(s) a statement's region gives: the first number, the result of a calculation
    that starts with it ("16 - 3 - 4 = 9"), or every number offered with it ("18 or 20").

    ``sentence``: the region may be a whole sentence ("Answer: The total volume of all 3 boxes is
    72 cubic inches"); its first number counts only when no verb states a result after it."""
    plain = latex_to_plain(region)
    lead = _LEAD.match(plain)
    found = values_in(plain, language, words=True, answer_start=lead.end() if lead else 0)
    if not found:
        return None
    if sentence and len(found) > 1 and not _OPERATOR_AFTER.match(plain, found[0][1]):
        verb = _STATES.search(plain, found[0][1])
        after = [f for f in found if verb is not None and f[0] >= verb.end()]
        if after:
            found = after
        scene = [f for f in found if _CONTEXT_BEFORE.search(plain, max(0, f[0] - 24), f[0])
                 or _CONTEXT_AFTER.match(plain, f[1])]
        if scene and len(scene) < len(found):
            found = [f for f in found if f not in scene]
    start, end, value = found[0]
    if _OPERATOR_AFTER.match(plain, end):
        results = [m.end() for m in _RESULT.finditer(plain, end)]
        if results:
            after = [f for f in found if f[0] >= results[-1]]
            return [after[0][2]] if after else None
        rest = [f for f in found if f[0] >= end]
        if len(rest) == 1 and _RANGE.match(plain, end):
            return [value, rest[0][2]]  # "18-20": a range is not one answer
        return [found[-1][2]]
    if len(found) > 1 and _is_range(plain, found[0], found[1]):
        return [value, found[1][2]]
    return [v for _, _, v in _together(plain, found)]


def _together(text: str, found: list[Found]) -> list[Found]:
    """The first number and those offered with it ("18 or 20", "2, 3 and 5")."""
    out = [found[0]]
    for item in found[1:]:
        gap = text[out[-1][1] : item[0]]
        if len(gap) > 40 or not _ANY_GAP.match(gap):
            break
        out.append(item)
    return out


def _last_values(text: str, language: str) -> tuple[Fraction, ...] | None:
    """The last number in ``text`` (outside parentheses when possible), with any offered with it."""
    plain = latex_to_plain(text)
    found = values_in(plain, language)
    if not found:
        tail = plain[-300:]
        found = values_in(tail, language, words=True)
        plain = tail
    if not found:
        return None
    asides = [m.span() for m in _PARENTHESES.finditer(plain)]
    # Numbers in parentheses, or denied ("9 eggs, not 16"), are not what the text arrives at.
    outside = [
        f for f in found
        if not any(a <= f[0] and f[1] <= b for a, b in asides) and not _DENIED.search(plain, max(0, f[0] - 20), f[0])
    ] or found
    last = outside[-1]
    # "… = $64 for 16 glasses", "… = 5 eggs, which is $10": in the last sentence, the number
    # after its last "=" / "is" is the result.
    sentence = max((m.end() for m in _SENTENCE_BREAK.finditer(plain, 0, last[0])), default=0)
    results = [m.end() for m in _RESULT.finditer(plain, sentence, last[0])]
    if results:
        last = next(f for f in outside if f[0] >= results[-1])
    out = [last]
    # Numbers offered with it ("either $18 or $26"); in running text "and" joins facts, not answers.
    for item in reversed([f for f in outside if f[1] <= last[0]]):
        if not _OR_GAP.match(plain[item[1] : out[0][0]][-40:]) or out[0][0] - item[1] > 40:
            break
        out.insert(0, item)
    for item in [f for f in outside if f[0] >= last[1]]:
        if not _OR_GAP.match(plain[out[-1][1] : item[0]]) or item[0] - out[-1][1] > 40:
            break
        out.append(item)
    if len(out) == 1 and len(outside) > 1:
        previous = [f for f in outside if f[1] <= last[0]]
        if previous and _is_range(plain, previous[-1], last) and "=" not in plain[previous[-1][0] : last[1]]:
            out.insert(0, previous[-1])
    return tuple(v for _, _, v in out)


def _is_range(text: str, first: Found, second: Found) -> bool:
    """Whether ``first`` and ``second`` are joined as a range ("18-20", "18 to 20")."""
    joined = _RANGE.match(text, first[1])
    return joined is not None and joined.end() == second[0]
