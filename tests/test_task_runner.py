"""A task is one unit: the driver plans, asks and scores through the task's runner and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.config import load_catalog
from harness.run import driver, task_runner
from harness.run.progress import QuietProgress
from harness.run.task_runner import LmEvalTaskRunner, NativeTaskRunner, runner_for
from harness.specs import RunSpec

from helpers.fake_models import write_fake_catalog

ROOT = Path(__file__).resolve().parent.parent


def test_runner_by_spec_field() -> None:
    catalog = load_catalog(ROOT / "configs")
    assert isinstance(runner_for(catalog.tasks["gsm8k"]), NativeTaskRunner)
    lm_eval_spec = catalog.tasks["gsm8k"].model_copy(update={"runner": "lm_eval", "lm_eval_task": "gsm8k"})
    assert isinstance(runner_for(lm_eval_spec), LmEvalTaskRunner)


def test_the_driver_only_orchestrates_the_runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 data_dir: Path) -> None:
    calls: list[str] = []
    native = NativeTaskRunner()

    class Recording:
        def plan(self, *args: Any) -> Any:
            calls.append("plan")
            return native.plan(*args)

        def requests(self, *args: Any) -> Any:
            calls.append("requests")
            return native.requests(*args)

        def score(self, *args: Any) -> Any:
            calls.append("score")
            return native.score(*args)

    monkeypatch.setitem(task_runner.RUNNERS, "harness", Recording())
    catalog = load_catalog(write_fake_catalog(tmp_path / "configs"))
    spec = RunSpec(name="t", models=["fake-base"], tasks=["gsm8k", "arc_easy"], limit=2)
    outcomes = driver.run(spec, catalog, results=tmp_path / "r", progress=QuietProgress())
    assert [o.status for o in outcomes] == ["complete", "complete"]
    assert calls == ["plan", "plan", "requests", "score", "requests", "score"]
    # The same plan again: complete runs are found by their run keys, nothing is asked or scored.
    calls.clear()
    again = driver.run(spec, catalog, results=tmp_path / "r", progress=QuietProgress())
    assert [o.status for o in again] == ["cached", "cached"] and calls == ["plan", "plan"]
    assert [o.run_key for o in again] == [o.run_key for o in outcomes]
