"""`harness submit`: one Slurm job per model (all its tasks in one engine load), sized by the plan.

Order of work, so that bad input submits nothing: load the config and the profile → skip the
model × task runs already queued, running or complete (from the records) → size every job (a
model that cannot fit what the profile allows is refused) → check the prefetch lock (offline
profiles) → check Slurm (commands, partition, `sbatch --test-only` of every script) → snapshot
the code → submit with submitit (same-shape models as one array job, `%N` = max parallel) →
record the job ids → either wait and rebuild the leaderboard and claims here (`--wait`), or submit
a final job that does it after all the others (`--dependency=afterany`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.cluster import slurm
from harness.cluster.finalize import rebuild
from harness.cluster.job import FinalizeJob, Layout, ModelJob
from harness.cluster.lock import PrefetchMissingError, missing, read_lock
from harness.cluster.profile import ClusterProfile, format_time, load_profile, parse_time
from harness.cluster.records import JobRecord, SubmissionRecord, now, spec_hash, write_submission
from harness.cluster.scripts import (
    CacheLayout,
    default_cache,
    job_parameters,
    jobs_folder,
    python_command,
    script_text,
    setup_lines,
)
from harness.cluster.sizing import JobGroup, JobSize, group_jobs, size_job
from harness.cluster.snapshot import ROOT, make_snapshot
from harness.cluster.status import collect, latest_jobs, render
from harness.config import Catalog, load_run, parse_spec
from harness.errors import InputError
from harness.settings import results_dir
from harness.specs import ModelSpec, RunSpec, TaskSpec

Echo = Callable[[str], None]


@dataclass(frozen=True)
class SubmitRequest:
    """Everything `harness submit` was asked for (None = the config's or the profile's value)."""

    config: Path
    cluster: str = "default"
    models: list[str] | None = None
    tasks: list[str] | None = None
    limit: int | None = None
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    time: str | None = None
    gpu: str | None = None
    gpus_per_node: int | None = None
    max_parallel: int | None = None
    results: Path | None = None
    cache: Path | None = None
    dry_run: bool = False
    wait: bool = False
    poll_s: float = 30.0


@dataclass
class Batch:
    """What one submit resolved to: the specs, the jobs to submit and the runs it leaves alone."""

    spec: RunSpec
    catalog: Catalog
    profile: ClusterProfile
    results: Path
    cache: CacheLayout
    sizes: list[JobSize] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def effective_profile(req: SubmitRequest) -> ClusterProfile:
    """The named profile with the command line's overrides, validated again as a whole."""
    profile = load_profile(req.cluster)
    overrides = {k: v for k, v in {"partition": req.partition, "account": req.account, "qos": req.qos,
                                    "gpu": req.gpu, "gpus_per_node": req.gpus_per_node,
                                    "max_parallel": req.max_parallel}.items() if v is not None}
    if overrides:
        profile = parse_spec(ClusterProfile, {**profile.model_dump(), **overrides},
                             f"profile '{profile.name}' with command-line options")
    if req.gpu and profile.gpus_per_node == 0:
        raise InputError(f"--gpu {req.gpu}, but profile '{profile.name}' has CPU-only nodes (gpus_per_node: 0)",
                         "add --gpus-per-node N, or use a GPU profile with --cluster")
    return profile


def plan_batch(req: SubmitRequest) -> Batch:
    """Resolve the request into jobs; InputError (nothing submitted) on any bad input."""
    spec, catalog = load_run(req.config)
    profile = effective_profile(req)
    if req.limit is not None:
        if req.limit <= 0:
            raise InputError(f"--limit must be a positive integer, got {req.limit}")
        spec = spec.model_copy(update={"limit": req.limit})
    time_min = parse_time(req.time) if req.time else None
    results = results_dir(req.results, spec.results).resolve()
    cache = CacheLayout((req.cache or (Path(profile.cache) if profile.cache else None) or default_cache()).resolve())
    models = [catalog.model(m) for m in (req.models or spec.models)]
    tasks = catalog.expand_tasks(req.tasks or spec.tasks)
    batch = Batch(spec, catalog, profile, results, cache)
    busy = already_done_or_running(results, models, tasks, spec.limit)
    for model in models:
        todo = [t for t in tasks if (model.id, t.id) not in busy]
        batch.skipped += [busy[(model.id, t.id)] for t in tasks if (model.id, t.id) in busy]
        if todo:
            batch.sizes.append(size_job(model, todo, profile, spec.limit, time_min))
    if profile.offline and batch.sizes:
        need_models = [catalog.model(s.model) for s in batch.sizes]
        need_tasks = [catalog.tasks[t] for t in dict.fromkeys(t for s in batch.sizes for t in s.tasks)]
        absent = missing(read_lock(cache.lock_file), cache.root, need_models, need_tasks)
        if absent and not req.dry_run:
            raise PrefetchMissingError(
                f"not prefetched into {cache.root}: {', '.join(absent[:4])}"
                + (f" and {len(absent) - 4} more" if len(absent) > 4 else ""),
                f"run `harness prefetch {req.config} --cache {cache.root}` on this login node first")
        if absent:
            batch.notes.append(f"not prefetched yet into {cache.root} (harness prefetch): {', '.join(absent)}")
    return batch


