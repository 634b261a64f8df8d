"""Structured answers: an explicit answer field is the committed answer.

Prompts that ask for JSON (ZeroEval: ``{"reasoning": "___", "answer": "___"}``) get it, often
after markdown working ("The final answer is:" then a fenced block): the ``answer`` field is what
the model commits to, whatever numbers its reasoning or the working around it contain. Read here:

* JSON and Python-dict keys ``"answer"``, ``"final_answer"``, ``"Final Answer"`` (any case,
  single or double quotes), with a string, number or bare value, in or out of a code fence; the
  string is unescaped as JSON, except that a backslash before a letter stays (models write
  ``"\\frac{1}{2}"`` and ``"\\frac"`` alike: ``\\f`` is LaTeX, not a form feed);
* YAML ``answer: 38`` on its own line inside a fenced ``yaml`` block. (``Answer: 38`` in prose is an
  answer phrase, handled by ``harness.grading.statements``.)

The last field counts; a placeholder value ("___", "...", empty) is no field. Scanning is linear:
one regular expression with bounded gaps, on the already-bounded answer text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The opening quote is sometimes dropped (`answer": "4"`); the closing one is required, so prose
# ("the answer: 4") is not a key.
_KEY = r"(?:[\"']|(?<![\w\"'`]))(?:final[ _]?answer|answer)[\"']"
# A string value (escapes allowed, at most 4,000 characters), a number or a bare word run.
_FIELD = re.compile(
    _KEY + r"[ \t]{0,4}:[ \t\n]{0,4}"
    r"(?:(?P<vq>[\"'])(?P<s>(?:[^\"'\\]|\\.|(?!(?P=vq))[\"']){0,4000})(?P=vq)"
    r"|(?P<bare>[^,}\n]{1,200}))",
    re.IGNORECASE,
)
_YAML_BLOCK = re.compile(r"```ya?ml[ \t]*\n(?P<body>.{0,8000}?)```", re.IGNORECASE | re.DOTALL)
_YAML_FIELD = re.compile(r"^[ \t]{0,8}(?:final[ _]?answer|answer)[ \t]{0,4}:[ \t]{0,4}(?P<v>\S[^\n]{0,400})$",
                         re.IGNORECASE | re.MULTILINE)
_PLACEHOLDER = re.compile(r"[\s_.…\-?*<>]*|(?:your|the)?\s?(?:answer|final answer)\s?(?:here)?", re.IGNORECASE)
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\\\"'/]|[nrtbf](?![a-z]))")
_SIMPLE = {"n": "\n", "r": "", "t": " ", "b": "", "f": "", "\\": "\\", '"': '"', "'": "'", "/": "/"}


@dataclass(frozen=True)
class Field:
    """An explicit answer field: its value (unescaped) and where the value sits in the text."""

    value: str
    start: int
    end: int


def answer_field(text: str) -> Field | None:
    """The last explicit answer field in ``text`` (JSON key, or YAML key in a yaml fence), or None."""
    found: Field | None = None
    for match in _FIELD.finditer(text):
        if match.group("s") is not None:
            value, span = _unescape(match.group("s")), match.span("s")
        else:
            value, span = match.group("bare").strip(), match.span("bare")
        if not _PLACEHOLDER.fullmatch(value.strip()):
            found = Field(value.strip(), *span)
    for block in _YAML_BLOCK.finditer(text):
        for match in _YAML_FIELD.finditer(block.group("body")):
            value = match.group("v").strip().strip("\"'").strip()
            start = block.start("body") + match.start("v")
            if not _PLACEHOLDER.fullmatch(value) and (found is None or start > found.start):
                found = Field(value, start, block.start("body") + match.end("v"))
    return found


def _unescape(raw: str) -> str:
    """A JSON string's content with its escapes resolved, LaTeX commands (``\\frac``) kept."""
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("u"):
            return chr(int(code[1:], 16))
        return _SIMPLE[code]

    return _ESCAPE.sub(one, raw)
