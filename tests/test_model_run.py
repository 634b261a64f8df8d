"""A model's run is planned once (`plan_model_run`): effective dtype, fit, weights, task plans, run keys.

Machines are stand-ins (cpuinfo text, RAM); models use the fake backend's specs with `backend: hf`
so the CPU dtype rule applies. Nothing downloads or starts an engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import provenance
from harness.backends.base import EngineSettings
from harness.config import load_catalog
from harness.hardware import CPU_DTYPE_ENV, Machine
from harness.plan import PlanError
from harness.run.model_run import plan_model_run
from harness.run.task_runner import plan_task

from helpers.fake_models import fake_model

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")
AVX2 = "flags\t\t: fpu sse2 avx avx2 fma\n"
AMX = "flags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16\n"


@pytest.fixture(autouse=True)
def _no_forced_dtype(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CPU_DTYPE_ENV, raising=False)


def _plan(machine: Machine, tmp_path: Path, tasks: tuple[str, ...] = ("gsm8k", "arc_easy"), **model: object):
    spec = fake_model(id="bf16-model", backend="hf", dtype="bfloat16", **model)
    return plan_model_run(spec, [CATALOG.tasks[t] for t in tasks], limit=3, results=tmp_path,
                          engine=EngineSettings(), machine=machine)


def test_the_plan_carries_the_effective_spec_and_its_run_keys(tmp_path: Path, data_dir: Path) -> None:
    planned = _plan(Machine(gpus=None, memory_gib=64, cpuinfo=AVX2), tmp_path)
    assert planned.spec.dtype == "float32" and planned.model.dtype == "bfloat16"
    assert planned.effective.dtype.as_dict()["requested"] == "bfloat16"
    assert list(planned.run_keys) == ["gsm8k", "arc_easy"]
    # The run key is the one plan_task gives the effective spec: one source of identity.
    again = plan_task(planned.spec, CATALOG.tasks["gsm8k"], planned.weights, 3, tmp_path)
    assert planned.run_keys["gsm8k"] == again.run_key
    settings = planned.run_settings(64, {"engine": "x"})
    assert settings["dtype"]["effective"] == "float32" and settings["limit"] == 3
    native = _plan(Machine(gpus=None, memory_gib=64, cpuinfo=AMX), tmp_path)
    assert native.spec.dtype == "bfloat16"
    assert set(native.run_keys.values()).isdisjoint(planned.run_keys.values())  # the dtype is in the key


def test_a_task_that_cannot_be_planned_is_kept_apart(tmp_path: Path, data_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "mirror"
    empty.mkdir()
    monkeypatch.setenv("HARNESS_DATA_DIR", str(empty))
    planned = _plan(Machine(gpus=None, memory_gib=64, cpuinfo=AVX2), tmp_path / "r", tasks=("gsm8k",))
    assert planned.plans == () and list(planned.task_errors) == ["gsm8k"]
    assert planned.task_ids == ("gsm8k",)


def test_a_model_too_big_for_the_machine_is_refused_before_its_weights(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.run.model_run as model_run

    monkeypatch.setattr(model_run, "resolve", lambda *a, **k: pytest.fail("weights resolved before the fit"))
    with pytest.raises(PlanError, match=r"needs ~34 GiB .* in float32"):
        _plan(Machine(gpus=None, memory_gib=24, cpuinfo=AVX2), tmp_path, params_b=8.0, active_params_b=8.0)


def test_spec_key_is_the_pre_download_part_of_the_run_identity() -> None:
    from harness.cluster.records import spec_hash

    model, task = CATALOG.model("llama-3.1-8b-instruct"), CATALOG.tasks["gsm8k"]
    assert spec_hash(model, task, 5) == provenance.spec_key(model, task, 5)
    assert provenance.spec_key(model, task, 5) != provenance.spec_key(model, task, None)
    renamed = model.model_copy(update={"name": "another display name"})
    assert provenance.same_answers(renamed, model) and provenance.spec_key(renamed, task, 5) == \
        provenance.spec_key(model, task, 5)
    hotter = model.model_copy(update={"generation": model.generation.model_copy(update={"temperature": 0.7})})
    assert not provenance.same_answers(hotter, model)
