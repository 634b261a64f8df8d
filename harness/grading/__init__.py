"""Answer grading: one grader per task `answer_type`, and reasoning-output handling.

    grade(answer_type, response, gold, language=..., reasoning_format=..., choices=...) -> Grade
    split_reasoning(text, fmt, think_in_prompt) -> (answer_part, truncated)
    grade_file(input_path, output_path, resolve_task, resolve_model) -> FileSummary

Every item is graded within a time budget (``GRADE_TIMEOUT_S``); past it, it is ungradable.
Importing this package loads neither math_verify nor sympy; the math grader imports them on
first use.
"""

from harness.grading.api import ANSWER_TYPES, Grade, grade
from harness.grading.budget import GRADE_TIMEOUT_S, GradingTimeout
from harness.grading.files import FileSummary, grade_file
from harness.grading.math import MATH_TIMEOUT_S
from harness.grading.reasoning import REASONING_FORMATS, split_reasoning

__all__ = [
    "ANSWER_TYPES",
    "GRADE_TIMEOUT_S",
    "MATH_TIMEOUT_S",
    "REASONING_FORMATS",
    "FileSummary",
    "Grade",
    "GradingTimeout",
    "grade",
    "grade_file",
    "split_reasoning",
]
