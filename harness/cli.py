"""`harness`: a thin CLI. The only place that prints errors and sets exit codes.

Exit codes: 0 success, 2 bad input (one line, no traceback), 1 runtime failure.
Heavy imports (vllm, torch, lm_eval, pandas) happen inside commands, so `--help` is instant.
Set HARNESS_DEBUG=1 to see tracebacks.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from harness.errors import HarnessError

app = typer.Typer(
    name="harness",
    help="Test public claims about open-weight LLMs against measured evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

ConfigArg = Annotated[Path, typer.Argument(help="Run config, e.g. configs/smoke.yaml")]
ResultsOpt = Annotated[
    Path | None, typer.Option("--results", help="Results directory (default: the config's `results`)")
]
GpuOpt = Annotated[str, typer.Option("--gpu", help="GPU type: h100-80gb, h200-141gb, a100-80gb, …")]
GpusPerNodeOpt = Annotated[int, typer.Option("--gpus-per-node", min=1, help="GPUs per node")]


def err(text: str) -> None:
    typer.echo(f"error: {text}", err=True)


def guarded(fn: F) -> F:
    """Turn domain errors into one line and an exit code; keep tracebacks for HARNESS_DEBUG."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HarnessError as exc:
            if os.environ.get("HARNESS_DEBUG"):
                raise
            err(exc.one_line())
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err("interrupted; finished chunks are saved, run the same command again to resume")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def split_ids(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@app.command()
@guarded
def validate(config: ConfigArg) -> None:
    """Check a run config and every model and task it names; list every error."""
    from harness.config import load_run

    spec, catalog = load_run(config)
    tasks = catalog.expand_tasks(spec.tasks)
    typer.echo(f"ok: {config} — {len(spec.models)} model(s) × {len(tasks)} task(s)")


@app.command()
@guarded
def run(
    config: ConfigArg,
    models: Annotated[str | None, typer.Option("--models", help="Comma-separated model ids")] = None,
    tasks: Annotated[str | None, typer.Option("--tasks", help="Comma-separated task ids or groups")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="First N items per task")] = None,
    results: ResultsOpt = None,
) -> None:
    """Run models × tasks, persist per-sample records, update the leaderboard."""
    from harness.cli_progress import RichProgress
    from harness.config import load_run
    from harness.runner import run as run_all

    spec, catalog = load_run(config)
    with RichProgress() as progress:
        outcomes = run_all(spec, catalog, models=split_ids(models), tasks=split_ids(tasks),
                           limit=limit, results=results, progress=progress)
    results_dir = results or Path(spec.results)
    failed = [o for o in outcomes if o.status == "failed"]
    for o in outcomes:
        if o.status == "failed":
            err(f"{o.model} × {o.task}: {o.error}")
        else:
            scores = ", ".join(f"{m.metric}={m.score:.3f} (n={m.n})" for m in o.metrics)
            typer.echo(f"{o.model} × {o.task}: {scores} [{o.status}, run {o.run_key}]")
    typer.echo(f"leaderboard: {results_dir / 'leaderboard.csv'}")
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
def tasks() -> None:
    """Every task id with its suite, language, answer type and data source."""
    from harness.catalog_view import tasks_table
    from harness.config import load_catalog

    typer.echo(tasks_table(load_catalog()))


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
    input: Annotated[Path, typer.Argument(help="JSONL with task, response, gold per line")],
    out: Annotated[Path | None, typer.Option("--out", help="Write graded lines here")] = None,
) -> None:
    """Grade raw model outputs with the harness's graders; print accuracy per task."""
    from harness.config import load_catalog
    from harness.errors import InputError
    from harness.grading import grade_file

    catalog = load_catalog()

    def resolve(task_id: str) -> tuple[str, str]:
        if task_id not in catalog.tasks:
            from harness.config import suggest

            raise InputError(f"unknown task id '{task_id}'", suggest(task_id, list(catalog.tasks)))
        t = catalog.tasks[task_id]
        return t.answer_type, t.language

    if not input.is_file():
        raise InputError(f"{input}: no such file", "pass a JSONL file with task, response, gold")
    summary = grade_file(input, out, resolve)
    for task_id, row in sorted(summary.items()):
        typer.echo(f"{task_id}: accuracy={row['accuracy']:.4f} n={int(row['n'])} "
                   f"truncated={int(row['n_truncated'])} ungradable={int(row['n_ungradable'])}")
    if out:
        typer.echo(f"graded lines: {out}")


@app.command()
@guarded
def claims(
    claims_file: Annotated[Path, typer.Option("--claims", help="Claims ledger")] = Path("seeds/claims.yaml"),
    results: Annotated[Path, typer.Option("--results", help="Results directory")] = Path("results"),
    plan_only: Annotated[bool, typer.Option("--plan", help="Print runs still needed and their GPU plan")] = False,
    gpu: GpuOpt = "h100-80gb",
    gpus_per_node: GpusPerNodeOpt = 8,
) -> None:
    """Evaluate every claim in the ledger against the stored per-sample records."""
    from harness.claims import evaluate, load_ledger, plan_missing, write_reports
    from harness.config import load_catalog

    catalog = load_catalog()
    ledger = load_ledger(claims_file, catalog)
    verdicts = evaluate(ledger, results, catalog)
    if plan_only:
        typer.echo(plan_missing(verdicts, ledger, catalog, gpu=gpu, gpus_per_node=gpus_per_node))
        return
    csv_path, md_path = write_reports(verdicts, ledger, results)
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    typer.echo(", ".join(f"{k}: {n}" for k, n in sorted(counts.items())))
    typer.echo(f"wrote {csv_path} and {md_path}")


@app.command()
@guarded
def leaderboard(results: Annotated[Path, typer.Option("--results")] = Path("results")) -> None:
    """Rebuild results/leaderboard.csv from the run records (no GPU needed)."""
    from harness.leaderboard import update_leaderboard

    typer.echo(str(update_leaderboard(results)))


@app.command()
@guarded
def bench(
    model: Annotated[str, typer.Option("--model", help="Model id")] = "gemma-3-270m",
    prompts: Annotated[int, typer.Option("--prompts", min=1)] = 32,
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", min=1)] = 64,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Harness requests per chunk")] = 16,
    rounds: Annotated[int, typer.Option("--rounds", min=1)] = 3,
) -> None:
    """Throughput: raw vllm.LLM.generate vs the harness backend, same prompts; prints JSON."""
    import json

    from harness.bench import run_bench

    result = run_bench(model, prompts, max_new_tokens, rounds=rounds, chunk_size=chunk_size)
    typer.echo(json.dumps(result, indent=2))


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
def status(results: Annotated[Path, typer.Option("--results", help="Results directory")] = Path("results")) -> None:
    """One line per submitted model × task: queued, running (progress), complete or failed; exit 0 if all complete."""
    from harness.cluster.status import status as job_status

    text, code = job_status(results)
    typer.echo(text)
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

    raise typer.Exit(prefetch_all(config, cache or default_cache(), typer.echo, split_ids(models),
                                  split_ids(tasks), dry_run))


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
