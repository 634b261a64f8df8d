"""`grade_file` and `harness grade`: any input survives, nothing graded is lost, output reads back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from harness.errors import InputError
from harness.grading import files, grade_file

ROOT = Path(__file__).resolve().parent.parent
TASKS = {"gsm8k": ("number", "en"), "mgsm-de": ("number", "de"), "arc": ("choice_letter", "en")}


def resolve(task_id: str) -> tuple[str, str]:
    if task_id not in TASKS:
        raise InputError(f"unknown task {task_id!r}", "see `harness tasks`")
    return TASKS[task_id]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def read_back(path: Path) -> list[dict[str, Any]]:
    # splitlines() splits on U+2028 and NEL too: output must not contain them raw.
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def line(**row: Any) -> str:
    return json.dumps(row, ensure_ascii=False)


def test_grades_a_good_file(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"task": "gsm8k", "response": "The answer is 18.", "gold": "18", "doc_id": "0"},
        {"task": "gsm8k", "response": "<think>16 - 3", "gold": 18},
        {"task": "gsm8k", "response": "#### 17", "gold": "18", "reasoning_format": "none"},
        {"task": "mgsm-de", "response": "Die Antwort lautet 1.200.", "gold": "1,200"},
        {"task": "arc", "response": "Answer: (B)", "gold": "B", "choices": ["x", "y", "z", "w"]},
    ]
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(r) for r in rows] + [""])
    out = tmp_path / "sub" / "out.jsonl"
    summary = grade_file(src, out, resolve)
    assert summary.metrics() == {
        "gsm8k": {"accuracy": pytest.approx(1 / 3), "n": 3, "n_truncated": 1, "n_ungradable": 0},
        "mgsm-de": {"accuracy": 1.0, "n": 1, "n_truncated": 0, "n_ungradable": 0},
        "arc": {"accuracy": 1.0, "n": 1, "n_truncated": 0, "n_ungradable": 0},
    }
    assert (summary.n_graded, summary.n_bad, summary.resumed) == (5, 0, 0)
    graded = read_back(out)
    assert graded[0] == {**rows[0], "extracted": "18", "correct": True, "truncated": False, "ungradable": False,
                         "reason": None, "span": [0, 16], "span_text": "The answer is 18"}
    assert graded[1]["truncated"] is True and graded[1]["extracted"] is None
    assert graded[2]["extracted"] == "17" and graded[2]["correct"] is False
    assert graded[3]["extracted"] == "1200"
    # Where the answer was found: offsets into the response, and that text (None without an answer).
    assert graded[3]["span_text"] == rows[3]["response"][slice(*graded[3]["span"])] == "Die Antwort lautet 1.200"
    assert graded[1]["span"] is None and graded[1]["span_text"] is None
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.jsonl"]


def test_no_output_path_only_returns_metrics(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [line(task="gsm8k", response="5", gold="5")])
    assert grade_file(src, None, resolve).metrics()["gsm8k"]["accuracy"] == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_bad_gold_counts_as_ungradable(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [line(task="gsm8k", response="5", gold="five")])
    assert grade_file(src, None, resolve).metrics()["gsm8k"] == {
        "accuracy": 0.0, "n": 1, "n_truncated": 0, "n_ungradable": 1}


BAD_LINES = [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"task": "gsm8k", "gold": "5"}', "missing key(s) response"),
    ('{"task": "gsm8k", "response": 5, "gold": "5"}', "must be strings"),
    ('{"task": "gsm8k", "response": "5", "gold": null}', "gold must be"),
    ('{"task": "gsm8k", "response": "5", "gold": true}', "gold must be"),
    ('{"task": "arc", "response": "B", "gold": "B", "choices": "AB"}', "choices must be a list"),
    ('{"task": "gsm8k", "response": "5", "gold": "5", "reasoning_format": "xml"}', "reasoning_format"),
    ('{"task": "gsm9k", "response": "5", "gold": "5"}', "unknown task 'gsm9k' (see `harness tasks`)"),
    ('{"task": "gsm8k", "response": "5", "gold": "5", "prompt": 7}', "prompt must be a string"),
    ("[" * 100_000, "not valid JSON"),
]


@pytest.mark.parametrize(("bad_line", "message"), BAD_LINES, ids=range(len(BAD_LINES)))
def test_a_bad_line_is_marked_and_the_rest_graded(tmp_path: Path, bad_line: str, message: str) -> None:
    good = line(task="gsm8k", response="5", gold="5")
    src = write_lines(tmp_path / "in.jsonl", [good, "", bad_line, good])
    out = tmp_path / "out.jsonl"
    summary = grade_file(src, out, resolve)
    assert (summary.n_graded, summary.n_bad) == (2, 1)
    assert summary.bad[0].startswith("line 3: ") and message in summary.bad[0]
    graded = read_back(out)
    assert [g.get("correct") for g in graded] == [True, None, True]
    assert graded[1]["line"] == 3 and message in graded[1]["error"] and graded[1]["input"] == bad_line[:10_000]


def test_survives_surrogates_huge_integers_and_line_separators(tmp_path: Path) -> None:
    huge = "9" * 5000
    lines = [
        '{"task": "gsm8k", "response": "\\ud800 lone surrogate, the answer is 5", "gold": "5"}',
        '{"task": "gsm8k", "response": "The answer is ' + huge + '", "gold": ' + huge + "}",
        '{"task": "gsm8k", "response": "The answer is 7", "gold": "' + huge + '"}',
        line(task="gsm8k", response="first\u2028second\x85third\u2029 The answer is 4", gold="4"),
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(("\n".join(lines) + "\n").encode("utf-8") + b'{"task": "gsm8k", "response": "\xed\xa0\x80"}\n')
    out = tmp_path / "out.jsonl"
    summary = grade_file(src, out, resolve)
    assert (summary.n_graded, summary.n_bad) == (4, 1)
    graded = read_back(out)
    assert len(graded) == 5
    assert graded[0]["correct"] is True and graded[0]["response"].startswith("\ud800")
    assert graded[1]["correct"] is True and graded[1]["extracted"] == huge and graded[1]["gold"] == huge
    assert graded[2]["correct"] is False and graded[2]["ungradable"] is False
    assert graded[3]["correct"] is True and "\u2028" in graded[3]["response"]
    assert graded[4]["line"] == 5 and graded[4]["error"].startswith("not UTF-8")
    assert out.read_bytes().isascii()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x1f\x8b\x08\x00binary gzip\x00\xff\xfe", "not a JSONL file of responses to grade (line 1: not UTF-8"),
        (b"task,response,gold\ngsm8k,5,5\n", "(line 1: not valid JSON"),
        (b'{"model": "m", "score": 0.5}\n' * 30, "(line 1: missing key(s) task, response, gold"),
        (b"\n\n  \n", "no lines to grade"),
    ],
)
def test_a_file_that_is_not_jsonl_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(content)
    with pytest.raises(InputError) as err:
        grade_file(src, tmp_path / "out.jsonl", resolve)
    assert err.value.message.startswith(f"{src}: ") and message in err.value.message
    assert not (tmp_path / "out.jsonl").exists()


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        grade_file(tmp_path / "missing.jsonl", None, resolve)


def test_output_must_not_overwrite_input(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [line(task="gsm8k", response="5", gold="5")])
    with pytest.raises(InputError, match="would overwrite the input"):
        grade_file(src, src, resolve)


def many(n: int) -> list[str]:
    return [line(task="gsm8k", response=f"The answer is {i % 7}.", gold=str(i % 5), doc_id=str(i)) for i in range(n)]


def test_a_crash_loses_nothing_and_a_rerun_continues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_lines(tmp_path / "in.jsonl", many(40))
    out = tmp_path / "out.jsonl"
    real = files.grade
    calls = {"n": 0}

    def crash_at_25(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 25:
            raise KeyboardInterrupt  # a kill: not an Exception, so not caught per line
        return real(*args, **kwargs)

    monkeypatch.setattr(files, "grade", crash_at_25)
    with pytest.raises(KeyboardInterrupt):
        grade_file(src, out, resolve)
    assert len(read_back(out)) == 24  # every line graded before the kill is on disk
    with out.open("ab") as handle:
        handle.write(b'{"task": "gsm8k", "respo')  # and a line cut mid-write
    monkeypatch.setattr(files, "grade", real)
    summary = grade_file(src, out, resolve)
    assert (summary.resumed, summary.n_graded) == (24, 40)
    fresh = tmp_path / "fresh.jsonl"
    grade_file(src, fresh, resolve)
    assert out.read_bytes() == fresh.read_bytes()
    assert grade_file(src, out, resolve).resumed == 40  # nothing left to do
    assert out.read_bytes() == fresh.read_bytes()


def test_an_output_from_another_input_is_refused_unless_fresh(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    grade_file(write_lines(tmp_path / "a.jsonl", many(3)), out, resolve)
    other = write_lines(tmp_path / "b.jsonl", [line(task="arc", response="B", gold="B")] * 3)
    with pytest.raises(InputError, match="graded from another input"):
        grade_file(other, out, resolve)
    assert grade_file(other, out, resolve, fresh=True).metrics() == {
        "arc": {"accuracy": 1.0, "n": 3, "n_truncated": 0, "n_ungradable": 0}}
    assert len(read_back(out)) == 3


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", "grade", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_grades_and_reports(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [
        line(task="gsm8k", response="The answer is 18.", gold="18"),
        line(task="arc_easy", response="yes", gold="B", choices=["no", "yes"]),
        "{broken",
    ])
    proc = run_cli(str(src), "--out", str(tmp_path / "out.jsonl"))
    assert proc.returncode == 0, proc.stderr
    assert "gsm8k: accuracy=1.0000 n=1 truncated=0 ungradable=0" in proc.stdout
    assert "arc_easy: accuracy=1.0000 n=1" in proc.stdout
    assert proc.stderr.strip() == 'error: 1 line(s) could not be graded (marked with "error" in the output): ' \
                                  "line 3: not valid JSON: Expecting property name enclosed in double quotes " \
                                  "(one JSON object per line)"
    rerun = run_cli(str(src), "--out", str(tmp_path / "out.jsonl"))
    assert "continued: 3 lines were already graded" in rerun.stdout


def test_cli_refuses_a_non_jsonl_file_in_one_line(tmp_path: Path) -> None:
    src = tmp_path / "data.bin"
    src.write_bytes(bytes(range(256)) * 50)
    proc = run_cli(str(src))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not a JSONL file" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_killed_midway_loses_nothing_and_continues(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", many(6000))
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "grade", str(src), "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and (not out.exists() or out.stat().st_size < 20_000):
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)  # as a preempted job: no cleanup at all
    proc.wait(10)
    done = out.read_bytes().count(b"\n")
    assert 0 < done < 6000, "the kill must land midway"
    rerun = run_cli(str(src), "--out", str(out))
    assert rerun.returncode == 0, rerun.stderr
    assert f"continued: {done} lines were already graded" in rerun.stdout
    fresh = tmp_path / "fresh.jsonl"
    assert run_cli(str(src), "--out", str(fresh)).returncode == 0
    assert out.read_bytes() == fresh.read_bytes()
