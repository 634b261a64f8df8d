"""A task is one unit: its facts (items, choices) in its spec, checked against the data, and every
name it uses resolved when the catalogue loads."""

from __future__ import annotations

import collections
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from harness.cli import app
from harness.config import load_catalog
from harness.errors import ConfigError
from harness.plan import items_for
from harness.tasks.base import load_task_data
from harness.validate import data_gap

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")


def test_every_task_states_its_size_and_every_multiple_choice_task_its_options() -> None:
    assert all(t.items for t in CATALOG.tasks.values())
    for t in CATALOG.tasks.values():
        multiple_choice = t.answer_type in ("choice_letter", "likelihood_choice")
        assert (t.choices is not None) == multiple_choice, t.id
    assert CATALOG.tasks["mmlu_pro"].choices == 10 and CATALOG.tasks["global_mmlu_de"].items == 400


@pytest.mark.usefixtures("data_dir")
def test_stated_facts_match_the_data_in_the_mirror() -> None:
    checked = 0
    for task in CATALOG.tasks.values():
        if data_gap(task) is not None:
            continue
        docs = load_task_data(task).docs
        assert len(docs) == task.items, task.id
        if task.choices:
            usual, _ = collections.Counter(len(d.choices) for d in docs).most_common(1)[0]
            assert usual == task.choices, task.id
        checked += 1
    assert checked == 38  # every task the local mirror holds


def test_plan_counts_items_from_the_spec() -> None:
    assert items_for(CATALOG.tasks["gsm8k"]) == 1319
    assert items_for(CATALOG.tasks["global_mmlu_fr"]) == 400
    assert items_for(CATALOG.tasks["gsm8k"], {"gsm8k": 25}) == 25
    assert items_for(CATALOG.tasks["aime24"], {"aime24": 500}) == 30  # a limit above the size is the size


def _catalog_with(tmp_path: Path, task_id: str, **changes: object) -> Path:
    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    path = configs / "tasks" / f"{task_id}.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data))
    return configs


def test_a_misspelt_prompt_builder_fails_when_the_catalogue_loads(tmp_path: Path) -> None:
    configs = _catalog_with(tmp_path, "gsm8k", prompt="gsm8kk")
    with pytest.raises(ConfigError) as info:
        load_catalog(configs)
    assert "gsm8k.yaml: prompt: unknown prompt builder 'gsm8kk', did you mean 'gsm8k'?" in info.value.one_line()


def test_a_misspelt_loader_fails_with_the_file_and_field(tmp_path: Path) -> None:
    configs = _catalog_with(tmp_path, "arc_easy",
                            data={"local": {"loader": "arc_jsnol", "files": ["arc/ARC-Easy-Test.jsonl"]}})
    result = CliRunner().invoke(app, ["validate", str(configs / "smoke.yaml")])
    assert result.exit_code == 2
    assert "arc_easy.yaml: data.local.loader: unknown loader 'arc_jsnol', did you mean 'arc_jsonl'?" in result.output
    assert "Traceback" not in result.output


def test_choices_on_a_free_form_task_are_refused(tmp_path: Path) -> None:
    configs = _catalog_with(tmp_path, "gsm8k", choices=4)
    with pytest.raises(ConfigError, match="answer_type 'number' has no choices; remove `choices`"):
        load_catalog(configs)


def test_validate_warns_about_data_this_machine_lacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path / "empty-mirror"))
    result = CliRunner().invoke(app, ["validate", str(ROOT / "configs" / "smoke.yaml")])
    assert result.exit_code == 0
    assert "2 task(s) miss files in the local mirror" in result.output
    assert "gsm8k (gsm8k/test.jsonl), arc_easy (arc/ARC-Easy-Test.jsonl)" in result.output
    assert "(1 warning(s): not everything can run on this machine)" in result.output


def test_the_aime_year_is_a_spec_field_not_parsed_from_an_id(tmp_path, monkeypatch) -> None:
    """Item ids carry the contest year from the spec's `year`; a spec without one is refused."""
    import json as _json

    from harness.errors import InputError
    from harness.provenance import answer_fields

    aime = CATALOG.tasks["aime24"]
    assert (aime.year, CATALOG.tasks["aime25"].year) == (2024, 2025)
    assert "year" not in answer_fields(aime)  # names items only: the run key does not move
    (tmp_path / "aime").mkdir()
    (tmp_path / "aime" / "aime24_test.jsonl").write_text(_json.dumps({"problem": "p", "answer": "7"}) + "\n")
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    renamed = aime.model_copy(update={"year": 1999})
    assert load_task_data(renamed).docs[0].doc_id == "1999-I-1"
    with pytest.raises(InputError, match="has no `year`"):
        load_task_data(aime.model_copy(update={"year": None}))


