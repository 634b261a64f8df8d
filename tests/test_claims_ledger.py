"""The ledger parses, names only known models and tasks, quotes its articles verbatim."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from harness.claims import load_ledger
from harness.claims.ledger import parse_ledger
from harness.config import load_catalog, read_yaml
from harness.errors import ConfigError

from claims_fixtures.builders import catalog, model, task, write_ledger
from claims_fixtures.contract_catalog import contract_catalog

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "seeds" / "claims.yaml"
_SEED_DIRS = [Path(os.environ["HARNESS_SEEDS_DIR"])] if "HARNESS_SEEDS_DIR" in os.environ else [
    ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds"]  # a checkout, or a worktree
SEEDS = next((d for d in _SEED_DIRS if d.is_dir()), _SEED_DIRS[0])

MISSION = {  # claims the project exists to test, where the articles make them
    "a1-deepseek-surpassed-llama", "a3-qwen-top3-multilingual", "a3-llama32-100-languages",
    "a0-llama4-limited-gain", "a2-cot-strong-reasoning", "a4-distillation-gain", "a4-open-touched-throne",
    "a2-llama4-benchmark-gaming", "a3-llama32-non-english-gain",
}  # fmt: skip


def test_ledger_schema_and_coverage() -> None:
    ledger = parse_ledger(read_yaml(LEDGER), str(LEDGER))
    ids = [c.id for c in ledger.claims]
    assert len(ids) == len(set(ids))
    assert MISSION <= set(ids)
    for src in ledger.sources:
        mine = [c for c in ledger.claims if c.source == src.file]
        assert any(c.test.type not in ("untestable", "deferred") for c in mine), src.file
    for claim in ledger.claims:
        if claim.test.type not in ("untestable", "deferred"):
            assert claim.operationalization or claim.test.type == "gain", claim.id
    assert not {d.id for d in ledger.dropped} & set(ids)
    assert all(len(d.reason) > 30 for d in ledger.dropped)


def _claims() -> dict:
    return parse_ledger(read_yaml(LEDGER), str(LEDGER)).by_id()


def test_untestable_is_only_reputation_prices_futures_and_the_like() -> None:
    """Capability claims the harness cannot measure yet are deferred, each saying what it needs."""
    claims = _claims()
    untestable = {cid for cid, c in claims.items() if c.test.type == "untestable"}
    deferred = {cid: c.test for cid, c in claims.items() if c.test.type == "deferred"}
    assert {"a0-llama4-reception", "a4-deepseek-api-cost", "a1-beyond-gpt5", "a1-behemoth-fell-short"} <= untestable
    assert all(claims[cid].test.category for cid in untestable)  # type: ignore[union-attr]
    needs = {cid: " ".join(t.needs).lower() for cid, t in deferred.items()}  # type: ignore[attr-defined]
    for topic, cid in [("long context", "a3-llama32-long-context"), ("coding", "a3-llama33-coding"),
                       ("tool use", "a3-llama33-tool-use"), ("tool use", "a3-deepseek-tool-planning"),
                       ("earlier llama generations", "a3-llama3x-multilingual-long-context"),
                       ("cross-lingual transfer", "a3-llama32-cross-lingual-transfer"),
                       ("scaling within a family", "a2-scaling-diminishing-returns")]:  # fmt: skip
        assert topic in needs[cid], (cid, topic)


def test_llama2_claims_are_tested_once_llama2_is_catalogued() -> None:
    """The two claims about Llama 2's standing in 2023 left `deferred` when Llama 2 70B and its published
    scores arrived: reference tests against GPT-4-0314 on the tasks both publish with the same shots."""
    claims = _claims()
    for cid in ("a1-gpt4-far-ahead-2023", "a3-llama2-near-closed"):
        test = claims[cid].test
        assert test.type == "reference", cid
        assert test.a.ids == ["llama-2-70b"] and test.b.ids == ["closed:gpt-4-0314"], cid  # type: ignore[union-attr]
        assert "llama" in (claims[cid].notes or "").lower() and "model card" in (claims[cid].notes or "").lower()


def test_revisions_from_rereading_the_articles() -> None:
    """The ledger changes that a re-reading of the articles asked for, each explained in the claim's notes."""
    c = _claims()
    ledger = parse_ledger(read_yaml(LEDGER), str(LEDGER))
    # Chinese open models against size-matched Llama models where the article compares with Llama
    for cid in ("a0-cn-open-caught-up", "a3-deepseek-overtook-llama-reasoning", "a3-qwen-overtook-llama-reasoning",
                "a3-llama-behind-extreme-reasoning"):  # fmt: skip
        pairs = c[cid].test.pairs
        assert pairs and all(any("llama" in m for m in p) for p in pairs), cid
    # "first on several benchmarks" per task, at least two
    tops = c["a3-deepseek-tops-reasoning"].test
    assert tops.per_task and tops.min_tasks == 2 and tops.k == 1
    # "touched the throne" is R1 against o1, on their published values
    throne = c["a4-open-touched-throne"].test
    assert throne.a.ids == ["deepseek-r1"] and throne.a.source == "published"
    assert set(throne.b.ids) == {"closed:o1", "closed:o1-2024-12-17"}
    # Llama 4's reproduction gap against the usual gap of other models
    gap = c["a2-llama4-benchmark-gaming"].test
    assert gap.type == "reproduction_gap" and gap.model.ids == ["llama-4-maverick-17b-128e-instruct"]
    # non-English gain as a share of English on parallel items
    assert c["a3-llama32-non-english-gain"].test.type == "transfer"
    # efficiency: chance-corrected or Pareto, never raw points per parameter
    assert c["a3-llama32-small-efficiency"].test.metric == "excess_per_active_b"
    pareto = "pareto_active_params"
    assert c["a3-qwen-efficiency-top"].test.metric == c["a3-deepseek-cost-effective"].test.metric == pareto
    # the duplicate and the padding are gone, recorded under `dropped`
    assert {d.id for d in ledger.dropped} == {"a3-open-matches-closed", "a0-sora2-video-quality",
                                              "a3-qwen-raises-ceiling"}  # fmt: skip
    revised = [cid for cid, claim in c.items() if "Revised" in claim.notes]
    assert len(revised) >= 15 and all(len(c[cid].notes) > 30 for cid in revised)


