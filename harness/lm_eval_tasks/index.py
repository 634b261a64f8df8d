"""Every lm-eval task, group and tag name: lm-eval's bundled zoo plus the project's `configs/lm_eval/`.

Indexing lm-eval's ~13,000 bundled YAMLs takes lm-eval 10-20 s, so the bundled index is built once
per lm-eval version with lm-eval's own `TaskIndex` and cached as JSON under
`$HARNESS_CACHE_DIR/lm_eval/` (default ~/.cache/harness); later look-ups read the JSON and do not
import lm_eval at all. The project directory is small and read on every look-up, with the safe
loader of `safe_yaml` (no `!function`). Project names override bundled ones, as lm-eval's
`include_path` does.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.lm_eval_tasks.safe_yaml import data_files_of, load_project_yaml
from harness.store.files import atomic_write_text
from harness.weights import cache_dir

INDEX_FORMAT = 1
BUNDLED = "lm-eval"
_IGNORE_DIRS = {"__pycache__", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class Listed:
    """One name in the index: a task (`task`, or `py_task` for a Python class), a `group`, or a `tag`."""

    name: str
    kind: str
    source: str  # "lm-eval" (bundled) or the project YAML's path
    yaml: str | None = None  # bundled: the file lm-eval loads
    output_type: str | None = None
    dataset: str | None = None  # "path" or "path:name"
    members: list[Any] = field(default_factory=list)  # group: its raw `task:` list; tag: its task names
    aggregate: bool = False  # group: lm-eval reports aggregate metrics for it
    unsafe_code: bool = False  # runs model-written code (humaneval, mbpp…)
    multimodal: bool = False
    num_fewshot: int | None = None
    alias: str | None = None
    data_files: list[str] = field(default_factory=list)  # project: files under $HARNESS_DATA_DIR
    cfg: dict[str, Any] | None = None  # project: the merged config handed to lm-eval as a dict


def lm_eval_version() -> str:
    try:
        return importlib.metadata.version("lm_eval")
    except importlib.metadata.PackageNotFoundError:
        raise InputError("lm-eval is not installed", "pip install lm-eval (a harness dependency)") from None


def bundled_tasks_dir() -> Path:
    """lm-eval's bundled task directory, found without importing lm_eval."""
    spec = importlib.util.find_spec("lm_eval")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("lm-eval is not installed", "pip install lm-eval (a harness dependency)")
    return Path(next(iter(spec.submodule_search_locations))) / "tasks"


def _listed(name: str, kind: str, cfg: dict[str, Any] | None, source: str, yaml_path: str | None,
            tags: list[str] | None = None) -> Listed:
    cfg = cfg or {}
    dataset = cfg.get("dataset_path")
    if dataset and cfg.get("dataset_name"):
        dataset = f"{dataset}:{cfg['dataset_name']}"
    task_list = cfg.get("task")
    members: list[Any] = sorted(tags) if tags is not None else (task_list if isinstance(task_list, list) else [])
    shots = cfg.get("num_fewshot")
    return Listed(
        name=name, kind=kind, source=source, yaml=yaml_path,
        output_type=cfg.get("output_type", "generate_until") if kind in ("task", "py_task") else None,
        dataset=str(dataset) if dataset else None, members=members,
        aggregate=bool(cfg.get("aggregate_metric_list")) if kind == "group" else False,
        unsafe_code=bool(cfg.get("unsafe_code")),
        multimodal=bool(cfg.get("doc_to_image") or cfg.get("doc_to_audio")),
        num_fewshot=shots if isinstance(shots, int) else None,
        alias=cfg.get("task_alias") or cfg.get("group_alias"),
    )


def _build_bundled(tasks_dir: Path) -> dict[str, Listed]:
    """lm-eval's own index of its bundled YAMLs (the slow part, done once per version)."""
    logging.getLogger("lm_eval").setLevel(logging.ERROR)
    from lm_eval.tasks._index import TaskIndex

    out: dict[str, Listed] = {}
    for name, entry in TaskIndex.build([tasks_dir]).items():
        kind = entry.kind.name.lower()
        tags = sorted(entry.tags) if kind == "tag" else None
        out[name] = _listed(name, kind, entry.cfg, BUNDLED, str(entry.yaml_path) if entry.yaml_path else None, tags)
    return out


@lru_cache(maxsize=2)
def bundled_index() -> dict[str, Listed]:
    """The bundled index, from the JSON cache when this lm-eval version has been indexed before."""
    version, tasks_dir = lm_eval_version(), bundled_tasks_dir()
    where = hashlib.sha256(str(tasks_dir).encode()).hexdigest()[:8]
    path = cache_dir() / "lm_eval" / f"index-v{INDEX_FORMAT}-{version}-{where}.json"
    if path.is_file():
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            return {r["name"]: Listed(**r) for r in rows}
        except (ValueError, TypeError, KeyError):
            pass  # a damaged cache is rebuilt below
    index = _build_bundled(tasks_dir)
    atomic_write_text(path, json.dumps([asdict(v) for v in index.values()], default=str))
    return index


def project_index(root: Path) -> dict[str, Listed]:
    """Tasks and groups under the project's include directory (safe loader; refuses `!function`)."""
    out: dict[str, Listed] = {}
    if not root.is_dir():
        return out
    files = sorted(p for p in root.glob("**/*.yaml") if not _IGNORE_DIRS & set(p.parts))
    for path in files:
        cfg = load_project_yaml(path, root)
        if "group" in cfg:
            name, kind = str(cfg["group"]), "group"
        elif "task" in cfg and isinstance(cfg["task"], str):
            name, kind = cfg["task"], "task"
        else:
            continue  # a template other files include
        if name in out:
            raise InputError(f"{path}: lm-eval name '{name}' is also defined in {out[name].source}",
                             "give each project task or group its own name")
        listed = _listed(name, kind, cfg, str(path), None)
        out[name] = Listed(**{**asdict(listed), "cfg": cfg, "data_files": data_files_of(cfg)})
        tags = cfg.get("tag") if kind == "task" else None
        for tag in [tags] if isinstance(tags, str) else tags or []:
            prior = out.get(tag)
            members = [*(prior.members if prior else []), name]
            out[tag] = Listed(name=tag, kind="tag", source=str(path), members=sorted(members))
    return out


def full_index(project_root: Path) -> dict[str, Listed]:
    """Bundled names, then the project's (which win on a clash, as lm-eval's include_path does)."""
    return {**bundled_index(), **project_index(project_root)}
