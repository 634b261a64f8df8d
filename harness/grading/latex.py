"""LaTeX spellings of plain numbers made plain: ``\\frac{3}{4}`` -> 3/4, ``1{,}200`` -> 1,200, ``\\$18`` -> 18."""

from __future__ import annotations

import re

_LATEX_SUBS = [
    (re.compile(r"\\[dt]?frac\s{0,2}\{([^{}]{0,200})\}\s{0,2}\{([^{}]{0,200})\}"), r"\1/\2"),
    (re.compile(r"\\[dt]?frac\s{0,2}(\d)\s{0,2}(\d)"), r"\1/\2"),
    (re.compile(r"\\(?:text|textbf|mathrm|mathbf|mbox|textit|emph)\s{0,2}\{([^{}]{0,200})\}"), r"\1"),
    (re.compile(r"\{,\}"), ","),
    # LaTeX spacing, also used as a thousands separator: 1\,200
    (re.compile(r"\\[,!;: ]"), ""),
    (re.compile(r"\\(?:\$|%|left|right)"), ""),
    (re.compile(r"\^\s{0,2}\{?\\circ\}?"), ""),
]


def latex_to_plain(text: str) -> str:
    """LaTeX number spellings made plain: ``\\frac{3}{4}`` -> 3/4, ``1{,}200`` -> 1,200, ``\\$18`` -> 18."""
    if "\\" not in text and "{" not in text and "^" not in text:
        return text
    for pattern, repl in _LATEX_SUBS:
        text = pattern.sub(repl, text)
    return text
