"""Issue 20, class 6: a tuple and a column (or row) vector with the same entries are the same answer,
in both directions; a matrix with more than one row and column is not a tuple."""

from __future__ import annotations

import pytest

from harness.grading import grade
from harness.grading.mathforms import as_tuple

COLUMN = "\\begin{pmatrix} 1 \\\\ -2 \\\\ 3 \\end{pmatrix}"

CASES = [
    # A column-vector gold (MATH's precalculus answers), answered in the styles models use.
    (COLUMN, "The projection is $\\boxed{(1, -2, 3)}$.", True),
    (COLUMN, "Final Answer: The final answer is $(1,-2,3)$. I hope it is correct.", True),
    (COLUMN, "<think>\ncross product...\n</think>\n\nSo $\\mathbf{v} = (1,-2,3)$.", True),
    (COLUMN, "**Answer:** $\\mathbf{v} = \\langle 1, -2, 3 \\rangle$", True),
    (COLUMN, "The answer is $\\boxed{\\left(1,-2,3\\right)}$", True),
    (COLUMN, "Therefore $\\mathbf{v} = \\boxed{\\begin{pmatrix} 1 \\\\ -2 \\\\ 3 \\end{pmatrix}}$.", True),
    (COLUMN, "The answer is $\\boxed{(1,2,3)}$", False),  # a sign differs
    (COLUMN, "The answer is $\\boxed{(-2,1,3)}$", False),  # order matters
    (COLUMN, "The answer is $\\boxed{(1,-2)}$", False),  # an entry missing
    ("\\begin{pmatrix} \\frac{1}{2} \\\\ 0 \\\\ -\\frac{\\sqrt{3}}{2} \\end{pmatrix}",
     "$\\boxed{\\left(\\frac12, 0, -\\frac{\\sqrt3}{2}\\right)}$", True),
    ("\\begin{pmatrix} \\frac{1}{2} \\\\ 0 \\\\ -\\frac{\\sqrt{3}}{2} \\end{pmatrix}",
     "$\\boxed{\\left(0.5, 0, -\\frac{\\sqrt3}{2}\\right)}$", True),
    # A tuple gold (points, ordered triples), answered with a vector.
    ("(1,-2,3)", "$\\boxed{\\begin{pmatrix} 1 \\\\ -2 \\\\ 3 \\end{pmatrix}}$", True),
    ("(1,-2,3)", "$\\boxed{\\begin{bmatrix} 1 & -2 & 3 \\end{bmatrix}}$", True),
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "$\\boxed{\\begin{pmatrix}3\\\\ \\frac{\\pi}{2}\\end{pmatrix}}$", True),
    ("(3,4)", "$\\boxed{\\begin{pmatrix}4\\\\3\\end{pmatrix}}$", False),
    # A 2x2 matrix is not the tuple of its entries.
    ("\\begin{pmatrix} 2 & 1 \\\\ 0 & 3 \\end{pmatrix}", "$\\boxed{(2,1,0,3)}$", False),
]


@pytest.mark.parametrize(("gold", "response", "correct"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_a_tuple_and_a_vector_with_the_same_entries_are_equal(gold: str, response: str, correct: bool) -> None:
    assert grade("math", response, gold).correct is correct


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1,2)"),
        ("\\begin{bmatrix}1 & 2 & 3\\end{bmatrix}", "(1,2,3)"),
        ("$\\begin{pmatrix}a\\\\b\\\\\\end{pmatrix}$", "(a,b)"),  # a trailing row break
        ("\\begin{vmatrix} 1 \\\\ 2 \\end{vmatrix}", None),  # a determinant, not a vector
        ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", None),
        ("\\begin{pmatrix} 5 \\end{pmatrix}", None),
    ],
)
def test_as_tuple(latex: str, expected: str | None) -> None:
    assert as_tuple(latex) == expected
