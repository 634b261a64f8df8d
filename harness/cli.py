"""`harness`: a thin CLI. The only place that prints errors and sets exit codes.

Exit codes: 0 success, 2 bad input (one line, no traceback), 1 runtime failure.
Heavy imports (vllm, torch, lm_eval, pandas) happen inside commands, so `--help` is instant.
Set HARNESS_DEBUG=1 to see tracebacks.
"""

from __future__ import annotations

import errno
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer._click import exceptions as click_exc  # typer vendors click: its exceptions live here
from typer.core import TyperGroup
from typer.exceptions import Abort as TyperAbort
from typer.exceptions import Exit as TyperExit

from harness.errors import HarnessError
from harness.textsafe import printable


class HarnessGroup(TyperGroup):
    """The command group, keeping the exit-code promise for what typer handles itself: a usage error
    (unknown option, missing argument, bad value) is one line and exit 2, not typer's box, and an
    unexpected exception anywhere is one line and exit 1, not a traceback."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, windows_expand_args: bool = True,
             **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        except click_exc.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help() if exc.ctx else "harness --help", err=True)
            code = 2
        except click_exc.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "harness"
            err(f"{command}: {exc.format_message()} (see `{command} --help`)")
            code = 2
        except click_exc.ClickException as exc:
            err(exc.format_message())
            code = exc.exit_code
        except TyperAbort:
            err("aborted")
            code = 130
        except Exception as exc:  # noqa: BLE001 - the promise: never a traceback (HARNESS_DEBUG=1 shows it)
            if _debug():
                raise
            code = report_unexpected(exc)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=HarnessGroup,
    name="harness",
    help="Test public claims about open-weight LLMs against measured evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

ConfigArg = Annotated[Path, typer.Argument(help="Run config, e.g. configs/smoke.yaml")]
ResultsOpt = Annotated[
    Path | None, typer.Option("--results", help="Results directory (default: the config's `results`, else "
                              "$HARNESS_RESULTS, else ./results)")
]
GpuOpt = Annotated[str, typer.Option("--gpu", help="GPU type: h100-80gb, h200-141gb, a100-80gb, …")]
GpusPerNodeOpt = Annotated[int, typer.Option("--gpus-per-node", min=1, max=1024, help="GPUs per node")]


def _debug() -> bool:
    from harness.settings import current

    return current().debug


def results_dir_for(explicit: Path | None, configured: str | None = None) -> Path:
    from harness.settings import results_dir

    return results_dir(explicit, configured)


def err(text: str) -> None:
    """One error line; text from records or servers is shown with control characters escaped."""
    typer.echo(f"error: {printable(text, one_line=True)}", err=True)


def note(text: str) -> None:
    """A note on stderr (problems found in records: their text is escaped, never sent to the terminal raw)."""
    typer.echo(f"note: {printable(text, one_line=True)}", err=True)


def report_unexpected(exc: BaseException) -> int:
    """An exception no command turned into a HarnessError: one line, and the exit code it deserves.

    A path the user gave that cannot be written or read (permission, read-only, a file where a folder
    should be, a symlink loop, a name too long) is bad input (2); a full disk or anything else is a
    runtime failure (1)."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        if exc.errno in INPUT_ERRNOS:
            err(f"{where}{reason} (check the path: it must be a writable folder or file you own)")
            return 2
        if exc.errno == errno.ENOSPC:
            err(f"{where}no space left on device (free space, then run the same command again to resume)")
            return 1
        err(f"{where}{reason}")
        return 1
    if is_symlink_loop(exc):
        err(f"{str(exc)[:300]} (check the path: a symlink points to itself)")
        return 2
    if isinstance(exc, MemoryError):
        err("out of memory (the input may be too large)")
        return 1
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    err(f"internal error: {type(exc).__name__}: {text} (HARNESS_DEBUG=1 shows the traceback)")
    return 1


def is_symlink_loop(exc: BaseException) -> bool:
    """pathlib's `resolve()` reports a symlink loop as a RuntimeError (Python < 3.13), not an OSError."""
    return isinstance(exc, RuntimeError) and str(exc).startswith("Symlink loop")


