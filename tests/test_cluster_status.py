"""`harness status` from the records (Slurm's answers stubbed): every state, its detail line and the
exit code; and which runs a second `harness submit` leaves alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cluster import status as status_mod
from harness.cluster.records import (
    JobRecord,
    JobRunRecord,
    SubmissionRecord,
    TaskOutcome,
    spec_hash,
    write_job_runs,
    write_submission,
)
from harness.cluster.slurm import JobState
from harness.cluster.submit import already_done_or_running
from harness.config import load_catalog
from harness.records import GenerationRecord, MetricRecord, RunManifest
from harness.store import RunDir

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")
MODEL = CATALOG.model("gemma-3-270m")
TASKS = ["gsm8k", "arc_easy", "math500", "aime24", "aime25"]


def manifest(key: str, task: str, status: str = "running", n: int = 10, error: str | None = None) -> RunManifest:
    return RunManifest(run_key=key, status=status, model=MODEL.id, task=task, harness_version="0", git_commit=None,
                       packages={}, device="cpu", model_revision=None, weights_hash=None, model_spec={},
                       task_spec={}, run_settings={}, started_at="2026-01-01T00:00:00+00:00", n_requests=n,
                       error=error)


def gen(i: int, tokens: int = 20, wall: float = 2.0) -> GenerationRecord:
    return GenerationRecord(key=f"k{i}", doc_id=str(i), kind="generate", text="x", output_tokens=tokens, wall_s=wall)


@pytest.fixture()
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two jobs: job 11 (gsm8k, arc_easy, math500) and array task 12_0 (aime24, aime25)."""
    res = tmp_path / "results"
    hashes = {t: spec_hash(MODEL, CATALOG.tasks[t], 10) for t in TASKS}
    jobs = [JobRecord(job_id="11", model=MODEL.id, tasks=TASKS[:3], spec_hashes={t: hashes[t] for t in TASKS[:3]},
                      limit=10, nodes=1, gpus_per_node=1, tensor_parallel=1, pipeline_parallel=1, time_min=60,
                      log_dir="x"),
            JobRecord(job_id="12_0", model=MODEL.id, tasks=TASKS[3:], spec_hashes={t: hashes[t] for t in TASKS[3:]},
                      limit=10, nodes=1, gpus_per_node=1, tensor_parallel=1, pipeline_parallel=1, time_min=60,
                      log_dir="x")]
    write_submission(res, SubmissionRecord(id="s1", created_at="2026-01-01T00:00:00+00:00", config="c.yaml",
                                           cluster="default", results=str(res), jobs=jobs))
    keys = {"gsm8k": "a" * 16, "arc_easy": "b" * 16, "math500": "c" * 16, "aime24": "d" * 16}
    write_job_runs(res, JobRunRecord(job_id="11", model=MODEL.id, host="n1", started_at="t",
                                     run_keys={t: keys[t] for t in TASKS[:3]}))
    write_job_runs(res, JobRunRecord(job_id="12_0", model=MODEL.id, host="n2", started_at="t",
                                     run_keys={"aime24": keys["aime24"]},
                                     outcomes={"aime24": TaskOutcome(status="failed", error="boom: out of memory")}))
    # gsm8k complete; arc_easy 4/10 done; math500 not started; aime24 failed; aime25 never planned
    done = RunDir(res, keys["gsm8k"])
    done.write_manifest(manifest(keys["gsm8k"], "gsm8k", "complete"))
    done.write_metrics([MetricRecord(model=MODEL.id, task="gsm8k", metric="accuracy", score=0.25, stderr=0.1,
                                     ci_low=0.0, ci_high=0.5, n=10, n_samples=10, n_truncated=0, n_ungradable=0,
                                     mean_output_tokens=20, tokens_per_s=10)])
    part = RunDir(res, keys["arc_easy"])
    part.write_manifest(manifest(keys["arc_easy"], "arc_easy"))
    part.append_chunk([gen(0), gen(1)])
    part.append_chunk([gen(2), gen(3)])
    RunDir(res, keys["aime24"]).write_manifest(manifest(keys["aime24"], "aime24", "failed", error="3/10 requests "
                                                                                                  "failed, e.g. x"))
    return res


def stub_slurm(monkeypatch: pytest.MonkeyPatch, states: dict[str, JobState]) -> None:
    monkeypatch.setattr(status_mod, "job_states", lambda ids: {j: s for j, s in states.items() if j in set(ids)})


