"""A code snapshot for submitted jobs: edits to the checkout after `harness submit` change nothing.

The files of the harness checkout that git tracks or would track (`git ls-files -co
--exclude-standard`; without git: the `harness` package and `configs/`, `seeds/`) are copied into
`<results>/slurm/code/<hash>/`, where `<hash>` is the sha256 of their paths and contents. Jobs run
with that folder as working directory and first on PYTHONPATH. Equal code reuses one snapshot.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.cluster.records import slurm_dir

ROOT = Path(__file__).resolve().parent.parent.parent
FALLBACK_DIRS = ("harness", "configs", "seeds")


def source_files(root: Path = ROOT, exclude: Path | None = None) -> list[str]:
    """Paths (relative to `root`) of the code and configs a job needs; nothing under `exclude`
    (the results directory, when it lies inside the checkout)."""
    skip = ""
    if exclude is not None and exclude.resolve().is_relative_to(root.resolve()):
        skip = str(exclude.resolve().relative_to(root.resolve())) + "/"
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "-z"],
                             capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        out = None
    if out is not None and out.returncode == 0 and out.stdout:
        names = [n for n in out.stdout.decode().split("\0") if n and not (skip and n.startswith(skip))]
        return sorted(n for n in names if (root / n).is_file())
    files = []
    for top in FALLBACK_DIRS:
        for path in (root / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and not (
                    skip and str(path.relative_to(root)).startswith(skip)):
                files.append(str(path.relative_to(root)))
    return sorted(files)


def tree_hash(root: Path, files: list[str]) -> str:
    h = hashlib.sha256()
    for name in files:
        h.update(name.encode() + b"\0")
        h.update(hashlib.sha256((root / name).read_bytes()).digest())
    return h.hexdigest()[:16]


def make_snapshot(results: Path, root: Path = ROOT) -> Path:
    """Copy the checkout's code into the results directory (once per distinct content)."""
    files = source_files(root, exclude=results)
    target = slurm_dir(results) / "code" / tree_hash(root, files)
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=target.parent))
    try:
        for name in files:
            dest = tmp / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, dest)
        os.replace(tmp, target)
    except OSError:
        if not target.is_dir():  # another submit won the race with identical content otherwise
            raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
