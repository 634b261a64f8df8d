"""Work redone after `kill -9` at a random point of a real `harness run`.

Runs the CLI on a small config (one model × GSM8K) in its own process group, waits until the first
result is persisted, kills the whole group (SIGKILL, as a preempted job) at a random moment, runs
the same command again, and counts what the second run generated. Every request that had finished
before the kill must be in the log, so the work redone is exactly the requests still unfinished
(in flight or queued) at the kill.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.store.generations import complete_lines


def _keys(paths: list[Path]) -> list[str]:
    return [json.loads(line)["key"] for p in paths for line in complete_lines(p)]


def kill_and_resume(model_id: str, limit: int = 48, seed: int = 0, window_s: float = 30.0,
                    task: str = "gsm8k") -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "kill.yaml"
        config.write_text(f"name: kill\nmodels: [{model_id}]\ntasks: [{task}]\nlimit: {limit}\n")
        results = Path(tmp) / "results"
        cmd = [sys.executable, "-m", "harness.cli", "run", str(config), "--results", str(results)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        logs = lambda: sorted(results.glob("runs/*/generations/session-*.jsonl"))  # noqa: E731
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        while not (logs() and _keys(logs())) and proc.poll() is None:
            time.sleep(0.05)
        first_result_s = time.perf_counter() - t0
        delay = rng.uniform(0.0, window_s)
        deadline = time.perf_counter() + delay
        while time.perf_counter() < deadline and proc.poll() is None:
            time.sleep(0.01)
        finished_before_exit = proc.poll() is not None
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(60)
        persisted = _keys(logs())
        first_logs = logs()
        t1 = time.perf_counter()
        rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
        resume_s = time.perf_counter() - t1
        if rerun.returncode != 0:
            raise RuntimeError(f"resumed run failed: {rerun.stderr.strip().splitlines()[-1:]}")
        redone = _keys([p for p in logs() if p not in first_logs])
        total = len(persisted) + len(redone)
        duplicates = len(set(redone) & set(persisted))
        return {
            "model": model_id, "task": task, "requests": total,
            "kill_after_first_result_s": round(delay, 2), "first_result_s": round(first_result_s, 1),
            "run_had_finished_before_kill": finished_before_exit,
            "persisted_before_kill": len(persisted), "unfinished_at_kill": total - len(persisted),
            "regenerated_on_resume": len(redone), "regenerated_twice": duplicates,
            "redone_fraction": round(len(redone) / total, 4) if total else 0.0,
            "redone_beyond_unfinished": len(redone) - (total - len(persisted)),
            "resume_wall_s": round(resume_s, 1),
        }