INPUT_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.ELOOP,
                          errno.ENOENT, errno.EEXIST, errno.ENAMETOOLONG, errno.EINVAL})


def guarded(fn: F) -> F:
    """Turn domain errors into one line and an exit code; keep tracebacks for HARNESS_DEBUG."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HarnessError as exc:
            if _debug():
                raise
            err(exc.one_line())
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err("interrupted; finished requests are saved, run the same command again to resume")
            raise typer.Exit(130) from None
        except (TyperExit, TyperAbort, click_exc.ClickException):
            raise
        except Exception as exc:  # noqa: BLE001 - one line and an exit code, never a traceback
            if _debug():
                raise
            raise typer.Exit(report_unexpected(exc)) from None

    return wrapper  # type: ignore[return-value]


def split_ids(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def rebuild_report(results: Path, verdicts: Any = None, catalog: Any = None) -> str:
    """Rebuild `<results>/report.html` at the end of `run` and `claims`; returns the line to print.

    A report that cannot be built is said, never fatal: the records the command wrote are saved."""
    from harness.report import build_report

    try:
        return f"report: {build_report(results, verdicts=verdicts, catalog=catalog).path}"
    except Exception as exc:  # noqa: BLE001 - the command's own results are already on disk
        if _debug():
            raise
        text = exc.one_line() if isinstance(exc, HarnessError) else f"{type(exc).__name__}: {exc}"
        return f"report: not rebuilt ({text}); run `harness report --results {results}`"


@app.command()
@guarded
def validate(config: ConfigArg) -> None:
    """Check a run config and every model and task it names (exit 2 on errors); warn of missing data or weights."""
    from harness.backends.endpoint import preflight
    from harness.config import load_run
    from harness.validate import check_run, remote_code_warnings

    spec, catalog = load_run(config)
    tasks = catalog.expand_tasks(spec.tasks)
    preflight([catalog.model(m) for m in spec.models], tasks, live=False)
    for line in remote_code_warnings([catalog.model(m) for m in spec.models]):
        typer.echo(f"WARNING: {printable(line, one_line=True)}", err=True)
    warnings = check_run([catalog.model(m) for m in spec.models], tasks)
    for line in warnings:
        typer.echo(f"warning: {printable(line, one_line=True)}", err=True)
    note = f" ({len(warnings)} warning(s): not everything can run on this machine)" if warnings else ""
    typer.echo(f"ok: {config} — {len(spec.models)} model(s) × {len(tasks)} task(s){note}")


@app.command()
@guarded
def run(
    config: ConfigArg,
    models: Annotated[str | None, typer.Option("--models", help="Comma-separated model ids")] = None,
    tasks: Annotated[str | None, typer.Option("--tasks", help="Comma-separated task ids or groups")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="First N items per task")] = None,
    results: ResultsOpt = None,
    endpoint: Annotated[list[str] | None, typer.Option(
        "--endpoint", help="Serve the models through an OpenAI-compatible endpoint: KEY=VALUE, repeatable "
        "(base_url=http://host:8000/v1 or managed=true; model=, mode=chat, api_key_env=VAR, concurrency=)",
    )] = None,
) -> None:
    """Run models × tasks, persist per-sample records, update the leaderboard."""
    from harness.backends.endpoint import prepare_run
    from harness.cli_progress import RichProgress
    from harness.config import load_run
    from harness.runner import run as run_all
    from harness.store.files import writable_dir

    spec, catalog = load_run(config)
    writable_dir(results_dir_for(results, spec.results))  # before any engine starts or endpoint is asked
    catalog = prepare_run(spec, catalog, split_ids(models), split_ids(tasks), endpoint or [])
    from harness.validate import remote_code_warnings

    for line in remote_code_warnings([catalog.model(m) for m in split_ids(models) or spec.models
                                      if m in catalog.models]):
        typer.echo(f"WARNING: {printable(line, one_line=True)}", err=True)
    with RichProgress() as progress:
        outcomes = run_all(spec, catalog, models=split_ids(models), tasks=split_ids(tasks),
                           limit=limit, results=results, progress=progress)
    results_dir = results_dir_for(results, spec.results)
    failed = [o for o in outcomes if o.status == "failed"]
    for o in outcomes:
        if o.status == "failed":
            err(f"{o.model} × {o.task}: {o.error}")
        else:
            scores = ", ".join(f"{m.metric}={m.score:.3f} (n={m.n})" for m in o.metrics)
            typer.echo(f"{o.model} × {o.task}: {scores} [{o.status}, run {o.run_key}]")
    typer.echo(f"leaderboard: {results_dir / 'leaderboard.csv'}")
    typer.echo(printable(rebuild_report(results_dir, catalog=catalog)))
    if failed:
        # Bad input only (missing data, unknown GPU type) → 2; anything that broke at run time → 1.
        raise typer.Exit(2 if all(o.exit_code == 2 for o in failed) else 1)


@app.command()
@guarded
def models(
    gpu: GpuOpt = "h100-80gb",
    gpus_per_node: GpusPerNodeOpt = 8,
) -> None:
    """The model catalogue as a table (with the GPU layout each model needs)."""
    from harness.catalog_view import models_table
    from harness.config import load_catalog

    typer.echo(models_table(load_catalog(), gpu, gpus_per_node))


@app.command()
@guarded
def tasks(
    lm_eval: Annotated[bool, typer.Option("--lm-eval", help="List lm-eval's tasks, groups and tags (run them as "
                                          "lm_eval:<name>), with the project's under configs/lm_eval/")] = False,
    match: Annotated[str | None, typer.Option("--match", help="Only names matching this glob, e.g. 'arc*'")] = None,
) -> None:
    """Every task id with its suite, language, answer type and data source."""
    from harness.config import load_catalog

    catalog = load_catalog()
    if lm_eval:
        from harness.lm_eval_tasks.listing import lm_eval_table

        typer.echo(lm_eval_table(catalog.config_dir, match))
        return
    from harness.catalog_view import tasks_table

    typer.echo(tasks_table(catalog))


@app.command()
@guarded
def plan(
    config: ConfigArg,
    gpu: GpuOpt = "h100-80gb",
    gpus_per_node: GpusPerNodeOpt = 8,
) -> None:
    """Per model: weight memory, KV bytes/token, parallel layout, concurrency, GPU-hours."""
    from harness.config import load_run
    from harness.plan import format_plan, plan_run

    spec, catalog = load_run(config)
    chosen = [catalog.model(m) for m in spec.models]
    task_specs = catalog.expand_tasks(spec.tasks)
    n_items = {t.id: spec.limit for t in task_specs} if spec.limit else None
    typer.echo(format_plan(plan_run(chosen, task_specs, gpu, gpus_per_node, n_items), gpu))


@app.command()
@guarded
def grade(
    input: Annotated[Path, typer.Argument(help="JSONL with task, response, gold per line, or a run's samples.jsonl")],
    out: Annotated[Path | None, typer.Option("--out", help="Write graded lines here (continued if it exists)")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Re-grade everything instead of continuing --out")] = False,
    model: Annotated[str | None, typer.Option(
        "--model", help="Catalogue model id whose reasoning format applies to lines without `model`")] = None,
    think_in_prompt: Annotated[bool | None, typer.Option(
        "--think-in-prompt/--no-think-in-prompt",
        help="The model's template opens the think block: output with no closing tag is truncated")] = None,
) -> None:
    """Grade raw model outputs with the harness's graders; print accuracy per task."""
    from harness.config import load_catalog, suggest
    from harness.errors import InputError
    from harness.grading import grade_file
    from harness.grading.files import Defaults
    from harness.grading.sources import resolvers, stop_resolver

    if not input.is_file():
        raise InputError(f"{input}: no such file", "pass a JSONL file with task, response, gold")
    try:
        if model is not None and model not in load_catalog().models:
            raise InputError(f"--model: unknown model id '{model}'", suggest(model, list(load_catalog().models)))
        defaults = Defaults(model, think_in_prompt, stop_resolver())
        summary = grade_file(input, out, *resolvers(input), fresh=fresh, defaults=defaults)
    except (HarnessError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001  (a bug must not cost the user a traceback; output so far is kept)
        if _debug():
            raise
        if isinstance(exc, OSError) or is_symlink_loop(exc):  # an --out path that cannot be written: say which
            raise typer.Exit(report_unexpected(exc)) from None
        err(f"grading failed: {type(exc).__name__}: {exc} (lines written so far are kept; HARNESS_DEBUG=1 shows why)")
        raise typer.Exit(1) from None
    if summary.resumed:
        typer.echo(f"continued: {summary.resumed} lines were already graded in {out} (--fresh re-grades them)")
    for task_id, row in sorted(summary.metrics().items()):
        typer.echo(f"{printable(task_id, one_line=True)}: accuracy={row['accuracy']:.4f} n={int(row['n'])} "
                   f"truncated={int(row['n_truncated'])} ungradable={int(row['n_ungradable'])}")
    if summary.n_bad:
        err(f"{summary.n_bad} line(s) could not be graded (marked with \"error\" in the output): "
            + "; ".join(summary.bad))
    if summary.unknown_models:
        unknown = ", ".join(sorted(summary.unknown_models))
        err(f"models not in the catalogue, graded with reasoning format 'auto': {unknown}")
    if summary.unknown_reasoning:
        err(f"{summary.unknown_reasoning} line(s) have no answer and no model or reasoning format: if the model's "
            "template opens the think block they are truncated reasoning, which cannot be known from the text; "
            "pass --model ID or --think-in-prompt")
    if out:
        typer.echo(f"graded lines: {out}")


@app.command()
@guarded
def claims(
    claims_file: Annotated[Path, typer.Option("--claims", help="Claims ledger")] = Path("seeds/claims.yaml"),
    results: ResultsOpt = None,
    plan_only: Annotated[bool, typer.Option("--plan", help="Print runs still needed and their GPU plan")] = False,
    gpu: GpuOpt = "h100-80gb",
    gpus_per_node: GpusPerNodeOpt = 8,
) -> None:
    """Verdicts for every claim in the ledger: measured runs and published values side by side.

    Writes <results>/claims.csv and claims.md; evidence problems and run-selection choices are
    printed as notes and listed in claims.md. Exit 2 on a damaged record or a bad ledger.
    """
    from harness.claims import evaluate, load_ledger, plan_missing, summary_lines, write_reports
    from harness.config import load_catalog

    results = results_dir_for(results)

    catalog = load_catalog()
    ledger = load_ledger(claims_file, catalog)
    verdicts = evaluate(ledger, results, catalog)
    if plan_only:
        typer.echo(plan_missing(verdicts, ledger, catalog, gpu=gpu, gpus_per_node=gpus_per_node))
        return
    csv_path, md_path = write_reports(verdicts, ledger, results)
    summary, notes = summary_lines(verdicts)
    for line in notes:
        note(line)
    for line in summary:
        typer.echo(line)
    typer.echo(f"wrote {csv_path} and {md_path}")
    typer.echo(printable(rebuild_report(results, (verdicts, ledger), catalog)))


@app.command("import")
@guarded
def import_outputs(
    paths: Annotated[list[Path], typer.Argument(help="Per-sample log files, or directories to search for them")],
    format: Annotated[str | None, typer.Option(
        "--format", help="lm-eval | zeroeval | mmlu-pro | jsonl (default: detected from the content)")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="Catalogue model id (default: the one the file names)")] = None,
    task: Annotated[str | None, typer.Option(
        "--task", help="Catalogue task id (default: the one the file names)")] = None,
    field: Annotated[list[str] | None, typer.Option(
        "--field", help="jsonl: NAME=SOURCE_FIELD for id, question, response, gold, correct, extracted, prompt, "
        "choices, sample, model, task (repeatable)")] = None,
    results: Annotated[Path, typer.Option("--results", help="Results directory")] = Path("results"),
) -> None:
    """Import other harnesses' per-sample outputs as runs: matched to the task's items, re-graded here.

    Writes one run per file (manifest with the source's provenance, samples, metrics, and the
    source's own verdict per item beside the harness's), then rebuilds the leaderboard.
    Importing the same file again is a no-op. Bad input: one line, exit 2, nothing written.
    """
    from harness.config import load_catalog
    from harness.importers import import_paths
    from harness.importers.jsonl import parse_fields

    reports = import_paths(paths, results, load_catalog(), fmt=format, model_id=model, task_id=task,
                           fields=parse_fields(field or []))
    for rep in reports:
        for line in rep.lines():
            typer.echo(line)
    typer.echo(f"imported {sum(not r.already for r in reports)} run(s), {sum(r.already for r in reports)} "
               f"already present; leaderboard: {results / 'leaderboard.csv'}")


