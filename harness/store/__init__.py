"""The store layer: the results directory on disk.

- `harness.store.files`  — atomic writes and the lock for shared files;
- `harness.store.rundir` — one run's folder (what a run writes).
"""

from harness.store.files import atomic_write_text, file_lock, write_jsonl
from harness.store.rundir import RunDir, iter_runs

__all__ = ["RunDir", "atomic_write_text", "file_lock", "iter_runs", "write_jsonl"]
