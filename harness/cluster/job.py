"""What runs inside a Slurm job that `harness submit` wrote (pickled by submitit).

`ModelJob` runs one model's tasks in one engine load. On a multi-node job every node runs it:
rank 0 checks the prefetch lock, brings up the Ray head, waits for the other nodes, plans the
model's run once (`harness.run.model_run.plan_model_run`, as `harness run` does), records its run
keys, executes it (`harness.run.driver.execute_model_run`) and tears Ray down; every other rank
joins as a Ray worker and leaves when the head is done. The job writes `slurm/jobs/<job id>/runs.json` (the run key of
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
            if self.layout.nodes > 1:
                outcomes = self._run_multinode(model, job_id, hostnames, results, record)
            else:
                outcomes = self._run(model, results, record)
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

    def _run(self, model: ModelSpec, results: Path, record: JobRunRecord) -> list[Any]:
        """Plan the model's run once (as `harness run` does), record its run keys for `harness status`
        before generation starts, then execute it."""
        from harness.backends.base import EngineSettings
        from harness.hardware import Machine, detect_gpus
        from harness.leaderboard import update_leaderboard
        from harness.run.driver import execute_model_run
        from harness.run.model_run import plan_model_run
        from harness.run.progress import Progress, failed

        engine = EngineSettings(gpu_memory_utilization=self.spec.gpu_memory_utilization,
                                max_num_seqs=self.spec.max_num_seqs)
        try:
            planned = plan_model_run(model, self.tasks, limit=self.spec.limit, results=results, engine=engine,
                                     machine=Machine.here(detect_gpus()), data_parallel=self.spec.data_parallel)
        except HarnessError as exc:
            return [failed(model.id, t.id, exc) for t in self.tasks]
        record.run_keys = planned.run_keys
        write_job_runs(results, record)
        outcomes = execute_model_run(planned, self.spec, results, Progress())
        update_leaderboard(results)
        return outcomes

    def _run_multinode(self, model: ModelSpec, job_id: str, hostnames: list[str], results: Path,
                       record: JobRunRecord) -> list[Any]:
        nodes = hostnames[: self.layout.nodes]
        workdir = job_dir(results, job_id)
        port = ray_cluster.port_for(job_id)
        with ray_cluster.head(workdir, nodes, self.layout.gpus_per_node, port, self.ray_join_timeout_s,
                              _cpus()) as address:
            os.environ.update({ENV_RAY_ADDRESS: address, "RAY_ADDRESS": address, ENV_NODES: str(len(nodes)),
                               ENV_GPUS_PER_NODE: str(self.layout.gpus_per_node)})
            return self._run(model, results, record)


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
