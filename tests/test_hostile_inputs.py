"""Hostile and broken input: never code from a config, never a write outside the results, never a traceback.

One class of defect per section: code execution (lm-eval YAML routes, trust_remote_code), writes outside
the results root (ids, paths), resource exhaustion (YAML), shared results (umask, damaged records,
concurrent runs), and the exit-code promise (one line; 2 for bad input, 1 for runtime failures).
All fast: the fake backend, synthetic records, no engine.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import InputError
from harness.yaml_io import load_yaml_text, read_yaml_file, short

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def one_line_error(result: Any, code: int) -> str:
    """The CLI's promise: exit `code`, exactly one `error:` line, no traceback, no typer box."""
    out = result.output
    assert result.exit_code == code, out
    assert "Traceback" not in out and "╭" not in out, out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out
    return errors[0]


# ---------------------------------------------------------------- code execution: lm-eval project YAMLs

BASE_TASK = """\
task: hostile_task
dataset_path: json
dataset_kwargs:
  data_files:
    test: arc/ARC-Easy-Test.jsonl
output_type: multiple_choice
test_split: test
doc_to_text: "Question: {{question.stem}}"
doc_to_target: 0
doc_to_choice: "{{question.choices | map(attribute='text') | list}}"
"""

# Every route by which lm-eval 0.4.13 resolves code from a task config (see harness/lm_eval_tasks/allow.py).
CODE_ROUTES = {
    "metric_py_path": "metric_list:\n  - metric: ./evil.py\n",
    "metric_unknown": "metric_list:\n  - metric: accuracy_from_the_hub\n",
    "metric_hf_evaluate": "metric_list:\n  - metric: acc\n    hf_evaluate: true\n",
    "metric_function_tag": "metric_list:\n  - metric: !function evil.metric\n",
    "aggregation_unknown": "metric_list:\n  - metric: acc\n    aggregation: evil.py\n",
    "aggregation_function": "metric_list:\n  - metric: acc\n    aggregation: !function evil.agg\n",
    "filter_unknown": "filter_list:\n  - name: x\n    filter:\n      - function: evil\n",
    "filter_custom": "filter_list:\n  - name: x\n    filter:\n      - function: custom\n        filter_fn: 1\n",
    "process_results": "process_results: evil.process\n",
    "process_docs": "process_docs: evil.docs\n",
    "custom_dataset": "custom_dataset: evil.load\n",
    "doc_to_text_function": "doc_to_text: !function evil.text\n",
    "class": "class: evil.Task\n",
    "use_prompt": "use_prompt: promptsource:evil\n",
    "unsafe_code": "unsafe_code: true\n",
    "doc_to_image": "doc_to_image: image\n",
    "fewshot_process_docs": "fewshot_config:\n  sampler: first_n\n  process_docs: evil.docs\n",
    "fewshot_sampler": "fewshot_config:\n  sampler: evil.Sampler\n",
    "dataset_script": "dataset_path: ./evil.py\n",
    "unknown_key": "postprocess_hook: evil\n",
    "python_tag": "description: !!python/object/apply:os.system [echo pwned]\n",
}


def _project(tmp_path: Path, extra: str) -> Path:
    root = tmp_path / "lm_eval"
    root.mkdir()
    text = BASE_TASK + extra
    if extra.startswith("dataset_path:"):
        text = text.replace("dataset_path: json\n", "")
    (root / "hostile.yaml").write_text(text)
    (root / "evil.py").write_text("import pathlib; pathlib.Path('PWNED').write_text('x')\n")
    return root


@pytest.mark.parametrize("route", sorted(CODE_ROUTES))
def test_every_code_route_in_a_project_yaml_is_refused(route: str, tmp_path: Path) -> None:
    from harness.lm_eval_tasks.index import project_index

    root = _project(tmp_path, CODE_ROUTES[route])
    with pytest.raises(InputError) as caught:
        project_index(root)
    line = caught.value.one_line()
    assert str(root / "hostile.yaml") in line and "\n" not in line
    assert not (tmp_path / "PWNED").exists()


