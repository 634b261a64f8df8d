"""`harness submit` on bad input: one line naming the problem and the fix, exit 2, nothing submitted
(no Slurm command runs, no record is written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app

ROOT = Path(__file__).resolve().parent.parent
SMOKE = str(ROOT / "configs" / "smoke.yaml")
REASONING = str(ROOT / "configs" / "reasoning.yaml")


@pytest.fixture()
def no_slurm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """PATH without any Slurm command, and an empty prefetch cache."""
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("HARNESS_PREFETCH_DIR", str(tmp_path / "cache"))
    return tmp_path


def submit(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["submit", *args])
    return result.exit_code, result.output


def error_line(output: str) -> str:
    lines = [x for x in output.splitlines() if x.startswith("error: ")]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


def test_unknown_profile_key(no_slurm: Path) -> None:
    profile = no_slurm / "site.yaml"
    profile.write_text("name: site\npartiton: gpu\ngpus_per_node: 4\n")
    code, out = submit(SMOKE, "--cluster", str(profile), "--results", str(no_slurm / "r"))
    assert code == 2
    assert error_line(out) == f"error: {profile}: 1 error(s): partiton: unknown key (got 'gpu')"
    assert not (no_slurm / "r").exists()


def test_partition_the_profile_does_not_allow(no_slurm: Path) -> None:
    code, out = submit(SMOKE, "--cluster", "example", "--partition", "cpu", "--results", str(no_slurm / "r"))
    assert code == 2
    assert "partition 'cpu' is not in partitions ['gpu', 'gpu-long', 'gpu-debug']" in error_line(out)


def test_model_that_cannot_fit_the_profile(no_slurm: Path) -> None:
    code, out = submit(REASONING, "--models", "llama-3.1-405b-instruct", "--gpu", "a100-40gb", "--gpus-per-node",
                       "2", "--dry-run", "--results", str(no_slurm / "r"))
    assert code == 2
    line = error_line(out)
    assert "model 'llama-3.1-405b-instruct' cannot fit the GPUs profile 'default' allows (up to 4 node(s) of " \
           "2 x a100-40gb)" in line
    assert "use a larger --gpu, more --gpus-per-node" in line


def test_missing_prefetch(no_slurm: Path) -> None:
    code, out = submit(SMOKE, "--results", str(no_slurm / "r"))
    assert code == 2
    line = error_line(out)
    assert f"not prefetched into {no_slurm / 'cache'}: model gemma-3-270m, dataset of task gsm8k" in line
    assert f"run `harness prefetch {SMOKE} --cache {no_slurm / 'cache'}` on this login node first" in line
    assert not (no_slurm / "r").exists()


def test_no_slurm_commands(no_slurm: Path) -> None:
    profile = no_slurm / "online.yaml"
    profile.write_text("name: online\ngpus_per_node: 0\noffline: false\n")
    code, out = submit(SMOKE, "--cluster", str(profile), "--results", str(no_slurm / "r"))
    assert code == 2
    assert error_line(out) == ("error: no Slurm commands on PATH (sbatch, squeue, scancel, sinfo, srun not found) "
                               "(run this on a login node of a Slurm cluster, or use --dry-run to see the jobs)")
    assert not (no_slurm / "r").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--time", "4h"], "time '4h' is not HH:MM:SS or D-HH:MM:SS"),
    (["--limit", "0"], "--limit must be a positive integer, got 0"),
    (["--gpu", "h100"], "gpu: Value error, unknown GPU type 'h100'"),
    (["--cluster", "nosuch"], "unknown cluster profile 'nosuch'"),
    (["--cluster", "local", "--gpu", "h100-80gb"], "--gpu h100-80gb, but profile 'local' has CPU-only nodes"),
    (["--models", "gemma-3-27m"], "unknown model id 'gemma-3-27m'"),
])
def test_bad_options(no_slurm: Path, args: list[str], message: str) -> None:
    code, out = submit(SMOKE, "--dry-run", "--results", str(no_slurm / "r"), *args)
    assert code == 2
    assert message in error_line(out)
