"""Config validation: every bad field named with its path, expected type and value got."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.config import load_catalog, load_run
from harness.errors import ConfigError, InputError

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_real_configs_validate() -> None:
    for name in ("smoke.yaml", "reasoning.yaml", "multilingual.yaml"):
        path = ROOT / "configs" / name
        if path.exists():
            spec, catalog = load_run(path)
            assert catalog.expand_tasks(spec.tasks)


def test_catalog_has_smoke_model_and_tasks() -> None:
    catalog = load_catalog(ROOT / "configs")
    gemma = catalog.model("gemma-3-270m")
    assert gemma.bos == "always" and gemma.source.type == "gguf" and not gemma.trust_remote_code
    assert {"gsm8k", "arc_easy"} <= set(catalog.tasks)


def test_every_error_is_listed(tmp_path: Path) -> None:
    cfg = write(tmp_path / "bad.yaml", (
        "name: x\nmodels: [gemma-3-27m]\ntasks: [gsm8kk, arc_easy]\nlimit: -3\nchunk_size: many\ncolour: blue\n"
    ))
    (tmp_path / "models").symlink_to(ROOT / "configs" / "models")
    (tmp_path / "tasks").symlink_to(ROOT / "configs" / "tasks")
    with pytest.raises(ConfigError) as info:
        load_run(cfg)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "limit: Input should be greater than 0 (got -3)" in text
    assert "chunk_size: Input should be a valid integer" in text and "'many'" in text
    assert "colour: unknown key (got 'blue')" in text
    assert len(problems) == 3  # ids are checked once the shape is valid


def test_unknown_ids_suggest_the_closest(tmp_path: Path) -> None:
    cfg = write(tmp_path / "ids.yaml", "name: x\nmodels: [gemma-3-27m]\ntasks: [gsm8kk, arc_easy]\n")
    (tmp_path / "models").symlink_to(ROOT / "configs" / "models")
    (tmp_path / "tasks").symlink_to(ROOT / "configs" / "tasks")
    with pytest.raises(ConfigError) as info:
        load_run(cfg)
    text = "\n".join(info.value.problems)
    assert "models.0: unknown model id 'gemma-3-27m'" in text and "did you mean 'gemma-3-270m'" in text
    assert "tasks.0: unknown task id 'gsm8kk'" in text and "did you mean 'gsm8k'" in text


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    cfg = write(tmp_path / "broken.yaml", "name: x\nmodels: [a, b\ntasks: [c]\n")
    with pytest.raises(InputError, match=r"broken.yaml: line \d+, column \d+: malformed YAML"):
        load_run(cfg)


def test_model_spec_rules(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (tmp_path / "tasks").mkdir()
    write(models / "m.yaml", (
        "id: m\nname: m\nfamily: llama3\ndeveloper: x\ncountry: USA\nparams_b: 1\nactive_params_b: 2\n"
        "kind: chat\nsource: {type: hub}\n"
    ))
    with pytest.raises(ConfigError) as info:
        load_catalog(tmp_path)
    text = "\n".join(info.value.problems)
    assert "country: String should have at most 2 characters" in text
    assert "kind: Input should be 'base', 'instruct', 'reasoning' or 'closed'" in text
    assert "source: Value error, source.type 'hub' needs source.repo" in text


def test_trust_remote_code_defaults_off() -> None:
    catalog = load_catalog(ROOT / "configs")
    assert not any(m.trust_remote_code for m in catalog.models.values())


def test_task_groups_and_suites_expand() -> None:
    catalog = load_catalog(ROOT / "configs")
    reasoning = catalog.expand_tasks(["reasoning"])
    assert all(t.suite == "reasoning" for t in reasoning) and reasoning
    with pytest.raises(InputError, match="unknown task id 'nope'"):
        catalog.expand_tasks(["nope"])


# ---------------------------------------------------------------- CLI behaviour


def test_cli_validate_ok() -> None:
    result = runner.invoke(app, ["validate", str(ROOT / "configs" / "smoke.yaml")])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output


def test_cli_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    cfg = write(tmp_path / "bad.yaml", "name: x\nmodels: [gemma-3-270m]\ntasks: [gsm8k]\nlimt: 3\n")
    result = runner.invoke(app, ["validate", str(cfg)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "limt: unknown key" in result.output
    missing = runner.invoke(app, ["run", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_cli_help_is_fast_and_lazy() -> None:
    import subprocess
    import sys

    code = ("import sys, harness.cli; harness.cli.app(['--help'], standalone_mode=False); "
            "heavy = [m for m in ('vllm', 'torch', 'lm_eval', 'pandas') if m in sys.modules]; "
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