def test_code_routes_in_inline_group_members_and_includes_are_refused(tmp_path: Path) -> None:
    from harness.lm_eval_tasks.index import project_index

    root = tmp_path / "lm_eval"
    root.mkdir()
    (root / "group.yaml").write_text("group: g\ntask:\n  - task: inner\n    metric_list:\n      - metric: x.py\n")
    with pytest.raises(InputError, match="metric 'x.py'"):
        project_index(root)
    (root / "group.yaml").unlink()
    (root / "_base_yaml").write_text("process_results: evil.f\n")
    (root / "t.yaml").write_text(BASE_TASK + "include: _base_yaml\n")
    with pytest.raises(InputError, match="process_results"):
        project_index(root)


def test_the_project_yamls_pass_and_the_allow_lists_are_lm_evals_names() -> None:
    import lm_eval.api.metrics  # noqa: F401  (fills the registries)
    import lm_eval.filters  # noqa: F401
    from lm_eval.api import registry, samplers

    from harness.lm_eval_tasks import allow
    from harness.lm_eval_tasks.index import project_index

    assert {"arc_easy_local", "arc_challenge_local", "arc_local", "gsm8k_local"} <= set(project_index(
        ROOT / "configs" / "lm_eval"))
    assert allow.METRICS <= set(registry.metric_registry.keys())
    assert allow.AGGREGATIONS <= set(registry.aggregation_registry.keys())
    assert allow.FILTERS <= set(registry.filter_registry.keys()) - {"custom"}
    assert allow.SAMPLERS <= set(samplers.SAMPLER_REGISTRY)


def test_validate_refuses_a_metric_named_by_a_python_path(tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    import shutil

    shutil.copytree(ROOT / "configs", configs)
    (configs / "lm_eval" / "evil.yaml").write_text(BASE_TASK.replace("hostile_task", "evil_task")
                                                    + "metric_list:\n  - metric: /tmp/evil_metric.py\n")
    (configs / "run.yaml").write_text("name: x\nmodels: [gemma-3-270m]\ntasks: ['lm_eval:evil_task']\n")
    line = one_line_error(runner.invoke(app, ["validate", str(configs / "run.yaml")]), 2)
    assert "evil.yaml" in line and "/tmp/evil_metric.py" in line


def test_trust_remote_code_is_said_loudly_and_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers.fake_models import fake_spec, write_fake_catalog

    configs = write_fake_catalog(tmp_path / "configs", fake_spec(trust_remote_code=True))
    (configs / "run.yaml").write_text("name: x\nmodels: [fake-base]\ntasks: [gsm8k]\nlimit: 1\n")
    result = runner.invoke(app, ["validate", str(configs / "run.yaml")])
    assert result.exit_code == 0, result.output
    assert "WARNING: model 'fake-base' sets trust_remote_code: true" in result.output
    assert "RUNS THE PYTHON CODE" in result.output
    monkeypatch.setattr("harness.cli.rebuild_report", lambda *a, **k: "report: skipped in this test")
    result = runner.invoke(app, ["run", str(configs / "run.yaml"), "--results", str(tmp_path / "results")])
    assert result.exit_code == 0 and "WARNING: model 'fake-base' sets trust_remote_code" in result.output
    (manifest,) = (tmp_path / "results").glob("runs/*/manifest.json")
    assert json.loads(manifest.read_text())["run_settings"]["trust_remote_code"] is True


# ---------------------------------------------------------------- resource exhaustion and YAML shape

BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True))


def test_an_alias_bomb_is_refused_fast_and_small() -> None:
    started = time.perf_counter()
    with pytest.raises(InputError, match="expands to more than"):
        load_yaml_text(BOMB, "bomb.yaml")
    assert time.perf_counter() - started < 5


def test_too_many_aliases_and_huge_documents_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="YAML aliases"):
        load_yaml_text("a: &a 1\nb: [" + ", ".join(["*a"] * 1500) + "]\n")
    big = tmp_path / "big.yaml"
    big.write_text("x: '" + "a" * (5 * 1024 * 1024) + "'\n")
    with pytest.raises(InputError, match="bytes, more than"):
        read_yaml_file(big)


def test_duplicate_keys_name_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("name: x\nmodels: [a]\nmodels: [b]\n")
    line = one_line_error(runner.invoke(app, ["validate", str(path)]), 2)
    assert f"{path}: line 3: duplicate key 'models'" in line


