"""Where a response states its final answer: answer phrases in many languages, ``\\boxed{}``.

Phrases of every language are searched whatever the task's language, because models often
answer a German question in English and vice versa. Each marker is distinctive enough not to
fire in ordinary reasoning ("the answer is", not "answer").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One alternative per phrase family. Matching is case-insensitive; `\s` covers the (narrow)
# no-break space French puts before a colon.
_COLON = r"\s*\**\s*[:：]"
_MARKERS = [
    # English
    (
        r"\b(?:the\s+)?(?:final|correct|right|best)\s+(?:answer|option|choice)\s*\**\s*"
        r"(?:is|would\s+be|will\s+be|should\s+be|must\s+be|[:：])"
    ),
    r"\bthe\s+answer\s+(?:is|would\s+be|will\s+be|should\s+be|must\s+be)\b",
    # not "check our answer:" / "verify your answer:"
    r"(?<!our )(?<!check )(?<!verify )\b(?:final\s+)?answer" + _COLON,
    r"\bfinal\s+answer\s*\**\s*(?=\n)",  # a "**Final Answer**" heading
    r"####",
    # German
    r"\b(?:die\s+)?(?:richtige\s+|korrekte\s+|endgültige\s+)?antwort\s+(?:lautet|ist)\b",
    r"\bantwort" + _COLON,
    r"\bendergebnis(?:" + _COLON + r"|\s+(?:lautet|ist)\b)",
    # Spanish
    r"\bla\s+respuesta\s+(?:correcta\s+|final\s+)?es\b",
    r"\brespuesta(?:\s+final|\s+correcta)?" + _COLON,
    # French
    r"\bla\s+(?:bonne\s+)?réponse\s+(?:finale\s+|correcte\s+)?est\b",
    r"\bréponse(?:\s+finale)?" + _COLON,
    # Russian
    r"(?<![^\W\d_])(?:правильный\s+|окончательный\s+)?ответ\s*(?:[—–:：-]|равен|будет|составляет)",
    # Swahili
    r"\bjibu\s+(?:sahihi\s+|la\s+mwisho\s+)?ni\b",
    r"\bjibu" + _COLON,
    # Chinese
    r"(?:最终|最終|正确|正確)?答案(?:应该|应|應)?(?:是|为|為|选|選|[:：])",
    r"(?:正确|正確)(?:选项|選項)(?:是|为|為|[:：])",
    r"(?:故|应|應|所以|因此)选(?:择)?",
    # Japanese
    r"答え(?:は|[:：])",
    r"(?:解答|正解)(?:は|[:：])",
    # Bengali
    r"উত্তর(?:টি)?\s*(?:হল|হলো|হবে|[:：])",
    # Telugu
    r"(?:సమాధానం|జవాబు)\s*[:：]?",
    # Thai
    r"คำตอบ(?:สุดท้าย)?\s*(?:คือ|[:：])",
]
ANSWER_MARKER = re.compile("|".join(f"(?:{m})" for m in _MARKERS), re.IGNORECASE)

# MGSM's step-by-step headers contain the word "answer"; a model that echoes one must not
# have it read as its final answer.
_COT_HEADERS = re.compile(
    r"step[- ]by[- ]step\s+answer\s*[:：]|schritt-für-schritt-antwort\s*[:：]"
    r"|respuesta\s+paso\s+a\s+paso\s*[:：]|réponse\s+étape\s+par\s+étape\s*[:：]"
    r"|пошаговое\s+решение\s*[:：]|jibu\s+la\s+hatua\s+kwa\s+hatua\s*[:：]"
    r"|ধাপে\s+ধাপে\s+উত্তর\s*[:：]|ステップごとの答え\s*[:：]|దశలవారీగా\s+సమాధానం\s*[:：]"
    r"|คำตอบทีละขั้นตอน\s*[:：]|逐步解答\s*[:：]",
    re.IGNORECASE,
)

_BOXED = re.compile(r"\\(?:boxed|fbox)")
_MAX_BOXED_TRIES = 20
_MAX_BOXED_LEN = 5000


@dataclass(frozen=True)
class Span:
    """A piece of the answer text: where it starts and what it says."""

    start: int
    text: str


def marker_ends(text: str) -> list[int]:
    """Offsets just after each answer phrase in ``text``, in order."""
    masked = _COT_HEADERS.sub(lambda m: " " * len(m.group(0)), text)
    return [m.end() for m in ANSWER_MARKER.finditer(masked)]


def last_boxed(text: str) -> Span | None:
    """The content of the last well-formed ``\\boxed{...}`` / ``\\fbox{...}`` / ``\\boxed 5``.

    Braces nest (``\\boxed{\\frac{1}{2}}``); escaped braces (``\\{``) do not count. An
    unbalanced box is skipped in favour of an earlier complete one.
    """
    starts = [m.end() for m in _BOXED.finditer(text)]
    for start in reversed(starts[-_MAX_BOXED_TRIES:]):
        content = _box_content(text, start)
        if content is not None:
            return Span(start, content.strip())
    return None


def _box_content(text: str, pos: int) -> str | None:
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
        match = re.match(r"[^\s$]+", text[pos : pos + 200])
        return match.group(0) if match else None
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
                return text[pos + 1 : i]
        i += 1
    return None