@app.command()
@guarded
def leaderboard(results: ResultsOpt = None) -> None:
    """Rebuild results/leaderboard.csv from the run records (no GPU needed)."""
    results = results_dir_for(results)
    from harness.leaderboard import rebuild_leaderboard

    path, problems, notes = rebuild_leaderboard(results)
    for line in [*notes, *(str(p) for p in problems)]:
        note(line)
    typer.echo(str(path))


@app.command()
@guarded
def report(
    results: ResultsOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Report file (default: <results>/report.html)")] = None,
    claims_file: Annotated[
        Path | None, typer.Option("--claims", help="Claims ledger (default: seeds/claims.yaml)")
    ] = None,
    gpu: GpuOpt = "h100-80gb",
    gpus_per_node: GpusPerNodeOpt = 8,
) -> None:
    """One self-contained HTML report from the records (claims, leaderboard, heatmaps, samples, provenance)."""
    from harness.errors import InputError

    results = results_dir_for(results)
    from harness.report import build_report

    if not results.is_dir():
        raise InputError(f"{results}: no such results directory", "pass --results DIR (where `harness run` wrote)")
    if out is not None and (not out.suffix or out.is_dir()):
        # The report's figures and sample pages go in the folder named like the file without its suffix.
        raise InputError(f"--out {out}: not a file name with a suffix", "pass a file such as report.html")
    summary = build_report(results, out, ledger_path=claims_file, gpu=gpu, gpus_per_node=gpus_per_node)
    for line in summary.problems:
        note(line)
    pages = f", {len(summary.sample_pages)} sample pages" if summary.sample_pages else ""
    typer.echo(f"{summary.n_models} models × {summary.n_tasks} tasks, {summary.n_samples:,} samples, "
               f"{summary.n_claims} claims; figures in {summary.files_dir / 'figures'}{pages}")
    typer.echo(f"report: {summary.path}")


