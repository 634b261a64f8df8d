"""Managed-server plumbing without vLLM: flags, health wait, fast failure with the log's last error,
and stopping the whole process group."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.backends.server import ManagedServer, cli_flags, free_port
from harness.errors import ModelLoadError

from helpers.stub_openai import StubServer


def spawn(tmp_path: Path, script: str, port: int = 0) -> ManagedServer:
    log = tmp_path / "server.log"
    with log.open("wb") as fh:
        process = subprocess.Popen([sys.executable, "-c", script], stdout=fh, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return ManagedServer("m", process, port or free_port(), "key", log)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie is dead
    except (ProcessLookupError, FileNotFoundError):
        return False


def test_engine_arguments_become_flags() -> None:
    assert cli_flags({"model": "/m", "revision": None, "dtype": "bfloat16", "max_model_len": 4096,
                      "trust_remote_code": False, "enforce_eager": True, "kv_cache_memory_bytes": 2 << 30,
                      "override_generation_config": {"a": 1}}) == [
        "--model", "/m", "--dtype", "bfloat16", "--max-model-len", "4096", "--enforce-eager",
        "--kv-cache-memory-bytes", str(2 << 30), "--override-generation-config", '{"a": 1}']


def test_waits_for_health(tmp_path: Path) -> None:
    with StubServer() as stub:
        server = spawn(tmp_path, "import time; time.sleep(60)", port=stub.port)
        try:
            server.wait_healthy(30)
            assert stub.gets == ["/health"]
        finally:
            server.stop(grace_s=5)


def test_a_server_that_dies_is_reported_with_its_last_error(tmp_path: Path) -> None:
    server = spawn(tmp_path, "print('loading weights'); print('ValueError: no such model: /x'); "
                             "print('shutting down'); raise SystemExit(3)")
    with pytest.raises(ModelLoadError) as err:
        server.wait_healthy(600)
    assert err.value.one_line() == (
        f"model 'm': the managed vLLM server for 'm' exited with code 3: ValueError: no such model: /x "
        f"(log: {server.log_path}) (fix the cause in the log, or run the model in-process (backend: vllm))")


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    server = spawn(tmp_path, "import time; time.sleep(60)")
    try:
        with pytest.raises(ModelLoadError, match=r"did not answer /health within 1 s"):
            server.wait_healthy(1)
    finally:
        server.stop(grace_s=5)


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    # A parent that ignores nothing and a child in its group that ignores SIGTERM (a stuck engine worker).
    pid_file = tmp_path / "child.pid"
    server = spawn(tmp_path, (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)\n"))
    deadline = time.monotonic() + 30
    while not (pid_file.is_file() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    assert alive(server.process.pid) and alive(child)
    server.stop(grace_s=1)
    time.sleep(0.5)
    assert not alive(server.process.pid) and not alive(child)
    assert not server.log_path.exists()  # a clean stop removes the log
