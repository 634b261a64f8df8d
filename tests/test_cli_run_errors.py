"""`harness run` on bad input: one line naming what and where, exit 2, nothing computed lost."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from harness.cli import app

runner = CliRunner()


def run_cli(config: Path, results: Path, env: dict[str, str]) -> object:
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return runner.invoke(app, ["run", str(config), "--results", str(results)])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_missing_data_file_fails_fast(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "mirror"
    empty.mkdir()
    config = tiny_catalog_dir / "run.yaml"
    config.write_text("name: x\nmodels: [tiny-llama]\ntasks: [gsm8k]\nlimit: 2\n")
    result = run_cli(config, tmp_path / "r", {"HARNESS_DATA_DIR": str(empty)})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "tiny-llama × gsm8k: task 'gsm8k': data file" in result.output
    assert "gsm8k/test.jsonl not found" in result.output and "openai/gsm8k" in result.output


def test_task_with_no_items(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "gsm8k").mkdir(parents=True)
    (mirror / "gsm8k" / "test.jsonl").write_text("\n")
    (mirror / "gsm8k" / "train.jsonl").write_text("\n")
    config = tiny_catalog_dir / "run.yaml"
    config.write_text("name: x\nmodels: [tiny-llama]\ntasks: [gsm8k]\n")
    result = run_cli(config, tmp_path / "r", {"HARNESS_DATA_DIR": str(mirror)})
    assert result.exit_code == 2
    assert "task 'gsm8k': the data has no items" in result.output


def test_unknown_ids_on_the_command_line(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    config = tiny_catalog_dir / "run.yaml"
    config.write_text("name: x\nmodels: [tiny-llama]\ntasks: [gsm8k]\n")
    result = runner.invoke(app, ["run", str(config), "--models", "tiny-lama"])
    assert result.exit_code == 2
    assert "unknown model id 'tiny-lama' (did you mean 'tiny-llama'?)" in result.output
    result = runner.invoke(app, ["run", str(config), "--limit", "0"])
    assert result.exit_code == 2


def test_model_that_cannot_load_is_reported(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    from conftest import write_tiny_catalog

    write_tiny_catalog(tiny_catalog_dir, tmp_path / "nowhere", id="ghost", name="ghost")
    config = tiny_catalog_dir / "run.yaml"
    config.write_text("name: x\nmodels: [ghost]\ntasks: [arc_easy]\nlimit: 2\n")
    result = run_cli(config, tmp_path / "r", {})
    assert result.exit_code == 1
    assert "model 'ghost'" in result.output and "has no config.json" in result.output
    assert "Traceback" not in result.output
