"""Answer grading: one grader per task `answer_type`, and reasoning-output handling.

    grade(answer_type, response, gold, language=..., reasoning_format=..., choices=...) -> Grade
    split_reasoning(text, fmt, think_in_prompt) -> (answer_part, truncated)
    grade_file(input_path, output_path, resolve_task) -> {task: metrics}

Importing this package loads neither math_verify nor sympy; the math grader imports them on
first use.
"""

from harness.grading.api import ANSWER_TYPES, Grade, grade, grade_file
from harness.grading.math import MATH_TIMEOUT_S, GradingTimeout
from harness.grading.reasoning import REASONING_FORMATS, split_reasoning

__all__ = [
    "ANSWER_TYPES",
    "MATH_TIMEOUT_S",
    "REASONING_FORMATS",
    "Grade",
    "GradingTimeout",
    "grade",
    "grade_file",
    "split_reasoning",
]
