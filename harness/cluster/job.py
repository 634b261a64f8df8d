"""What runs inside a Slurm job that `harness submit` wrote (pickled by submitit).

`ModelJob` runs one model's tasks in one engine load. On a multi-node job every node runs it:
rank 0 checks the prefetch lock, brings up the Ray head, waits for the other nodes, runs the
tasks through `harness.runner.run` and tears Ray down; every other rank joins as a Ray worker and
leaves when the head is done. The job writes `slurm/jobs/<job id>/runs.json` (the run key of
each task, before generation starts, and each task's outcome) for `harness status`.

`checkpoint` is submitit's requeue hook (preemption, time limit): the records are the checkpoint,
so the requeued job is the same job and resumes where the persisted chunks end.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.cluster import ray_cluster
from harness.cluster.lock import check_lock
from harness.cluster.records import JobRunRecord, TaskOutcome, job_dir, now, read_job_runs, write_job_runs
from harness.errors import HarnessError
from harness.hardware import ENV_GPUS_PER_NODE, ENV_NODES, ENV_RAY_ADDRESS
from harness.specs import ModelSpec, RunSpec, TaskSpec


class JobFailed(HarnessError):
    """Some task of the job failed (its error is in runs.json and the run's manifest)."""


@dataclass(frozen=True)
class Layout:
    nodes: int
    gpus_per_node: int
    tensor_parallel: int
    pipeline_parallel: int


def run_keys(model: ModelSpec, tasks: list[TaskSpec], limit: int | None, results: Path) -> dict[str, str]:
    """Each task's run key, computed exactly as the runner does (its `plan_task` on the spec with the
    dtype the engine computes in on this machine)."""
    from harness.hardware import detect_gpus, effective_model
    from harness.runner import plan_task
    from harness.weights import resolve

    em = effective_model(model, on_gpu=detect_gpus() is not None)
    weights = resolve(em.spec, requested_dtype=em.requested_dtype)
    keys = {}
    for task in tasks:
        try:
            keys[task.id] = plan_task(em.spec, task, weights, limit, results).run_key
        except HarnessError:
            continue  # the runner records this task's failure
    return keys


@dataclass
class ModelJob:
    """One model × its tasks, as a submitit callable."""

    spec: RunSpec
    model: ModelSpec
    tasks: list[TaskSpec]
    results: str
    layout: Layout
    lock_file: str | None = None
    ray_join_timeout_s: float = 600
    extra: dict[str, Any] = field(default_factory=dict)

    def __call__(self) -> dict[str, str]:
        import submitit

        env = submitit.JobEnvironment()
        job_id = str(env.job_id)
        if self.layout.nodes > 1 and env.global_rank > 0:
            name = env.hostnames[env.global_rank] if len(env.hostnames) > env.global_rank else env.hostname
            msg = ray_cluster.worker(job_dir(Path(self.results), job_id), name, self.layout.gpus_per_node,
                                     self.ray_join_timeout_s, _cpus())
            return {"rank": str(env.global_rank), "result": msg}
        return self.run_head(job_id, list(env.hostnames))

    def checkpoint(self, *args: Any, **kwargs: Any) -> Any:
        from submitit.helpers import DelayedSubmission

        return DelayedSubmission(self)

    def pinned_model(self) -> ModelSpec:
        """The model with the layout the job was sized for (descriptive fields: no run-key change)."""
        if self.layout.gpus_per_node == 0:
            return self.model
        return self.model.model_copy(update={"tensor_parallel_size": self.layout.tensor_parallel,
                                             "pipeline_parallel_size": self.layout.pipeline_parallel})

    def run_head(self, job_id: str, hostnames: list[str]) -> dict[str, str]:
        results = Path(self.results)
        old = read_job_runs(results, job_id)
        record = JobRunRecord(job_id=job_id, model=self.model.id, host=socket.gethostname(), started_at=now(),
                              attempt=(old.attempt + 1) if old else 1)
        write_job_runs(results, record)
        try:
            if self.lock_file:
                check_lock(Path(self.lock_file), [self.model], self.tasks)  # before any engine or GPU time
            model = self.pinned_model()
            record.run_keys = run_keys(model, self.tasks, self.spec.limit, results)
            write_job_runs(results, record)
            if self.layout.nodes > 1:
                outcomes = self._run_multinode(model, job_id, hostnames, results)
            else:
                outcomes = self._run(model, results)
        except HarnessError as exc:
            record.error = exc.one_line()
            record.finished_at = now()
            write_job_runs(results, record)
            raise
        record.outcomes = {o.task: TaskOutcome(status=o.status, error=o.error) for o in outcomes}
        record.finished_at = now()
        write_job_runs(results, record)
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            raise JobFailed(f"{len(failed)} of {len(outcomes)} task(s) failed: {failed[0].task}: {failed[0].error}")
        return {o.task: o.status for o in outcomes}

    def _run(self, model: ModelSpec, results: Path) -> list[Any]:
        from harness.config import Catalog
        from harness.runner import run

        catalog = Catalog(models={model.id: model}, tasks={t.id: t for t in self.tasks}, config_dir=results)
        return run(self.spec, catalog, models=[model.id], tasks=[t.id for t in self.tasks], results=results)

    def _run_multinode(self, model: ModelSpec, job_id: str, hostnames: list[str], results: Path) -> list[Any]:
        nodes = hostnames[: self.layout.nodes]
        workdir = job_dir(results, job_id)
        port = ray_cluster.port_for(job_id)
        with ray_cluster.head(workdir, nodes, self.layout.gpus_per_node, port, self.ray_join_timeout_s,
                              _cpus()) as address:
            os.environ.update({ENV_RAY_ADDRESS: address, "RAY_ADDRESS": address, ENV_NODES: str(len(nodes)),
                               ENV_GPUS_PER_NODE: str(self.layout.gpus_per_node)})
            return self._run(model, results)


def _cpus() -> int | None:
    value = os.environ.get("SLURM_CPUS_ON_NODE")
    return int(value) if value and value.isdigit() else None


@dataclass
class FinalizeJob:
    """The last job of a batch: rebuild the leaderboard and the claim verdicts once."""

    results: str
    claims_file: str | None = None
    config_dir: str | None = None

    def __call__(self) -> str:
        from harness.cluster.finalize import rebuild

        return rebuild(Path(self.results), Path(self.claims_file) if self.claims_file else None,
                       Path(self.config_dir) if self.config_dir else None)
