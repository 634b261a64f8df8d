"""The one reader of a results directory: the leaderboard, the claims and the report all read runs here.

`Results(root)` indexes every run under `<root>/runs/` from its manifest, validates what it reads
against the versioned records (`harness.records`), and picks, for each model × task, the run that is
used as evidence (`select`). It never hides what it found:

- a file that exists but does not parse or validate (a damaged manifest, a bad `samples.jsonl`
  line, a record written by a newer harness) raises `ResultsError`: one line naming the file, the
  line and the fix (the CLI exits 2);
- anything else worth knowing (failed or unfinished runs, a complete run without its samples) is a
  `Problem` in `Results.problems`, and every choice made between several complete runs of one
  model × task is spelled out in `Selection.notes`; callers show both.

Selection prefers, in order: measured runs over dry runs (`backend: fake`: no weights, its numbers
are not measurements), runs whose model and task specs still match the catalogue (when one is
given), full runs over `--limit` runs, more requests, then the latest `finished_at` (compared as
times, not strings). A dry run is used only where no measured run exists, and then says so in its
notes; a dry run passed over for a measured one is noted too. The leaderboard, the claims and the
report all call `Results.selections()`, so they show the same runs from one folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from harness.records import MetricRecord, RunManifest, SampleRecord
from harness.specs import ModelSpec, TaskSpec
from harness.store.ids import ID_RULE, id_problem
from harness.store.io import ResultsError, read_json, read_jsonl, read_metrics
from harness.store.rundir import RunDir

if TYPE_CHECKING:
    from harness.config import Catalog

__all__ = ["Problem", "Results", "ResultsError", "RunInfo", "Selection", "describe_problems", "parse_time"]


@dataclass(frozen=True)
class Problem:
    """Something found while reading evidence that a reader of the results should see."""

    path: str
    message: str
    model: str | None = None  # the run's model and task, when the problem concerns one run
    task: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class RunInfo:
    """One run as its manifest describes it."""

    manifest: RunManifest
    dir: RunDir
    matches_catalog: bool | None = None  # None: no catalogue to compare with, or an lm_eval: task

    @property
    def run_key(self) -> str:
        return self.manifest.run_key

    @property
    def model(self) -> str:
        return self.manifest.model

    @property
    def task(self) -> str:
        return self.manifest.task

    @property
    def status(self) -> str:
        return self.manifest.status

    @property
    def limit(self) -> int | None:
        value = self.manifest.run_settings.get("limit")
        return int(value) if isinstance(value, int) else None

    @property
    def dry(self) -> bool:
        """A `backend: fake` run: a dry run of the pipeline, not a measurement of the model."""
        backend = self.manifest.run_settings.get("backend") or self.manifest.model_spec.get("backend")
        return backend == "fake"

    @property
    def imported(self) -> bool:
        """Outputs generated elsewhere and graded here (`harness import`)."""
        return self.manifest.run_settings.get("served_by") == "imported"

    def protocol(self) -> str:
        """An imported run's protocol as its source states it (prompt, shots, harness); '' for native runs."""
        if not self.imported:
            return ""
        proto = self.manifest.run_settings.get("protocol") or {}
        parts = [str(proto[k]) for k in ("harness", "prompt") if proto.get(k)]
        if proto.get("shots") is not None and "shot" not in str(proto.get("prompt") or ""):
            parts.append(f"{proto['shots']}-shot")
        return ", ".join(parts) or "not stated"

    @property
    def finished(self) -> dt.datetime | None:
        return parse_time(self.manifest.finished_at)

    def describe(self) -> str:
        size = f"--limit {self.limit}" if self.limit else "full"
        if self.imported:
            size = f"imported, {size}"
        when = self.manifest.finished_at or "unfinished"
        return f"run {self.run_key} ({size}, {self.manifest.n_requests} requests, finished {when})"


