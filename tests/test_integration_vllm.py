"""The real vLLM CPU engine on a tiny random Llama, through the backend and the runner."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from harness.backends.base import EngineSettings, GenRequest, LLRequest, SamplingSettings
from harness.config import load_catalog
from harness.records import SampleRecord
from harness.runner import run
from harness.specs import RunSpec
from harness.weights import resolve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def backend(tiny_model_dir: Path):
    from harness.backends.vllm_backend import VLLMBackend
    from harness.specs import ModelSpec

    spec = ModelSpec.model_validate({
        "id": "tiny", "name": "tiny", "family": "llama3", "developer": "test", "country": "US",
        "params_b": 0.0001, "active_params_b": 0.0001, "kind": "base",
        "source": {"type": "local", "path": str(tiny_model_dir)}, "dtype": "float32",
        "max_model_len": 1024, "chat_template": False, "bos": "always",
    })
    b = VLLMBackend(spec, resolve(spec), EngineSettings())
    yield b
    b.close()


def test_generate_records_effective_settings(backend) -> None:
    ids = tuple(backend.tokenizer.encode("Question: 2+3?\nAnswer:"))
    results = backend.generate([GenRequest(ids, SamplingSettings(max_new_tokens=7))] * 3)
    assert len(results) == 3
    for r in results:
        assert r.prompt_tokens == len(ids)
        assert 1 <= r.output_tokens <= 7
        assert r.finish_reason in {"length", "stop"}
        assert r.wall_s > 0
    # Greedy decoding is deterministic across identical prompts in one batch.
    assert len({r.text for r in results}) == 1


def test_loglikelihood_matches_hf(backend, tiny_model_dir: Path) -> None:
    """Token alignment check: vLLM's prompt logprobs equal a plain transformers forward pass."""
    import torch
    from transformers import AutoModelForCausalLM

    tok = backend.tokenizer
    ctx = tuple([tok.bos_token_id, *tok.encode("Question: Which is a mammal?\nAnswer:")])
    conts = [tuple(tok.encode(" a whale")), tuple(tok.encode(" a trout"))]
    got = backend.loglikelihood([LLRequest(ctx, c) for c in conts])
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    for res, cont in zip(got, conts, strict=True):
        ids = torch.tensor([list(ctx) + list(cont)])
        logp = torch.log_softmax(model(ids).logits[0, :-1].float(), -1)
        tgt = ids[0, 1:]
        want = logp[len(ctx) - 1 :].gather(1, tgt[len(ctx) - 1 :, None]).sum().item()
        assert math.isfinite(res.logprob)
        assert res.logprob == pytest.approx(want, abs=2e-3)


def test_runner_end_to_end(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    catalog = load_catalog(tiny_catalog_dir)
    spec = RunSpec(name="t", models=["tiny-llama"], tasks=["gsm8k", "arc_easy"], limit=4, chunk_size=3)
    results = tmp_path / "results"
    outcomes = run(spec, catalog, results=results)
    assert [o.status for o in outcomes] == ["complete", "complete"]
    for o in outcomes:
        run_dir = results / "runs" / o.run_key
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["status"] == "complete"
        assert manifest["packages"]["torch"]
        assert manifest["weights_hash"] and manifest["model_spec"]["id"] == "tiny-llama"
        samples = [SampleRecord.model_validate_json(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
        assert len(samples) == 4
        assert all(s.prompt.startswith(("Question:", "Q:")) for s in samples)
        chunks = sorted((run_dir / "generations").glob("chunk-*.jsonl"))
        assert len(chunks) >= 2  # persisted as it went, not in one final write
    rows = list(csv.DictReader((results / "leaderboard.csv").open()))
    expected = {("gsm8k", "accuracy"), ("arc_easy", "acc"), ("arc_easy", "acc_norm")}
    assert {(r["task"], r["metric"]) for r in rows} == expected
    assert all(r["model"] == "tiny-llama" and r["n"] == "4" for r in rows)
    # Re-running is a no-op that updates rather than duplicates rows.
    again = run(spec, catalog, results=results)
    assert [o.status for o in again] == ["cached", "cached"]
    assert len(list(csv.DictReader((results / "leaderboard.csv").open()))) == len(rows)


def test_one_model_failing_keeps_the_others(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}')
    from conftest import write_tiny_catalog

    write_tiny_catalog(tiny_catalog_dir, broken, id="broken", name="broken")
    catalog = load_catalog(tiny_catalog_dir)
    spec = RunSpec(name="t", models=["broken", "tiny-llama"], tasks=["arc_easy"], limit=2)
    outcomes = run(spec, catalog, results=tmp_path / "r")
    by_model = {o.model: o for o in outcomes}
    assert by_model["broken"].status == "failed" and "broken" in (by_model["broken"].error or "")
    assert by_model["tiny-llama"].status == "complete"
    rows = list(csv.DictReader((tmp_path / "r" / "leaderboard.csv").open()))
    assert {r["model"] for r in rows} == {"tiny-llama"}
