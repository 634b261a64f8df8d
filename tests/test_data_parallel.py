"""Data parallel: device groups from the job's GPUs (stand-ins, no CUDA), balancing, merged streams."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.backends.base import EngineSettings, GenRequest, LLRequest, SamplingSettings
from harness.backends.fake import FakeBackend
from harness.errors import InputError
from harness.run.parallel import DataParallelBackend, DeviceGroup, balance, data_parallel_groups
from harness.weights import ResolvedWeights

from helpers.fake_models import fake_model

MODEL = fake_model()


def test_one_group_per_tp_width_of_the_visible_gpus() -> None:
    env = {"CUDA_VISIBLE_DEVICES": "2,3,4,5,6,7,8,9"}
    tp2 = EngineSettings(tensor_parallel_size=2)
    groups = data_parallel_groups(MODEL, tp2, (8, "h100-80gb"), None, env=env)
    assert groups == [DeviceGroup("cuda", ids) for ids in (("2", "3"), ("4", "5"), ("6", "7"), ("8", "9"))]
    assert [g.environment() for g in groups][1] == {"CUDA_VISIBLE_DEVICES": "4,5"}
    # Without CUDA_VISIBLE_DEVICES the devices are 0..n-1; TP x PP = 4 of 8 → two engines.
    tp2pp2 = EngineSettings(tensor_parallel_size=2, pipeline_parallel_size=2)
    assert [g.ids for g in data_parallel_groups(MODEL, tp2pp2, (8, "h100-80gb"), None, env={}) or []] == [
        ("0", "1", "2", "3"), ("4", "5", "6", "7")]
    # A model that needs the whole node, or a cap of 1, runs one engine in-process.
    assert data_parallel_groups(MODEL, EngineSettings(tensor_parallel_size=8), (8, "h100-80gb"), None, env={}) is None
    assert data_parallel_groups(MODEL, EngineSettings(), (8, "h100-80gb"), 1, env={}) is None
    assert len(data_parallel_groups(MODEL, EngineSettings(), (8, "h100-80gb"), 3, env={}) or []) == 3
    with pytest.raises(InputError, match="needs 10 GPUs"):
        data_parallel_groups(MODEL, EngineSettings(tensor_parallel_size=2), (8, "h100-80gb"), 5, env={})


def test_cpu_engines_split_the_cores() -> None:
    assert data_parallel_groups(MODEL, EngineSettings(), None, None, cpus=[0, 1, 2, 3]) is None
    groups = data_parallel_groups(MODEL, EngineSettings(), None, 2, cpus=[0, 1, 2, 3])
    assert [g.environment() for g in groups or []] == [
        {"VLLM_CPU_OMP_THREADS_BIND": "0,1", "OMP_NUM_THREADS": "2"},
        {"VLLM_CPU_OMP_THREADS_BIND": "2,3", "OMP_NUM_THREADS": "2"}]
    with pytest.raises(InputError, match="need 3 cores"):
        data_parallel_groups(MODEL, EngineSettings(), None, 3, cpus=[0, 1])


def test_balance_evens_expected_work_and_keeps_shared_prompts_together() -> None:
    # Heavy-tailed lengths: one long request, many short ones.
    costs = [1000, 10, 20, 30, 400, 400, 50, 60, 70, 80]
    parts = balance(costs, list(range(10)), 3)
    # Longest first onto the least-loaded engine: the 1000 alone, the rest split 560 / 560.
    assert parts == [[0], [3, 4, 6, 9], [1, 2, 5, 7, 8]]
    assert sorted(sum(costs[i] for i in p) for p in parts) == [560, 560, 1000]
    # The four choices of an item (same group) land on one engine, in input order.
    grouped = balance([5] * 8, [0, 0, 0, 0, 1, 1, 1, 1], 2)
    assert sorted(grouped) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_merged_stream_equals_one_engine(tmp_path: Path) -> None:
    """Three worker processes, each told its own GPUs (stand-ins: the fake engine reports them)."""
    env = {"CUDA_VISIBLE_DEVICES": "5,6,7"}
    groups = data_parallel_groups(MODEL, EngineSettings(), (3, "h100-80gb"), None, env=env)
    assert groups is not None
    tok = FakeBackend(MODEL).tokenizer
    gen = [GenRequest(tuple(tok.encode(f"Question: what is {i} plus {i * 3}?\nAnswer:")),
                      SamplingSettings(max_new_tokens=8 + 40 * (i % 3))) for i in range(20)]
    ll = [LLRequest(tuple(tok.encode(f"Question: colour {i // 4}?\nAnswer:")), tuple(tok.encode(f" c{i}")))
          for i in range(12)]
    dp = DataParallelBackend(MODEL, ResolvedWeights("fake/fake-base", None, None), EngineSettings(), groups)
    try:
        assert [w["cuda_visible_devices"] for w in dp.engine_info["workers"]] == ["5", "6", "7"]
        assert len({w["pid"] for w in dp.engine_info["workers"]}) == 3
        one = FakeBackend(MODEL)
        got = dp.generate(gen)
        want = one.generate(gen)
        assert [(r.text, r.finish_reason, r.output_tokens) for r in got] == [
            (r.text, r.finish_reason, r.output_tokens) for r in want]
        assert [r.logprob for r in dp.loglikelihood(ll)] == [r.logprob for r in one.loglikelihood(ll)]
        keyed = [(f"k{i}", r) for i, r in enumerate(gen)]
        streamed = list(dp.stream_generate(keyed))
        assert sorted(k for k, _ in streamed) == sorted(k for k, _ in keyed)
        walls = [r.wall_s for _, r in streamed]
        assert walls == sorted(walls)  # one clock for the merged stream, in arrival order
    finally:
        dp.close()
    assert all(not p.is_alive() for p in dp.pool.procs)


def test_a_worker_that_cannot_load_fails_the_model() -> None:
    from harness.errors import ModelLoadError

    broken = fake_model(fake={"faults": {"fail_load": True}})
    groups = [DeviceGroup("cuda", ("0",)), DeviceGroup("cuda", ("1",))]
    with pytest.raises(ModelLoadError, match="data-parallel engine . failed to load: ModelLoadError"):
        DataParallelBackend(broken, ResolvedWeights("fake/fake-base", None, None), EngineSettings(), groups)