def already_done_or_running(results: Path, models: list[ModelSpec], tasks: list[TaskSpec],
                            limit: int | None) -> dict[tuple[str, str], str]:
    """Model × task runs of the same specs and limit that are queued, running or complete: why to skip each."""
    latest = latest_jobs(results)
    wanted = {(m.id, t.id): spec_hash(m, t, limit) for m in models for t in tasks}
    pairs = [p for p, h in wanted.items() if p in latest and latest[p].spec_hashes.get(p[1]) == h]
    if not pairs:
        return {}
    out = {}
    for s in collect(results, pairs):
        if s.live or s.state == "complete":
            out[(s.model, s.task)] = f"{s.model} × {s.task}: {s.state} in job {s.job.job_id}, not submitted again"
    return out


def table(batch: Batch, groups: list[JobGroup]) -> str:
    """The resource table: one row per job, its array group and what it asks Slurm for."""
    cols = ("group", "model", "tasks", "nodes", "GPUs/node", "TP", "PP", "CPUs", "mem", "time", "est_GPU_h")
    rows = []
    for gi, g in enumerate(groups, 1):
        for ai, s in enumerate(g.sizes):
            where = f"{gi}" + (f"[{ai}]" if len(g.sizes) > 1 else "")
            rows.append((where, s.model, str(len(s.tasks)), str(s.nodes), str(s.gpus_per_node),
                         str(s.tensor_parallel), str(s.pipeline_parallel), str(s.cpus_per_task),
                         f"{g.mem_gib}G", format_time(g.time_min), f"{s.est_gpu_hours:.1f}"))
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)).rstrip()  # noqa: E731
    p = batch.profile
    where = f"{p.gpus_per_node} x {p.gpu} per node" if p.gpus_per_node else "CPU-only nodes"
    head = (f"{len(rows)} job(s) in {len(groups)} group(s) on profile '{p.name}' ({where}, partition "
            f"{p.partition or '(default)'}); results {batch.results}; cache {batch.cache.root}")
    return "\n".join([head, line(cols), line(["-" * w for w in widths]), *[line(r) for r in rows]])


def _name(batch: Batch, group: JobGroup) -> str:
    s = group.first
    if len(group.sizes) == 1:
        return f"harness-{s.model}"
    return f"harness-{batch.spec.name}-{s.nodes}n{s.gpus_per_node}g"


def _job(batch: Batch, size: JobSize, lock: str | None) -> ModelJob:
    model = batch.catalog.model(size.model)
    tasks = [batch.catalog.tasks[t] for t in size.tasks]
    layout = Layout(size.nodes, size.gpus_per_node, size.tensor_parallel, size.pipeline_parallel)
    return ModelJob(batch.spec, model, tasks, str(batch.results), layout, lock, batch.profile.ray_join_timeout_s)


def _record(batch: Batch, size: JobSize, group: JobGroup, job_id: str) -> JobRecord:
    model = batch.catalog.model(size.model)
    hashes = {t: spec_hash(model, batch.catalog.tasks[t], batch.spec.limit) for t in size.tasks}
    return JobRecord(job_id=job_id, model=size.model, tasks=list(size.tasks), spec_hashes=hashes,
                     limit=batch.spec.limit, nodes=size.nodes, gpus_per_node=size.gpus_per_node,
                     tensor_parallel=size.tensor_parallel, pipeline_parallel=size.pipeline_parallel,
                     partition=batch.profile.partition, time_min=group.time_min,
                     log_dir=str(batch.results / "slurm" / "jobs" / job_id))


def submit(req: SubmitRequest, echo: Echo) -> int:
    """Plan, check and submit (or print, with `dry_run`) the jobs of a config. Returns the exit code."""
    batch = plan_batch(req)
    groups = group_jobs(batch.sizes)
    for line in batch.skipped:
        echo(f"skip: {line}")
    if not groups:
        echo("nothing to submit: every requested run is queued, running or complete (see harness status)")
        return 0
    echo(table(batch, groups))
    for s in batch.sizes:
        for note in s.notes:
            echo(f"note: {s.model}: {note}")
    for note in batch.notes:
        echo(f"note: {note}")
    if req.dry_run:
        placeholder = batch.results / "slurm" / "code" / "SNAPSHOT"
        for gi, g in enumerate(groups, 1):
            params = job_parameters(g, batch.profile, _name(batch, g), batch.cache, placeholder, req.max_parallel)
            echo(f"\n# ---- group {gi}: {', '.join(s.model for s in g.sizes)}")
            echo(script_text(params, batch.results, batch.profile, len(g.sizes)))
        echo("\ndry run: nothing submitted")
        return 0
    return _submit_for_real(req, batch, groups, echo)


