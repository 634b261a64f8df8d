"""An answer that restates the expression the question asks to transform is no answer (issue 20, class 5).

"Simplify $\\sqrt{242}$" answered ``\\sqrt{242}``, "Compute $\\dbinom{8}{4}$" answered ``\\binom{8}{4}``:
equal to the gold in value, but the question asked for the work that turns one into the other.
With the question's text (the math grader's ``prompt``), an answer is a restatement when the
question uses a transform verb (simplify, factor, expand, rationalize, evaluate, compute, in
the task languages) and

* the answer is, spacing and spelling aside, an expression the question gives in the sentence of
  that verb or after it (for evaluate/compute only one with operations: "Compute $5$" answered 5 is fine), or
* it has the shape the verb removes while the gold does not: for *factor*, a sum where the gold
  is a product ("x^2 - 5x + 6" for (x-2)(x-3)); for *expand*, a product of parenthesised sums
  where the gold has none; for *rationalize*, a root left in a denominator.
"""

from __future__ import annotations

import re

from harness.grading.mathcmp import plain_value

# Transform verbs (inflections included); "factor" only as a verb ("Factor $…$", "factor the
# expression", not "the largest prime factor of").
_FACTOR = (r"factor(?=\s+(?:completely|fully|the|each|this|out|over)\b|\s*[$\\:])|factori[sz]e[ds]?|factorise[rz]"
           r"|faktorisiere\w*|factoriza\w*|factorice|разложите")
_EXPAND = r"expand|multiply\sout|ausmultiplizieren|multipliziere\w*\saus|développe[rz]?|desarrolla\w*|expande|раскройте"
_RATIONALIZE = r"rationali[sz]e|rationalisiere\w*|racionaliza\w*|rationalise[rz]?|избавьтесь\sот\sиррациональности"
_SIMPLIFY = r"simplify|vereinfache\w*|simplifie[rz]?|simplifica\w*|simplifique|упрости\w*"
_EVALUATE = (r"evaluate|compute|calculate|find\sthe\svalue\sof|berechne\w*|calcule[rz]?|évalue[rz]?|calcula\w*"
             r"|eval[úu]e|вычисли\w*|найдите\sзначение")
# Chinese and Japanese have no spaces: their verbs stand anywhere.
_CJK_VERBS = {"factor": "因式分解|因数分解", "expand": "展开|展開", "rationalize": "分母有理化",
              "simplify": "化简|化簡|簡単に|簡約", "evaluate": "计算|計算|求值"}
_VERB = re.compile(
    "|".join(f"(?P<{name}>(?<![^\\W\\d_])(?:{words})(?![^\\W\\d_])|{_CJK_VERBS[name]})" for name, words in (
        ("factor", _FACTOR), ("expand", _EXPAND), ("rationalize", _RATIONALIZE), ("simplify", _SIMPLIFY),
        ("evaluate", _EVALUATE))),
    re.IGNORECASE,
)
_MATH = re.compile(r"\$\$(.{1,400}?)\$\$|\$(.{1,400}?)\$|\\\[(.{1,400}?)\\\]|\\\((.{1,400}?)\\\)", re.DOTALL)
# Spellings that do not change an expression.
_CANON = [
    (re.compile(r"\\left|\\right|\\displaystyle|\\[,!;: ]|\s+|\\?\$"), ""),
    (re.compile(r"\\[dt]frac"), r"\\frac"),
    (re.compile(r"\\[dt]binom"), r"\\binom"),
    (re.compile(r"\\cdot|\\times"), "*"),
    (re.compile(r"\^\{?\\circ\}?|°"), ""),
    (re.compile(r"\^\{(\w)\}"), r"^\1"),
    (re.compile(r"_\{(\w)\}"), r"_\1"),
    (re.compile(r"\\sqrt(\w)"), r"\\sqrt{\1}"),
    (re.compile(r"\\frac(\d)(\d)"), r"\\frac{\1}{\2}"),
    (re.compile(r"√\{?(\w+)\}?"), r"\\sqrt{\1}"),
    (re.compile(r"(?:=\??|[.,;?])+$"), ""),
]
_WINDOW = 3000
# Where a question starts: a problem header ("Problem:", "## Question", "Задача 3:", "问题：") or a
# chat template's user turn.
_QUESTION_START = re.compile(
    r"(?im)^[ \t#*]*(?:problem|question|q|frage|aufgabe|pregunta|problema|question|задача|вопрос|swali|问题|問題|題目"
    r"|প্রশ্ন|ప్రశ్న|โจทย์|คำถาม)[ \t]*\d*[ \t]*[:：]|<\|im_start\|>user|<\|start_header_id\|>user<\|end_header_id\|>"
    r"|\[INST\]|<start_of_turn>user|<｜User｜>|<\|user\|>"
)
_SENTENCE_BREAK = re.compile(r"\n|[.!?](?=\s)|[。！？]")


