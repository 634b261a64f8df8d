"""The one configurable fake backend (`backend: fake` with a `fake:` section): answers, tokenizer, faults,
a batch-only face, and which of these are part of a run's identity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from harness.backends.base import GenRequest, LLRequest, SamplingSettings, collect
from harness.backends.fake import ByteTokenizer, FakeBackend, fake_answer
from harness.errors import InputError, ModelLoadError
from harness.provenance import answer_fields

from helpers.fake_models import fake_model

GREEDY = SamplingSettings(max_new_tokens=64, stop=("Question:",))
TOK = ByteTokenizer()


def gen(prompt: str) -> GenRequest:
    return GenRequest(tuple(TOK.encode(prompt)), GREEDY)


def ll(context: str, continuation: str) -> LLRequest:
    return LLRequest(tuple(TOK.encode(context)), tuple(TOK.encode(continuation, add_special_tokens=False)))


PROMPTS = [f"Question: Tom has {i} apples and buys {i + 3}. How many?\nAnswer:" for i in range(12)]


def test_no_section_and_a_default_section_answer_alike_and_share_run_keys() -> None:
    plain, default = FakeBackend(fake_model()), FakeBackend(fake_model(fake={}))
    timed = fake_model(fake={"streaming": False, "batch_size": 3, "faults": {"step_s": 0.001,
                                                                             "fail_after_requests": 99}})
    requests = [gen(p) for p in PROMPTS]

    def answers(backend: FakeBackend) -> list[tuple[object, ...]]:
        return [(r.text, r.finish_reason, r.prompt_tokens, r.output_tokens) for r in backend.generate(requests)]

    assert answers(plain) == answers(default) == answers(FakeBackend(timed))
    assert [r.text for r in plain.generate(requests)][:1] == [
        fake_answer(TOK.decode(requests[0].prompt_ids), None).split("Question:")[0]]
    # Faults, streaming and batching change when results come, never what they are: not in the run key.
    assert answer_fields(fake_model()) == answer_fields(fake_model(fake={})) == answer_fields(timed)
    assert "fake" not in answer_fields(timed)
    gold = fake_model(fake={"answers": "mixed", "gold": {"file": "gsm8k/test.jsonl"}})
    assert answer_fields(gold) != answer_fields(fake_model())


def write_gold(path: Path) -> Path:
    rows = [{"q": f"Tom has {i} apples and buys {i + 3}. How many?", "a": f"{i} + {i + 3}\n#### {2 * i + 3}"}
            for i in range(12)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("policy", ["correct", "wrong", "mixed"])
def test_gold_answers(policy: str, tmp_path: Path) -> None:
    spec = fake_model(fake={"answers": policy, "gold": {"file": str(write_gold(tmp_path / "gold.jsonl")),
                                                        "question": "q", "answer": "a"}})
    texts = [r.text for r in FakeBackend(spec).generate([gen(p) for p in PROMPTS])]
    right = [f"#### {2 * i + 3}\n" in t for i, t in enumerate(texts)]
    assert all("####" in t and "Question:" not in t for t in texts)  # cut at the stop string
    if policy == "mixed":
        assert 0 < sum(right) < len(right)
    else:
        assert right == [policy == "correct"] * len(right)


def test_bad_fake_sections_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs fake.gold"):
        fake_model(fake={"answers": "correct"})
    with pytest.raises(ValidationError, match="configures backend: fake only"):
        fake_model(backend="hf", fake={})
    with pytest.raises(ValidationError, match="extra"):
        fake_model(fake={"fail_after": 3})
    with pytest.raises(InputError, match="fake.gold.file: no file"):
        FakeBackend(fake_model(fake={"answers": "wrong", "gold": {"file": str(tmp_path / "none.jsonl")}}))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x"}\n')
    with pytest.raises(InputError, match="line 1 has no 'question' and 'answer' fields"):
        FakeBackend(fake_model(fake={"answers": "wrong", "gold": {"file": str(bad)}}))
    with pytest.raises(InputError, match="fake.tokenizer '/nowhere' is not a folder"):
        FakeBackend(fake_model(fake={"tokenizer": "/nowhere"}))


def test_injected_faults() -> None:
    with pytest.raises(ModelLoadError, match="fails to load by design"):
        FakeBackend(fake_model(fake={"faults": {"fail_load": True}}))

    streaming = FakeBackend(fake_model(fake={"faults": {"fail_after_requests": 5}}))
    got = []
    with pytest.raises(RuntimeError, match=r"engine died \(fake.faults.fail_after_requests\)"):
        for item in streaming.stream_generate([(str(i), gen(p)) for i, p in enumerate(PROMPTS)]):
            got.append(item)
    assert len(got) == 5

    batches = FakeBackend(fake_model(fake={"streaming": False, "batch_size": 4, "faults": {"fail_after_batches": 2}}))
    keyed = [(str(i), ll(p, " 7")) for i, p in enumerate(PROMPTS)]
    got = []
    with pytest.raises(RuntimeError, match="fail_after_batches"):
        for item in batches.stream_loglikelihood(keyed):
            got.append(item)
    assert [k for k, _ in got] == [str(i) for i in range(8)]  # two whole batches, in order

    interrupt = FakeBackend(fake_model(fake={"faults": {"fail_after_requests": 0, "raises": "interrupt"}}))
    with pytest.raises(KeyboardInterrupt):
        interrupt.loglikelihood([ll("a", "b")])


def test_the_batch_only_face_hands_out_whole_batches_with_the_same_results() -> None:
    streaming, batch = FakeBackend(fake_model()), FakeBackend(fake_model(fake={"streaming": False, "batch_size": 5}))
    keyed = [(str(i), gen(p)) for i, p in enumerate(PROMPTS)]
    assert dict(streaming.stream_generate(keyed)).keys() == dict(batch.stream_generate(keyed)).keys()
    assert batch.batches == 3  # 12 requests in batches of 5
    assert [r.text for r in collect(streaming.stream_generate, [r for _, r in keyed])] == [
        r.text for r in collect(batch.stream_generate, [r for _, r in keyed])]
    walls = [r.wall_s for _, r in batch.stream_generate(keyed)]
    assert walls[:5] == sorted(walls[:5])
