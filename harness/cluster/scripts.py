"""Job scripts: submitit's parameters for a group of same-shape jobs, and the script text.

The text is exactly what submitit writes for the job (`submitit.slurm.slurm._make_sbatch_string`,
the function its SlurmExecutor calls), so `--dry-run` shows what `sbatch` would receive. The
`setup` part runs before Python starts: the profile's own lines (`module load …`), the offline
environment, the shared cache, the code snapshot on PYTHONPATH, and a lock-file check that fails
the job before any GPU time when the cache was never prefetched.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.cluster.profile import ClusterProfile
from harness.cluster.records import slurm_dir
from harness.cluster.sizing import JobGroup

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "RAY_USAGE_STATS_ENABLED": "0"}
LOCK_NAME = "harness-lock.json"


def default_cache() -> Path:
    """The shared prefetch cache: `$HARNESS_PREFETCH_DIR`, else ~/.cache/harness-prefetch."""
    from harness.settings import current

    return current().prefetch_dir or Path.home() / ".cache" / "harness-prefetch"


@dataclass(frozen=True)
class CacheLayout:
    """Where a prefetch cache keeps things; jobs get these as environment variables."""

    root: Path

    @property
    def hf_home(self) -> Path:
        return self.root / "hf"

    @property
    def harness_cache(self) -> Path:
        return self.root / "harness"

    @property
    def lock_file(self) -> Path:
        return self.root / LOCK_NAME

    def env(self) -> dict[str, str]:
        return {"HF_HOME": str(self.hf_home), "HARNESS_CACHE_DIR": str(self.harness_cache),
                "HARNESS_LOCK_FILE": str(self.lock_file)}


def jobs_folder(results: Path) -> Path:
    """submitit's folder pattern: one folder per job id under `<results>/slurm/jobs/`."""
    return slurm_dir(results) / "jobs" / "%j"


def setup_lines(profile: ClusterProfile, cache: CacheLayout, snapshot: Path | None) -> list[str]:
    """Shell lines run in the batch script before Python starts."""
    lines = ["# harness: site set-up (profile)"] + list(profile.setup)
    env: dict[str, str] = {}
    if profile.offline:
        env.update(OFFLINE_ENV)
    env.update(cache.env())
    if profile.gpus_per_node:
        env["HARNESS_GPU"] = profile.gpu
    from harness.settings import current

    data = current().data_dir
    if data:
        env["HARNESS_DATA_DIR"] = str(data.resolve())
    env.update(profile.env)
    lines.append("# harness: environment before Python starts")
    lines += [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
    if snapshot is not None:
        lines.append(f'export PYTHONPATH={shlex.quote(str(snapshot))}"${{PYTHONPATH:+:$PYTHONPATH}}"')
    if profile.offline:
        lock = shlex.quote(str(cache.lock_file))
        lines += ["# harness: an offline job needs the prefetch lock file (checked in full by the job)",
                  f'[ -f {lock} ] || {{ echo "harness: no prefetch lock file {cache.lock_file}: run harness '
                  f'prefetch CONFIG --cache {cache.root} on a login node" >&2; exit 2; }}']
    return lines


def job_parameters(group: JobGroup, profile: ClusterProfile, name: str, cache: CacheLayout,
                   snapshot: Path | None, max_parallel: int | None = None) -> dict[str, Any]:
    """submitit SlurmExecutor parameters for one group of same-shape jobs."""
    size = group.first
    params: dict[str, Any] = {
        "job_name": name,
        "time": group.time_min,
        "nodes": size.nodes,
        "ntasks_per_node": 1,
        "cpus_per_task": size.cpus_per_task,
        "mem": f"{group.mem_gib}G",
        "signal_delay_s": profile.signal_delay_s,
        "array_parallelism": max_parallel or profile.max_parallel,
        "setup": setup_lines(profile, cache, snapshot),
        "wckey": None,
    }
    for key in ("partition", "account", "qos", "constraint"):
        value = getattr(profile, key)
        if value:
            params[key] = value
    if size.gpus_per_node:
        if profile.gpu_request == "gres":
            kind = f"gpu:{profile.gres_type}" if profile.gres_type else "gpu"
            params["gres"] = f"{kind}:{size.gpus_per_node}"
        else:
            params["gpus_per_node"] = size.gpus_per_node
    extra: dict[str, Any] = dict(profile.extra_parameters())
    if snapshot is not None:
        extra["chdir"] = str(snapshot)
    if extra:
        params["additional_parameters"] = extra
    return params


def python_command(profile: ClusterProfile) -> str:
    return profile.python or shlex.quote(sys.executable)


def script_text(params: dict[str, Any], results: Path, profile: ClusterProfile, n_jobs: int) -> str:
    """The sbatch script submitit writes for these parameters (an array when n_jobs > 1)."""
    from submitit.slurm.slurm import _make_sbatch_string

    folder = jobs_folder(results)
    command = " ".join([python_command(profile), "-u -m submitit.core._submit", shlex.quote(str(folder))])
    args = dict(params)
    if n_jobs > 1:
        args["map_count"] = n_jobs
    return _make_sbatch_string(command=command, folder=folder, **args)