def canonical(latex: str) -> str:
    """``latex`` without the spacing and spelling that leave the expression as it is."""
    text = latex
    for pattern, repl in _CANON:
        text = pattern.sub(repl, text)
    while text.startswith("{") and text.endswith("}") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def restates_question(prompt: str, answer: str, gold: str) -> str | None:
    """Why ``answer`` is no answer to the transform ``prompt`` asks for, or None when it is one."""
    question = last_question(prompt)
    verbs = list(_VERB.finditer(question))
    if not verbs:
        return None
    said, wanted = canonical(answer), canonical(gold)
    if not said or said == wanted:
        return None  # the gold itself is written so: restating it is the answer
    kinds = {m.lastgroup for m in verbs}
    # From the sentence with the first verb on: "Factor $…$", and verb-last "$…$ を因数分解せよ".
    start = max((m.end() for m in _SENTENCE_BREAK.finditer(question, 0, verbs[0].start())), default=0)
    for expression in _expressions(question[start:]):
        if said == expression and ("evaluate" not in kinds or len(kinds) > 1 or plain_value(expression) is None):
            return "restates the question's expression"
    if "factor" in kinds and _top_level_sum(said) and not _top_level_sum(wanted):
        return "not factored"
    if "expand" in kinds and _product_of_sums(said) and not _product_of_sums(wanted):
        return "not expanded"
    if "rationalize" in kinds and _root_in_denominator(said) and not _root_in_denominator(wanted):
        return "denominator not rationalized"
    return None


def last_question(prompt: str) -> str:
    """The prompt's last question: after its last problem header or user turn, so that few-shot
    examples ("Factor …" two problems earlier) and a system prompt do not count."""
    tail = prompt[-_WINDOW:]
    starts = [m.end() for m in _QUESTION_START.finditer(tail)]
    # A header at the very end ("…\n\nSolution:") opens the answer, not a question.
    starts = [i for i in starts if tail[i:].strip()]
    return tail[starts[-1]:] if starts else tail


def _expressions(text: str) -> set[str]:
    """The formulas in ``text``, each whole and, for ``a = b``, its left side (canonical)."""
    out = set()
    for match in _MATH.finditer(text):
        formula = next(g for g in match.groups() if g is not None)
        out.add(canonical(formula))
        if "=" in formula:
            out.add(canonical(formula.split("=", 1)[0]))
    out.discard("")
    return out


def _top_level_sum(text: str) -> bool:
    """Whether ``text`` is a sum or difference outside any brackets (a leading sign aside)."""
    depth = 0
    for i, char in enumerate(text):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char in "+-" and depth == 0 and i > 0 and text[i - 1] not in "^_(*/":
            return True
    return False


_PAREN_SUM = re.compile(r"\((?=[^()]*[^(^][+-])[^()]+\)")


def _product_of_sums(text: str) -> bool:
    """Whether ``text`` multiplies or powers a parenthesised sum: ``(x+5)(x+7)``, ``2(x-1)``, ``(x+1)^2``."""
    for match in _PAREN_SUM.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        if after[:1] in ("(", "^") or re.search(r"[\w)]$", before) or re.match(r"\*?[\w\\(]", after):
            return True
    return False


_ROOT_BELOW = re.compile(r"\\frac\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}\{[^{}]*\\sqrt|/\s?\(?[^()+\-]*\\sqrt")


def _root_in_denominator(text: str) -> bool:
    return _ROOT_BELOW.search(text) is not None


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0
