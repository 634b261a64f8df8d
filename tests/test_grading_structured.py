"""Structured answers (issue 20, class 7): an explicit answer field is the committed answer."""

from __future__ import annotations

import pytest

from harness.grading import grade
from harness.grading.structured import answer_field

MARKDOWN_THEN_JSON = """## Step 1: Count the eggs left
Janet's ducks lay 16 eggs. She uses 3 + 4 = 7, so 16 - 7 = 9 are left.

## Step 2: Price
9 eggs at $2 each is 9 * 2 = $18.

The final answer is:
```json
{
    "reasoning": "16 - 3 - 4 = 9 eggs are sold; 9 * 2 = 18 dollars. Long Answer: 20 points were not involved.",
    "answer": "18"
}
```"""

# The field wins over a breakdown written after it.
FIELD_THEN_BREAKDOWN = """```json
{
    "reasoning": "She had 1360 meals and gave away 64 + 30 + 48 = 142, so 1360 - 142 = 1218 are left.",
    "answer": "1218"
}
```

Let me break down the solution:

1. **Meals given away:** 64 + 30 + 48 = 142 meals
2. **Per day:** 142 / 2 = 71 meals
"""

GERMAN_DICT = """Zuerst rechnen wir: 4 Stunden mal 45 Meilen pro Stunde ergibt 180 Meilen.
Nach der Pause fährt er noch 2 Stunden.

{'reasoning': 'Er fährt 4 * 45 = 180 Meilen und dann 2 * 30 = 60 Meilen.', 'answer': '240'}"""

CHINESE_JSON = """解：小明有 12 个苹果，给了妹妹 5 个，又买了 8 个。
```json
{"reasoning": "12 - 5 + 8 = 15，所以他现在有 15 个苹果。", "answer": 15}
```
希望这个答案对你有帮助！如果还有 3 个问题，请告诉我。"""

MATH_ESCAPED = r"""We rationalise: $\frac{1}{\sqrt{2}} = \frac{\sqrt{2}}{2}$.

```json
{
    "reasoning": "Multiply numerator and denominator by \\sqrt{2}; the result is 1/2 times \\sqrt{2}.",
    "answer": "\\frac{\\sqrt{2}}{2}"
}
```"""

# Models also write LaTeX with single backslashes in JSON: "\frac" is LaTeX, not a form feed.
MATH_RAW_BACKSLASH = r"""{
    "reasoning": "Completing the square gives (x-3)^2 = 7, so x = 3 \pm \sqrt{7}; the larger root is wanted.",
    "answer": "$3 + \sqrt{7}$"
}"""

MATH_SENTENCE = """{
    "reasoning": "The griddle's area ratio is 2304, and 2304 * 0.5 = 1152.",
    "answer": "1152 cups of flour"
}"""

MISSING_OPEN_QUOTE = """6. Therefore, the best price is $350 - 5 = 345$? No: P = 450 - 100 = 350.

    answer": "350"
}
```
The price of the smartphone that gives the maximum revenue is $350, sold to 7 buyers."""

YAML_FENCE = """Each box holds 3 * 4 * 2 = 24 cubic inches, and there are 3 boxes.

```yaml
reasoning: 24 * 3 = 72 cubic inches in all 3 boxes
answer: 72
```
All 3 boxes together."""

CHOICE_JSON = """Option B (the mitochondria) produces ATP; option D, the ribosome, makes proteins.
```json
{"reasoning": "ATP synthesis happens in the mitochondria, not the ribosome (D).", "answer": "B"}
```"""

PLACEHOLDER_ONLY = """The total is 7 + 5 = 12 apples.

```json
{"reasoning": "___", "answer": "___"}
```"""

CANNOT = """{
    "reasoning": "The problem does not say how many roses Fred delivered; Sandra ordered 160 in total.",
    "answer": "Cannot be determined"
}"""


