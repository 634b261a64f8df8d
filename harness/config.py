"""YAML configs → validated specs, with errors a person can act on.

Layout: `configs/models/*.yaml` (one ModelSpec each), `configs/tasks/*.yaml` (one TaskSpec each, or
a list under `tasks:`), and run configs such as `configs/smoke.yaml` naming models and tasks by id.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from harness.errors import ConfigError, InputError
from harness.specs import ModelSpec, RunSpec, TaskSpec
from harness.store.ids import id_problem
from harness.yaml_io import read_yaml_file, short

T = TypeVar("T", bound=BaseModel)

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def default_config_dir() -> Path:
    """`$HARNESS_CONFIG_DIR`, else `./configs`, else the checkout's `configs/`."""
    from harness.settings import current

    env = current().config_dir
    if env:
        return env
    cwd = Path.cwd() / "configs"
    if (cwd / "models").is_dir():
        return cwd
    return PACKAGE_ROOT / "configs"


def read_yaml(path: Path) -> Any:
    """Parse a YAML file with the harness's one loader (`harness.yaml_io`: no tags, no code, bounded,
    duplicate keys refused), with a one-line error on failure."""
    return read_yaml_file(path)


def format_validation_error(exc: ValidationError) -> list[str]:
    """One line per bad field: its path, what was expected, and the value got."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        got = err.get("input")
        got_text = short(got, 60) if not isinstance(got, dict) else "{…}"
        lines.append(f"{loc}: {msg} (got {got_text})")
    return lines


def parse_spec(cls: type[T], data: Any, source: str) -> T:
    if not isinstance(data, dict):
        raise ConfigError(source, [f"expected a mapping of keys, got {type(data).__name__}"])
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, format_validation_error(exc)) from None


def suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else f"known ids: {', '.join(sorted(known)[:12])}…"


@dataclass(frozen=True)
class Catalog:
    """Every model and task spec under one configs directory."""

    models: dict[str, ModelSpec]
    tasks: dict[str, TaskSpec]
    config_dir: Path

    def model(self, model_id: str) -> ModelSpec:
        if model_id not in self.models:
            raise InputError(f"unknown model id '{model_id}'", suggest(model_id, list(self.models)))
        return self.models[model_id]

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for t in self.tasks.values():
            if t.group:
                out.setdefault(t.group, []).append(t.id)
        return out

    def expand_tasks(self, ids: list[str]) -> list[TaskSpec]:
        """Task ids, group names (e.g. `mgsm`) and suite names, in order, without repeats.

        `lm_eval:<name>` names a task, group or tag of lm-eval (its bundled zoo, or a project YAML
        under `<configs>/lm_eval/`): a group becomes its tasks, then its aggregate rows
        (`harness.lm_eval_tasks`; lm_eval itself is imported only when such a task runs)."""
        groups = self.groups()
        suites = {s: [t.id for t in self.tasks.values() if t.suite == s] for s in
                  ("reasoning", "multilingual", "reference")}
        out: list[str] = []
        synthesized: dict[str, TaskSpec] = {}
        for name in ids:
            if name.startswith("lm_eval:"):
                from harness.lm_eval_tasks.catalog import resolve

                specs = resolve(name, self.config_dir)
                synthesized.update((s.id, s) for s in specs if s.id not in synthesized)
                members = [s.id for s in specs]
            elif name in self.tasks:
                members = [name]
            elif name in groups:
                members = groups[name]
            elif name in suites:
                members = suites[name]
            else:
                raise InputError(
                    f"unknown task id '{name}'",
                    suggest(name, list(self.tasks) + list(groups) + list(suites)),
                )
            out.extend(m for m in members if m not in out)
        return [synthesized[t] if t in synthesized else self.tasks[t] for t in out]


def _load_dir(directory: Path, cls: type[T], key: str,
              check: Callable[[T], list[str]] | None = None) -> dict[str, T]:
    specs: dict[str, T] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        data = read_yaml(path)
        entries = data.get(key) if isinstance(data, dict) and key in data else [data]
        if not isinstance(entries, list):
            raise ConfigError(str(path), [f"{key}: expected a list, got {type(entries).__name__}"])
        for i, entry in enumerate(entries):
            where = str(path) if len(entries) == 1 else f"{path} [{key}[{i}]]"
            spec = parse_spec(cls, entry, where)
            bad_id = id_problem(spec.id)  # type: ignore[attr-defined]
            if bad_id is not None:  # ids become file and folder names: one rule (harness/store/ids.py)
                problems.append(f"{where}: id: {bad_id}")
                continue
            if check is not None:
                problems.extend(f"{where}: {p}" for p in check(spec))
            if spec.id in specs:  # type: ignore[attr-defined]
                problems.append(f"{where}: duplicate id '{spec.id}'")  # type: ignore[attr-defined]
            specs[spec.id] = spec  # type: ignore[attr-defined]
    if problems:
        raise ConfigError(str(directory), problems)
    return specs


def _task_names(task: TaskSpec) -> list[str]:
    from harness.validate import registry_problems

    return registry_problems(task)


@lru_cache(maxsize=8)
def _load_catalog(config_dir: Path) -> Catalog:
    if not (config_dir / "models").is_dir():
        raise InputError(
            f"{config_dir}: no models/ directory", "run from the project root or set HARNESS_CONFIG_DIR"
        )
    return Catalog(
        models=_load_dir(config_dir / "models", ModelSpec, "models"),
        tasks=_load_dir(config_dir / "tasks", TaskSpec, "tasks", check=_task_names),
        config_dir=config_dir,
    )


def load_catalog(config_dir: Path | None = None) -> Catalog:
    return _load_catalog((config_dir or default_config_dir()).resolve())


def catalog_for(run_config: Path) -> Catalog:
    """The catalog beside a run config (configs/x.yaml → configs/), else the default one."""
    from harness.settings import current

    sibling = run_config.resolve().parent
    if (sibling / "models").is_dir() and current().config_dir is None:
        return load_catalog(sibling)
    return load_catalog()


def load_run(path: Path) -> tuple[RunSpec, Catalog]:
    """Parse and validate a run config, including every id it names."""
    spec = parse_spec(RunSpec, read_yaml(path), str(path))
    catalog = catalog_for(path)
    problems = []
    for i, mid in enumerate(spec.models):
        if mid not in catalog.models:
            problems.append(f"models.{i}: unknown model id '{mid}', {suggest(mid, list(catalog.models))}")
        elif not catalog.models[mid].runnable:
            problems.append(f"models.{i}: '{mid}' is reference-only (a closed model: it can carry imported "
                            "evidence but can never be run), remove it from `models`")
    for i, tid in enumerate(spec.tasks):
        try:
            catalog.expand_tasks([tid])
        except InputError as exc:
            problems.append(f"tasks.{i}: {exc.message}, {exc.hint}")
    if problems:
        raise ConfigError(str(path), problems)
    return spec, catalog