def test_every_state_has_its_line(results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_slurm(monkeypatch, {"11": JobState("RUNNING"), "12_0": JobState("FAILED")})
    text, code = status_mod.status(results)
    lines = text.splitlines()
    log = results / "slurm" / "jobs"
    assert lines[0] == "gemma-3-270m × gsm8k     complete  job 11          accuracy=0.250"
    # 4 requests, 80 tokens in 4.0 s of engine time (2 chunks x 2.0 s) → 20 tok/s; 6 left at 1 per s
    assert lines[1] == "gemma-3-270m × arc_easy  running   job 11          4/10 requests, 20 tok/s, ETA 0:00:06"
    assert lines[2] == "gemma-3-270m × math500   running   job 11          not started yet"
    assert lines[3] == (f"gemma-3-270m × aime24    failed    job 12_0        3/10 requests failed, e.g. x; "
                        f"log: {log}/12_0/12_0_0_log.err")
    assert lines[4] == (f"gemma-3-270m × aime25    failed    job 12_0        job ended FAILED; "
                        f"log: {log}/12_0/12_0_0_log.err")
    assert lines[5] == "complete: 1, failed: 2, running: 2"
    assert code == 1


def test_queued_shows_the_reason_and_a_dead_job_its_last_error(results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_slurm(monkeypatch, {"11": JobState("PENDING", "Resources")})
    (results / "slurm" / "jobs" / "12_0").mkdir(parents=True, exist_ok=True)
    (results / "slurm" / "jobs" / "12_0" / "12_0_0_log.err").write_text(
        "loading\nslurmstepd: error: *** JOB 12 ON n2 CANCELLED AT 2026-01-01T00:10:00 ***\n")
    text, _ = status_mod.status(results)
    lines = text.splitlines()
    assert lines[1].endswith("queued    job 11          (Resources)")
    assert lines[2].endswith("queued    job 11          (Resources)")
    assert "job 12_0        slurmstepd: error: *** JOB 12 ON n2 CANCELLED AT 2026-01-01T00:10:00 ***; log: " in lines[4]


def test_all_complete_exits_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_slurm(monkeypatch, {})
    text, code = status_mod.status(tmp_path)
    assert (text, code) == ("no jobs submitted into this results directory (harness submit CONFIG)", 1)


def test_second_submit_skips_live_and_complete_runs_only(results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_slurm(monkeypatch, {"11": JobState("RUNNING"), "12_0": JobState("FAILED")})
    tasks = [CATALOG.tasks[t] for t in TASKS]
    busy = already_done_or_running(results, [MODEL], tasks, 10)
    assert busy == {
        (MODEL.id, "gsm8k"): "gemma-3-270m × gsm8k: complete in job 11, not submitted again",
        (MODEL.id, "arc_easy"): "gemma-3-270m × arc_easy: running in job 11, not submitted again",
        (MODEL.id, "math500"): "gemma-3-270m × math500: running in job 11, not submitted again",
    }  # aime24 / aime25 failed: submitted again
    assert already_done_or_running(results, [MODEL], tasks, 20) == {}  # another limit is another run
    changed = MODEL.model_copy(update={"generation": MODEL.generation.model_copy(update={"max_new_tokens": 9})})
    assert already_done_or_running(results, [changed], tasks, 10) == {}  # so is a changed spec


def test_a_crashed_or_cancelled_job_says_how_it_ended(results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    err = results / "slurm" / "jobs" / "12_0" / "12_0_0_log.err"
    err.parent.mkdir(parents=True, exist_ok=True)
    err.write_text("Traceback (most recent call last):\n  File \"x.py\", line 1\nImportError: cannot import name 'q'\n"
                   "srun: error: ci1: task 0: Exited with exit code 1\n")
    stub_slurm(monkeypatch, {"11": JobState("CANCELLED"), "12_0": JobState("FAILED")})
    lines = status_mod.status(results)[0].splitlines()
    assert lines[1].startswith("gemma-3-270m × arc_easy  failed    job 11          job ended CANCELLED; log: ")
    assert lines[4].startswith("gemma-3-270m × aime25    failed    job 12_0        job ended FAILED: "
                               "ImportError: cannot import name 'q'; log: ")
