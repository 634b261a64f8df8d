"""Math answers written in another, value-equal form, rewritten before comparison (issue 20).

* An inequality in one variable is the interval it describes: ``x > 3`` is ``(3,\\infty)``,
  ``-1 < x \\le 4`` is ``(-1,4]``, ``x \\le -2 \\text{ or } x \\ge 3`` is
  ``(-\\infty,-2]\\cup[3,\\infty)``. MATH writes solution sets as intervals; a model that states
  the same set as an inequality has answered.
* Unicode symbols are their LaTeX: ``∞`` is ``\\infty``, ``√2`` is ``\\sqrt{2}``.
* A vector written as a one-column (or one-row) matrix is the tuple of its entries:
  ``\\begin{pmatrix}1\\\\2\\\\3\\end{pmatrix}`` is ``(1,2,3)`` when the other side is a tuple, and a
  tuple or ``\\langle 1,2,3\\rangle`` is compared with a column-vector gold the same way.
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
_MATRIX = re.compile(r"\\begin\{(?P<env>[pbB]?matrix)\}(?P<body>.*?)\\end\{(?P=env)\}", re.DOTALL)
_NAMED_VECTOR = re.compile(r"^\s*(?:\\(?:mathbf|vec|overrightarrow|boldsymbol)\{\w{1,3}\}|\\vec\s?\w|\w)\s*=\s*")
_ANGLE = re.compile(r"\\langle(?P<body>.*)\\rangle")


def equal_forms(gold: str, extracted: str) -> tuple[str, str]:
    """``gold`` and ``extracted`` rewritten into one form where one is a value-equal notation of
    the other's kind (an inequality against an interval, a column vector against a tuple)."""
    gold, extracted = _latex_symbols(gold), _latex_symbols(extracted)
    gold_set, extracted_set = as_interval(gold), as_interval(extracted)
    if gold_set is not None or extracted_set is not None:
        return gold_set or gold, extracted_set or extracted
    # "\\mathbf{v} = (1, 2, 3)": the vector's name is not part of the answer.
    unnamed = _NAMED_VECTOR.sub("", extracted, count=1) if "=" not in gold else extracted
    gold_vec, extracted_vec = as_tuple(gold), as_tuple(unnamed)
    if (gold_vec is None) != (extracted_vec is None):
        # One side is a vector; the other must be a tuple for the two to be comparable.
        other = unnamed if gold_vec is not None else gold
        other_tuple = _angle_tuple(other) or (other if _is_tuple(other) else None)
        if other_tuple is not None:
            return (gold_vec or other_tuple, extracted_vec or other_tuple)
    return gold, extracted


_UNICODE_ROOT = re.compile(r"√\s?(\{[^{}]*\}|\([^()]*\)|[0-9.]+|[a-zA-Z])")


def _latex_symbols(text: str) -> str:
    """Unicode math symbols in LaTeX: "(-∞, 2)" is ``(-\\infty, 2)``, "3√2" is ``3\\sqrt{2}``."""
    if "∞" in text:
        text = text.replace("∞", "\\infty ")
    if "√" in text:
        text = _UNICODE_ROOT.sub(lambda m: "\\sqrt{" + m.group(1).strip("{}()") + "}", text)
    return text


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


def as_tuple(latex: str) -> str | None:
    """A one-column or one-row matrix as the tuple of its entries: ``(1,2,3)``; else None."""
    text = latex.strip().strip("$").strip()
    match = _MATRIX.fullmatch(text)
    if match is None:
        return None
    body = match.group("body").strip()
    rows = [r.strip() for r in re.split(r"\\\\", body) if r.strip()]
    if len(rows) > 1 and not any("&" in r for r in rows):
        entries = rows
    elif len(rows) == 1:
        entries = [e.strip() for e in rows[0].split("&")]
    else:
        return None
    if len(entries) < 2 or not all(entries):
        return None
    return "(" + ",".join(entries) + ")"


def _angle_tuple(latex: str) -> str | None:
    """``\\langle 1,2,3\\rangle`` as ``(1,2,3)``."""
    match = _ANGLE.fullmatch(_SPACES.sub("", latex).strip("$"))
    return f"({match.group('body')})" if match else None


def _is_tuple(latex: str) -> bool:
    """Whether ``latex`` is a parenthesised list of two or more entries, ``(1, 2, 3)``."""
    text = _SPACES.sub("", latex).strip("$")
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for char in text[1:-1]:
        depth += char in "({["
        depth -= char in ")}]"
        if depth < 0:
            return False
        if char == "," and depth == 0:
            return True
    return False
