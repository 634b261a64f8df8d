"""`lm_eval:<name>` ids: names resolve without lm_eval or data, bad names fail fast, config code never runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.backends.registry import BACKENDS
from harness.cli import app
from harness.config import load_catalog
from harness.errors import InputError
from harness.lm_eval_tasks.catalog import resolve
from harness.lm_eval_tasks.index import bundled_index
from harness.lm_eval_tasks.safe_yaml import sanitize

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def indexed() -> None:
    bundled_index()  # builds the per-version cache once (lm-eval's own indexer, ~15 s) if it is missing


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    """A configs/ directory with extra files under configs/lm_eval/."""
    import shutil

    configs = tmp_path / "configs"
    shutil.copytree(CONFIGS, configs)
    for name, text in files.items():
        (configs / "lm_eval" / name).write_text(text)
    return configs


def test_tasks_groups_and_tags_become_specs() -> None:
    (easy,) = resolve("lm_eval:arc_easy_local", CONFIGS)
    assert (easy.runner, easy.lm_eval_task, easy.answer_type, easy.suite) == (
        "lm_eval", "arc_easy_local", "likelihood_choice", "lm_eval")
    assert easy.data.local is not None and easy.data.local.files == ["arc/ARC-Easy-Test.jsonl"]
    assert easy.group is None and easy.lm_eval_include == str(CONFIGS / "lm_eval")

    group = resolve("lm_eval:arc_local", CONFIGS)
    assert [(s.id, s.group) for s in group] == [
        ("lm_eval:arc_easy_local", "lm_eval:arc_local"), ("lm_eval:arc_challenge_local", "lm_eval:arc_local"),
        ("lm_eval:arc_local", None)]  # members built in the group, then the group's aggregate row
    assert [s.id for s in resolve("lm_eval:ai2_arc_local", CONFIGS)] == [
        "lm_eval:arc_challenge_local", "lm_eval:arc_easy_local"]  # a tag: its tasks, no aggregate

    (gsm,) = resolve("lm_eval:gsm8k_local", CONFIGS)
    assert (gsm.answer_type, gsm.fewshot) == ("text", 5)
    (hub,) = resolve("lm_eval:arc_easy", CONFIGS)
    assert hub.data.hub is not None and (hub.data.hub.path, hub.data.hub.name) == ("allenai/ai2_arc", "ARC-Easy")


def test_nested_groups_expand_innermost_first() -> None:
    specs = resolve("lm_eval:mmlu", CONFIGS)
    leaves = [s for s in specs if s.id.startswith("lm_eval:mmlu_") and s.id.count("_") > 1 and s.group]
    assert len(specs) == 62  # 57 subjects, 4 category groups, mmlu itself
    assert [s.id for s in specs[-5:]] == ["lm_eval:mmlu_stem", "lm_eval:mmlu_other", "lm_eval:mmlu_social_sciences",
                                          "lm_eval:mmlu_humanities", "lm_eval:mmlu"]
    assert all(s.group == "lm_eval:mmlu" for s in specs[:-1]) and len(leaves) >= 57


def test_catalog_expands_lm_eval_ids_next_to_native_ones() -> None:
    catalog = load_catalog(CONFIGS)
    ids = [t.id for t in catalog.expand_tasks(["arc_easy", "lm_eval:arc_local", "lm_eval:arc_easy_local"])]
    assert ids == ["arc_easy", "lm_eval:arc_easy_local", "lm_eval:arc_challenge_local", "lm_eval:arc_local"]


@pytest.mark.parametrize(("name", "words"), [
    ("lm_eval:arc_esy", ["unknown lm-eval task 'arc_esy'", "did you mean 'arc_easy'", "harness tasks --lm-eval"]),
    ("lm_eval:humaneval", ["executes model-written code"]),
])
def test_bad_names_fail_in_one_line_before_any_engine(name: str, words: list[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def no_engine(*args: object) -> None:
        raise AssertionError("an engine was started")

    for backend in list(BACKENDS):  # the registry seam: every backend name refuses to start
        monkeypatch.setitem(BACKENDS, backend, no_engine)
    config = tmp_path / "run.yaml"
    config.write_text(f"name: t\nmodels: [gemma-3-270m]\ntasks: [arc_easy, '{name}']\n")
    for args in (["validate", str(config)], ["run", str(CONFIGS / "smoke.yaml"), "--tasks", name]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and all(w in lines[0] for w in words), result.output


def test_function_tags_and_python_classes_in_project_yamls_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    configs = project(tmp_path, {
        "utils.py": f"open({str(marker)!r}, 'w').write('x')\ndef process_docs(ds):\n    return ds\n",
        "evil.yaml": "task: evil\ndataset_path: json\noutput_type: multiple_choice\n"
                     "process_docs: !function utils.process_docs\n",
    })
    with pytest.raises(InputError, match=r"evil.yaml: line 4: `!function utils.process_docs` would run Python"):
        resolve("lm_eval:arc_easy_local", configs)  # any lm_eval id reads the whole project directory
    assert not marker.exists()
    # lm-eval's own loader would have run it: the refusal is what keeps the file from executing.
    from lm_eval.tasks._yaml_loader import load_yaml

    load_yaml(configs / "lm_eval" / "evil.yaml", resolve_func=True)
    assert marker.exists()


@pytest.mark.parametrize(("text", "message"), [
    ("task: bad\nclass: SomeTask\n", "`class` builds a Python task class"),
    ("task: bad\nmetric_list:\n  - metric: bleu\n    hf_evaluate: true\n", "`hf_evaluate` loads a metric script"),
    ("task: bad\ninclude: ../../tasks/arc_easy.yaml\n", "is outside"),
    ("task: bad\ndoc_to_text: [unclosed\n", "malformed YAML"),
])
def test_other_code_paths_are_refused(text: str, message: str, tmp_path: Path) -> None:
    configs = project(tmp_path, {"bad.yaml": text})
    with pytest.raises(InputError, match=message):
        resolve("lm_eval:bad", configs)


def test_trust_remote_code_is_never_passed_to_datasets() -> None:
    cfg = {"task": "g", "dataset_kwargs": {"trust_remote_code": True, "revision": "abc"},
           "task_list": [{"task": "inline", "dataset_kwargs": {"trust_remote_code": True}}]}
    clean = sanitize(cfg, None, "g")
    assert clean["dataset_kwargs"] == {"revision": "abc"}
    assert clean["task_list"][0]["dataset_kwargs"] == {}
    assert cfg["dataset_kwargs"]["trust_remote_code"] is True  # the input is not modified


def test_templates_render_in_a_sandbox(tmp_path: Path) -> None:
    """A Jinja template cannot reach Python internals (lm-eval's plain environment would allow it)."""
    from harness.lm_eval_tasks.seam import _target

    marker = tmp_path / "pwned"
    (tmp_path / "data.jsonl").write_text('{"q": "hi", "a": 0}\n')
    evil = "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}"
    configs = project(tmp_path, {"sneaky.yaml": json.dumps({
        "task": "sneaky", "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(tmp_path / "data.jsonl")}},
        "test_split": "test", "output_type": "multiple_choice", "doc_to_text": evil,
        "doc_to_choice": "{{['x', 'y']}}", "doc_to_target": "{{a}}"})})
    (spec,) = resolve("lm_eval:sneaky", configs)
    with pytest.raises(InputError, match="a template tried to reach Python internals"):
        _target(spec)
    assert not marker.exists()


def test_tasks_lm_eval_lists_bundled_and_project_names() -> None:
    result = runner.invoke(app, ["tasks", "--lm-eval", "--match", "*_local"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[2:-1]}
    assert set(rows) == {"lm_eval:arc_easy_local", "lm_eval:arc_challenge_local", "lm_eval:arc_local",
                         "lm_eval:gsm8k_local", "lm_eval:ai2_arc_local", "lm_eval:arc_easy_gen_local"}
    assert "arc/ARC-Easy-Test.jsonl" in rows["lm_eval:arc_easy_local"]
    assert "2 members, aggregated" in rows["lm_eval:arc_local"]
    everything = runner.invoke(app, ["tasks", "--lm-eval"])
    assert "lm_eval:arc_easy " in everything.output and "lm_eval:humaneval " in everything.output
    assert int(everything.output.splitlines()[-1].split()[0]) > 10_000


def test_validating_lm_eval_ids_imports_no_lm_eval() -> None:
    code = ("import sys; from pathlib import Path; from harness.config import load_run; "
            "spec, cat = load_run(Path('configs/smoke.yaml')); "
            "print(len(cat.expand_tasks(['lm_eval:arc_local', 'lm_eval:mmlu']))); "
            "print([m for m in ('lm_eval', 'datasets', 'torch', 'vllm') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["65", "[]"]
