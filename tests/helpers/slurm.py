"""A real Slurm for the cluster tests: tests/infra/slurm-up.sh once per session, slurm-down.sh after.

Two virtual nodes (ci1, ci2) on this machine, each with its CPUs, its memory and 4 stand-in GPUs
(gres `gpu` whose File= are /dev/null-like device nodes). Needs root (munged, slurmctld, slurmd,
and apt-get the first time). A cluster that was already up is used and left up.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

INFRA = Path(__file__).resolve().parent.parent / "infra"
SLURM_DIR = Path(os.environ.get("SLURM_CI_DIR", "/tmp/harness-slurm"))
NODES, GPUS = 2, 4


@dataclass(frozen=True)
class SlurmCluster:
    dir: Path
    bring_up_s: float
    started_here: bool

    def job_state(self, job_id: str) -> str:
        out = subprocess.run(["squeue", "-h", "-t", "all", "-j", job_id, "-o", "%T"], capture_output=True,
                             text=True, timeout=30)
        return out.stdout.strip().splitlines()[0] if out.stdout.strip() else ""

    def wait_state(self, job_id: str, states: set[str], timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.job_state(job_id)
            if state in states:
                return state
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} still {state or 'unknown'} after {timeout} s, wanted {states}")

    def job_ids(self) -> list[str]:
        out = subprocess.run(["squeue", "-h", "-r", "-t", "all", "-o", "%i"], capture_output=True, text=True,
                             timeout=30)
        return out.stdout.split()


@pytest.fixture(scope="session")
def slurm() -> Iterator[SlurmCluster]:
    if os.geteuid() != 0:
        pytest.fail("the Slurm tests start munged, slurmctld and slurmd (tests/infra/slurm-up.sh): run them as root")
    env = {**os.environ, "SLURM_CI_DIR": str(SLURM_DIR), "SLURM_CI_NODES": str(NODES), "SLURM_CI_GPUS": str(GPUS)}
    started = time.monotonic()
    up = subprocess.run(["bash", str(INFRA / "slurm-up.sh")], env=env, capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - started
    if up.returncode != 0:
        pytest.fail(f"tests/infra/slurm-up.sh failed:\n{up.stdout[-3000:]}\n{up.stderr[-3000:]}")
    cluster = SlurmCluster(SLURM_DIR, elapsed, "already up" not in up.stdout)
    print(f"\nMEASURED Slurm bring-up: {elapsed:.1f} s ({'started' if cluster.started_here else 'reused'})")
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{SLURM_DIR / 'bin'}:{old_path}"  # the sacct stand-in, for submitit
    try:
        yield cluster
    finally:
        os.environ["PATH"] = old_path
        if cluster.started_here:
            subprocess.run(["bash", str(INFRA / "slurm-down.sh")], env=env, capture_output=True, timeout=300)