@app.command()
@guarded
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write <out>/v<N>/<record>.schema.json")] = None,
) -> None:
    """The results format as versioned JSON Schema (manifest, sample, metric, generation records)."""
    import json

    from harness.schema import record_schemas, write_schemas

    if out is None:
        typer.echo(json.dumps(record_schemas(), indent=2, ensure_ascii=False))
        return
    for path in write_schemas(out):
        typer.echo(str(path))


@app.command()
@guarded
def bench(
    workload: Annotated[str, typer.Argument(
        help="short | reasoning | loglikelihood | engine (all three) | kill | arc")] = "engine",
    model: Annotated[str, typer.Option("--model", help="Model id")] = "gemma-3-270m",
    prompts: Annotated[int | None, typer.Option("--prompts", min=1, help="Requests (items for loglikelihood)")] = None,
    rounds: Annotated[int, typer.Option("--rounds", min=1)] = 3,
    part: Annotated[str, typer.Option("--part", help="arc: harness | previous | hf | lm-eval | summary")] = "summary",
    items: Annotated[str | None, typer.Option("--items", help="arc: START:END items of ARC-Easy")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="arc lm-eval batch size")] = 16,
    seed: Annotated[int, typer.Option("--seed", help="kill: seed of the random kill time")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="arc: folder for the pieces' JSON")] = None,
) -> None:
    """Throughput of the path `harness run` uses vs raw vLLM, kill/resume cost, full ARC-Easy; prints JSON."""
    import json

    from harness.bench.cli import bench_main

    typer.echo(json.dumps(bench_main(workload, model, prompts, rounds, part, items, batch_size, seed, out),
                          indent=2))