@pytest.mark.parametrize(
    ("answer_type", "response", "gold", "language", "correct", "extracted"),
    [
        ("number", MARKDOWN_THEN_JSON, "18", "en", True, "18"),
        ("number", FIELD_THEN_BREAKDOWN, "1218", "en", True, "1218"),
        ("number", GERMAN_DICT, "240", "de", True, "240"),
        ("number", CHINESE_JSON, "15", "zh", True, "15"),
        ("number", MISSING_OPEN_QUOTE, "350", "en", True, "350"),
        ("number", YAML_FENCE, "72", "en", True, "72"),
        ("number", CANNOT, "160", "en", False, None),
        ("math", MATH_ESCAPED, "\\frac{\\sqrt{2}}{2}", "en", True, "\\frac{\\sqrt{2}}{2}"),
        ("math", MATH_RAW_BACKSLASH, "3+\\sqrt{7}", "en", True, "3 + \\sqrt{7}"),
        ("math", MATH_SENTENCE, "1152", "en", True, "1152"),
        ("choice_letter", CHOICE_JSON, "B", "en", True, "B"),
    ],
)
def test_answer_field_is_the_committed_answer(
    answer_type: str, response: str, gold: str, language: str, correct: bool, extracted: str | None
) -> None:
    g = grade(answer_type, response, gold, language=language)
    assert (g.correct, g.extracted) == (correct, extracted), g
    assert g.reason == "answer field" or not correct


def test_span_points_at_the_field_value() -> None:
    g = grade("number", MARKDOWN_THEN_JSON, "18")
    assert g.span is not None
    start, end = g.span
    assert MARKDOWN_THEN_JSON[start:end] == "18" == g.span_text
    assert MARKDOWN_THEN_JSON[start - 11 : start] == '"answer": "'


def test_placeholder_is_not_a_field() -> None:
    assert answer_field(PLACEHOLDER_ONLY) is None
    # Without a field the ordinary rules read the working: the last number.
    assert grade("number", PLACEHOLDER_ONLY, "12").correct


def test_field_value_unescaping() -> None:
    field = answer_field(r'{"answer": "\\frac{1}{2} \u00b7 \"x\"\nNext"}')
    assert field is not None
    assert field.value == '\\frac{1}{2} · "x"\nNext'
    # A backslash before a lowercase letter is LaTeX (\frac, \neq), kept as written.
    raw = answer_field(r'{"answer": "\frac{\pi}{4}", "note": "\neq 0"}')
    assert raw is not None and raw.value == "\\frac{\\pi}{4}"


def test_last_field_counts() -> None:
    text = '{"answer": "12"}\nOn reflection I was wrong.\n{"answer": "9"}'
    assert grade("number", text, "9").correct


def test_prose_answer_word_is_not_a_field() -> None:
    # "answer:" in prose is an answer phrase (statements), not a key; both read 42 here.
    assert answer_field("My answer: 42") is None
    assert grade("number", "My answer: 42", "42").correct


def test_run_records_and_the_report_carry_the_span() -> None:
    import gzip
    import json

    from harness.records import SampleRecord
    from harness.report.samples import RunRef, encode_task, rows

    response = "<think>16 - 7 = 9, times 2.</think>Each day she makes 9 * 2 = $18.\n\n#### 18"
    g = grade("number", response, "18", reasoning_format="think")
    assert g.span is not None and response[slice(*g.span)] == "#### 18"
    record = SampleRecord(
        run_key="k", model="m", task="gsm8k", doc_id="0", prompt_hash="p", prompt="q", response=response,
        extracted=g.extracted, gold="18", correct=g.correct, score=1.0, answer_span=list(g.span),
    )
    payload, _, _ = encode_task("gsm8k", [(RunRef("m", "k", "think", False, 1), [record])], 10**6)
    (row,) = rows(json.loads(gzip.decompress(payload)), "m")
    assert row[-1] == list(g.span)
