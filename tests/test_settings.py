"""The HARNESS_* settings: one table, one typed value, in the manifest, the same --results default everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import InputError
from harness.settings import VARIABLES, Settings, from_env, markdown_table, results_dir

ROOT = Path(__file__).resolve().parent.parent


def test_settings_are_typed_and_unset_means_default() -> None:
    s = from_env({"HARNESS_DATA_DIR": "/data", "HARNESS_CPU_KV_CACHE_GIB": "4.5", "HARNESS_ALLOCATION_NODES": "2",
                  "HARNESS_DEBUG": "1", "HARNESS_GPU": "", "UNRELATED": "x"})
    assert s.data_dir == Path("/data") and s.cpu_kv_cache_gib == 4.5 and s.allocation_nodes == 2 and s.debug
    assert s.gpu is None and s.results_dir == Path("results")
    assert from_env({}) == Settings()
    assert not from_env({"HARNESS_DEBUG": "0"}).debug
    with pytest.raises(InputError, match="HARNESS_CPU_KV_CACHE_GIB='lots' is not a number"):
        from_env({"HARNESS_CPU_KV_CACHE_GIB": "lots"})


def test_every_variable_fills_a_field_and_the_readme_table_is_the_code_table() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert {v.field for v in VARIABLES} == fields
    assert markdown_table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_no_module_reads_a_harness_variable_itself() -> None:
    """Settings are read through harness.settings only (writing them for a child process is fine)."""
    offenders = []
    for path in (ROOT / "harness").rglob("*.py"):
        if path.name == "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ('environ.get("HARNESS_', "getenv(\"HARNESS_", 'environ["HARNESS_'):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


def test_results_default_is_the_same_for_every_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HARNESS_RESULTS", str(tmp_path / "mine"))
    assert results_dir() == tmp_path / "mine"
    assert results_dir(None, "from-config") == Path("from-config")
    assert results_dir(Path("flag"), "from-config") == Path("flag")
    runner = CliRunner()
    result = runner.invoke(app, ["leaderboard"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine" / "leaderboard.csv").is_file()
    result = runner.invoke(app, ["report"])
    assert str(tmp_path / "mine") in result.output
    result = runner.invoke(app, ["status"])
    assert "Traceback" not in result.output


@pytest.mark.parametrize("debug", [False, True])
def test_harness_debug_keeps_a_failed_tasks_traceback(debug: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      data_dir: Path) -> None:
    from harness.config import load_catalog
    from harness.run import driver
    from harness.run.progress import QuietProgress
    from harness.specs import RunSpec

    from helpers.fake_models import write_fake_catalog

    catalog = load_catalog(write_fake_catalog(tmp_path / "configs"))

    def crash(*args: object, **kwargs: object) -> None:
        raise ValueError("deep inside the scorer")

    monkeypatch.setattr(driver, "run_task", crash)
    if debug:
        monkeypatch.setenv("HARNESS_DEBUG", "1")
    else:
        monkeypatch.delenv("HARNESS_DEBUG", raising=False)
    spec = RunSpec(name="t", models=["fake-base"], tasks=["gsm8k"], limit=2)
    (outcome,) = driver.run(spec, catalog, results=tmp_path / "r", progress=QuietProgress())
    assert outcome.status == "failed" and (outcome.error or "").startswith("ValueError: deep inside the scorer")
    assert ("Traceback (most recent call last)" in (outcome.error or "")) == debug
    assert ('in crash' in (outcome.error or "")) == debug


def test_the_manifest_records_the_settings_and_the_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           data_dir: Path) -> None:
    from harness.config import load_catalog
    from harness.run import driver
    from harness.run.progress import QuietProgress
    from harness.specs import RunSpec
    from harness.store import RunDir

    from helpers.fake_models import write_fake_catalog

    catalog = load_catalog(write_fake_catalog(tmp_path / "configs"))
    monkeypatch.setenv("HARNESS_CPU_KV_CACHE_GIB", "3")
    spec = RunSpec(name="t", models=["fake-base"], tasks=["gsm8k"], limit=2)
    (outcome,) = driver.run(spec, catalog, results=tmp_path / "r", progress=QuietProgress())
    assert outcome.status == "complete", outcome.error
    manifest = RunDir(tmp_path / "r", outcome.run_key).read_manifest()
    assert manifest is not None
    assert manifest.run_settings["settings"]["cpu_kv_cache_gib"] == 3.0
    assert manifest.run_settings["settings"]["data_dir"] == str(data_dir)
    assert "memory_gib" in manifest.run_settings["machine"]
