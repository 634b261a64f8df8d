"""Multi-node bring-up on one machine: a local multi-process Ray cluster with logical GPUs.

The head (this process) and a worker (a separate process, as on another node) find each other
through files in a shared folder; the head waits for every expected node, fails naming a node
that never joins, and tear-down leaves no Ray process behind. Then vLLM is started with pipeline
parallelism 2 over the two Ray nodes: the CPU build refuses Ray (see the last test), so this
proves everything up to the engine start, and the exact point where the CPU build stops.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cluster import ray_cluster

pytestmark = pytest.mark.slow  # starts Ray processes (and, last, a vLLM engine)

ROOT = Path(__file__).resolve().parent.parent
PORT = 26379


def start_worker(workdir: Path, name: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    code = ("import sys; from pathlib import Path; from harness.cluster import ray_cluster; "
            f"print(ray_cluster.worker(Path({str(workdir)!r}), {name!r}, 1, 120, 1))")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def ray_pids(port: int) -> list[int]:
    """Processes of the Ray cluster on `port` (found by their command lines; read-only)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(port) in cmd and ("ray" in cmd or "gcs_server" in cmd or "raylet" in cmd) and "pytest" not in cmd:
            pids.append(int(proc.name))
    return pids


def test_head_and_worker_join_with_logical_gpus_and_tear_down(tmp_path: Path) -> None:
    worker = start_worker(tmp_path, "node-b")
    started = time.monotonic()
    with ray_cluster.head(tmp_path, ["node-a", "node-b"], 1, PORT, timeout=120, num_cpus=1) as address:
        joined = time.monotonic() - started
        import ray

        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
        try:
            resources = ray.cluster_resources()
            alive = [n for n in ray.nodes() if n["Alive"]]
        finally:
            ray.shutdown()
        assert resources["GPU"] == 2.0  # one logical GPU per node, no CUDA anywhere
        assert resources["harness_node:node-a"] == 1.0 and resources["harness_node:node-b"] == 1.0
        assert len(alive) == 2
        assert ray_pids(PORT), "the cluster should be running"
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err[-2000:]
    assert out.strip().endswith(f"node node-b left the Ray cluster at {address}")
    assert (tmp_path / "ray-head-0.json").is_file() and (tmp_path / "ray-done-0").is_file()
    assert (tmp_path / "ray-node-a.log").is_file() and (tmp_path / "ray-node-b.log").is_file()
    deadline = time.monotonic() + 30
    while ray_pids(PORT) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not ray_pids(PORT), "tear-down left Ray processes behind"
    print(f"\nMEASURED ray bring-up (head + 1 worker joined): {joined:.1f} s")


def test_a_node_that_never_joins_is_named(tmp_path: Path) -> None:
    with pytest.raises(ray_cluster.RayBringUpError) as err:
        with ray_cluster.head(tmp_path, ["node-a", "node-b", "node-c"], 1, PORT + 10, timeout=8, num_cpus=1):
            pass
    line = err.value.one_line()
    assert "node(s) node-b (rank 1), node-c (rank 2) did not join the Ray cluster at" in line
    assert f":{PORT + 10} within 8 s (see {tmp_path / 'ray-node-b.log'} and that node's job log)" in line
    deadline = time.monotonic() + 30
    while ray_pids(PORT + 10) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not ray_pids(PORT + 10)


def test_a_worker_without_a_head_gives_up_naming_the_head(tmp_path: Path) -> None:
    with pytest.raises(ray_cluster.RayBringUpError, match="node node-b: the Ray head did not start within 2 s"):
        ray_cluster.worker(tmp_path, "node-b", 1, timeout=2)


def test_pipeline_parallel_2_over_two_ray_nodes_stops_at_the_cpu_build(tmp_path: Path, tiny_model_dir: Path) -> None:
    """vLLM 0.32 CPU build: `initialize_ray_cluster` raises "current platform cpu does not support ray"
    (CpuPlatform has no `ray_device_key`), after connecting to the cluster. Everything before it ran:
    the two-node cluster, the allocation seen by `engine_settings_for` (TP1 x PP2 on Ray), the engine
    start. If a future CPU build supports Ray, this test fails and should become a generation test."""
    worker = start_worker(tmp_path, "node-b")
    with ray_cluster.head(tmp_path, ["node-a", "node-b"], 1, PORT + 20, timeout=120, num_cpus=1) as address:
        code = (
            "from pathlib import Path\n"
            "from harness.backends.base import EngineSettings\n"
            "from harness.backends.vllm_backend import VLLMBackend\n"
            "from harness.hardware import engine_settings_for\n"
            "from harness.specs import ModelSpec\n"
            "from harness.weights import resolve\n"
            "spec = ModelSpec.model_validate({'id': 'tiny', 'name': 'tiny', 'family': 'llama3', 'developer': 't',\n"
            "    'country': 'US', 'params_b': 0.0001, 'active_params_b': 0.0001, 'kind': 'base',\n"
            f"    'source': {{'type': 'local', 'path': {str(tiny_model_dir)!r}}}, 'dtype': 'float32',\n"
            "    'max_model_len': 512, 'chat_template': False, 'pipeline_parallel_size': 2})\n"
            "settings = engine_settings_for(spec, EngineSettings(), None)\n"
            "print('SETTINGS', settings.tensor_parallel_size, settings.pipeline_parallel_size, settings.extra)\n"
            "if __name__ == '__main__':\n"
            "    VLLMBackend(spec, resolve(spec), settings)\n")
        script = tmp_path / "pp2.py"
        script.write_text(code)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_ADDRESS": address, "HARNESS_RAY_ADDRESS": address,
               "HARNESS_ALLOCATION_NODES": "2", "HARNESS_ALLOCATION_GPUS_PER_NODE": "1",
               "VLLM_LOGGING_LEVEL": "INFO", "HARNESS_CPU_KV_CACHE_GIB": "0.25"}
        run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600)
    worker.communicate(timeout=60)
    out = run.stdout + run.stderr
    assert "SETTINGS 1 2 {'distributed_executor_backend': 'ray'}" in out
    assert "Connected to Ray cluster" in out  # the engine reached the two-node cluster
    assert "ValueError: current platform cpu does not support ray." in out
    assert run.returncode != 0
    assert "model 'tiny': vLLM failed to load" in out