@pytest.mark.parametrize("content", [bytes(range(256)) * 4, "name: caf\xe9\n".encode("latin-1"), b"name: x\x00\n"])
def test_binary_and_non_utf8_configs(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    line = one_line_error(runner.invoke(app, ["validate", str(path)]), 2)
    assert str(path) in line


def test_error_messages_never_format_a_huge_value() -> None:
    huge = list(range(10_000_000))
    started = time.perf_counter()
    assert short(huge) == "<list of 10000000>"
    assert len(short("x" * 10_000_000)) <= 80
    assert time.perf_counter() - started < 0.5


# ---------------------------------------------------------------- writes outside the results root


def _synthetic(root: Path, **manifest_changes: Any) -> Path:
    """One complete synthetic run under root; `manifest_changes` edit its manifest."""
    from harness.config import load_catalog

    from helpers.synthetic_results import write_run

    catalog = load_catalog(ROOT / "configs")
    write_run(root, catalog.models["gemma-3-270m"], catalog.tasks["arc_easy"], cap=5)
    (run,) = list((root / "runs").iterdir())
    if manifest_changes:
        path = run / "manifest.json"
        data = json.loads(path.read_text())
        data.update(manifest_changes)
        path.write_text(json.dumps(data))
    return run


@pytest.mark.parametrize("task", ["../../../escaped", "a/b", "x" * 300, "bad\x1b[31mred", ".hidden", "é" * 101])
def test_crafted_ids_in_records_are_refused_where_records_are_read(task: str, tmp_path: Path) -> None:
    from harness.store import Results, ResultsError

    run = _synthetic(tmp_path / "results", task=task)
    with pytest.raises(ResultsError, match="invalid task id"):
        Results(tmp_path / "results")
    reader = Results(tmp_path / "results", skip_damaged=True)
    assert reader.runs == [] and "invalid task id" in str(reader.problems[0])
    report = runner.invoke(app, ["report", "--results", str(tmp_path / "results")])
    one_line_error(report, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert run.is_dir()


def test_paths_built_from_names_stay_under_their_root(tmp_path: Path) -> None:
    from harness.store.files import inside

    root = tmp_path / "pages"
    root.mkdir()
    assert inside(root, "task.html") == root / "task.html"
    for name in ["../x.html", "a/b.html", "..", "", "x" * 256 + ".html", "nul\0.html"]:
        with pytest.raises(InputError):
            inside(root, name)
    (root / "link.html").symlink_to(tmp_path / "outside.html")
    with pytest.raises(InputError, match="outside"):
        inside(root, "link.html")


def test_ids_in_configs_follow_the_same_rule() -> None:
    from harness.store.ids import check_id, id_problem

    for good in ["gemma-3-270m", "lm_eval:arc_easy", "qwen2.5-7b-instruct", "a" * 200]:
        assert id_problem(good) is None
    for bad in ["../x", "a b", "a/b", "-x", "a" * 201, "x\ny", "", "a..b"]:
        with pytest.raises(InputError):
            check_id("task id", bad)


# ---------------------------------------------------------------- shared results


def test_atomic_writes_respect_the_umask(tmp_path: Path) -> None:
    from harness.store import atomic_write_text

    old = os.umask(0o002)
    try:
        atomic_write_text(tmp_path / "shared.csv", "x\n")
        os.umask(0o077)
        atomic_write_text(tmp_path / "private.csv", "x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "shared.csv").stat().st_mode) == 0o664
    assert stat.S_IMODE((tmp_path / "private.csv").stat().st_mode) == 0o600


def test_a_damaged_record_elsewhere_is_reported_and_skipped_by_the_leaderboard(tmp_path: Path) -> None:
    from harness.leaderboard import rebuild_leaderboard

    results = tmp_path / "results"
    good = _synthetic(results)
    bad = results / "runs" / "0123456789abcdef"
    bad.mkdir()
    (bad / "manifest.json").write_text("{not json")
    path, problems, _ = rebuild_leaderboard(results, references=None)
    assert good.name in path.read_text()
    assert any("damaged" in str(p) and "0123456789abcdef" in str(p) for p in problems)
    (good / "metrics.json").write_text("[{]")
    path, problems, _ = rebuild_leaderboard(results, references=None)
    assert any("metrics.json" in str(p) for p in problems)


def test_leaderboard_text_cannot_become_a_spreadsheet_formula() -> None:
    from harness.leaderboard import csv_cell, render_csv

    assert csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    for text in ["+1+2", "-2+3", "@SUM(A1)", "\tx", "\r=1"]:
        assert csv_cell(text) == "'" + text
    assert csv_cell(-0.25) == -0.25 and csv_cell("-0.25") == "-0.25" and csv_cell(None) == ""
    csv = render_csv([{"model": "=cmd|' /C calc'!A0", "delta_vs_reference": -1.5}])
    assert "'=cmd" in csv and ",-1.5," in csv


_TWO_RUNS = textwrap.dedent("""
    import sys
    from pathlib import Path
    from harness.config import load_run
    from harness.run.progress import Progress
    from harness.runner import run

    class Said(Progress):
        def message(self, text: str) -> None:
            print("MSG", text, flush=True)

    spec, catalog = load_run(Path(sys.argv[1]))
    outcomes = run(spec, catalog, results=Path(sys.argv[2]), progress=Said())
    print("STATUS", ",".join(o.status for o in outcomes), flush=True)
""")


def test_two_processes_on_one_results_folder_never_duplicate_work(tmp_path: Path) -> None:
    from helpers.fake_models import fake_spec, write_fake_catalog

    configs = write_fake_catalog(tmp_path / "configs", fake_spec(fake={"faults": {"step_s": 1.0}}))
    (configs / "run.yaml").write_text("name: x\nmodels: [fake-base]\ntasks: [gsm8k]\nlimit: 4\n")
    script = tmp_path / "one_run.py"
    script.write_text(_TWO_RUNS)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
    args = [sys.executable, str(script), str(configs / "run.yaml"), str(tmp_path / "results")]
    first = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # The second starts once the first holds the run's lock (its generation log exists).
    deadline = time.time() + 120
    while not list((tmp_path / "results").glob("runs/*/generations/*.jsonl")) and time.time() < deadline:
        time.sleep(0.2)
    second = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    out_first = first.communicate(timeout=300)[0]
    assert first.returncode == 0 and second.returncode == 0, out_first + second.stdout + second.stderr
    assert "STATUS complete" in out_first
    assert "is being run by another harness process" in second.stdout, second.stdout
    assert "STATUS cached" in second.stdout
    keys = [json.loads(line)["key"] for f in (tmp_path / "results").glob("runs/*/generations/*.jsonl")
            for line in f.read_text().splitlines() if line.strip()]
    assert len(keys) == len(set(keys)) == 4


# ---------------------------------------------------------------- the exit-code promise


@pytest.mark.parametrize("argv", [
    ["run", "--bogus"], ["run"], ["run", "configs/smoke.yaml", "--limit", "0"], ["grade", "--limit", "1", "x"],
    ["plan", "configs/smoke.yaml", "--gpus-per-node", "zero"], ["nosuchcommand"],
])
def test_usage_errors_are_one_line_exit_2(argv: list[str]) -> None:
    line = one_line_error(runner.invoke(app, argv), 2)
    assert "--help" in line


def _odd_paths(tmp_path: Path) -> dict[str, Path]:
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "missing" / "deeper")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    return {"file": a_file, "under_a_file": a_file / "results", "dangling": dangling, "loop": loop,
            "long": tmp_path / ("x" * 300)}


@pytest.mark.parametrize("kind", ["file", "under_a_file", "dangling", "loop", "long"])
def test_odd_results_and_out_paths(kind: str, tmp_path: Path) -> None:
    path = _odd_paths(tmp_path)[kind]
    one_line_error(runner.invoke(app, ["leaderboard", "--results", str(path)]), 2)
    one_line_error(runner.invoke(app, ["schema", "--out", str(path)]), 2)
    if kind != "file":  # grade --out to an existing file continues it: fine
        jsonl = tmp_path / "in.jsonl"
        jsonl.write_text(json.dumps({"task": "gsm8k", "response": "The answer is 4", "gold": "4"}) + "\n")
        one_line_error(runner.invoke(app, ["grade", str(jsonl), "--out", str(path)]), 2)


def test_disk_full_is_one_line_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.store import files

    def full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(files, "atomic_write_text", full)
    monkeypatch.setattr("harness.leaderboard.atomic_write_text", full)
    line = one_line_error(runner.invoke(app, ["leaderboard", "--results", str(tmp_path / "r")]), 1)
    assert "no space left on device" in line


def test_a_corrupt_line_in_a_generation_log_names_file_and_line(tmp_path: Path) -> None:
    from harness.store import ResultsError
    from harness.store.generations import iter_records, successful_keys

    log = tmp_path / "generations"
    log.mkdir()
    good = {"key": "k1", "doc_id": "0", "kind": "generate", "text": "x", "finish_reason": "stop"}
    (log / "session-00000-w0.jsonl").write_text(json.dumps(good) + "\n{broken\n" + json.dumps(good) + "\n")
    for read in (successful_keys, lambda d: list(iter_records(d))):
        with pytest.raises(ResultsError, match=r"session-00000-w0.jsonl:2: damaged generation record"):
            read(log)


def test_terminal_escapes_from_records_are_never_printed_raw(tmp_path: Path) -> None:
    results = tmp_path / "results"
    _synthetic(results, status="failed", error="boom \x1b]52;c;ZXZpbA==\x07\x1b[2J gone")
    result = runner.invoke(app, ["leaderboard", "--results", str(results)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]52" in result.output


def test_endpoint_replies_of_the_wrong_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.backends import endpoint
    from harness.backends.base import GenRequest, SamplingSettings
    from harness.backends.http_client import Reply
    from harness.backends.openai_backend import OpenAIBackend

    class Client:
        base_url = "http://stub/v1"
        max_retries = 0

        def __init__(self, body: Any) -> None:
            self.body = body

        def get(self, *a: Any, **k: Any) -> Reply:
            return Reply(self.body, None, 200, 1)

    from helpers.fake_models import fake_model

    model = fake_model(backend="openai", endpoint={"base_url": "http://stub/v1"})
    for body in [{"data": "x"}, {"data": 5}, {"object": "list"}, {"data": {"id": "m"}}]:
        with pytest.raises(InputError, match="not an OpenAI model list"):
            endpoint.probe(Client(body), model)  # type: ignore[arg-type]
    backend = OpenAIBackend.__new__(OpenAIBackend)
    backend.model, backend.endpoint = model, model.endpoint
    req = GenRequest(prompt_ids=(1, 2), sampling=SamplingSettings())
    for body in [{"choices": [{"text": {"a": 1}}]}, {"choices": [{"text": "ok"}], "usage": "lots"},
                 {"choices": [{"text": "ok"}], "usage": {"completion_tokens": "many"}}]:
        result = backend._result(req, Reply(body, None, 200, 1), 0.1)
        assert result.error is not None and "malformed reply" in result.error


def test_disk_full_during_generation_is_one_line_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.store.generations import GenerationWriter

    from helpers.fake_models import fake_spec, write_fake_catalog

    configs = write_fake_catalog(tmp_path / "configs", fake_spec(fake={"faults": {"step_s": 1.0}}))
    (configs / "run.yaml").write_text("name: x\nmodels: [fake-base]\ntasks: [gsm8k]\nlimit: 3\n")
    real_append = GenerationWriter.append

    def append(self: GenerationWriter, record: Any) -> None:
        if self.count >= 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_append(self, record)

    monkeypatch.setattr(GenerationWriter, "append", append)
    monkeypatch.setattr("harness.cli.rebuild_report", lambda *a, **k: "report: skipped in this test")
    result = runner.invoke(app, ["run", str(configs / "run.yaml"), "--results", str(tmp_path / "results")])
    line = one_line_error(result, 1)
    assert "No space left on device" in line
    assert len(list((tmp_path / "results").glob("runs/*/generations/*.jsonl"))) == 1  # the finished request kept


def test_report_out_without_a_suffix_or_onto_a_folder(tmp_path: Path) -> None:
    results = tmp_path / "results"
    _synthetic(results)
    for out in [tmp_path / "report", tmp_path]:
        line = one_line_error(runner.invoke(app, ["report", "--results", str(results), "--out", str(out)]), 2)
        assert "pass a file such as report.html" in line


def test_run_refuses_an_unusable_results_folder_before_any_work(tmp_path: Path) -> None:
    odd = _odd_paths(tmp_path)
    for kind in ["file", "under_a_file", "loop"]:
        line = one_line_error(runner.invoke(app, ["run", str(ROOT / "configs" / "smoke.yaml"),
                                                  "--results", str(odd[kind])]), 2)
        assert "results folder" in line
