"""Where a response states, boxes, or takes back its final answer, in the MGSM languages.

Patterns run on text from ``harness.grading.text.prepare`` (whitespace runs are at most two
characters), so no ``\\s*`` here can backtrack over a long run: matching is linear.

Phrases of every language are searched whatever the task's language, because models often
answer a German question in English and vice versa. Each marker is distinctive enough not to
fire in ordinary reasoning ("the answer is", not "answer").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

W = r"\s{1,2}"  # a word gap in prepared text
SP = r"\s{0,2}"  # an optional gap
_COLON = SP + r"\**" + SP + r"[:：]"
_VERB = r"(?:is|would" + W + r"be|will" + W + r"be|should" + W + r"be|must" + W + r"be|=)"

_MARKERS = [
    # English
    r"\b(?:the" + W + r")?(?:final|correct|right|best|corrected|true)" + W + r"(?:answer|option|choice|result)"
    + SP + r"\**" + SP + r"(?:" + _VERB + r"|[:：])",
    r"\bthe" + W + r"answer(?:" + W + r"to" + W + r"(?:the|this)" + W + r"(?:question|problem))?" + W + _VERB,
    r"\b(?:my|our)" + W + r"(?:final" + W + r")?answer" + W + r"is\b",
    r"\bthe" + W + r"(?:correct" + W + r"|right" + W + r"|final" + W + r")?answers" + W + r"are\b",
    # not "check our answer:" / "verify your answer:"
    r"(?<!our )(?<!check )(?<!verify )(?<!your )\b(?:final" + W + r")?answer" + _COLON,
    r"\bfinal" + W + r"answer" + SP + r"\**" + SP + r"(?=\n)",  # a "**Final Answer**" heading
    r"\bI" + W + r"(?:would" + W + r"|will" + W + r"|'ll" + W + r"|'d" + W + r")?(?:choose|pick|select|go" + W
    + r"with)\b",
    r"####",
    # German
    r"\b(?:die" + W + r")?(?:richtige" + W + r"|korrekte" + W + r"|endgültige" + W + r")?antwort" + W
    + r"(?:lautet|ist|wäre)\b",
    r"\b(?:endgültige" + W + r")?antwort" + _COLON,
    r"\bendergebnis(?:" + _COLON + r"|" + W + r"(?:lautet|ist)\b)",
    # Spanish
    r"\bla" + W + r"(?:respuesta|opción|opcion)" + W + r"(?:correcta" + W + r"|final" + W + r")?(?:es|sería|será)\b",
    r"\brespuesta(?:" + W + r"final|" + W + r"correcta)?" + _COLON,
    # French
    r"\bla" + W + r"(?:bonne" + W + r")?réponse" + W + r"(?:finale" + W + r"|correcte" + W + r"|exacte" + W
    + r")?(?:est|serait|sera)\b",
    r"\bl['’]option" + W + r"(?:correcte|juste)" + W + r"est\b",
    r"\bréponse(?:" + W + r"finale)?" + _COLON,
    # Russian ("в ответ на" is not a marker: the word must be followed by a dash, colon or verb)
    r"(?<![^\W\d_])(?:правильный" + W + r"|окончательный" + W + r"|итоговый" + W + r"|верный" + W
    + r")?ответ" + SP + r"\**" + SP + r"(?:[—–:：-]|равен|будет|составляет|это)",
    r"(?<![^\W\d_])правильный" + W + r"вариант" + SP + r"(?:[—–:：-]|это)",
    # Swahili
    r"\bjibu" + W + r"(?:sahihi" + W + r"|la" + W + r"mwisho" + W + r")?ni\b",
    r"\bjibu(?:" + W + r"sahihi|" + W + r"la" + W + r"mwisho)?" + _COLON,
    # Chinese
    r"(?:最终|最終|正确|正確)?答案(?:应该|应|應|可能)?(?:是|为|為|选|選|[:：])",
    r"(?:正确|正確)(?:选项|選項)(?:是|为|為|[:：])",
    r"(?:故|应|應|所以|因此)选(?:择)?",
    # Japanese
    r"答え(?:は|[:：])",
    r"(?:解答|正解)(?:は|[:：])",
    # Bengali
    r"(?:সঠিক" + W + r")?উত্তর(?:টি)?" + SP + r"(?:হল|হলো|হবে|[:：])",
    # Telugu
    r"(?:సమాధానం|జవాబు)" + SP + r"[:：]?",
    # Thai
    r"คำตอบ(?:สุดท้าย|ที่ถูกต้อง)?" + SP + r"(?:คือ|[:：])",
]
ANSWER_MARKER = re.compile("|".join(f"(?:{m})" for m in _MARKERS), re.IGNORECASE)

# MGSM's step-by-step headers contain the word "answer"; a model that echoes one must not
# have it read as its final answer.
_COT_HEADERS = re.compile(
    r"step[- ]by[- ]step" + W + r"answer" + SP + r"[:：]|schritt-für-schritt-antwort" + SP + r"[:：]"
    r"|respuesta" + W + r"paso" + W + r"a" + W + r"paso" + SP + r"[:：]|réponse" + W + r"étape" + W + r"par" + W
    + r"étape" + SP + r"[:：]|пошаговое" + W + r"решение" + SP + r"[:：]|jibu" + W + r"la" + W + r"hatua" + W
    + r"kwa" + W + r"hatua" + SP + r"[:：]|ধাপে" + W + r"ধাপে" + W + r"উত্তর" + SP + r"[:：]|ステップごとの答え" + SP
    + r"[:：]|దశలవారీగా" + W + r"సమాధానం" + SP + r"[:：]|คำตอบทีละขั้นตอน" + SP + r"[:：]|逐步解答" + SP + r"[:：]",
    re.IGNORECASE,
)

# A sentence that takes back what came before. Strong ones say the answer was wrong; weak ones
# ("Wait,", "Actually,") only announce a second look, so they count at a sentence start.
_STRONG = [
    r"\b(?:that|this|it)(?:'s|’s|" + W + r"is|" + W + r"was)" + W + r"(?:wrong|incorrect|not" + W
    + r"(?:right|correct))",
    r"\bI" + W + r"(?:made" + W + r"(?:a|an)" + W + r"(?:mistake|error)|was" + W
    + r"wrong|miscalculated|misread|misunderstood|messed" + W + r"up)",
    r"\bmy" + W + r"(?:mistake|bad|error)\b",
    r"\b(?:correction|correcting|corrected)\b",
    r"\b(?:oops|scratch" + W + r"that|on" + W + r"second" + W + r"thought)\b",
    r"\bich" + W + r"habe" + W + r"mich" + W + r"(?:verrechnet|vertan|geirrt)|\bdas" + W + r"ist" + W
    + r"(?:falsch|nicht" + W + r"richtig)|\bkorrektur\b",
    r"\bme" + W + r"equivoqué|\beso" + W + r"(?:es|está)" + W + r"(?:mal|incorrecto)|\bcorrección\b",
    r"\bje" + W + r"me" + W + r"suis" + W + r"trompée?|\bc['’]est" + W + r"(?:faux|incorrect)",
    r"я" + W + r"ошиб|это" + W + r"неверно|исправлени",
    r"\bhilo" + W + r"si" + W + r"sahihi\b",
    r"我算错|我算錯|更正|纠正|糾正|訂正",
]
_WEAK_WORDS = (
    r"(?:no,?" + W + r")?wait|actually|hold" + W + r"on|hmm+|no,|however," + W
    + r"(?:re-?reading|looking" + W + r"again)"
    + r"|let" + W + r"me" + W + r"(?:re-?check|re-?calculate|re-?compute|re-?consider|re-?read|double[- ]check"
    + r"|check" + W + r"again|correct" + W + r"(?:that|this|myself))|re-?reading|upon" + W + r"(?:further" + W
    + r")?(?:reflection|review)"
    + r"|warte|moment|halt|eigentlich|nein,|espera|un" + W + r"momento|en" + W + r"realidad|attends|attendez"
    + r"|en" + W + r"fait|подожди|стоп|на" + W + r"самом" + W + r"деле|subiri|samahani|kwa" + W + r"kweli"
)
_WEAK_SCRIPT = r"等等|等一下|不对|不對|错了|錯了|其实|其實|重新计算|待って|いや、|実は|আসলে|অপেক্ষা|ఆగండి|నిజానికి|เดี๋ยว|ที่จริง"
RETRACTION = re.compile(
    r"(?P<strong>" + "|".join(_STRONG) + r")"
    r"|(?:^|(?<=[.!?。！？\n(:;—]))" + SP + r"\**(?P<weak>(?:" + _WEAK_WORDS + r")(?![^\W\d_])|" + _WEAK_SCRIPT + r")",
    re.IGNORECASE,
)

_BOXED = re.compile(r"\\(?:boxed|fbox)")
_MAX_BOXES = 64
_MAX_BOXED_LEN = 2_000


@dataclass(frozen=True)
class Span:
    """A piece of the answer text: where it starts and ends, and what it says."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Retraction:
    """A sentence that takes back an answer; ``strong`` when it says the answer was wrong."""

    start: int
    end: int
    strong: bool


