"""The one table of answer types: how a task's answers are asked for, graded and summarised.

A task spec names its `answer_type`; everything that depends on it (the token budget and the
planner's sequence length, how an item is graded, the metric names, the chance level, whether an
endpoint must support prompt log-probabilities) reads this table instead of testing the string.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import InputError


@dataclass(frozen=True)
class AnswerType:
    """One answer type. `grader` is the `harness.grading.grade` answer type (None: lm-eval's own
    metrics); `likelihood` means each choice is scored by its log-probability, nothing generated."""

    name: str
    grader: str | None
    metrics: tuple[str, ...]
    likelihood: bool = False
    multiple_choice: bool = False

    def chance(self, choices: int | None) -> float:
        """The score of guessing: 1/choices for multiple choice, else 0."""
        return 1.0 / choices if self.multiple_choice and choices else 0.0


ANSWER_TYPES: dict[str, AnswerType] = {a.name: a for a in (
    AnswerType("number", "number", ("accuracy",)),
    AnswerType("math", "math", ("accuracy",)),
    AnswerType("choice_letter", "choice_letter", ("accuracy",), multiple_choice=True),
    AnswerType("likelihood_choice", "likelihood_choice", ("acc", "acc_norm"), likelihood=True, multiple_choice=True),
    AnswerType("text", None, ()),  # lm-eval tasks scored by lm-eval's metrics
)}


def answer_type(name: str) -> AnswerType:
    """The table's entry for `name`; InputError naming the known ones."""
    try:
        return ANSWER_TYPES[name]
    except KeyError:
        raise InputError(f"unknown answer_type '{name}'", f"use one of {', '.join(ANSWER_TYPES)}") from None
