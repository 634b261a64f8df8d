"""The cluster path on a real Slurm (tests/infra/slurm-up.sh: two virtual nodes, stand-in GPUs).

- prefetch (from the Hub stand-in) → submit → queued → a second submit submits nothing → running
  with progress → scancel midway → failed (log path) → resubmit --wait → only the unfinished
  requests run again → the leaderboard equals a plain `harness run`, and the jobs never touched
  the network (offline from the prefetch cache);
- `--gres=gpu:N` requests written by harness are scheduled on the stand-in GPUs;
- a two-node job brings up Ray (head on ci1, worker on ci2), reaches the engine start (PP2 over
  Ray, which vLLM's CPU build refuses) and tears everything down;
- bad input on a real cluster (unknown partition, more GPUs than a node has): exit 2, no job.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from harness.cluster.ray_cluster import port_for
from harness.store.generations import complete_lines

from helpers.hub_standin import OFFLINE_ENV, HubStandIn, tiny_hub_spec
from helpers.slurm import SlurmCluster

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
N_REQUESTS = 8 + 8 * 4  # gsm8k: 8 generations; arc_easy: 8 items x 4 choices (log-likelihood)


@pytest.fixture(scope="module")
def setup(hub: HubStandIn, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A catalog with the Hub-sourced tiny model, and a prefetch cache filled from the stand-in."""
    from conftest import write_tiny_catalog

    base = tmp_path_factory.mktemp("cluster")
    configs = write_tiny_catalog(base / "configs", tiny_model_dir)
    (configs / "models" / "tiny-hub.yaml").write_text(yaml.safe_dump(tiny_hub_spec()))
    (configs / "models" / "tiny-hub-pp2.yaml").write_text(yaml.safe_dump(tiny_hub_spec(
        id="tiny-hub-pp2", pipeline_parallel_size=2, tensor_parallel_size=1)))
    (configs / "models" / "tiny-hub-tp8.yaml").write_text(yaml.safe_dump(tiny_hub_spec(
        id="tiny-hub-tp8", tensor_parallel_size=8)))
    smoke = configs / "smoke-tiny.yaml"
    # One sequence at a time, persisted at once: the job's progress is gradual enough to freeze,
    # requeue and cancel it midway.
    smoke.write_text("name: smoke-tiny\nmodels: [tiny-hub]\ntasks: [gsm8k, arc_easy]\nlimit: 8\nchunk_size: 1\n"
                     "max_num_seqs: 1\n")
    pp2 = configs / "pp2.yaml"
    pp2.write_text("name: pp2\nmodels: [tiny-hub-pp2]\ntasks: [gsm8k]\nlimit: 2\n")
    pair = configs / "pair.yaml"
    pair.write_text("name: pair\nmodels: [tiny-hub, tiny-llama]\ntasks: [gsm8k]\nlimit: 2\n")
    cache, cache2 = base / "cache", base / "cache2"
    online = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV}
    for config, where in ((smoke, cache), (pp2, cache), (pair, cache2)):
        out = harness("prefetch", str(config), "--cache", str(where), env={**online, "HF_ENDPOINT": hub.url})
        assert out.returncode == 0, out.stdout + out.stderr
    profiles = base / "profiles"
    profiles.mkdir()
    # Two stand-in GPUs' worth of a node each: a PP2 model becomes a 2-node job with 1 GPU per node.
    ci_gpu = {"name": "ci-gpu", "partition": "debug", "gpu": "h100-80gb", "gpus_per_node": 1, "max_nodes": 2,
              "cpus_per_gpu": 1, "mem_per_node_gib": 6, "min_time": "00:30:00", "max_time": "01:00:00",
              "ray_join_timeout_s": 120, "env": {"HARNESS_CPU_KV_CACHE_GIB": "0.25", "VLLM_LOGGING_LEVEL": "INFO"}}
    (profiles / "ci-gpu.yaml").write_text(yaml.safe_dump(ci_gpu))
    (profiles / "ci-gpu-online.yaml").write_text(yaml.safe_dump({**ci_gpu, "name": "ci-gpu-online",
                                                                 "offline": False}))
    return {"smoke": smoke, "pp2": pp2, "pair": pair, "cache": cache, "cache2": cache2, "profiles": profiles,
            "base": base}