def markers(text: str) -> list[Span]:
    """Every answer phrase in ``text``, in order (``text`` is the phrase itself)."""
    masked = _COT_HEADERS.sub(lambda m: " " * len(m.group(0)), text)
    return [Span(m.start(), m.end(), m.group(0)) for m in ANSWER_MARKER.finditer(masked)]


def retractions(text: str, start: int = 0) -> list[Retraction]:
    """Every take-back in ``text[start:]``, in order."""
    return [
        Retraction(m.start(), m.end(), m.group("strong") is not None)
        for m in RETRACTION.finditer(text, start)
    ]


def boxes(text: str) -> list[Span]:
    """Every well-formed ``\\boxed{…}`` / ``\\fbox{…}`` / ``\\boxed 5`` (the last ``_MAX_BOXES``).

    ``start`` is where ``\\boxed`` starts, ``end`` is after the closing brace, ``text`` the
    stripped content. Braces nest; escaped braces (``\\{``) do not count; unbalanced boxes are
    skipped.
    """
    found = []
    for match in list(_BOXED.finditer(text))[-_MAX_BOXES:]:
        got = _box_content(text, match.end())
        if got is not None:
            content, end = got
            found.append(Span(match.start(), end, content.strip()))
    return found


def open_box(text: str) -> str | None:
    """Why the last ``\\boxed`` of ``text`` is no answer, if it is not: never closed (the output
    was cut inside it) or longer than ``_MAX_BOXED_LEN`` characters; None when it is well formed."""
    last: re.Match[str] | None = None
    for match in _BOXED.finditer(text, max(0, len(text) - 4 * _MAX_BOXED_LEN)):
        last = match
    if last is None or _box_content(text, last.end()) is not None:
        return None
    pos = last.end()
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    if pos >= len(text) or text[pos] != "{":
        return None  # `\boxedfoo`, or a bare token that cannot be read: not a cut box
    return f"answer box over {_MAX_BOXED_LEN:,} characters" if len(text) - pos > _MAX_BOXED_LEN else (
        "answer box never closed")


_BARE_TOKEN = re.compile(r"[^\s$]{1,200}")


def _box_content(text: str, pos: int) -> tuple[str, int] | None:
    n = len(text)
    after_name = pos
    while pos < n and text[pos] in " \t":
        pos += 1
    if pos >= n:
        return None
    if text[pos] != "{":
        if pos == after_name and text[pos].isalpha():
            return None  # `\boxedfoo` is another command
        # `\boxed 5`: one bare token, ending at whitespace or a closing `$`.
        match = _BARE_TOKEN.match(text, pos)
        return (match.group(0), match.end()) if match else None
    depth = 0
    i = pos
    end = min(n, pos + _MAX_BOXED_LEN)
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[pos + 1 : i], i + 1
        i += 1
    return None
