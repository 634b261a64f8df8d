"""Math answers written in another, value-equal form, rewritten before comparison (issue 20).

* An inequality in one variable is the interval it describes: ``x > 3`` is ``(3,\\infty)``,
  ``-1 < x \\le 4`` is ``(-1,4]``, ``x \\le -2 \\text{ or } x \\ge 3`` is
  ``(-\\infty,-2]\\cup[3,\\infty)``. MATH writes solution sets as intervals; a model that states
  the same set as an inequality has answered.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+|\\[,!;: ]|\\left|\\right|\\displaystyle")
_RELATION = re.compile(r"\\(?:leqslant|geqslant|leq|geq|le|ge|lt|gt)(?![a-zA-Z])|<=|>=|[<>≤≥]")
_RELATION_KIND = {
    "\\le": "<=", "\\leq": "<=", "\\leqslant": "<=", "<=": "<=", "≤": "<=",
    "\\ge": ">=", "\\geq": ">=", "\\geqslant": ">=", ">=": ">=", "≥": ">=",
    "<": "<", "\\lt": "<", ">": ">", "\\gt": ">",
}
# Ways to join two inequalities into one set: "or", \text{ or }, \cup, \lor.
_OR = re.compile(r"\\(?:text|textrm|mathrm)\{\s*or\s*\}|\\cup|\\lor|\\vee|(?<![a-zA-Z\\])or(?![a-zA-Z])")
_VARIABLE = re.compile(r"[a-zA-Z]")
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_INFINITY = ("\\infty", "+\\infty", "\\inf")


def equal_forms(gold: str, extracted: str) -> tuple[str, str]:
    """``gold`` and ``extracted`` rewritten into one form where one is a value-equal notation of
    the other's kind (an inequality against an interval)."""
    gold_set, extracted_set = as_interval(gold), as_interval(extracted)
    if gold_set is not None or extracted_set is not None:
        return gold_set or gold, extracted_set or extracted
    return gold, extracted


def as_interval(latex: str) -> str | None:
    """The interval (or union of intervals) an inequality in one variable describes, else None."""
    text = latex.strip().strip("$").rstrip(".")
    if len(text) > 200 or not _RELATION.search(text):
        return None
    parts = []
    for piece in _OR.split(text):  # before spaces go: "x<-2 or x>3"
        # Relation commands made symbols while the space after them still ends them ("\\geq x").
        symbols = _RELATION.sub(lambda m: _RELATION_KIND[m.group(0)], piece)
        interval = _one_interval(_SPACES.sub("", symbols).strip(","))
        if interval is None:
            return None
        parts.append(interval)
    return "\\cup".join(parts)


def _one_interval(text: str) -> str | None:
    """``x>3`` -> ``(3,\\infty)``, ``-1<x\\le4`` -> ``(-1,4]``; None if it is not that."""
    tokens = _RELATION.split(text)
    kinds = [_RELATION_KIND[m.group(0)] for m in _RELATION.finditer(text)]
    if len(tokens) == 2:
        left, right = tokens
        kind = kinds[0]
        if _is_variable(left) and _is_bound(right):
            return _interval(kind, right)
        if _is_variable(right) and _is_bound(left):
            return _interval(_FLIPPED[kind], left)
        return None
    if len(tokens) == 3 and _is_variable(tokens[1]) and _is_bound(tokens[0]) and _is_bound(tokens[2]):
        low, high = tokens[0], tokens[2]
        first, second = kinds
        if first.startswith("<") and second.startswith("<"):
            return ("[" if first == "<=" else "(") + f"{low},{high}" + ("]" if second == "<=" else ")")
        if first.startswith(">") and second.startswith(">"):
            return ("[" if second == ">=" else "(") + f"{high},{low}" + ("]" if first == ">=" else ")")
    return None


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _interval(kind: str, bound: str) -> str:
    """The set of x with ``x kind bound``."""
    if kind == ">":
        return f"({bound},\\infty)"
    if kind == ">=":
        return f"[{bound},\\infty)"
    if kind == "<":
        return f"(-\\infty,{bound})"
    return f"(-\\infty,{bound}]"


def _is_variable(text: str) -> bool:
    return len(text) == 1 and text.isalpha()


def _is_bound(text: str) -> bool:
    """A number or a constant expression (``\\frac{1}{2}``, ``-\\sqrt{3}``, ``2\\pi``): no variable."""
    if not text or text in _INFINITY or text.startswith("-\\infty"):
        return False
    return _VARIABLE.search(_COMMAND.sub("", text.replace("\\text{", "{"))) is None