def test_ledger_names_only_contract_models_and_tasks() -> None:
    """Contract ids; closed ids are checked against configs/references.csv when it exists."""
    load_ledger(LEDGER, contract_catalog(ROOT / "configs"))


def test_ledger_names_only_known_models_and_tasks_in_the_real_catalogue() -> None:
    """Fails until configs/models and configs/tasks hold every id the contract names."""
    models_dir = ROOT / "configs" / "models"
    if not any(models_dir.glob("*.yaml")):
        pytest.skip("configs/models/ is still empty: the catalogue has not landed")
    load_ledger(LEDGER, load_catalog(ROOT / "configs"))


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"articles not found at {SEEDS} (set HARNESS_SEEDS_DIR)")
def test_every_quote_is_verbatim_and_every_article_is_covered() -> None:
    ledger = parse_ledger(read_yaml(LEDGER), str(LEDGER))
    assert {s.file for s in ledger.sources} == {p.name for p in SEEDS.glob("*.txt")}
    squash = lambda text: re.sub(r"\s+", "", text)  # noqa: E731  (line breaks inside a quote)
    texts = {p.name: squash(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    missing = [c.id for c in [*ledger.claims, *ledger.dropped] if squash(c.quote) not in texts[c.source]]
    assert not missing


def test_bad_entries_are_all_reported(tmp_path: Path) -> None:
    cat = catalog([model("m1"), model("m2")], [task("t1")], tmp_path)
    good = {"type": "compare", "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]}, "tasks": {"ids": ["t1"]}}
    claims = [
        {"id": "ok", "source": "art.txt", "quote": "q", "statement": "s", "test": good},
        {"id": "bad-model", "source": "art.txt", "quote": "q", "statement": "s",
         "test": {**good, "a": {"ids": ["m3"]}}},
        {"id": "bad-task", "source": "art.txt", "quote": "q", "statement": "s",
         "test": {**good, "tasks": {"ids": ["t9"]}}},
        {"id": "bad-relation", "source": "art.txt", "quote": "q", "statement": "s",
         "test": {**good, "relation": "bigger"}},
        {"id": "extra-key", "source": "art.txt", "quote": "q", "statement": "s", "colour": "red", "test": good},
        {"id": "ok", "source": "other.txt", "quote": "q", "statement": "s", "test": good},
        {"id": "empty", "source": "art.txt", "quote": "q", "statement": "s",
         "test": {**good, "a": {"family": ["nope"]}}},
        {"id": "bad-closed", "source": "art.txt", "quote": "q", "statement": "s",
         "test": {**good, "type": "reference", "b": {"ids": ["closed:x"]}}},
    ]  # fmt: skip
    with pytest.raises(ConfigError) as err:  # schema errors first: every bad entry at once
        load_ledger(write_ledger(tmp_path / "l.yaml", claims), cat)
    text = "; ".join(err.value.problems)
    assert "bad-relation" in text and "extra-key" in text and "bad-closed" in text
    schema_ok = [c for c in claims if c["id"] not in ("bad-relation", "extra-key", "bad-closed")]
    with pytest.raises(ConfigError) as err:  # then ids: again every bad entry at once
        load_ledger(write_ledger(tmp_path / "l.yaml", schema_ok), cat)
    text = "; ".join(err.value.problems)
    for expected in ("bad-model", "unknown model id 'm3'", "bad-task", "unknown task id 't9'",
                     "duplicate id", "other.txt", "empty", "matches no model"):  # fmt: skip
        assert expected in text


def test_gain_needs_catalogue_base_models(tmp_path: Path) -> None:
    cat = catalog([model("d", base_model="org/Hub-Repo"), model("e")], [task("t1")], tmp_path)
    claim = {"id": "g", "source": "art.txt", "quote": "q", "statement": "s",
             "test": {"type": "gain", "condition": "distill vs base", "treated": {"ids": ["d"]},
                      "control": "base_model", "tasks": {"ids": ["t1"]}}}  # fmt: skip
    with pytest.raises(ConfigError, match="not a catalogue model id"):
        load_ledger(write_ledger(tmp_path / "l.yaml", [claim]), cat)


def test_every_test_type_is_one_registered_family() -> None:
    """The ledger's test union and the family registry name the same types, and every family
    words the seed ledger's claims of its type (the registry is the only dispatch)."""
    from typing import get_args

    from harness.claims.describe import describe_test
    from harness.claims.families import FAMILIES
    from harness.claims.ledger import Test

    union = get_args(get_args(Test)[0])
    types = {get_args(cls.model_fields["type"].annotation)[0] for cls in union}
    assert types == set(FAMILIES)
    assert all(family.type == name for name, family in FAMILIES.items())
    ledger = parse_ledger(read_yaml(LEDGER), str(LEDGER))
    for claim in ledger.claims:
        line = describe_test(claim)
        assert line.startswith(claim.test.type.replace("_", " ")), (claim.id, line)
