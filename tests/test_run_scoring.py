"""Scoring glue, golden numbers: crafted generation records on real items → samples and metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.backends.fake import ByteTokenizer
from harness.config import load_catalog
from harness.records import GenerationRecord
from harness.run.task_runner import plan_task
from harness.tasks.native import build_items, score_task

from helpers.fake_models import fake_model

CATALOG = load_catalog(Path(__file__).resolve().parent.parent / "configs")


def gen(req, text: str, finish: str = "stop", error: str | None = None) -> GenerationRecord:
    return GenerationRecord(key=req.key, doc_id=req.doc_id, kind="generate", text=text, finish_reason=finish,
                            prompt_tokens=100, output_tokens=len(text), wall_s=2.0, error=error)


def test_generation_items_and_metrics(tmp_path: Path, data_dir: Path) -> None:
    model = fake_model()
    task = CATALOG.tasks["gsm8k"]
    plan = plan_task(model, task, None, 5, tmp_path)
    items, requests = build_items(model, plan, ByteTokenizer())
    golds = [it.doc.gold for it in items]
    assert golds == ["18", "3", "70000", "540", "20"]
    reqs = list(requests.values())
    cache = {
        reqs[0].key: gen(reqs[0], " 16 - 3 - 4 = 9 eggs, 9 * 2 = 18. The answer is 18."),  # right
        reqs[1].key: gen(reqs[1], " It takes 2 + 1 = 3 bolts. The answer is 4."),  # wrong
        reqs[2].key: gen(reqs[2], " The house cost a lot more after the repairs, so", finish="length"),  # truncated
        reqs[3].key: gen(reqs[3], " 3 sprints * 3 times * 60 m = 540 m. The answer is 540."),  # right
        reqs[4].key: gen(reqs[4], "", finish="error", error="prompt has 5000 tokens, max_model_len is 4096"),
    }
    scored = score_task(model, task, plan.run_key, items, cache, gen_wall_s=4.0)
    got = [(s.correct, s.extracted, s.truncated, s.ungradable, s.error is not None) for s in scored.samples]
    assert got == [(True, "18", False, False, False), (False, "4", False, False, False),
                   (False, None, True, False, False), (True, "540", False, False, False),
                   (False, None, False, True, True)]
    (m,) = scored.metrics
    assert (m.metric, m.n, m.n_samples, m.n_truncated, m.n_ungradable) == ("accuracy", 5, 5, 1, 1)
    assert m.score == pytest.approx(0.4)
    assert m.stderr == pytest.approx(0.2449489743, abs=1e-9)  # sqrt(0.3 / 5)
    assert (m.ci_low, m.ci_high) == (0.0, 0.8)  # seeded bootstrap
    assert m.tokens_per_s == pytest.approx(sum(s.output_tokens for s in scored.samples) / 4.0)
    # 1 error in 5 samples is above the 5% failure threshold: the run fails rather than scores.
    assert scored.error is not None and scored.error.startswith("1/5 requests failed, e.g. prompt has 5000")
    assert scored.warnings == ["warning: fake-base on gsm8k: 1/5 answers truncated by the token budget; "
                               "raise max_new_tokens or the score understates the model"]


def test_likelihood_items_acc_and_acc_norm(tmp_path: Path, data_dir: Path) -> None:
    model = fake_model()
    task = CATALOG.tasks["arc_easy"]
    plan = plan_task(model, task, None, 2, tmp_path)
    items, requests = build_items(model, plan, ByteTokenizer())
    assert [it.doc.gold for it in items] == ["A", "B"]
    # Item 1: choice A wins outright. Item 2: C has the best total, but B has the best per byte.
    logprobs = {items[0].keys: [-3.0, -9.0, -8.0, -7.0], items[1].keys: [-40.0, -21.0, -20.0, -50.0]}
    cache = {}
    for keys, lps in logprobs.items():
        for key, lp in zip(keys, lps, strict=True):
            r = requests[key]
            cache[key] = GenerationRecord(key=key, doc_id=r.doc_id, kind="loglikelihood", logprob=lp,
                                          prompt_tokens=30, wall_s=1.0)
    scored = score_task(model, task, plan.run_key, items, cache, gen_wall_s=2.0)
    assert [(s.extracted, s.correct, s.correct_norm) for s in scored.samples] == [("A", True, True),
                                                                                  ("C", False, True)]
    assert [(m.metric, m.score) for m in scored.metrics] == [("acc", 0.5), ("acc_norm", 1.0)]
    assert scored.samples[1].choice_logprobs == [-40.0, -21.0, -20.0, -50.0]
    assert scored.metrics[0].tokens_per_s == pytest.approx(8 * 30 / 2.0)  # scored tokens per engine second
    assert scored.error is None
