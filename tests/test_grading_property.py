"""Property: for random valid outputs with a known answer, grading the output, its revisions and
its hedges gives the known verdict. A seeded generator (no extra dependency) composes outputs
from a model style, working with distractor numbers, an answer phrase in the task's language,
and the answer written in one of the ways models write it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from harness.grading import grade

SEEDS = range(8)
PER_SEED = 60

PHRASES = {
    "en": ["The answer is {}.", "Answer: {}", "**Final Answer:** {}", "So the final answer is {}.", "#### {}"],
    "de": ["Die Antwort lautet {}.", "Antwort: {}", "Die richtige Antwort ist {}."],
    "es": ["La respuesta es {}.", "Respuesta: {}", "Respuesta final: {}"],
    "fr": ["La réponse est {}.", "Réponse : {}", "La bonne réponse est {}."],
    "ru": ["Ответ: {}", "Ответ — {}.", "Правильный ответ: {}"],
    "sw": ["Jibu ni {}.", "Jibu: {}"],
    "zh": ["答案是 {}。", "答案：{}", "最终答案：{}"],
    "ja": ["答えは{}です。", "答え：{}"],
    "bn": ["উত্তর: {}", "উত্তর হল {}।"],
    "te": ["సమాధానం: {}"],
    "th": ["คำตอบคือ {}", "คำตอบ: {}"],
}
TAKE_BACK = {
    "en": ["Wait, that is wrong.", "Hmm, actually I made a mistake.", "Correction:", "Oops, let me redo this."],
    "de": ["Moment, das ist falsch.", "Korrektur:"], "es": ["Espera, me equivoqué.", "Corrección:"],
    "fr": ["Attends, je me suis trompé.", "En fait, c'est faux."], "ru": ["Подожди, это неверно.", "Исправление:"],
    "sw": ["Subiri, hilo si sahihi."], "zh": ["等等，不对。", "更正："], "ja": ["待って、間違えました。", "訂正："],
    "bn": ["অপেক্ষা করুন, এটা ভুল।"], "te": ["ఆగండి, అది తప్పు."], "th": ["เดี๋ยวก่อน ผิดครับ"],
}
OR = {"en": "or", "de": "oder", "es": "o", "fr": "ou", "ru": "или", "sw": "au", "zh": "或", "ja": "か",
      "bn": "অথবা", "te": "లేదా", "th": "หรือ"}
DIGITS = {"bn": "০১২৩৪৫৬৭৮৯", "th": "๐๑๒๓๔๕๖๗๘๙", "te": "౦౧౨౩౪౫౬౭౮౯"}
CJK = "零一二三四五六七八九"
LANGUAGES = sorted(PHRASES)


def chinese(n: int) -> str:
    """1 <= n < 100000 in Chinese numerals (三十五, 一百二十, 两万三千零五)."""
    out = ""
    zero = False
    for unit, name in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, unit)
        if digit:
            if zero and out:
                out += "零"
            out += ("" if (unit == 10 and digit == 1 and not out) else CJK[digit]) + name
            zero = False
        elif out:
            zero = True
    return out


def written(value: int, language: str, rng: random.Random) -> str:
    """``value`` as a model might write it in ``language``."""
    forms: list[Callable[[], str]] = [
        lambda: str(value),
        lambda: f"**{value}**",
        lambda: f"${value}" if language == "en" else f"{value} $",
        lambda: f"\\boxed{{{value}}}",
    ]
    if value >= 1000 and language in ("en", "zh", "ja"):
        forms.append(lambda: f"{value:,}")
    if value >= 1000 and language in ("de", "es"):
        forms.append(lambda: f"{value:,}".replace(",", "."))
    if value >= 1000 and language in ("fr", "ru"):
        forms.append(lambda: f"{value:,}".replace(",", "\u202f"))
    if language in DIGITS:
        forms.append(lambda: "".join(DIGITS[language][int(d)] for d in str(value)))
    if language in ("zh", "ja") and 0 < value < 100000:
        forms.append(lambda: chinese(value))
    if language == "zh" and value >= 10000 and value % 10000 == 0:
        forms.append(lambda: f"{value // 10000}万")
    return rng.choice(forms)()


def working(rng: random.Random) -> str:
    a, b = rng.randint(2, 40), rng.randint(2, 40)
    low = min(a, b)
    return rng.choice([f"{a} + {b} = {a + b}.", f"{a} × {b} = {a * b}.", f"First, {a} - {low} = {a - low}."])


def styled(answer: str, rng: random.Random) -> tuple[str, dict[str, object]]:
    """An answer part wrapped as one of the catalogue's model families writes it."""
    style = rng.choice(["plain", "think", "r1", "harmony", "nothink"])
    thinking = f"Let me work it out. {working(rng)} Maybe {rng.randint(1, 99)}? No."
    if style == "think":
        return f"<think>\n{thinking}\n</think>\n\n{answer}", {"reasoning_format": "think"}
    if style == "r1":
        return f"{thinking}\n</think>\n\n{answer}", {"reasoning_format": "think", "think_in_prompt": True}
    if style == "harmony":
        return f"analysis{thinking}assistantfinal{answer}", {"reasoning_format": "harmony"}
    if style == "nothink":
        return f"<think>\n\n</think>\n\n{answer}", {"reasoning_format": "think"}
    return answer, {}


