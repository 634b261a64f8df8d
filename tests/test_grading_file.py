"""`grade_file`: the `harness grade` backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.errors import InputError
from harness.grading import grade_file

TASKS = {
    "gsm8k": ("number", "en"),
    "mgsm-de": ("number", "de"),
    "arc": ("choice_letter", "en"),
}


def resolve(task_id: str) -> tuple[str, str]:
    if task_id not in TASKS:
        raise InputError(f"unknown task {task_id!r}", "see `harness tasks`")
    return TASKS[task_id]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_grades_a_good_file(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"task": "gsm8k", "response": "The answer is 18.", "gold": "18", "doc_id": "0"},
        {"task": "gsm8k", "response": "<think>16 - 3", "gold": 18},
        {
            "task": "gsm8k",
            "response": "#### 17",
            "gold": "18",
            "reasoning_format": "none",
        },
        {"task": "mgsm-de", "response": "Die Antwort lautet 1.200.", "gold": "1,200"},
        {
            "task": "arc",
            "response": "Answer: (B)",
            "gold": "B",
            "choices": ["x", "y", "z", "w"],
        },
    ]
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(r) for r in rows] + [""])
    out = tmp_path / "sub" / "out.jsonl"
    metrics = grade_file(src, out, resolve)
    assert metrics == {
        "gsm8k": {
            "accuracy": pytest.approx(1 / 3),
            "n": 3,
            "n_truncated": 1,
            "n_ungradable": 0,
        },
        "mgsm-de": {"accuracy": 1.0, "n": 1, "n_truncated": 0, "n_ungradable": 0},
        "arc": {"accuracy": 1.0, "n": 1, "n_truncated": 0, "n_ungradable": 0},
    }
    graded = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(graded) == 5
    assert graded[0] == {
        **rows[0],
        "extracted": "18",
        "correct": True,
        "truncated": False,
        "ungradable": False,
    }
    assert graded[1]["truncated"] is True and graded[1]["extracted"] is None
    assert graded[2]["extracted"] == "17" and graded[2]["correct"] is False
    assert graded[3]["extracted"] == "1200"
    assert list(tmp_path.joinpath("sub").iterdir()) == [out]  # no temp file left behind


def test_no_output_path_only_returns_metrics(tmp_path: Path) -> None:
    src = write_lines(
        tmp_path / "in.jsonl",
        [json.dumps({"task": "gsm8k", "response": "5", "gold": "5"})],
    )
    assert grade_file(src, None, resolve)["gsm8k"]["accuracy"] == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_bad_gold_counts_as_ungradable(tmp_path: Path) -> None:
    src = write_lines(
        tmp_path / "in.jsonl",
        [json.dumps({"task": "gsm8k", "response": "5", "gold": "five"})],
    )
    assert grade_file(src, None, resolve)["gsm8k"] == {
        "accuracy": 0.0,
        "n": 1,
        "n_truncated": 0,
        "n_ungradable": 1,
    }


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"task": "gsm8k", "gold": "5"}', "missing key(s) response"),
        ('{"task": "gsm8k", "response": 5, "gold": "5"}', "must be strings"),
        ('{"task": "gsm8k", "response": "5", "gold": null}', "gold must be"),
        (
            '{"task": "arc", "response": "B", "gold": "B", "choices": "AB"}',
            "choices must be a list",
        ),
        (
            '{"task": "gsm8k", "response": "5", "gold": "5", "reasoning_format": "xml"}',
            "reasoning_format",
        ),
    ],
)
def test_malformed_line_names_file_and_line(
    tmp_path: Path, bad_line: str, message: str
) -> None:
    good = json.dumps({"task": "gsm8k", "response": "5", "gold": "5"})
    src = write_lines(tmp_path / "in.jsonl", [good, "", bad_line])
    with pytest.raises(InputError) as err:
        grade_file(src, tmp_path / "out.jsonl", resolve)
    assert err.value.message.startswith(f"{src}:3: ")
    assert message in err.value.message
    assert not (tmp_path / "out.jsonl").exists()


def test_unknown_task_propagates_with_line_number(tmp_path: Path) -> None:
    good = json.dumps({"task": "gsm8k", "response": "5", "gold": "5"})
    bad = json.dumps({"task": "gsm9k", "response": "5", "gold": "5"})
    src = write_lines(tmp_path / "in.jsonl", [good, bad])
    with pytest.raises(InputError) as err:
        grade_file(src, None, resolve)
    assert err.value.message == f"{src}:2: unknown task 'gsm9k'"
    assert err.value.hint == "see `harness tasks`"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        grade_file(tmp_path / "missing.jsonl", None, resolve)