@dataclass(frozen=True)
class Selection:
    """The run used as evidence for one model × task, and why."""

    chosen: RunInfo
    others: tuple[RunInfo, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def limited(self) -> bool:
        return self.chosen.limit is not None

    @property
    def run_keys(self) -> list[str]:
        return [self.chosen.run_key, *(r.run_key for r in self.others)]


def parse_time(value: str | None) -> dt.datetime | None:
    """ISO-8601 → aware datetime (naive values are taken as UTC); None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _check_ids(manifest: RunManifest, path: Path) -> None:
    """The ids a manifest carries become file names (report pages, run folders): one rule for all."""
    for kind, value in (("model id", manifest.model), ("task id", manifest.task), ("run key", manifest.run_key)):
        problem = id_problem(value)
        if problem is not None:
            raise ResultsError(f"{path}: invalid {kind}: {problem}",
                               f"ids are {ID_RULE}; the record is damaged or was not written by the harness")
    if manifest.run_key != path.parent.name:
        raise ResultsError(f"{path}: run key {manifest.run_key!r} is not its folder's name",
                           "the record was moved or edited; run that model × task again")


def _spec_matches(recorded: dict[str, Any], current: ModelSpec | TaskSpec) -> bool:
    """Whether a run's recorded spec is the catalogue's current one in everything that changes answers.

    The record is re-read through the current spec class so that fields added since (with their
    defaults) do not count as a change; a record the current class rejects is a change."""
    from harness.provenance import same_answers

    try:
        then = type(current).model_validate(recorded)
    except ValidationError:
        return False
    return same_answers(then, current)


def _preference(run: RunInfo) -> tuple[int, int, int, int, int, dt.datetime]:
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    # A measured run before a dry one; a native run (the harness's own prompts) before imported outputs.
    return (0 if run.dry else 1, 0 if run.matches_catalog is False else 1, 0 if run.imported else 1,
            1 if run.limit is None else 0,
            run.manifest.n_requests, run.finished or oldest)


def _notes(chosen: RunInfo, others: list[RunInfo]) -> tuple[str, ...]:
    notes = []
    if chosen.dry:
        notes.append(f"dry run: {chosen.describe()} used backend: fake (no model weights); "
                     "its numbers are not measurements")
    dry_others = [r for r in others if r.dry]
    if dry_others and not chosen.dry:
        notes.append(f"{len(dry_others)} dry run(s) (backend: fake) not used: a measured run exists")
        others = [r for r in others if not r.dry]
    if chosen.limit is not None:
        notes.append(f"limited evidence: {chosen.describe()} covers only the first {chosen.limit} items")
    if chosen.imported:
        source = chosen.manifest.run_settings.get("source") or {}
        notes.append(f"imported evidence: {chosen.describe()} was generated elsewhere and graded here "
                     f"(from {Path(str(source.get('path', '?'))).name}; its protocol: {chosen.protocol()}; "
                     "not the harness's prompts)")
    if chosen.matches_catalog is False:
        notes.append(f"stale evidence: {chosen.describe()} used a model or task spec that has changed since")
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    later = [r for r in others if (r.finished or oldest) > (chosen.finished or oldest)]
    if later:
        notes.append(f"used {chosen.describe()} rather than {len(later)} later run(s), e.g. {later[0].describe()}")
    elif others:
        notes.append(f"{len(others)} other complete run(s) not used, e.g. {others[0].describe()}")
    return tuple(notes)


@dataclass
class Results:
    """Every run under `root/runs/`, validated, with one evidence run chosen per model × task."""

    root: Path
    catalog: Catalog | None = None
    runs: list[RunInfo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # False: a damaged record raises ResultsError (exit 2). True: it becomes a Problem and its run is
    # left out (the leaderboard rebuild at the end of every `harness run`, which must not fail a run
    # over a record in an unrelated one).
    skip_damaged: bool = False
    _samples: dict[str, list[SampleRecord]] = field(default_factory=dict, repr=False)
    _metrics: dict[str, list[MetricRecord]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        runs_dir = self.root / "runs"
        if not runs_dir.is_dir():
            return
        for path in sorted(runs_dir.iterdir()):
            manifest_path = path / "manifest.json"
            if not path.is_dir() or path.name.startswith("."):
                continue
            if id_problem(path.name) is not None:
                self.problems.append(Problem(str(path), f"not a run folder: {id_problem(path.name)} (not used)"))
                continue
            if not manifest_path.is_file():
                self.problems.append(Problem(str(path), "run folder without manifest.json (not used)"))
                continue
            try:
                manifest = read_json(manifest_path, RunManifest)
                _check_ids(manifest, manifest_path)
            except ResultsError as exc:
                if not self.skip_damaged:
                    raise
                self.problems.append(Problem(str(manifest_path), f"damaged, not used: {exc.message}"))
                continue
            run = RunInfo(manifest, RunDir(self.root, path.name), self._matches(manifest))
            self.runs.append(run)
            self._check(run)

    def _matches(self, manifest: RunManifest) -> bool | None:
        if self.catalog is None:
            return None
        model = self.catalog.models.get(manifest.model)
        if manifest.task.startswith("lm_eval:"):
            # lm-eval's tasks are resolved by name at run time, not listed in the catalogue: their
            # config hash is in the run key; only the model spec can be checked here.
            return None if model is not None and _spec_matches(manifest.model_spec, model) else False
        task = self.catalog.tasks.get(manifest.task)
        if model is None or task is None:
            return False
        return _spec_matches(manifest.model_spec, model) and _spec_matches(manifest.task_spec, task)

    def _check(self, run: RunInfo) -> None:
        where = str(run.dir.path)
        if run.status == "failed":
            self.problems.append(Problem(where, f"{run.model} × {run.task} failed: {run.manifest.error} (not used)",
                                         run.model, run.task))
        elif run.status == "running":
            self.problems.append(Problem(where, f"{run.model} × {run.task} is unfinished (running, or killed; "
                                                "run it again to resume) (not used)", run.model, run.task))
        elif not run.dir.samples_path.is_file():
            self.problems.append(Problem(where, "complete run without samples.jsonl (not used)", run.model, run.task))
        elif not run.dir.metrics_path.is_file():
            self.problems.append(Problem(where, "complete run without metrics.json (its samples are used; "
                                                "it has no leaderboard rows)", run.model, run.task))

    # ------------------------------------------------------------ selection
    def usable(self) -> list[RunInfo]:
        """Complete runs with their samples on disk."""
        return [r for r in self.runs if r.status == "complete" and r.dir.samples_path.is_file()]

    def selections(self) -> dict[tuple[str, str], Selection]:
        """The evidence run per (model, task), sorted by model then task."""
        groups: dict[tuple[str, str], list[RunInfo]] = {}
        for run in self.usable():
            groups.setdefault((run.model, run.task), []).append(run)
        out = {}
        for key in sorted(groups):
            ranked = sorted(groups[key], key=_preference, reverse=True)
            out[key] = Selection(ranked[0], tuple(ranked[1:]), _notes(ranked[0], ranked[1:]))
        return out

    def select(self, model: str, task: str) -> Selection | None:
        return self.selections().get((model, task))

    # ------------------------------------------------------------ records
    def samples(self, run: RunInfo | str, *, cache: bool = True) -> list[SampleRecord]:
        """A run's graded samples, validated (ResultsError naming file:line when one is not).

        `cache=False` does not keep them: for one pass over many runs (the report) without holding
        every sample in memory."""
        key = run if isinstance(run, str) else run.run_key
        if key in self._samples:
            return self._samples[key]
        records = read_jsonl(RunDir(self.root, key).samples_path, SampleRecord)
        if cache:
            self._samples[key] = records
        return records

    def metrics(self, run: RunInfo | str) -> list[MetricRecord]:
        """A run's metric records, validated ([] when the run has no metrics.json)."""
        key = run if isinstance(run, str) else run.run_key
        if key not in self._metrics:
            path = RunDir(self.root, key).metrics_path
            self._metrics[key] = read_metrics(path) if path.is_file() else []
        return self._metrics[key]


def describe_problems(problems: Iterable[Problem], limit: int = 20) -> list[str]:
    """Problems as lines for a person, at most `limit` of them plus a count of the rest."""
    items = list(problems)
    lines = [str(p) for p in items[:limit]]
    if len(items) > limit:
        lines.append(f"… and {len(items) - limit} more")
    return lines
