"""The effective CPU dtype goes into the run key and the manifest, and the run says so once."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.hardware as hardware
from harness.backends import registry
from harness.backends.fake import FakeBackend
from harness.config import load_catalog
from harness.run import driver
from harness.run.progress import Progress
from harness.runner import run
from harness.specs import RunSpec
from harness.store import RunDir

from helpers.fake_models import fake_spec, write_fake_catalog

AVX2 = frozenset({"avx", "avx2", "fma"})
AMX = AVX2 | {"avx512f", "avx512_bf16", "amx_bf16"}


class Recorder(Progress):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)


@pytest.fixture()
def catalog(tmp_path: Path):
    # A bf16 model served by the HF backend on CPU (stood in for by the fake engine here).
    spec = fake_spec(id="bf16-model", backend="hf", dtype="bfloat16", source={"type": "hub", "repo": "x/bf16"})
    return load_catalog(write_fake_catalog(tmp_path / "configs", spec))


def run_with_flags(catalog, results: Path, flags: frozenset[str], monkeypatch: pytest.MonkeyPatch) -> tuple:
    monkeypatch.setattr(hardware, "cpu_flags", lambda cpuinfo=None: flags)
    monkeypatch.setattr(driver, "detect_gpus", lambda: None)
    monkeypatch.setitem(registry.BACKENDS, "hf", FakeBackend)  # the registry seam: `backend: hf` runs the fake
    progress = Recorder()
    spec = RunSpec(name="t", models=["bf16-model"], tasks=["gsm8k", "arc_easy"], limit=3)
    outcomes = run(spec, catalog, results=results, progress=progress)
    return outcomes, progress.lines


def test_float32_on_a_cpu_without_bf16(catalog, tmp_path: Path, data_dir: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    avx2, lines = run_with_flags(catalog, tmp_path / "avx2", AVX2, monkeypatch)
    notes = [x for x in lines if "computing in float32" in x]
    assert notes == ["bf16-model: computing in float32 (config: bfloat16): this CPU has no native bfloat16 "
                     "(AMX_BF16/AVX512_BF16 absent), where it runs several times slower"]  # once, for 2 tasks
    for o in avx2:
        manifest = RunDir(tmp_path / "avx2", o.run_key).read_manifest()
        assert manifest is not None
        assert manifest.run_settings["dtype"]["effective"] == "float32"
        assert manifest.model_spec["dtype"] == "float32"
    amx, amx_lines = run_with_flags(catalog, tmp_path / "amx", AMX, monkeypatch)
    assert not [x for x in amx_lines if "computing in" in x]
    assert {o.run_key for o in avx2}.isdisjoint({o.run_key for o in amx})  # dtype is in the run key
    manifest = RunDir(tmp_path / "amx", amx[0].run_key).read_manifest()
    assert manifest is not None and manifest.run_settings["dtype"]["effective"] == "bfloat16"
