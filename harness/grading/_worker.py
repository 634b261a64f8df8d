"""A helper process for grading requested off the main thread.

SIGALRM timers work only in a process's main thread, and a thread cannot be stopped from
outside. So grading requested from another thread goes to a long-lived child process
(``python -m harness.grading._worker``), which applies the time budget in its own main thread;
if the child does not answer in time (a hang in C code), it is killed and restarted on the next
request. Requests are one JSON line each way (ASCII-escaped, so any text survives); callers are
serialised by a lock.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness.grading.budget import WALL_FACTOR, GradingTimeout

_STARTUP_TIMEOUT_S = 60.0
_GRACE_S = 1.0  # beyond the child's own timer, before the child is killed
_lock = threading.Lock()
_proc: subprocess.Popen[bytes] | None = None


class WorkerError(RuntimeError):
    """The helper process failed (could not start, crashed, or answered nonsense)."""


def grade(args: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """``harness.grading.grade(**args)`` in the helper process, as the Grade's fields."""
    reply = _request({"op": "grade", "args": args, "timeout": timeout_s}, timeout_s)
    return dict(reply["grade"])


def verify(gold: str, extracted: str, timeout_s: float) -> bool:
    """Equivalence of two LaTeX answers computed in the helper process."""
    reply = _request({"op": "verify", "gold": gold, "pred": extracted, "timeout": timeout_s}, timeout_s)
    return bool(reply["equal"])


def _request(payload: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    request = json.dumps(payload, ensure_ascii=True) + "\n"
    with _lock:
        proc = _started()
        assert proc.stdin is not None
        try:
            proc.stdin.write(request.encode("ascii"))
            proc.stdin.flush()
        except OSError as exc:
            _stop()
            raise WorkerError(f"grading helper process died: {exc}") from exc
        # The child stops itself after timeout_s of CPU (WALL_FACTOR × timeout_s of wall time at most);
        # this wait only catches a child stuck where its timer cannot fire.
        line = _read_line(proc, timeout_s * WALL_FACTOR + _GRACE_S)
        if line is None:
            _stop()
            raise GradingTimeout(f"grading took longer than {timeout_s:g}s (helper killed)")
    reply: dict[str, Any] = json.loads(line)
    if reply.get("timeout"):
        raise GradingTimeout(f"grading took longer than {timeout_s:g}s")
    if "error" in reply:
        raise WorkerError(f"grading helper: {reply['error']}")
    return reply


def _started() -> subprocess.Popen[bytes]:
    global _proc
    if _proc is not None and _proc.poll() is None:
        return _proc
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.grading._worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    if _proc is None:
        atexit.register(_stop)
    _proc = proc
    if _read_line(proc, _STARTUP_TIMEOUT_S) is None:
        _stop()
        raise WorkerError("grading helper process did not start")
    return proc


def _read_line(proc: subprocess.Popen[bytes], timeout_s: float) -> str | None:
    """One line from the child, or None if none came within ``timeout_s`` or it exited."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout_s
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return None  # the child exited
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks).decode("ascii")


def _stop() -> None:
    global _proc
    proc, _proc = _proc, None
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def _serve(req: dict[str, Any]) -> dict[str, Any]:
    from harness.grading.api import grade as grade_here
    from harness.grading.math import equivalent

    if req.get("op") == "grade":
        return {"grade": grade_here(**req["args"], timeout_s=float(req["timeout"])).to_dict()}
    return {"equal": equivalent(req["gold"], req["pred"], float(req["timeout"]))}


def main() -> None:
    """Serve requests from stdin until it closes."""
    channel = os.fdopen(os.dup(1), "w", encoding="ascii")
    os.dup2(2, 1)  # stray prints must not corrupt the protocol
    import math_verify  # noqa: F401  (load before "ready")

    import harness.grading.api  # noqa: F401

    channel.write('{"ready": true}\n')
    channel.flush()
    for line in sys.stdin.buffer:
        try:
            reply = _serve(json.loads(line))
        except GradingTimeout:
            reply = {"timeout": True}
        # Reported to the caller, who marks the item ungradable.
        except Exception as exc:  # noqa: BLE001
            reply = {"error": repr(exc)[:500]}
        channel.write(json.dumps(reply, ensure_ascii=True) + "\n")
        channel.flush()


if __name__ == "__main__":
    main()
