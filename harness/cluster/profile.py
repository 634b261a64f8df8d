"""Cluster profiles: a site's Slurm defaults in a small YAML file (`configs/clusters/*.yaml`).

A profile names the partition, account and QoS, the GPUs a node has, how many nodes one job may
use, how job time is sized, extra `#SBATCH` lines, the shell lines that prepare a compute node
(`module load …`), and the shared cache that `harness prefetch` fills for offline compute nodes.
Validated like every other config: unknown keys and bad values are one error line each.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from harness.config import default_config_dir, parse_spec, read_yaml, suggest
from harness.errors import InputError
from harness.plan import GPUS
from harness.specs import Spec

TIME_PATTERN = re.compile(r"^(?:(\d+)-)?(\d{1,3}):(\d{2}):(\d{2})$")
SBATCH_FLAG = re.compile(r"^--([a-z][a-z0-9-]*)(?:=(.+))?$")
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


def parse_time(text: str) -> int:
    """Slurm's `[D-]HH:MM:SS` as whole minutes (rounded up); InputError on any other form."""
    m = TIME_PATTERN.match(text.strip())
    if not m:
        raise InputError(f"time '{text}' is not HH:MM:SS or D-HH:MM:SS", "e.g. --time 04:00:00")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    if minutes >= 60 or seconds >= 60:
        raise InputError(f"time '{text}': minutes and seconds must be below 60")
    total = days * 1440 + hours * 60 + minutes + (1 if seconds else 0)
    if total <= 0:
        raise InputError(f"time '{text}' must be positive")
    return total


def format_time(minutes: int) -> str:
    """Whole minutes as Slurm's `[D-]HH:MM:SS`."""
    days, rest = divmod(minutes, 1440)
    text = f"{rest // 60:02d}:{rest % 60:02d}:00"
    return f"{days}-{text}" if days else text


class ClusterProfile(Spec):
    """One Slurm site's defaults for `harness submit`."""

    name: str
    description: str = ""
    partition: str | None = Field(None, description="Default partition (None = Slurm's default)")
    partitions: list[str] = Field(default_factory=list, description="Partitions jobs may use (empty = any)")
    account: str | None = None
    qos: str | None = None
    constraint: str | None = Field(None, description="--constraint, e.g. 'h100&ib'")
    gpu: str = Field("h100-80gb", description="GPU type of the nodes (a `harness plan --gpu` key)")
    gpus_per_node: int = Field(8, ge=0, le=64, description="GPUs per node; 0 = CPU-only nodes")
    gpu_request: Literal["gres", "gpus-per-node"] = Field(
        "gres", description="How GPUs are asked for: --gres=gpu:N or --gpus-per-node=N")
    gres_type: str | None = Field(None, description="Typed gres: --gres=gpu:<type>:N")
    max_nodes: int = Field(4, ge=1, le=64, description="Most nodes one job may span")
    cpus_per_gpu: int = Field(8, ge=1, description="CPU cores per GPU")
    cpus_per_task: int = Field(4, ge=1, description="CPU cores of a CPU-only job")
    mem_per_node_gib: int | None = Field(None, gt=0, description="--mem per node (None = from the plan)")
    node_mem_gib: int | None = Field(None, gt=0, description="RAM of one node, to refuse what cannot fit")
    time_margin: float = Field(1.5, ge=1.0, le=10.0, description="Multiplier on the plan's time estimate")
    min_time: str = Field("01:00:00", description="Shortest time limit asked for")
    max_time: str = Field("2-00:00:00", description="Longest time limit (longer work requeues and resumes)")
    max_parallel: int = Field(16, ge=1, description="Array tasks running at once (%N)")
    max_requeue: int = Field(3, ge=0, le=100, description="Requeues after preemption/timeout")
    signal_delay_s: int = Field(120, ge=10, le=3600, description="USR2 this long before the time limit")
    extra_sbatch: list[str] = Field(default_factory=list, description="More #SBATCH flags, e.g. --exclusive")
    setup: list[str] = Field(default_factory=list, description="Shell lines before Python starts")
    env: dict[EnvName, str] = Field(default_factory=dict, description="Variables exported in every job")
    python: str | None = Field(None, description="Python command on compute nodes (default: this one)")
    cache: str | None = Field(None, description="Shared prefetch cache (default $HARNESS_PREFETCH_DIR)")
    offline: bool = Field(True, description="Compute nodes have no internet: jobs run offline from `cache`")
    ray_join_timeout_s: int = Field(600, ge=5, description="How long a multi-node job waits for its nodes")

    @field_validator("min_time", "max_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not TIME_PATTERN.match(value.strip()):
            raise ValueError(f"'{value}' is not HH:MM:SS or D-HH:MM:SS")
        return value

    @field_validator("gpu")
    @classmethod
    def _gpu(cls, value: str) -> str:
        if value not in GPUS:
            raise ValueError(f"unknown GPU type '{value}', known: {', '.join(GPUS)}")
        return value

    @field_validator("extra_sbatch")
    @classmethod
    def _flags(cls, values: list[str]) -> list[str]:
        for v in values:
            if not SBATCH_FLAG.match(v):
                raise ValueError(f"'{v}' is not a long sbatch flag like --exclusive or --reservation=x")
        return values

    @model_validator(mode="after")
    def _consistent(self) -> ClusterProfile:
        if self.partitions and self.partition and self.partition not in self.partitions:
            raise ValueError(f"partition '{self.partition}' is not in partitions {self.partitions}")
        if parse_time(self.min_time) > parse_time(self.max_time):
            raise ValueError(f"min_time {self.min_time} exceeds max_time {self.max_time}")
        return self

    def extra_parameters(self) -> dict[str, str | bool]:
        """`extra_sbatch` as submitit's `additional_parameters` ({flag: value or True})."""
        out: dict[str, str | bool] = {}
        for flag in self.extra_sbatch:
            m = SBATCH_FLAG.match(flag)
            assert m is not None  # validated above
            out[m.group(1).replace("-", "_")] = m.group(2) if m.group(2) is not None else True
        return out


def profiles_dir() -> Path:
    return default_config_dir() / "clusters"


def load_profile(name_or_path: str) -> ClusterProfile:
    """A profile by name (`configs/clusters/<name>.yaml`) or by path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = profiles_dir() / f"{name_or_path}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in profiles_dir().glob("*.yaml"))
            raise InputError(f"unknown cluster profile '{name_or_path}'",
                             suggest(name_or_path, known) if known else f"add {path}")
    return parse_spec(ClusterProfile, read_yaml(path), str(path))
