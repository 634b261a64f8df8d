"""Issue 20, class 5: an answer that restates the expression the question asks to transform is no
answer, although it equals the gold in value. The math grader reads the question from ``prompt``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.grading import grade, grade_file
from harness.grading.restated import restates_question

# (question, gold, output in a model family's style, correct)
CASES = [
    # Simplify: the radical, fraction or expression handed back as it was given.
    ("Simplify $\\sqrt{242}$.", "11\\sqrt2",
     "<think>\n242 = 2 * 121... actually let me just leave it.\n</think>\n\nThe expression is already in a "
     "simple form.\n\n**Final Answer**\n\\[\n\\boxed{\\sqrt{242}}\n\\]", False),
    ("Simplify $\\sqrt{242}$.", "11\\sqrt2",
     "We have $242 = 121 \\cdot 2$, so $\\sqrt{242} = \\sqrt{121}\\sqrt{2} = 11\\sqrt{2}$.\n\nThe final answer "
     "is: $\\boxed{11\\sqrt{2}}$", True),
    ("Simplify $\\frac{84}{144}.$", "\\frac{7}{12}",
     "Final Answer: The final answer is $\\dfrac{84}{144}$. I hope it is correct.", False),
    ("Simplify $\\frac{84}{144}.$", "\\frac{7}{12}",
     "Both divide by 12: $\\frac{84}{144} = \\frac{7}{12}$.\n\nThe answer is $\\boxed{\\dfrac{7}{12}}$.", True),
    ("Simplify $\\left( \\frac{1}{2k} \\right)^{-2} \\cdot (-k)^3$.", "-4k^5",
     "analysisJust restate.assistantfinal$\\boxed{\\left(\\frac{1}{2k}\\right)^{-2}\\cdot(-k)^{3}}$", False),
    # Factor: the input again, or any unfactored arrangement of it.
    ("Factor $x^2 - 5x + 6$.", "(x-2)(x-3)", "The final answer is: $\\boxed{x^2 - 5x + 6}$", False),
    ("Factor the expression $x^2-5x+6$.", "(x-2)(x-3)", "Rearranging, we get $\\boxed{6 - 5x + x^{2}}$.", False),
    ("Factor $x^2 - 5x + 6$.", "(x-2)(x-3)", "We need two numbers with product 6 and sum -5: -2 and -3.\n\n"
     "$$\\boxed{(x-3)(x-2)}$$", True),
    # Expand: the product left as a product.
    ("Expand the product ${(x+5)(x+7)}$.", "x^2 + 12x + 35", "So the answer is $\\boxed{(x+5)(x+7)}$.", False),
    ("Expand $2(x-1)(x+1)$.", "2x^2-2", "The answer is $\\boxed{2(x^2-1)}$.", False),
    ("Expand the product ${(x+5)(x+7)}$.", "x^2 + 12x + 35", "FOIL: $x^2 + 7x + 5x + 35$.\n\n"
     "The answer is $\\boxed{x^2 + 12x + 35}$.", True),
    # Rationalize: a root left below the fraction bar.
    ("Rationalize the denominator of $\\frac{5}{\\sqrt{3}}$.", "\\frac{5\\sqrt{3}}{3}",
     "$\\boxed{\\frac{5}{\\sqrt{3}}}$", False),
    ("Rationalize the denominator of $\\frac{5}{\\sqrt{3}}$.", "\\frac{5\\sqrt{3}}{3}",
     "Multiply by $\\frac{\\sqrt3}{\\sqrt3}$: the answer is $\\boxed{\\frac{5\\sqrt{3}}{3}}$.", True),
    # Evaluate / compute: only an expression with operations can be restated.
    ("Compute $\\dbinom{8}{4}$.", "70", "The answer is $\\boxed{\\binom{8}{4}}$.", False),
    ("Evaluate $\\log_2 64$.", "6", "**Answer:** $\\log_2 64$", False),
    ("Compute $\\dbinom{8}{4}$.", "70",
     "$\\binom{8}{4} = \\frac{8!}{4!4!} = 70$.\n\nThe answer is $\\boxed{70}$.", True),
    ("Evaluate $3$ squared minus $2$; the result is at most $7$.", "7", "The answer is $\\boxed{7}$.", True),
    # "factor" as a noun is not the verb.
    ("What is the largest prime factor of $999$?", "37", "$999 = 27 \\cdot 37$.\n\nThe answer is $\\boxed{37}$.",
     True),
    ("What is the greatest common factor of $x^2+x$ and $x^2-1$?", "x+1", "The answer is $\\boxed{x+1}$.", True),
    # Other task languages.
    ("Vereinfache $\\sqrt{242}$.", "11\\sqrt2", "**Antwort:** $\\sqrt{242}$", False),
    ("Simplifiez $\\frac{84}{144}$.", "\\frac{7}{12}", "Réponse : $\\boxed{\\frac{84}{144}}$", False),
    ("Simplifica $\\sqrt{242}$.", "11\\sqrt2", "La respuesta es $\\boxed{11\\sqrt{2}}$.", True),
    ("Упростите $\\sqrt{242}$.", "11\\sqrt2", "Ответ: $\\boxed{\\sqrt{242}}$", False),
    ("化简 $\\sqrt{242}$。", "11\\sqrt2", "答案：$\\boxed{\\sqrt{242}}$", False),
    ("$x^2-5x+6$ を因数分解せよ。", "(x-2)(x-3)", "答え：$\\boxed{x^2-5x+6}$", False),
]


@pytest.mark.parametrize(("question", "gold", "response", "correct"), CASES,
                         ids=[f"{i}-{c[0][:20]}" for i, c in enumerate(CASES)])
def test_a_restated_expression_is_not_an_answer(question: str, gold: str, response: str, correct: bool) -> None:
    fmt = "harmony" if response.startswith("analysis") else "auto"
    g = grade("math", response, gold, prompt=f"Problem:\n{question}\n\nSolution:", reasoning_format=fmt)
    assert g.correct is correct, g
    if not correct:
        assert g.extracted is not None and g.reason is not None and ("restates" in g.reason or "not" in g.reason)


def test_without_the_question_the_restatement_cannot_be_seen() -> None:
    assert grade("math", "$\\boxed{\\sqrt{242}}$", "11\\sqrt2").correct is True


def test_a_gold_written_like_the_questions_expression_is_answered_by_restating_it() -> None:
    # The expression is already simplest: handing it back is the answer.
    assert grade("math", "$\\boxed{\\sqrt{7}}$", "\\sqrt{7}", prompt="Simplify $\\sqrt{7}$.").correct is True
    assert restates_question("Simplify $\\sqrt{8}$. Is it $2\\sqrt{2}$?", "2\\sqrt{2}", "2\\sqrt2") is None


def test_only_the_transformed_expression_counts_not_every_formula_in_the_story() -> None:
    prompt = "Let $a = \\sqrt{242}$ and $b = 11\\sqrt{2}$. Compute $a - b + a$."
    # "a" restated is not the expression "a - b + a"; the grader must not flag a different formula.
    assert restates_question(prompt, "11\\sqrt{2}", "11\\sqrt2") is None
    assert restates_question(prompt, "a-b+a", "11\\sqrt2") == "restates the question's expression"


def test_harness_grade_reads_the_question_from_the_line(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = [
        {"task": "math", "response": "The answer is $\\boxed{\\sqrt{242}}$.", "gold": "11\\sqrt{2}",
         "prompt": "Simplify $\\sqrt{242}$."},
        {"task": "math", "response": "The answer is $\\boxed{11\\sqrt{2}}$.", "gold": "11\\sqrt{2}",
         "prompt": "Simplify $\\sqrt{242}$."},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    grade_file(src, out, lambda task_id: ("math", "en"))
    graded = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["correct"] for g in graded] == [False, True]
    assert graded[0]["reason"] == "restates the question's expression"


def test_few_shot_examples_and_the_system_prompt_are_not_the_question() -> None:
    few_shot = ("Problem:\nFactor $x^2-9$.\n\nSolution:\nFinal Answer: The final answer is $(x-3)(x+3)$. I hope it "
                "is correct.\n\nProblem:\nIf $a = 2$ and $b = 3$, what is $2a + 2b$ written with $a+b$ factored out?"
                "\n\nSolution:")
    # The example's "Factor" does not make the real question a factoring one.
    assert restates_question(few_shot, "2a+2b", "2(a+b)") is None
    chat = ("<|im_start|>system\nSimplify your answers.<|im_end|>\n<|im_start|>user\nWhat is $\\sqrt{242}$ "
            "written with a rational factor?<|im_end|>\n<|im_start|>assistant\n")
    assert restates_question(chat, "\\sqrt{242}", "11\\sqrt2") is None
    chat = chat.replace("What is", "Simplify")
    assert restates_question(chat, "\\sqrt{242}", "11\\sqrt2") == "restates the question's expression"
