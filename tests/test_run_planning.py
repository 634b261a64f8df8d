"""Request planning, golden numbers on real items: prompts, hashes, seeds, budgets, request keys.

Request keys are the resume cache's index: if one of these changes, every stored run would be
generated again. Change them only on purpose (and bump the task version)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from harness.backends.base import GenRequest, LLRequest
from harness.backends.fake import ByteTokenizer
from harness.config import load_catalog
from harness.run.task_runner import plan_task
from harness.tasks.native import build_items, request_seed, token_budget

from helpers.fake_models import fake_model

CATALOG = load_catalog(Path(__file__).resolve().parent.parent / "configs")
TOK = ByteTokenizer()


def planned(model_overrides: dict, task: str, limit: int, tmp_path: Path):
    model = fake_model(**model_overrides)
    plan = plan_task(model, CATALOG.tasks[task], None, limit, tmp_path)
    return plan, *build_items(model, plan, TOK)


def test_generation_requests_golden(tmp_path: Path, data_dir: Path) -> None:
    plan, items, requests = planned({}, "gsm8k", 3, tmp_path)
    assert [it.doc.doc_id for it in items] == ["0", "1", "2"]
    assert [it.prompt_hash for it in items[:2]] == ["901fead9abd2535b", "d8ef3245c80f6408"]
    assert list(requests) == ["cc94eb1f387fcf4c", "bc59b21160c6aa70", "b6161e7d0c6ecfa2"]
    first = requests["cc94eb1f387fcf4c"]
    assert isinstance(first.request, GenRequest)
    assert (first.doc_id, first.sample_idx, first.kind) == ("0", 0, "generate")
    assert len(first.request.prompt_ids) == 2430 and first.request.prompt_ids[0] == TOK.bos_token_id
    assert first.request.sampling.as_dict() == {
        "temperature": 0.0, "top_p": 1.0, "top_k": -1, "min_p": 0.0, "repetition_penalty": 1.0,
        "max_new_tokens": 1024, "stop": ["Q:", "</s>", "<|im_end|>"], "seed": 4091638222}
    assert first.expected_tokens() == 2430 + 1024
    assert items[0].prompt_text.count("Q: ") == 9  # 8 shots and the item


def test_k_samples_get_their_own_seeds_and_keys(tmp_path: Path, data_dir: Path) -> None:
    overrides = {"id": "fake-sampled", "generation": {"temperature": 0.6, "max_new_tokens": 300, "samples": 4,
                                                     "seed": 7}, "max_model_len": 2500}
    plan, items, requests = planned(overrides, "gsm8k", 2, tmp_path)
    assert plan.samples == 4 and len(items) == len(requests) == 8
    assert [(it.doc.doc_id, it.sample_idx) for it in items[:5]] == [("0", 0), ("0", 1), ("0", 2), ("0", 3), ("1", 0)]
    seeds = [r.request.sampling.seed for r in requests.values()]  # type: ignore[union-attr]
    assert seeds == [request_seed(7, doc, k) for doc in ("0", "1") for k in range(4)]
    assert seeds[-1] == 1608403193 == int(hashlib.sha256(b"7:1:3").hexdigest()[:8], 16)
    assert list(requests)[:2] == ["2f9ffa61759e07ad", "2f6539ad43715e1f"]
    # The budget is what the context window leaves: 2500 - 2430 prompt tokens.
    assert [r.request.sampling.max_new_tokens for r in requests.values()][:4] == [70] * 4  # type: ignore[union-attr]


@pytest.mark.parametrize(("requested", "prompt", "window", "want"), [
    (1024, 100, 4096, 1024), (1024, 4000, 4096, 96), (1024, 5000, 4096, 1), (16, 10, 20, 10)])
def test_token_budget(requested: int, prompt: int, window: int, want: int) -> None:
    assert token_budget(requested, prompt, window) == want


def test_loglikelihood_requests_golden(tmp_path: Path, data_dir: Path) -> None:
    plan, items, requests = planned({}, "arc_easy", 2, tmp_path)
    assert len(items) == 2 and len(requests) == 8
    assert items[0].keys == ("c974d957de12f03a", "b39621dd15802f8d", "4b4ceca102634f86", "c079d0f49f1902a5")
    assert items[0].prompt_hash == "f804da9f5e214341"
    reqs = [requests[k].request for k in items[0].keys]
    assert all(isinstance(r, LLRequest) for r in reqs)
    contexts = {r.context_ids for r in reqs}  # type: ignore[union-attr]
    assert len(contexts) == 1, "the choices of one item share one context"
    (context,) = contexts
    assert TOK.decode(context) == items[0].prompt_text
    conts = [TOK.decode(r.continuation_ids) for r in reqs]  # type: ignore[union-attr]
    assert conts == [f" {c}" for c in items[0].doc.choices]
    assert items[0].doc.gold == "A"


def test_partial_scoring_gives_each_choice_its_own_context(tmp_path: Path, data_dir: Path) -> None:
    plan, items, requests = planned({}, "winogrande", 1, tmp_path)
    reqs = [requests[k].request for k in items[0].keys]
    assert len({r.context_ids for r in reqs}) == 2  # type: ignore[union-attr]
    assert len({r.continuation_ids for r in reqs}) == 1  # type: ignore[union-attr]
