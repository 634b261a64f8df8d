"""Reading the project's own lm-eval task YAMLs (`configs/lm_eval/`) without running any code.

lm-eval's loader turns a `!function utils.process_docs` tag into an import of a Python file next to
the YAML, a `class:` key into a Python task class, and an unknown metric name into
`evaluate.load(name)` (which imports a `.py` path): code from a config file. The harness never
executes code from a config file, so project YAMLs are read here, with the harness's bounded safe
loader (`harness.yaml_io`) that refuses those tags, checked against an allow-list of keys, metrics,
aggregations, filters and samplers (`allow.py`), and handed to lm-eval as plain dicts (lm-eval never
opens them itself). lm-eval's own bundled tasks are package code and load through lm-eval as usual.

Also refused in project YAMLs: `include:` of a file outside the include directory.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from harness.errors import DataMissingError, InputError
from harness.lm_eval_tasks.allow import HOW_TO_FIX, check_task_config
from harness.yaml_io import BoundedLoader, read_yaml_file

FUNCTION_TAG = "!function"


class _SafeLoader(BoundedLoader):
    """The harness's bounded safe loader, naming `!function` tags instead of failing on an unknown tag."""


def _refuse_function(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    mark = node.start_mark
    raise InputError(
        f"{mark.name}: line {mark.line + 1}: `{FUNCTION_TAG} {str(node.value)[:80]}` would run Python code from a "
        "config file, which the harness refuses",
        HOW_TO_FIX,
    )


_SafeLoader.add_constructor(FUNCTION_TAG, _refuse_function)


def _parse(path: Path) -> Any:
    return read_yaml_file(path, _SafeLoader)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def load_project_yaml(path: Path, root: Path, _seen: frozenset[Path] = frozenset()) -> dict[str, Any]:
    """One project YAML with its `include:` files merged in (local keys win), as lm-eval merges them."""
    path = path.resolve()
    if path in _seen:
        raise InputError(f"{path}: include cycle", "remove the circular include")
    cfg = _parse(path)
    if not isinstance(cfg, dict):
        raise InputError(f"{path}: expected a mapping of keys, got {type(cfg).__name__}")
    check_task_config(cfg, path)
    includes = cfg.pop("include", None)
    if includes is None:
        return cfg
    merged: dict[str, Any] = {}
    for inc in includes if isinstance(includes, list) else [includes]:
        target = Path(inc) if Path(inc).is_absolute() else path.parent / str(inc)
        if not _inside(target, root):
            raise InputError(f"{path}: include '{inc}' is outside {root}",
                             "copy the fields you need into the project YAML (only files under the include "
                             "directory are read)")
        if not target.is_file():
            raise InputError(f"{path}: include '{inc}' not found", f"put it under {root}")
        inner = load_project_yaml(target, root, _seen | {path})
        inner.pop("task_list", None)
        merged.update(inner)
    merged.update(cfg)
    return merged


def data_files_of(cfg: Any) -> list[str]:
    """Every `dataset_kwargs.data_files` path in a config (inline group members included)."""
    out: list[str] = []
    if isinstance(cfg, dict):
        kwargs = cfg.get("dataset_kwargs")
        if isinstance(kwargs, dict) and "data_files" in kwargs:
            out.extend(_flatten(kwargs["data_files"]))
        for key, value in cfg.items():
            if key != "dataset_kwargs":
                out.extend(data_files_of(value))
    elif isinstance(cfg, list):
        for value in cfg:
            out.extend(data_files_of(value))
    return out


def _flatten(files: Any) -> list[str]:
    if isinstance(files, str):
        return [files]
    if isinstance(files, list):
        return [str(f) for f in files]
    if isinstance(files, dict):
        return [f for v in files.values() for f in _flatten(v)]
    return []


def sanitize(cfg: dict[str, Any], data_root: Path | None, task: str) -> dict[str, Any]:
    """A copy of a config ready for lm-eval: `trust_remote_code` removed from every `dataset_kwargs`
    (never passed to `datasets`), and, when `data_root` is given, relative `data_files` read from it
    ($HARNESS_DATA_DIR), each checked to exist."""
    out = copy.deepcopy(cfg)
    _walk(out, data_root, task)
    return out


def _walk(node: Any, data_root: Path | None, task: str) -> None:
    if isinstance(node, dict):
        kwargs = node.get("dataset_kwargs")
        if isinstance(kwargs, dict):
            kwargs.pop("trust_remote_code", None)
            if data_root is not None and "data_files" in kwargs:
                kwargs["data_files"] = _rooted(kwargs["data_files"], data_root, task)
        for value in node.values():
            _walk(value, data_root, task)
    elif isinstance(node, list):
        for value in node:
            _walk(value, data_root, task)


def _rooted(files: Any, root: Path, task: str) -> Any:
    if isinstance(files, dict):
        return {k: _rooted(v, root, task) for k, v in files.items()}
    if isinstance(files, list):
        return [_rooted(f, root, task) for f in files]
    path = Path(str(files)).expanduser()
    full = path if path.is_absolute() else root / path
    if not full.is_file():
        raise DataMissingError(f"lm-eval task '{task}': data file {full} not found",
                               f"put {path} under $HARNESS_DATA_DIR ({root})")
    return str(full)