def number_case(rng: random.Random) -> tuple[str, int, int, list[tuple[str, bool]], dict[str, object]]:
    """A language, the answer, a wrong value, and (output, correct?) variants."""
    language = rng.choice(LANGUAGES)
    value = rng.choice([rng.randint(0, 99), rng.randint(100, 9999), rng.randint(1, 9) * 10000])
    wrong = value + rng.randint(1, 50)
    phrase = rng.choice(PHRASES[language])
    work = " ".join(working(rng) for _ in range(rng.randint(0, 3)))

    def state(v: int) -> str:
        return phrase.format(written(v, language, rng))

    variants = [
        (f"{work}\n\n{state(value)}", True),
        (f"{work}\n\n{state(wrong)}", False),
        # a revision: the final committed answer counts
        (f"{state(wrong)}\n\n{rng.choice(TAKE_BACK[language])} {work}\n\n{state(value)}", True),
        (f"{state(value)}\n\n{rng.choice(TAKE_BACK[language])} {work}\n\n{state(wrong)}", False),
        # a revision in prose, with no answer phrase: the number it arrives at
        (f"{state(wrong)}\n\n{rng.choice(TAKE_BACK[language])} {work} → {value}", True),
        # no answer phrase at all: the last number
        (f"{work}\n{value}", True),
        # a hedge is not an answer, whichever of its numbers is right
        (f"{work}\n\n{phrase.format(f'{value} {OR[language]} {wrong}')}", False),
        (f"{work}\n\n\\boxed{{{value}}} {OR[language]} \\boxed{{{wrong}}}", False),
    ]
    answer, options = styled("", rng)
    return language, value, wrong, [(answer + text, ok) for text, ok in variants], options


@pytest.mark.parametrize("seed", SEEDS)
def test_numbers_revisions_and_hedges(seed: int) -> None:
    rng = random.Random(seed)
    failures = []
    for _ in range(PER_SEED):
        language, value, _, variants, options = number_case(rng)
        for text, ok in variants:
            verdict = grade("number", text, str(value), language=language, **options)  # type: ignore[arg-type]
            if verdict.correct != ok or verdict.ungradable:
                failures.append((language, value, ok, verdict.extracted, verdict.reason, text))
    assert failures == []


LETTER_PHRASES = ["Answer: {}", "The answer is ({}).", "The correct answer is **{}**.", "**Answer: {}**",
                  "答案：{}", "Antwort: {})", "Ответ: {}", "La respuesta es {}.", "$\\boxed{{{}}}$", "I'd go with {}."]


def letter_case(rng: random.Random) -> tuple[str, list[str], list[tuple[str, bool]]]:
    choices = rng.sample(["Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Lisbon", "Oslo"], 4)
    gold = rng.choice("ABCD")
    other = rng.choice([x for x in "ABCD" if x != gold])
    phrase = rng.choice(LETTER_PHRASES)
    case = rng.choice([str.upper, str.lower]) if "(" in phrase or ")" in phrase else str.upper
    why = f"{choices['ABCD'.index(gold)]} fits the question; {other} does not."
    restated = "\n".join(f"{x}. {c}" for x, c in zip("ABCD", choices, strict=True))
    variants = [
        (f"{why}\n\n{phrase.format(case(gold))}", True),
        (f"{restated}\n\n{phrase.format(case(gold))}", True),
        (f"{why}\n\n{phrase.format(case(other))}", False),
        (f"{phrase.format(other)}\n\nWait, that is wrong. The correct answer is {gold}.", True),
        (f"{phrase.format(gold)}\n\nHmm, actually I made a mistake: the answer is {other}.", False),
        (f"The answer is {gold} or {other}.", False),
        (f"Answer: ({gold}) and ({other})", False),
        (f"Answer: {choices['ABCD'.index(gold)]}", True),
        (f"{other} is incorrect, and so is the rest except {gold}. Answer: {gold}", True),
    ]
    return gold, choices, variants


@pytest.mark.parametrize("seed", SEEDS)
def test_letters_revisions_and_hedges(seed: int) -> None:
    rng = random.Random(1000 + seed)
    failures = []
    for _ in range(PER_SEED):
        gold, choices, variants = letter_case(rng)
        for text, ok in variants:
            answer, options = styled(text, rng)
            verdict = grade("choice_letter", answer, gold, choices=choices, **options)  # type: ignore[arg-type]
            if verdict.correct != ok or verdict.ungradable:
                failures.append((gold, ok, verdict.extracted, verdict.reason, answer))
    assert failures == []


def test_chinese_numerals_helper() -> None:
    assert [chinese(n) for n in (5, 10, 15, 35, 120, 1005, 20304, 70000)] == [
        "五", "十", "十五", "三十五", "一百二十", "一千零五", "二万零三百零四", "七万"]