ModelsOpt = Annotated[str | None, typer.Option("--models", help="Comma-separated model ids")]
TasksOpt = Annotated[str | None, typer.Option("--tasks", help="Comma-separated task ids or groups")]


@app.command()
@guarded
def submit(
    config: ConfigArg,
    models: ModelsOpt = None,
    tasks: TasksOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="First N items per task")] = None,
    cluster: Annotated[str, typer.Option("--cluster", help="Profile: configs/clusters/NAME.yaml, or a path")] = (
        "default"),
    partition: Annotated[str | None, typer.Option("--partition", help="Slurm partition")] = None,
    account: Annotated[str | None, typer.Option("--account", help="Slurm account")] = None,
    qos: Annotated[str | None, typer.Option("--qos", help="Slurm QoS")] = None,
    time: Annotated[str | None, typer.Option("--time", help="Time limit HH:MM:SS (default: from the plan)")] = None,
    gpu: Annotated[str | None, typer.Option("--gpu", help="GPU type of the nodes, e.g. h100-80gb")] = None,
    gpus_per_node: Annotated[int | None, typer.Option("--gpus-per-node", min=0, help="GPUs per node")] = None,
    max_parallel: Annotated[int | None, typer.Option("--max-parallel", min=1, help="Array jobs at once (%N)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print job scripts and resources; submit nothing")] = False,
    results: ResultsOpt = None,
    cache: Annotated[Path | None, typer.Option("--cache", help="Prefetch cache (default: the profile's)")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the jobs; then rebuild leaderboard, claims")] = False,
    poll: Annotated[float, typer.Option("--poll", min=0.1, help="Seconds between checks with --wait")] = 30.0,
) -> None:
    """Submit one Slurm job per model (all its tasks in one engine load), sized by `harness plan`."""
    from harness.cluster.submit import SubmitRequest
    from harness.cluster.submit import submit as submit_jobs

    request = SubmitRequest(
        config=config, cluster=cluster, models=split_ids(models), tasks=split_ids(tasks), limit=limit,
        partition=partition, account=account, qos=qos, time=time, gpu=gpu, gpus_per_node=gpus_per_node,
        max_parallel=max_parallel, results=results, cache=cache, dry_run=dry_run, wait=wait, poll_s=poll)
    raise typer.Exit(submit_jobs(request, typer.echo))


