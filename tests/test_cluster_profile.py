"""Cluster profiles (`configs/clusters/*.yaml`) and job sizing from `harness plan`."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cluster.profile import ClusterProfile, format_time, load_profile, parse_time
from harness.cluster.sizing import group_jobs, size_job
from harness.config import load_catalog, parse_spec
from harness.errors import ConfigError, InputError

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")
TASKS = CATALOG.expand_tasks(["gsm8k", "math500", "aime24", "aime25", "gpqa_diamond", "mmlu_pro"])


def test_shipped_profiles_validate() -> None:
    for path in sorted((ROOT / "configs" / "clusters").glob("*.yaml")):
        profile = load_profile(str(path))
        assert profile.name == path.stem
    example = load_profile(str(ROOT / "configs" / "clusters" / "example.yaml"))
    assert example.extra_parameters() == {"exclusive": True, "reservation": "llm-eval"}


def test_unknown_keys_and_bad_values_are_one_line_each() -> None:
    data = {"name": "x", "partiton": "gpu", "gpu": "h100", "min_time": "90", "extra_sbatch": ["exclusive"]}
    with pytest.raises(ConfigError) as err:
        parse_spec(ClusterProfile, data, "site.yaml")
    problems = err.value.problems
    assert len(problems) == 4
    assert "partiton: unknown key (got 'gpu')" in problems
    assert any(p.startswith("gpu: Value error, unknown GPU type 'h100', known: h100-80gb") for p in problems)
    assert any(p.startswith("min_time: Value error, '90' is not HH:MM:SS") for p in problems)
    assert any("'exclusive' is not a long sbatch flag" in p for p in problems)


def test_partition_must_be_one_the_profile_allows() -> None:
    with pytest.raises(ConfigError, match="partition 'cpu' is not in partitions"):
        parse_spec(ClusterProfile, {"name": "x", "partition": "cpu", "partitions": ["gpu"]}, "site.yaml")


def test_unknown_profile_name_suggests() -> None:
    with pytest.raises(InputError) as err:
        load_profile("exmaple")
    assert err.value.one_line() == "unknown cluster profile 'exmaple' (did you mean 'example'?)"


def test_time_parsing() -> None:
    assert parse_time("04:00:00") == 240
    assert parse_time("1-02:30:10") == 1591
    assert format_time(1591) == "1-02:31:00"
    assert format_time(45) == "00:45:00"
    for bad in ("4h", "04:60:00", "00:00:00"):
        with pytest.raises(InputError):
            parse_time(bad)


def profile(**kw: object) -> ClusterProfile:
    return ClusterProfile.model_validate({"name": "t", **kw})


def test_sizes_from_the_plan() -> None:
    p = profile()
    small = size_job(CATALOG.model("llama-3.1-8b-instruct"), TASKS, p)
    assert (small.nodes, small.gpus_per_node, small.tensor_parallel, small.cpus_per_task) == (1, 1, 1, 8)
    assert (small.mem_gib, small.time_min) == (64, 60)  # 0.2 GPU-h x 1.5 + load fits min_time
    big = size_job(CATALOG.model("llama-3.1-405b-instruct"), TASKS, p)
    assert (big.nodes, big.gpus_per_node, big.tensor_parallel, big.pipeline_parallel) == (2, 8, 8, 2)
    assert (big.cpus_per_task, big.mem_gib, big.time_min) == (64, 512, 120)
    r1 = size_job(CATALOG.model("deepseek-r1"), TASKS, p)
    assert r1.time_min == parse_time(p.max_time)  # 650 GPU-h / 16 GPUs x 1.5 > 48 h: capped, requeues
    assert "requeues on timeout and resumes" in r1.notes[0]
    assert size_job(CATALOG.model("deepseek-r1"), TASKS, p, time_min=90).time_min == 90


def test_model_that_cannot_fit_the_profile_is_refused() -> None:
    with pytest.raises(InputError, match=r"cannot fit the GPUs profile 't' allows \(up to 1 node\(s\) of 8 x h100"):
        size_job(CATALOG.model("llama-3.1-405b-instruct"), TASKS, profile(max_nodes=1))


def test_cpu_profile_sizes_from_ram() -> None:
    p = profile(gpus_per_node=0, cpus_per_task=2, node_mem_gib=24)
    s = size_job(CATALOG.model("gemma-3-270m"), TASKS, p)
    assert (s.nodes, s.gpus_per_node, s.cpus_per_task, s.mem_gib) == (1, 0, 2, 6)
    with pytest.raises(InputError, match="needs ~137 GiB of RAM on CPU, nodes of profile 't' have 24 GiB"):
        size_job(CATALOG.model("llama-3.1-70b-instruct"), TASKS, p)


def test_same_shape_models_share_an_array() -> None:
    p = profile()
    sizes = [size_job(CATALOG.model(m), TASKS, p) for m in
             ("llama-3.1-8b-instruct", "qwen2.5-7b-instruct", "llama-3.1-70b-instruct", "llama-3.3-70b-instruct",
              "deepseek-v3", "llama-4-maverick-17b-128e-instruct")]
    groups = group_jobs(sizes)
    assert [[s.model for s in g.sizes] for g in groups] == [
        ["llama-3.1-8b-instruct", "qwen2.5-7b-instruct"], ["llama-3.1-70b-instruct", "llama-3.3-70b-instruct"],
        ["deepseek-v3", "llama-4-maverick-17b-128e-instruct"]]