def harness(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**(env or os.environ), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def log_files(results: Path) -> list[Path]:
    """The runs' generation logs: one file per engine session (a job attempt), appended as requests finish."""
    return sorted(results.glob("runs/*/generations/*.jsonl"))


def keys_in(files: list[Path]) -> list[str]:
    """Request keys persisted so far (a line a running job is still writing is not yet one)."""
    return [json.loads(x)["key"] for f in files for x in complete_lines(f)]


class FirstSeen:
    """When each generation log file first appeared (polled every 0.1 s): its first persisted request."""

    def __init__(self, results: Path) -> None:
        self.results, self.seen = results, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            for f in log_files(self.results):
                if f not in self.seen and complete_lines(f):
                    self.seen[f] = time.time()
            time.sleep(0.1)

    def stop(self) -> dict[Path, float]:
        self._stop.set()
        self._thread.join()
        return self.seen


def leaderboard(results: Path) -> list[tuple[str, ...]]:
    with (results / "leaderboard.csv").open() as fh:
        return sorted((r["model"], r["task"], r["metric"], r["score"], r["n"], r["n_samples"], r["run_key"])
                      for r in csv.DictReader(fh))


def samples(results: Path) -> list[tuple[str, str, str, bool]]:
    rows = [json.loads(x) for f in results.glob("runs/*/samples.jsonl") for x in f.read_text().splitlines()]
    return sorted((r["task"], r["doc_id"], r["response"], r["correct"]) for r in rows)


def line_for(status: str, task: str) -> str:
    (line,) = [x for x in status.splitlines() if x.startswith(f"tiny-hub × {task} ")]
    return line


def wait_for(predicate, timeout: float = 300, what: str = "") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_submit_queue_cancel_resume_equals_plain_run(slurm: SlurmCluster, hub: HubStandIn, setup: dict[str, Path],
                                                      tmp_path: Path) -> None:
    results = tmp_path / "results"
    base = [str(setup["smoke"]), "--cluster", "local", "--cache", str(setup["cache"]), "--results", str(results)]
    requests_after_prefetch = len(hub.requests)
    first_seen = FirstSeen(results)

    # 1. Both nodes busy: the job queues, and `harness status` says so.
    blocker = subprocess.run(["sbatch", "--parsable", "-N2", "--exclusive", "-J", "blocker", "-o", "/dev/null",
                              "--wrap", "sleep 600"], capture_output=True, text=True, check=True).stdout.strip()
    slurm.wait_state(blocker, {"RUNNING"})
    first = harness("submit", *base)
    assert first.returncode == 0, first.stdout + first.stderr
    (job1,) = re.findall(r"submitted tiny-hub \(gsm8k, arc_easy\) as job (\d+)", first.stdout)
    (final1,) = re.findall(r"rebuilt by job (\d+) once all jobs end", first.stdout)
    status = harness("status", "--results", str(results))
    assert status.returncode == 1
    for task in ("gsm8k", "arc_easy"):
        assert re.match(rf"tiny-hub × {task}\s+queued\s+job {job1}\s+\((Resources|Priority)\)$", line_for(status.stdout,
                                                                                                         task))

    # 2. Submitting again while it is queued submits nothing.
    before = sorted(slurm.job_ids())
    second = harness("submit", *base)
    assert second.returncode == 0, second.stderr
    assert f"skip: tiny-hub × gsm8k: queued in job {job1}, not submitted again" in second.stdout
    assert "nothing to submit" in second.stdout
    assert sorted(slurm.job_ids()) == before

    # 3. It runs; frozen midway (scontrol suspend), `harness status` shows its progress.
    subprocess.run(["scancel", blocker], check=True)
    wait_for(lambda: len(keys_in(log_files(results))) >= 3, what="the first requests")
    subprocess.run(["scontrol", "suspend", job1], check=True)
    running = harness("status", "--results", str(results)).stdout
    assert re.search(rf"tiny-hub × \S+\s+running\s+job {job1}\s+suspended: \d+/(8|32) requests, \d+ tok/s, "
                     r"ETA \d+:\d\d:\d\d", running), running
    done_first = keys_in(log_files(results))

    # 4. Preempted (Slurm's USR2 warning): submitit calls the job's checkpoint hook and requeues it;
    #    the same job id runs again (attempt 2) and resumes. StartTime=now skips Slurm's 120 s
    #    requeue delay.
    subprocess.run(["scontrol", "resume", job1], check=True)
    err1 = results / "slurm" / "jobs" / job1 / f"{job1}_0_log.err"
    wait_for(lambda: "Bypassing signal SIGCONT" in err1.read_text(), what="the job to run again")  # resumed
    subprocess.run(["scancel", "--signal=USR2", job1], check=True)
    slurm.wait_state(job1, {"PENDING"}, timeout=120)
    subprocess.run(["scontrol", "update", f"JobId={job1}", "StartTime=now"], check=True)
    wait_for(lambda: len(keys_in(log_files(results))) >= len(done_first) + 3, what="requests after the requeue")
    subprocess.run(["scontrol", "suspend", job1], check=True)
    runs1 = json.loads((results / "slurm" / "jobs" / job1 / "runs.json").read_text())
    assert runs1["attempt"] == 2
    logs = "".join(p.read_text() for p in (results / "slurm" / "jobs" / job1).glob(f"{job1}_0_log.*"))
    assert "Calling checkpoint method." in logs and f"Requeued job {job1}" in logs

    # 5. Cancelled midway: failed, with the log path.
    done_before = keys_in(log_files(results))
    files_before = set(log_files(results))
    subprocess.run(["scancel", job1], check=True)
    slurm.wait_state(job1, {"CANCELLED"})
    assert len(set(done_before)) == len(done_before), "a request was generated twice"
    assert len(done_first) + 3 <= len(done_before) < N_REQUESTS, "the cancel must land midway"
    cancelled = harness("status", "--results", str(results)).stdout
    lines = [line_for(cancelled, t) for t in ("gsm8k", "arc_easy")]
    failed = [x for x in lines if re.match(rf"tiny-hub × \S+\s+failed\s+job {job1}\s+.*CANCELLED", x)]
    assert failed and all(x in failed or re.match(r"tiny-hub × gsm8k\s+complete", x) for x in lines), cancelled
    assert all(x.endswith(f"; log: {results}/slurm/jobs/{job1}/{job1}_0_log.err") for x in failed)
    slurm.wait_state(final1, {"COMPLETED"})  # the dependent rebuild ran after the cancelled job

    # 6. Resubmit and wait: only unfinished requests run again.
    started = time.time()
    third = harness("submit", *base, "--wait", "--poll", "1")
    waited = time.time() - started
    assert third.returncode == 0, third.stdout + third.stderr
    (job2,) = re.findall(r"as job (\d+)", third.stdout)
    assert job2 != job1
    after = log_files(results)
    new_keys = keys_in([f for f in after if f not in files_before])
    assert not set(new_keys) & set(done_before), "finished requests were generated again"
    assert len(done_before) + len(new_keys) == N_REQUESTS
    seen = first_seen.stop()
    first_new = min(seen[f] for f in after if f not in files_before)
    final = harness("status", "--results", str(results))
    assert final.returncode == 0, final.stdout
    assert all(re.match(r"tiny-hub × \S+\s+complete\s+job \d+\s+acc", x) for x in final.stdout.splitlines()[:2])
    assert re.search(rf"tiny-hub × arc_easy\s+complete\s+job {job2}", final.stdout)

    # 7. Same leaderboard and samples as a plain `harness run` from the same offline cache.
    offline = {**os.environ, **dict.fromkeys(OFFLINE_ENV, "1"), "HF_HOME": str(setup["cache"] / "hf")}
    plain = harness("run", str(setup["smoke"]), "--results", str(tmp_path / "plain"), env=offline)
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert leaderboard(results) == leaderboard(tmp_path / "plain")
    assert samples(results) == samples(tmp_path / "plain")
    assert len(hub.requests) == requests_after_prefetch, "a job reached for the network"

    runs2 = json.loads((results / "slurm" / "jobs" / job2 / "runs.json").read_text())
    assert runs1["run_keys"] == {k: v for k, v in runs2["run_keys"].items() if k in runs1["run_keys"]}
    print(f"\nMEASURED submit-to-first-sample (resubmit, engine load included): {first_new - started:.1f} s")
    starts = [_stamp(x) for x in logs.splitlines() if "Starting with JobEnvironment" in x]
    mtimes = sorted(seen[f] for f in files_before)
    firsts = [min(m for m in mtimes if m > t) for t in starts]
    print(f"MEASURED job start → first persisted request: attempt 1 {firsts[0] - starts[0]:.1f} s, after the requeue "
          f"{firsts[1] - starts[1]:.1f} s (resume overhead {firsts[1] - starts[1] - (firsts[0] - starts[0]):+.1f} s)")
    print(f"MEASURED resubmit --wait (submit, queue, engine load, {len(new_keys)} requests, rebuild): {waited:.1f} s")


def test_array_job_fails_before_the_engine_when_the_cache_lacks_the_model(
        slurm: SlurmCluster, setup: dict[str, Path], tmp_path: Path) -> None:
    """Two same-shape models → one array job (%2). The cache loses its models after submit: each array
    task fails at the job's lock check, before any engine starts, naming what to prefetch."""
    results, cache = tmp_path / "results", setup["cache2"]
    blocker = subprocess.run(["sbatch", "--parsable", "-N2", "--exclusive", "-J", "blocker", "-o", "/dev/null",
                              "--wrap", "sleep 600"], capture_output=True, text=True, check=True).stdout.strip()
    try:
        slurm.wait_state(blocker, {"RUNNING"})
        out = harness("submit", str(setup["pair"]), "--cluster", "local", "--cache", str(cache), "--results",
                      str(results), "--max-parallel", "2", "--dry-run")
        assert "#SBATCH --array=0-1%2" in out.stdout
        out = harness("submit", str(setup["pair"]), "--cluster", "local", "--cache", str(cache), "--results",
                      str(results), "--max-parallel", "2")
        assert out.returncode == 0, out.stdout + out.stderr
        ids = re.findall(r"submitted (tiny-hub|tiny-llama) \(gsm8k\) as job (\d+_\d)", out.stdout)
        assert [m for m, _ in ids] == ["tiny-hub", "tiny-llama"]
        array = ids[0][1].split("_")[0]
        assert [j for _, j in ids] == [f"{array}_0", f"{array}_1"]
        lock = json.loads((cache / "harness-lock.json").read_text())
        (cache / "harness-lock.json").write_text(json.dumps({**lock, "models": {}}))
    finally:
        subprocess.run(["scancel", blocker], check=True)
    for _, job in ids:
        slurm.wait_state(job, {"FAILED"}, timeout=300)
    status = harness("status", "--results", str(results))
    assert status.returncode == 1
    for model, job in ids:
        (line,) = [x for x in status.stdout.splitlines() if x.startswith(f"{model} × gsm8k")]
        assert re.match(rf"{model} × gsm8k\s+failed\s+job {job}\s+not prefetched into {cache}: model {model} "
                        rf"\(run `harness prefetch CONFIG --cache {cache}` on a login node\); "
                        rf"log: {results}/slurm/jobs/{job}/{job}_0_log.err$", line), line
        runs = json.loads((results / "slurm" / "jobs" / job / "runs.json").read_text())
        assert runs["run_keys"] == {} and runs["error"].startswith("not prefetched")
        assert "loading" not in (results / "slurm" / "jobs" / job / f"{job}_0_log.out").read_text()
    assert not list(results.glob("runs/*"))  # no run was planned, no engine started


def test_gres_standins_are_scheduled(slurm: SlurmCluster, setup: dict[str, Path], tmp_path: Path) -> None:
    """harness's own GPU job parameters (`--gres=gpu:2`) on the stand-in GPUs: Slurm schedules the job
    on a node with 2 free, sets CUDA_VISIBLE_DEVICES, and refuses 5 GPUs on a 4-GPU node."""
    import submitit

    from harness.cluster.profile import ClusterProfile
    from harness.cluster.scripts import CacheLayout, job_parameters, jobs_folder
    from harness.cluster.sizing import JobGroup, JobSize

    profile = ClusterProfile(name="gres", partition="debug", gpus_per_node=4, offline=False, cpus_per_gpu=1)
    size = JobSize("probe", ("gsm8k",), 1, 2, 2, 1, 2, 2, 30, 0.0, 1.0)
    params = job_parameters(JobGroup([size]), profile, "gres-probe", CacheLayout(tmp_path / "cache"), None)
    assert params["gres"] == "gpu:2"
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the job cannot import this test module
    executor = submitit.SlurmExecutor(folder=jobs_folder(tmp_path))
    executor.update_parameters(**params)
    job = executor.submit(_visible_gpus)
    got = job.result()
    assert got["CUDA_VISIBLE_DEVICES"] == "0,1" and got["SLURM_GPUS_ON_NODE"] == "2"

    before = sorted(slurm.job_ids())
    too_many = harness("submit", str(setup["smoke"]), "--models", "tiny-hub-tp8", "--cluster",
                       str(setup["profiles"] / "ci-gpu-online.yaml"), "--gpus-per-node", "8", "--results",
                       str(tmp_path / "r"))
    assert too_many.returncode == 2, too_many.stdout
    assert too_many.stderr.strip() == (
        "error: model 'tiny-hub-tp8' needs 8 GPU(s) per node; nodes of partition 'debug' have at most 4 (pick a "
        "partition with larger nodes, or --gpu/--gpus-per-node to match them)")
    assert sorted(slurm.job_ids()) == before


def _stamp(line: str) -> float:
    """The time of a submitit log line, `submitit INFO (2026-01-01 10:00:00,123) - …`."""
    import datetime as dt

    text = re.search(r"\((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+)\)", line)
    assert text is not None, line
    return dt.datetime.strptime(text.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()


def _visible_gpus() -> dict[str, str]:
    return {k: os.environ.get(k, "") for k in ("CUDA_VISIBLE_DEVICES", "SLURM_GPUS_ON_NODE", "SLURM_JOB_GPUS")}


def test_unknown_partition_on_a_real_cluster(slurm: SlurmCluster, setup: dict[str, Path], tmp_path: Path) -> None:
    before = sorted(slurm.job_ids())
    out = harness("submit", str(setup["smoke"]), "--cluster", "local", "--partition", "gpu", "--cache",
                  str(setup["cache"]), "--results", str(tmp_path / "r"))
    assert out.returncode == 2
    assert out.stderr.strip() == "error: unknown partition 'gpu' (known: debug)"
    assert sorted(slurm.job_ids()) == before and not (tmp_path / "r").exists()


def test_two_node_job_brings_up_ray_and_tears_down(slurm: SlurmCluster, setup: dict[str, Path],
                                                    tmp_path: Path) -> None:
    results = tmp_path / "results"
    out = harness("submit", str(setup["pp2"]), "--cluster", str(setup["profiles"] / "ci-gpu.yaml"), "--cache",
                  str(setup["cache"]), "--results", str(results), "--wait", "--poll", "1")
    assert "2      1          1   2" in out.stdout  # 2 nodes x 1 GPU, TP1 x PP2
    (job,) = re.findall(r"as job (\d+)", out.stdout)
    folder = results / "slurm" / "jobs" / job
    assert out.returncode == 1, out.stdout + out.stderr
    head_log = (folder / "ray-ci1.log").read_text()
    assert "Ray runtime started" in head_log
    assert "Ray runtime started" in (folder / "ray-ci2.log").read_text()
    assert json.loads((folder / "ray-head-0.json").read_text())["node"] == "ci1"
    assert (folder / "ray-done-0").is_file()
    rank0 = (folder / f"{job}_0_log.err").read_text()
    assert "Connected to Ray cluster" in rank0
    rank1 = (folder / f"{job}_1_log.out").read_text()
    assert "Job completed successfully" in rank1  # the worker left cleanly when the head was done
    runs = json.loads((folder / "runs.json").read_text())
    assert runs["outcomes"]["gsm8k"]["status"] == "failed"
    # The engine got as far as its Ray executor, which vLLM's CPU build refuses (in the job's error when
    # the engine runs in-process, in the engine process's traceback in the log otherwise).
    error = runs["outcomes"]["gsm8k"]["error"]
    assert "vLLM failed to load" in error
    logs = error + rank0 + (folder / f"{job}_0_log.out").read_text()
    assert "current platform cpu does not support ray" in logs
    status = harness("status", "--results", str(results))
    assert re.match(rf"tiny-hub-pp2 × gsm8k\s+failed\s+job {job}\s+model 'tiny-hub-pp2': vLLM failed to load",
                    status.stdout), status.stdout
    port = str(port_for(job))
    leftovers = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline(p).count(port)
                 and ("ray" in _cmdline(p) or "gcs_server" in _cmdline(p))]
    assert not leftovers, "Ray processes outlived the job"


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
