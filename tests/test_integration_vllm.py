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

from helpers.ll_cases import cases

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


def test_streaming_generate_equals_llm_generate(backend) -> None:
    """The engine-API stream gives what one all-at-once LLM.generate gives, keyed, as each finishes."""
    from vllm.inputs import TokensPrompt

    from harness.backends.vllm_backend import sampling_params

    tok = backend.tokenizer
    reqs = [GenRequest(tuple([tok.bos_token_id, *tok.encode(f"Question: {i} + {i}?\nAnswer:")]),
                       SamplingSettings(max_new_tokens=3 + 5 * (i % 4), ignore_eos=True)) for i in range(8)]
    streamed = list(backend.stream_generate([(f"k{i}", r) for i, r in enumerate(reqs)]))
    raw = backend.llm.generate([TokensPrompt(prompt_token_ids=list(r.prompt_ids)) for r in reqs],
                               [sampling_params(r.sampling) for r in reqs], use_tqdm=False)
    got = dict(streamed)
    for i, out in enumerate(raw):
        assert got[f"k{i}"].text == out.outputs[0].text
        assert got[f"k{i}"].output_tokens == len(out.outputs[0].token_ids) == 3 + 5 * (i % 4)
    walls = [r.wall_s for _, r in streamed]
    assert walls == sorted(walls) and streamed[0][1].output_tokens == 3  # short ones finish first


def test_loglikelihood_matches_hf(backend, tiny_model_dir: Path) -> None:
    """Forced-decode scores = prompt_logprobs scores = a plain transformers forward, to 1e-3 (float32)."""
    import torch
    from transformers import AutoModelForCausalLM

    reqs = cases(backend.tokenizer)
    forced = backend.loglikelihood(reqs)
    prompt = backend.prompt_logprob_scores(reqs)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    for req, a, b in zip(reqs, forced, prompt, strict=True):
        ids = (list(req.context_ids) + list(req.continuation_ids))[-(backend.model.max_model_len - 1):]
        begin = max(len(ids) - len(req.continuation_ids), 1)
        x = torch.tensor([ids])
        with torch.no_grad():
            logp = torch.log_softmax(model(x).logits[0, :-1].float(), -1)
        tgt = x[0, 1:]
        want = logp[begin - 1:].gather(1, tgt[begin - 1:, None]).sum().item()
        greedy = bool((logp[begin - 1:].argmax(-1) == tgt[begin - 1:]).all())
        assert math.isfinite(a.logprob)
        assert a.logprob == pytest.approx(want, abs=1e-3), req
        assert b.logprob == pytest.approx(want, abs=1e-3), req
        assert a.is_greedy == b.is_greedy == greedy


def test_forced_path_falls_back_when_a_continuation_ends_generation(backend) -> None:
    """A continuation holding the EOS token still scores (ignore_eos), equal to the prompt path."""
    tok = backend.tokenizer
    req = LLRequest((tok.bos_token_id, *tok.encode("Question: x?\nAnswer:")),
                    (*tok.encode(" yes"), tok.eos_token_id, *tok.encode(" no")))
    (a,) = backend.loglikelihood([req])
    (b,) = backend.prompt_logprob_scores([req])
    assert a.logprob == pytest.approx(b.logprob, abs=1e-3)


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
        (log,) = (run_dir / "generations").glob("session-*.jsonl")  # appended as each request finished
        assert len([x for x in log.read_text().split("\n") if x]) == manifest["n_requests"]
        assert manifest["run_settings"]["engine_info"]["loglikelihood"] == "forced-decode"
        assert manifest["run_settings"]["dtype"]["effective"] == "float32"
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


def test_two_cpu_engines_data_parallel(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    """Two vLLM CPU-build engines in worker processes, one core each: one merged run record that
    matches the single-engine run."""
    catalog = load_catalog(tiny_catalog_dir)
    spec = RunSpec(name="t", models=["tiny-llama"], tasks=["arc_easy"], limit=3, data_parallel=2)
    outcomes = run(spec, catalog, results=tmp_path / "dp")
    assert [o.status for o in outcomes] == ["complete"]
    run_dir = tmp_path / "dp" / "runs" / (outcomes[0].run_key or "")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    workers = manifest["run_settings"]["engine_info"]["workers"]
    assert [w["env"]["VLLM_CPU_OMP_THREADS_BIND"] for w in workers] == ["0", "1"]
    assert all(w["engine"] == "vllm" and w["threads"] == 1 for w in workers)
    single = run(spec.model_copy(update={"data_parallel": None}), catalog, results=tmp_path / "one")
    assert single[0].run_key == outcomes[0].run_key
    got = [lp for x in (run_dir / "samples.jsonl").read_text().split("\n") if x
           for lp in json.loads(x)["choice_logprobs"]]
    one = tmp_path / "one" / "runs" / (single[0].run_key or "") / "samples.jsonl"
    want = [lp for x in one.read_text().split("\n") if x for lp in json.loads(x)["choice_logprobs"]]
    assert len(got) == 12 and got == pytest.approx(want, abs=1e-3)