@app.command()
@guarded
def status(results: ResultsOpt = None) -> None:
    """One line per submitted model × task: queued, running (progress), complete or failed; exit 0 if all complete."""
    results = results_dir_for(results)
    from harness.cluster.status import status as job_status
    from harness.errors import InputError

    if results.exists() and not results.is_dir():
        raise InputError(f"--results {results}: not a folder", "pass the results folder `harness submit` wrote to")
    text, code = job_status(results)
    typer.echo(printable(text))
    raise typer.Exit(code)


@app.command()
@guarded
def prefetch(
    config: ConfigArg,
    cache: Annotated[Path | None, typer.Option("--cache", help="Shared cache (default $HARNESS_PREFETCH_DIR)")] = None,
    models: ModelsOpt = None,
    tasks: TasksOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what is missing and its size")] = False,
) -> None:
    """Download every model (pinned revision) and dataset of a config into a shared cache; write its lock file."""
    from harness.cluster.prefetch import prefetch as prefetch_all
    from harness.cluster.scripts import default_cache
    from harness.errors import InputError

    if cache is not None and cache.exists() and not cache.is_dir():
        raise InputError(f"--cache {cache}: not a folder", "pass the shared cache folder")

    raise typer.Exit(prefetch_all(config, cache or default_cache(), typer.echo, split_ids(models),
                                  split_ids(tasks), dry_run))


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