# ---------------------------------------------------------------- one registry mechanism, names in the YAML


def test_a_registry_fills_itself_from_its_module_and_refuses_clashes(tmp_path: Path, monkeypatch) -> None:
    import importlib
    import sys

    from harness.errors import InputError

    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "r17_things.py").write_text(
        "from harness.registry import Registry\nTHINGS = Registry('thing', 'data.thing', ('r17_fill',))\n")
    (tmp_path / "r17_fill.py").write_text("from r17_things import THINGS\nTHINGS.add('one', 1)\nTHINGS.add('two', 2)\n")
    things = importlib.import_module("r17_things").THINGS
    assert "r17_fill" not in sys.modules  # nothing is imported until a name is looked up
    assert things.get("two") == 2 and things.names() == ["one", "two"]
    with pytest.raises(InputError) as info:
        things.get("three", "task 'x'")
    assert info.value.one_line().startswith("task 'x': data.thing: unknown thing 'three'")
    assert "use one of one, two" in info.value.one_line()
    with pytest.raises(ValueError, match="thing 'one' is registered twice"):
        things.add("one", 3)
    for name in ("r17_things", "r17_fill"):
        monkeypatch.delitem(sys.modules, name)


def test_the_three_task_registries_know_what_the_yamls_name() -> None:
    from harness.tasks.registries import HUB_FORMATS, LOADERS, PROMPTS

    native = [t for t in CATALOG.tasks.values() if t.runner == "harness"]
    assert all(t.prompt in PROMPTS for t in native)
    assert all(t.data.local.loader in LOADERS for t in native if t.data.local)
    formats = {t.id: t.data.hub.format for t in native if t.data.hub}
    assert formats["gsm8k"] == "gsm8k_jsonl" and formats["global_mmlu_de"] == "global_mmlu"
    assert formats["math_l5"] is None  # no Hub reader: its items come from the local file only
    assert all(f in HUB_FORMATS for f in formats.values() if f is not None)


def test_a_hub_format_is_named_and_checked_when_the_catalogue_loads(tmp_path: Path) -> None:
    hub_only = {"hub": {"path": "openai/gsm8k", "name": "main", "split": "test"}}
    configs = _catalog_with(tmp_path, "gsm8k", data=hub_only)
    with pytest.raises(ConfigError) as info:
        load_catalog(configs)
    assert "gsm8k.yaml: data.hub.format: missing; name the Hub format that reads openai/gsm8k" in info.value.one_line()
    configs = _catalog_with(tmp_path / "b", "gsm8k", data={"hub": {**hub_only["hub"], "format": "gsm8k_jsnol"}})
    with pytest.raises(ConfigError) as info:
        load_catalog(configs)
    assert ("gsm8k.yaml: data.hub.format: unknown Hub format 'gsm8k_jsnol', did you mean 'gsm8k_jsonl'?"
            in info.value.one_line())
    configs = _catalog_with(tmp_path / "c", "gsm8k", prompt=None)
    with pytest.raises(ConfigError, match="gsm8k.yaml: prompt: missing; name a prompt builder"):
        load_catalog(configs)


def test_the_hub_format_reads_the_rows_and_leaves_the_run_key_alone(monkeypatch) -> None:
    from harness import provenance
    from harness.tasks import hub

    gsm = CATALOG.tasks["gsm8k"]
    row = {"question": "1+1?", "answer": "1+1=2\n#### 2"}
    monkeypatch.setattr(hub, "_rows", lambda task, name, split: [dict(row)])
    assert hub.load_hub(gsm).docs[0].gold == "2"
    assert gsm.data.hub is not None
    other = gsm.model_copy(update={"data": gsm.data.model_copy(
        update={"hub": gsm.data.hub.model_copy(update={"format": None})})})
    key = {"weights_hash": None, "data_hashes": {}, "limit": None, "sampling": {}, "packages": {}}
    model = next(iter(CATALOG.models.values()))
    assert provenance.run_key(model, gsm, **key) == provenance.run_key(model, other, **key)  # type: ignore[arg-type]
    from harness.errors import DataMissingError

    with pytest.raises(DataMissingError, match="names no data.hub.format"):
        hub.load_hub(other)
