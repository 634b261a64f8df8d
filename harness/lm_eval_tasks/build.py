"""lm-eval Task and Group objects, built by lm-eval's own TaskFactory from the harness's index.

lm_eval is imported here, only when an `lm_eval:` task runs. Three guards apply to every build:
- lm-eval renders `doc_to_text`/`doc_to_choice`/… templates with a plain Jinja environment, in which
  a template can reach Python internals (`{{ cycler.__init__.__globals__ }}`); the harness swaps in
  Jinja's SandboxedEnvironment (same filters), so a template can format data but not run code;
- `trust_remote_code` is removed from every `dataset_kwargs` (never passed to `datasets`);
- project YAMLs were read by the safe loader (`safe_yaml`) and reach lm-eval as dicts; their
  relative `data_files` are read from $HARNESS_DATA_DIR.
Built objects are kept per process, so the tasks of a group load their data once per run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.errors import DataMissingError, HarnessError, InputError
from harness.lm_eval_tasks.allow import check_task_config
from harness.lm_eval_tasks.catalog import project_root
from harness.lm_eval_tasks.index import Listed, full_index
from harness.lm_eval_tasks.safe_yaml import data_files_of, sanitize
from harness.tasks.base import data_dir

_BUILT: dict[tuple[str, str, str], Any] = {}


class LmEvalBuildError(HarnessError):
    """lm-eval could not build a task for a reason other than its data or its config."""


def sandbox_templates() -> None:
    """Render lm-eval's Jinja templates in a SandboxedEnvironment (idempotent).

    It also keeps each compiled template: lm-eval compiles its template strings anew on every
    render, which was 80% of the time spent building ARC-Easy's 9,504 requests."""
    from jinja2 import BaseLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment
    from lm_eval import utils

    if isinstance(utils.env, SandboxedEnvironment):
        return

    class CompilingOnce(SandboxedEnvironment):
        compiled: dict[str, Any] = {}

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if not isinstance(source, str) or globals is not None or template_class is not None:
                return super().from_string(source, globals, template_class)
            if source not in self.compiled:
                self.compiled[source] = super().from_string(source)
            return self.compiled[source]

    env = CompilingOnce(loader=BaseLoader(), undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["regex_replace"] = utils.regex_replace
    utils.env = env


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """lm-eval and `datasets` print progress bars and INFO logs; the harness shows its own progress."""
    logging.getLogger("lm_eval").setLevel(logging.ERROR)
    with contextlib.redirect_stderr(io.StringIO()):
        yield


def _factory(project: set[str], root: Path | None) -> Any:
    from lm_eval.tasks._factory import TaskFactory

    class HarnessFactory(TaskFactory):
        """lm-eval's factory, with every config sanitized on its way to a Task (see module doc)."""

        def _load_full_config(self, entry: Any, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
            cfg = super()._load_full_config(entry, overrides)
            from_project = entry.yaml_path is None and entry.name in project
            if from_project:  # again after lm-eval merged a group's overrides into it
                check_task_config(cfg, f"lm-eval task '{entry.name}'")
            if from_project and root is None and any(not Path(f).is_absolute() for f in data_files_of(cfg)):
                raise DataMissingError(f"lm-eval task '{entry.name}' reads local files and HARNESS_DATA_DIR is "
                                       "not set", "set HARNESS_DATA_DIR to the local mirror")
            return sanitize(cfg, root if from_project else None, entry.name)

    return HarnessFactory()


def _registry(index: dict[str, Listed]) -> dict[str, Any]:
    from lm_eval.tasks._index import Entry, Kind

    kinds = {"task": Kind.TASK, "py_task": Kind.PY_TASK, "group": Kind.GROUP, "tag": Kind.TAG}
    return {
        name: Entry(name=name, kind=kinds[e.kind], yaml_path=Path(e.yaml) if e.yaml else None,
                    cfg=e.cfg, tags=set(e.members) if e.kind == "tag" else set())
        for name, e in index.items()
    }


def built(target: str, config_dir: Path) -> Any:
    """The lm-eval object for an index name: a Task, a Group (members built), or a list (a tag)."""
    root = data_dir()
    key = (str(config_dir.resolve()), target, str(root))
    if key in _BUILT:
        return _BUILT[key]
    index = full_index(project_root(config_dir))
    project = {n for n, e in index.items() if e.source != "lm-eval"}
    sandbox_templates()
    registry = _registry(index)
    try:
        with quiet():
            obj = _factory(project, root).build(registry[target], overrides=None, registry=registry)
    except HarnessError:
        raise
    except Exception as exc:  # noqa: BLE001 - lm-eval and datasets raise anything; say which task failed
        raise _explain(target, index.get(target), exc) from exc
    _BUILT[key] = obj
    return obj


def _explain(target: str, entry: Listed | None, exc: Exception) -> HarnessError:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    from jinja2.exceptions import SecurityError, TemplateError

    if isinstance(exc, SecurityError):
        return InputError(f"lm-eval task '{target}': a template tried to reach Python internals ({first})",
                          "templates may only format the document's fields")
    if isinstance(exc, TemplateError):
        return InputError(f"lm-eval task '{target}': template error: {first}", "fix the task's Jinja fields")
    if isinstance(exc, (OSError, ConnectionError)) or "dataset" in type(exc).__module__.lower():
        where = entry.dataset if entry and entry.dataset else "its dataset"
        return DataMissingError(f"lm-eval task '{target}': could not load {where}: {first}",
                                "run once with network access so `datasets` caches it, or point a project "
                                "YAML (configs/lm_eval/) at local files")
    return LmEvalBuildError(f"lm-eval task '{target}' failed to build: {type(exc).__name__}: {first}")


def find(obj: Any, name: str) -> Any:
    """The Task or Group called `name` inside a built object."""
    from lm_eval.api.group import Group

    if isinstance(obj, Group):
        if obj.name == name:
            return obj
        for group in obj.get_all_groups():
            if group.name == name:
                return group
        tasks = {t.task_name: t for t in obj.get_all_tasks()}
    else:
        tasks = {t.task_name: t for t in (obj if isinstance(obj, list) else [obj])}
    if name not in tasks:
        shown = ", ".join(sorted(tasks)[:5]) + (", …" if len(tasks) > 5 else "")
        raise LmEvalBuildError(f"lm-eval built no task '{name}' (it built: {shown})")
    return tasks[name]


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def config_hash(config: dict[str, Any], extra: Any = None) -> str:
    """sha256 (16 hex) of a resolved lm-eval config: nothing machine-specific (the YAML's location,
    the data directory, object addresses) and everything else, functions as their source code."""
    cfg = json.loads(json.dumps(config, default=str))
    metadata = cfg.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("config_source", None)
    text = _ADDRESS.sub("", json.dumps({"config": cfg, "extra": extra}, sort_keys=True, default=str))
    root = data_dir()
    if root is not None:
        text = text.replace(json.dumps(str(root.resolve()))[1:-1], "$HARNESS_DATA_DIR")
        text = text.replace(json.dumps(str(root))[1:-1], "$HARNESS_DATA_DIR")
    return hashlib.sha256(text.encode()).hexdigest()[:16]