def _submit_for_real(req: SubmitRequest, batch: Batch, groups: list[JobGroup], echo: Echo) -> int:
    import submitit

    slurm.require_slurm()
    scripts = []
    for g in groups:
        slurm.check_partition(batch.profile.partition, g.first.nodes, g.first.gpus_per_node,
                              ", ".join(s.model for s in g.sizes))
        params = job_parameters(g, batch.profile, _name(batch, g), batch.cache, None, req.max_parallel)
        refused = slurm.sbatch_test_only(script_text(params, batch.results, batch.profile, len(g.sizes)))
        if refused:
            raise slurm.SlurmError(f"Slurm refuses the job of {', '.join(s.model for s in g.sizes)}: {refused}",
                                   "fix the profile or the options; nothing was submitted")
        scripts.append(params)
    snapshot = make_snapshot(batch.results)
    lock = str(batch.cache.lock_file) if batch.profile.offline else None
    record = SubmissionRecord(id=f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}", created_at=now(),
                              config=str(req.config.resolve()), cluster=batch.profile.name,
                              results=str(batch.results), snapshot=str(snapshot))
    try:
        for g in groups:
            params = job_parameters(g, batch.profile, _name(batch, g), batch.cache, snapshot, req.max_parallel)
            executor = submitit.SlurmExecutor(folder=jobs_folder(batch.results), python=python_command(batch.profile),
                                              max_num_timeout=batch.profile.max_requeue)
            executor.update_parameters(**params)
            with executor.batch():
                jobs = [executor.submit(_job(batch, s, lock)) for s in g.sizes]
            for s, job in zip(g.sizes, jobs, strict=True):
                record.jobs.append(_record(batch, s, g, str(job.job_id)))
                echo(f"submitted {s.model} ({', '.join(s.tasks)}) as job {job.job_id}")
    finally:
        if record.jobs:
            write_submission(batch.results, record)
    claims = snapshot / "seeds" / "claims.yaml"
    if req.wait:
        return wait_and_finish(batch, [j.job_id for j in record.jobs], req.poll_s, echo)
    final = _submit_finalize(batch, record, snapshot, claims)
    echo(f"leaderboard and claims are rebuilt by job {final} once all jobs end; watch: harness status "
         f"--results {batch.results}")
    return 0


def _submit_finalize(batch: Batch, record: SubmissionRecord, snapshot: Path, claims: Path) -> str:
    import submitit

    executor = submitit.SlurmExecutor(folder=jobs_folder(batch.results), python=python_command(batch.profile))
    profile = batch.profile
    params = {"job_name": "harness-finalize", "time": 30, "nodes": 1, "ntasks_per_node": 1, "cpus_per_task": 1,
              "mem": "4G", "wckey": None, "setup": setup_lines(profile, batch.cache, snapshot),
              "additional_parameters": {"dependency": "afterany:" + ":".join(
                  sorted({j.job_id.split("_")[0] for j in record.jobs})), "chdir": str(snapshot)}}
    for key in ("partition", "account", "qos"):
        if getattr(profile, key):
            params[key] = getattr(profile, key)
    executor.update_parameters(**params)
    job = executor.submit(FinalizeJob(str(batch.results), str(claims), str(batch.catalog.config_dir)))
    record.finalize_job_id = str(job.job_id)
    write_submission(batch.results, record)
    return str(job.job_id)


def wait_and_finish(batch: Batch, job_ids: list[str], poll_s: float, echo: Echo) -> int:
    """Wait until no job is queued or running, rebuild leaderboard and claims, print the status."""
    last = ""
    while True:
        states = slurm.job_states(job_ids)
        counts: dict[str, int] = {}
        for jid in job_ids:
            state = states[jid].state if jid in states else "UNKNOWN"
            counts[state] = counts.get(state, 0) + 1
        text = ", ".join(f"{k.lower()}: {v}" for k, v in sorted(counts.items()))
        if text != last:
            echo(f"waiting: {text}")
            last = text
        if not any(jid in states and states[jid].live for jid in job_ids):
            break
        time.sleep(poll_s)
    echo(rebuild(batch.results, ROOT / "seeds" / "claims.yaml", batch.catalog.config_dir))
    pairs = [(s.model, t) for s in batch.sizes for t in s.tasks]
    statuses = collect(batch.results, pairs)
    echo(render(statuses))
    return 0 if statuses and all(s.state == "complete" for s in statuses) else 1
