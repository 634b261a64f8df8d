"""Size one Slurm job per model from `harness plan`, and group same-shape jobs into arrays.

GPU nodes: GPUs = TP x PP of the plan on the profile's GPU type, spread over `nodes` nodes; the
time limit is the plan's GPU-hours / GPUs x `time_margin` plus a load allowance, rounded up to a
bucket (`min_time`, then 2, 4, 8, 16, 32 … hours) and capped at `max_time` (work past the limit
requeues and resumes); host RAM per node is 1.2 x the weights that node holds + 32 GiB, rounded
up to a power of two from 64 GiB. Buckets let similar models share one array job without asking
for much more than they need. CPU-only nodes (`gpus_per_node: 0`): one node, `cpus_per_task`
cores, the CPU-run memory estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.cluster.profile import ClusterProfile, parse_time
from harness.errors import InputError
from harness.plan import cpu_memory_gib, gpu_type, plan_model
from harness.specs import ModelSpec, TaskSpec

LOAD_MINUTES = 10  # engine start, plus one minute per 60 GiB of weights a node reads
MIN_HOST_MEM_GIB = 64


@dataclass(frozen=True)
class JobSize:
    """The resources one model's job asks for, and where the numbers came from."""

    model: str
    tasks: tuple[str, ...]
    nodes: int
    gpus_per_node: int
    tensor_parallel: int
    pipeline_parallel: int
    cpus_per_task: int
    mem_gib: int
    time_min: int
    est_gpu_hours: float
    weight_gib: float
    notes: tuple[str, ...] = ()

    @property
    def gpus(self) -> int:
        return self.nodes * self.gpus_per_node

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        """Jobs with the same shape share one array job."""
        return (self.nodes, self.gpus_per_node, self.cpus_per_task, self.mem_gib, self.time_min)


@dataclass
class JobGroup:
    """Jobs of one shape: one Slurm job (one member) or one array job (several)."""

    sizes: list[JobSize] = field(default_factory=list)

    @property
    def first(self) -> JobSize:
        return self.sizes[0]

    @property
    def time_min(self) -> int:
        return max(s.time_min for s in self.sizes)

    @property
    def mem_gib(self) -> int:
        return max(s.mem_gib for s in self.sizes)


def _time_bucket(minutes: float, profile: ClusterProfile) -> int:
    """`min_time` if enough, else the next power-of-two hours, capped at `max_time`."""
    low, high = parse_time(profile.min_time), parse_time(profile.max_time)
    bucket = low
    hours = 2
    while bucket < minutes and bucket < high:
        bucket = max(bucket, hours * 60)
        hours *= 2
    return min(bucket, high)


def _mem_bucket(gib: float) -> int:
    bucket = MIN_HOST_MEM_GIB
    while bucket < gib:
        bucket *= 2
    return bucket


def size_job(model: ModelSpec, tasks: Sequence[TaskSpec], profile: ClusterProfile,
             limit: int | None = None, time_min: int | None = None) -> JobSize:
    """One model's job on the profile's nodes; InputError when it cannot fit what the profile allows."""
    task_ids = tuple(t.id for t in tasks)
    if profile.gpus_per_node == 0:
        need = math.ceil(cpu_memory_gib(model) + 1)
        if profile.node_mem_gib and need > profile.node_mem_gib:
            raise InputError(
                f"model '{model.id}' needs ~{need} GiB of RAM on CPU, nodes of profile '{profile.name}' have "
                f"{profile.node_mem_gib} GiB", "use a GPU profile (--cluster) or a smaller model")
        minutes = time_min or parse_time(profile.min_time)
        return JobSize(model.id, task_ids, 1, 0, model.tensor_parallel_size or 1,
                       model.pipeline_parallel_size or 1, profile.cpus_per_task,
                       profile.mem_per_node_gib or need, minutes, 0.0, round(need, 1), ("CPU-only nodes",))
    gpu_type(profile.gpu)
    n_items = {t.id: limit for t in tasks} if limit else None
    plan = plan_model(model, tasks, profile.gpu, profile.gpus_per_node, n_items, max_nodes=profile.max_nodes)
    if not plan.fits:
        raise InputError(
            f"model '{model.id}' cannot fit the GPUs profile '{profile.name}' allows (up to {profile.max_nodes} "
            f"node(s) of {profile.gpus_per_node} x {profile.gpu}): {plan.reason}",
            "use a larger --gpu, more --gpus-per-node, or raise max_nodes in the profile")
    nodes = plan.nodes
    per_node = math.ceil(plan.gpus / nodes)
    node_weights = plan.weight_gib / nodes
    load = LOAD_MINUTES + node_weights / 60
    estimate = plan.est_gpu_hours / plan.gpus * 60 * profile.time_margin + load
    minutes = time_min or _time_bucket(estimate, profile)
    notes = []
    if time_min is None and estimate > parse_time(profile.max_time):
        notes.append(f"estimate {estimate / 60:.1f} h exceeds max_time {profile.max_time}: the job requeues "
                     "on timeout and resumes")
    mem = profile.mem_per_node_gib or _mem_bucket(1.2 * node_weights + 32)
    if profile.node_mem_gib and mem > profile.node_mem_gib:
        mem = profile.node_mem_gib
    return JobSize(model.id, task_ids, nodes, per_node, plan.tensor_parallel, plan.pipeline_parallel,
                   per_node * profile.cpus_per_gpu, mem, minutes, plan.est_gpu_hours, plan.weight_gib,
                   tuple(notes))


def group_jobs(sizes: Sequence[JobSize]) -> list[JobGroup]:
    """Same-shape jobs (nodes, GPUs per node, CPUs, memory, time) in one group each, first-seen order."""
    groups: dict[tuple[int, int, int, int, int], JobGroup] = {}
    for s in sizes:
        groups.setdefault(s.shape, JobGroup()).sizes.append(s)
    return list(groups.values())
