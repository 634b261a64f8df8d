"""Small parts of the cluster path: the code snapshot, the job's requeue hook and layout pin,
Slurm output parsing, Ray port choice."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.cluster.job import Layout, ModelJob
from harness.cluster.ray_cluster import port_for
from harness.cluster.records import spec_hash
from harness.cluster.slurm import _gres_gpus
from harness.cluster.snapshot import make_snapshot, source_files
from harness.config import load_catalog, load_run

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")


def git_repo(path: Path) -> Path:
    (path / "pkg").mkdir(parents=True)
    (path / "pkg" / "a.py").write_text("A = 1\n")
    (path / ".gitignore").write_text("ignored/\n")
    (path / "ignored").mkdir()
    (path / "ignored" / "big.bin").write_text("x")
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "add", "."], check=True)
    return path


def test_snapshot_is_content_addressed_and_skips_results(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    results = repo / "results"
    (results / "slurm").mkdir(parents=True)
    (results / "slurm" / "old.json").write_text("{}")
    assert source_files(repo, exclude=results) == [".gitignore", "pkg/a.py"]
    first = make_snapshot(results, repo)
    assert (first / "pkg" / "a.py").read_text() == "A = 1\n"
    assert make_snapshot(results, repo) == first  # same content: reused
    (repo / "pkg" / "a.py").write_text("A = 2\n")  # an edit after submission...
    second = make_snapshot(results, repo)
    assert second != first and (first / "pkg" / "a.py").read_text() == "A = 1\n"  # ...leaves the old one alone


def test_the_checkout_snapshot_holds_code_and_configs() -> None:
    files = source_files(ROOT, exclude=ROOT / "results")
    assert "harness/cluster/job.py" in files and "configs/clusters/local.yaml" in files
    assert "seeds/claims.yaml" in files  # the final job rebuilds the claims from the snapshot's ledger
    assert not [f for f in files if f.startswith("results/")]


def test_requeue_hook_resubmits_the_same_job() -> None:
    spec, catalog = load_run(ROOT / "configs" / "smoke.yaml")
    job = ModelJob(spec, catalog.model("gemma-3-270m"), catalog.expand_tasks(spec.tasks), "/r", Layout(1, 0, 1, 1))
    delayed = job.checkpoint()
    assert delayed.function is job and delayed.args == () and delayed.kwargs == {}


def test_layout_pin_does_not_change_what_the_run_is() -> None:
    model, task = CATALOG.model("llama-3.1-405b-instruct"), CATALOG.tasks["gsm8k"]
    spec, _ = load_run(ROOT / "configs" / "reasoning.yaml")
    job = ModelJob(spec, model, [task], "/r", Layout(2, 8, 8, 2))
    pinned = job.pinned_model()
    assert (pinned.tensor_parallel_size, pinned.pipeline_parallel_size) == (8, 2)
    assert spec_hash(pinned, task, None) == spec_hash(model, task, None)
    assert ModelJob(spec, model, [task], "/r", Layout(1, 0, 1, 1)).pinned_model() is model  # CPU: as specified


def test_sinfo_gres_parsing() -> None:
    assert _gres_gpus("gpu:4") == 4
    assert _gres_gpus("gpu:h100:8(S:0-1)") == 8
    assert _gres_gpus("gpu:a100:4,gpu:h100:4") == 8
    assert _gres_gpus("(null)") == 0 and _gres_gpus("nic:1") == 0


def test_ray_port_from_job_id() -> None:
    assert port_for("123") == 20000 + (123 * 7) % 20000 == 20861
    assert port_for("123_4") != port_for("123_5")
    assert all(20000 <= port_for(str(j)) < 40000 for j in range(0, 100000, 997))
