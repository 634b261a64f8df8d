"""The Slurm commands the cluster path reads: sinfo (partitions), squeue/sacct (job states),
`sbatch --test-only` (check a job before anything is submitted). Submission itself goes through
submitit (`harness.cluster.submit`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InputError

COMMANDS = ("sbatch", "squeue", "scancel", "sinfo", "srun")
# Slurm job states in which a job still holds or waits for resources.
LIVE_STATES = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD",
               "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD"}
QUEUED_STATES = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"}


class SlurmError(InputError):
    """Slurm is missing, or refused a request (bad partition, resources no node has)."""


@dataclass(frozen=True)
class JobState:
    state: str
    reason: str = ""

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def queued(self) -> bool:
        return self.state in QUEUED_STATES


@dataclass(frozen=True)
class Partition:
    name: str
    nodes: int
    max_gpus_per_node: int
    max_mem_mb: int
    default: bool = False


def require_slurm() -> None:
    """SlurmError unless every Slurm client command is on PATH."""
    missing = [c for c in COMMANDS if shutil.which(c) is None]
    if missing:
        raise SlurmError(f"no Slurm commands on PATH ({', '.join(missing)} not found)",
                         "run this on a login node of a Slurm cluster, or use --dry-run to see the jobs")


def _run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:  # no such command, or a hung controller
        return subprocess.CompletedProcess(args, 127, "", str(exc))


def _gres_gpus(gres: str) -> int:
    """GPUs in an sinfo %G field such as 'gpu:4', 'gpu:h100:8(S:0-1)' or '(null)'."""
    total = 0
    for part in gres.split(","):
        m = re.match(r"^gpu(?::[^:(]+)?:(\d+)", part.strip())
        if m:
            total += int(m.group(1))
    return total


def partitions() -> dict[str, Partition]:
    """Every partition with its node count, most GPUs and most memory on one of its nodes."""
    out = _run(["sinfo", "-h", "-o", "%P|%D|%G|%m"])
    if out.returncode != 0:
        why = out.stderr.strip().splitlines()[0] if out.stderr.strip() else f"exit {out.returncode}"
        raise SlurmError(f"sinfo failed: {why}", "is slurmctld reachable from here?")
    found: dict[str, Partition] = {}
    for line in out.stdout.splitlines():
        name, nodes, gres, mem = (line.split("|") + ["", "", "", ""])[:4]
        default = name.endswith("*")
        name = name.rstrip("*")
        old = found.get(name)
        mem_mb = int(re.sub(r"\D", "", mem) or 0)
        found[name] = Partition(
            name, (old.nodes if old else 0) + int(nodes or 0),
            max(old.max_gpus_per_node if old else 0, _gres_gpus(gres)),
            max(old.max_mem_mb if old else 0, mem_mb), default or bool(old and old.default))
    return found


def check_partition(name: str | None, nodes: int, gpus_per_node: int, model: str) -> None:
    """SlurmError unless partition `name` (None = the default) exists and has the nodes and GPUs."""
    parts = partitions()
    if name is None:
        defaults = [p for p in parts.values() if p.default]
        if not defaults:
            raise SlurmError("the cluster has no default partition", "pass --partition or set it in the profile")
        part = defaults[0]
    elif name not in parts:
        raise SlurmError(f"unknown partition '{name}'", f"known: {', '.join(sorted(parts)) or 'none'}")
    else:
        part = parts[name]
    if gpus_per_node > part.max_gpus_per_node:
        raise SlurmError(f"model '{model}' needs {gpus_per_node} GPU(s) per node; nodes of partition "
                         f"'{part.name}' have at most {part.max_gpus_per_node}",
                         "pick a partition with larger nodes, or --gpu/--gpus-per-node to match them")
    if nodes > part.nodes:
        raise SlurmError(f"model '{model}' needs {nodes} nodes; partition '{part.name}' has {part.nodes}",
                         "pick a larger partition or a GPU type with more memory")


def sbatch_test_only(script: str) -> str | None:
    """`sbatch --test-only` on a job script: None if Slurm would take it, else its error line."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as fh:
        fh.write(script)
        path = Path(fh.name)
    try:
        out = _run(["sbatch", "--test-only", str(path)])
    finally:
        path.unlink(missing_ok=True)
    if out.returncode == 0:
        return None
    lines = [x.removeprefix("sbatch: error: ") for x in out.stderr.strip().splitlines() if x.strip()]
    return "; ".join(lines[-2:]) or f"sbatch --test-only exited {out.returncode}"


def job_states(job_ids: Iterable[str]) -> dict[str, JobState]:
    """State of each job id ('123' or '123_4') that squeue (or, after it forgets, sacct) knows."""
    wanted = set(job_ids)
    if not wanted:
        return {}
    found: dict[str, JobState] = {}
    out = _run(["squeue", "-h", "-r", "-t", "all", "-o", "%i|%T|%r"])
    if out.returncode == 0:
        for line in out.stdout.splitlines():
            jid, state, reason = (line.split("|") + ["", ""])[:3]
            if jid in wanted:
                found[jid] = JobState(state.strip(), reason.strip())
    missing = wanted - set(found)
    if missing and shutil.which("sacct"):
        acct = _run(["sacct", "-n", "-P", "-X", "-o", "JobID,State", "-j", ",".join(sorted(missing))])
        if acct.returncode == 0:
            for line in acct.stdout.splitlines():
                jid, state = (line.split("|") + [""])[:2]
                if jid in missing and state:
                    found[jid] = JobState(state.split()[0])
    return found


def cancel(job_ids: Iterable[str]) -> None:
    ids = list(job_ids)
    if ids:
        _run(["scancel", *ids])
