"""The store layer: the results directory on disk.

- `harness.store.files`  — atomic writes and the lock for shared files;
- `harness.store.rundir` — one run's folder (what a run writes);
- `harness.store.io`     — records read back and validated (`ResultsError` when damaged);
- `harness.store.results` — the one reader every consumer (leaderboard, claims, report) uses.
"""

from harness.store.files import atomic_write_text, file_lock, write_jsonl
from harness.store.io import ResultsError
from harness.store.results import Problem, Results, RunInfo, Selection
from harness.store.rundir import RunDir, iter_runs

__all__ = [
    "Problem", "Results", "ResultsError", "RunDir", "RunInfo", "Selection", "atomic_write_text", "file_lock",
    "iter_runs", "write_jsonl",
]
