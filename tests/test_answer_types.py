"""The one table of answer types agrees with the spec's Literal and the grader's list."""

from __future__ import annotations

import typing

import pytest

from harness.answer_types import ANSWER_TYPES, answer_type
from harness.errors import InputError
from harness.grading import ANSWER_TYPES as GRADED
from harness.specs import TaskSpec


def test_table_covers_every_answer_type_a_spec_allows() -> None:
    allowed = set(typing.get_args(TaskSpec.model_fields["answer_type"].annotation))
    assert set(ANSWER_TYPES) == allowed
    assert {a.grader for a in ANSWER_TYPES.values() if a.grader} == set(GRADED)


def test_facts_of_an_answer_type() -> None:
    ll = answer_type("likelihood_choice")
    assert ll.likelihood and ll.metrics == ("acc", "acc_norm") and ll.chance(4) == 0.25
    assert answer_type("number").chance(None) == 0.0 and answer_type("number").metrics == ("accuracy",)
    assert answer_type("choice_letter").chance(10) == pytest.approx(0.1)
    with pytest.raises(InputError, match="unknown answer_type 'essay'"):
        answer_type("essay")
