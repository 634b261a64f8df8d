"""Endpoint models through the runner and the CLI (stub server): records, run keys, bad input, the
API key kept out of every file and output, and resume after the server dies midway."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness import provenance
from harness.backends.endpoint import with_endpoint
from harness.cli import app
from harness.config import ConfigError, load_catalog
from harness.errors import InputError
from harness.records import GenerationRecord
from harness.runner import run
from harness.specs import ModelSpec, RunSpec

from helpers.stub_openai import StubServer

ROOT = Path(__file__).resolve().parent.parent
PLANTED = "sk-planted-3c0ffee9d1e2"


def served(catalog_dir: Path, url: str, *extra: str):
    pairs = [f"base_url={url}", "model=stub-model", "retry_backoff_s=0", *extra]
    return with_endpoint(load_catalog(catalog_dir), ["tiny-llama"], pairs)


def generations(results: Path) -> list[GenerationRecord]:
    return [GenerationRecord.model_validate_json(line) for f in sorted(results.glob("runs/*/generations/*.jsonl"))
            for line in f.read_text().split("\n") if line.strip()]


def test_run_key_covers_answers_not_transport(tiny_catalog_dir: Path) -> None:
    catalog = load_catalog(tiny_catalog_dir)
    task = catalog.tasks["gsm8k"]
    base = catalog.model("tiny-llama")
    assert "endpoint" not in provenance.answer_fields(base)  # in-process run keys are unchanged

    def key(*pairs: str) -> str:
        model = with_endpoint(catalog, ["tiny-llama"], list(pairs)).model("tiny-llama")
        return provenance.run_key(model, task, weights_hash="w", data_hashes={}, limit=4, sampling={}, packages={})

    one = key("base_url=http://a:8000/v1")
    assert one == key("base_url=https://b.example/v1", "concurrency=64", "timeout_s=10", "max_retries=0",
                      "api_key_env=SOME_KEY", "extensions=false") == key("managed=true")
    assert len({one, key("base_url=http://a:8000/v1", "model=other"),
                provenance.run_key(base, task, weights_hash="w", data_hashes={}, limit=4, sampling={},
                                   packages={})}) == 3


@pytest.mark.parametrize("endpoint, message", [
    ({"base_url": "http://h/v1", "api_key": PLANTED}, "'api_key' is not an endpoint field: a key never goes"),
    ({"base_url": "http://h/v1", "api_key_env": PLANTED}, "api_key_env must be the NAME of an environment"),
    ({"base_url": f"http://user:{PLANTED}@h/v1"}, "base_url must not carry credentials"),
    ({"base_url": "http://h/v1", "managed": True}, "exactly one of base_url (a running server) or managed"),
    ({"base_url": "h:8000"}, "must be an http(s) URL"),
])
def test_endpoint_config_errors_never_echo_the_value(tiny_catalog_dir: Path, endpoint: dict, message: str) -> None:
    from harness.config import parse_spec

    data = {**load_catalog(tiny_catalog_dir).model("tiny-llama").model_dump(), "backend": "openai",
            "endpoint": endpoint}
    with pytest.raises(ConfigError) as err:
        parse_spec(ModelSpec, data, "m.yaml")
    assert message in err.value.one_line() and PLANTED not in err.value.one_line()


def test_endpoint_override_errors(tiny_catalog_dir: Path) -> None:
    catalog = load_catalog(tiny_catalog_dir)
    with pytest.raises(InputError) as err:
        with_endpoint(catalog, ["tiny-llama"], [PLANTED])
    assert err.value.one_line() == "--endpoint expects KEY=VALUE (e.g. --endpoint base_url=http://host:8000/v1)"
    with pytest.raises(InputError, match="unknown key 'url'"):
        with_endpoint(catalog, ["tiny-llama"], ["url=http://h/v1"])
    with pytest.raises(ConfigError, match="endpoint.mode 'chat' sends chat messages"):
        with_endpoint(catalog, ["tiny-llama"], ["base_url=http://h/v1", "mode=chat"])
    model = with_endpoint(catalog, ["tiny-llama"], ["base_url=http://h:1/v1", "concurrency=4"]).model("tiny-llama")
    assert (model.backend, model.endpoint and model.endpoint.concurrency) == ("openai", 4)


def cli(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def test_cli_bad_endpoint_input_exits_2_before_any_request(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    config = tiny_catalog_dir / "run.yaml"
    config.write_text("name: x\nmodels: [tiny-llama]\ntasks: [gsm8k, arc_easy]\nlimit: 2\n")
    chat_model = tiny_catalog_dir / "models" / "tiny-chat.yaml"
    chat_model.write_text((tiny_catalog_dir / "models" / "tiny-llama.yaml").read_text()
                          .replace("id: tiny-llama", "id: tiny-chat").replace("kind: base", "kind: instruct")
                          .replace("chat_template: false", "chat_template: true"))
    results = tmp_path / "r"
    with StubServer() as stub:
        chat = cli("run", str(config), "--models", "tiny-chat", "--results", str(results),
                   "--endpoint", f"base_url={stub.base_url}", "--endpoint", "mode=chat")
        assert (stub.gets, stub.posts) == ([], [])  # refused before even the probe
        url = stub.base_url
    assert chat.exit_code == 2, chat.output
    assert chat.output.strip() == ("error: model 'tiny-chat' is behind a chat endpoint, which returns no prompt "
                                   "log-probabilities, so it cannot run log-likelihood task(s) arc_easy (use "
                                   "endpoint.mode: completions on a vLLM server, or leave those tasks out)")
    down = cli("run", str(config), "--results", str(results), "--endpoint", f"base_url={url}",
               "--endpoint", "max_retries=0")
    assert down.exit_code == 2
    assert re.fullmatch(rf"error: model 'tiny-llama': endpoint {re.escape(url)} did not answer: ConnectError: .* "
                        r"\(start the server, or fix endpoint.base_url\)", down.output.strip())
    missing = cli("run", str(config), "--results", str(results), "--endpoint", f"base_url={url}",
                  "--endpoint", "api_key_env=HARNESS_TEST_NO_SUCH_VARIABLE")
    assert missing.exit_code == 2 and "HARNESS_TEST_NO_SUCH_VARIABLE, which is not set" in missing.output
    assert not results.exists()
    assert cli("validate", str(config)).exit_code == 0


def test_served_run_records_provenance_and_never_writes_the_key(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    config = tiny_catalog_dir / "run.yaml"
    config.write_text("name: x\nmodels: [tiny-llama]\ntasks: [gsm8k, arc_easy]\nlimit: 24\nchunk_size: 8\n")
    results = tmp_path / "results"
    env = {**os.environ, "HARNESS_TEST_KEY": PLANTED, "PYTHONUNBUFFERED": "1"}
    with StubServer(api_key=PLANTED) as stub:
        # One request fails for good, with the key echoed in the server's error text: 1/24 errors.
        stub.poison = ("500-echo", 2)
        proc = subprocess.run(
            [sys.executable, "-m", "harness.cli", "run", str(config), "--results", str(results),
             "--endpoint", f"base_url={stub.base_url}", "--endpoint", "api_key_env=HARNESS_TEST_KEY",
             "--endpoint", "max_retries=1", "--endpoint", "retry_backoff_s=0"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = [p for p in results.rglob("*") if p.is_file()]
    assert len(files) >= 9 and all(PLANTED.encode() not in p.read_bytes() for p in files)
    assert PLANTED not in proc.stdout + proc.stderr
    gens = generations(results)
    (failed,) = [g for g in gens if g.error]
    assert failed.error == (f"HTTP 500 from {stub.base_url}/completions: internal error handling Bearer *** "
                            "(after 2 attempts)")
    ok = [g for g in gens if not g.error]
    assert len(ok) == 23 + 24 * 4
    assert {json.dumps(g.served_by, sort_keys=True) for g in ok} == {
        json.dumps({"base_url": stub.base_url, "mode": "completions", "model": "stub-model", "server": s,
                    "root": "/models/stub-model"}, sort_keys=True) for s in ("stub-1.0", "vllm stub-1.0")}
    for manifest in results.glob("runs/*/manifest.json"):
        data = json.loads(manifest.read_text())
        assert data["status"] == "complete" and data["run_settings"]["backend"] == "openai"
        assert data["model_spec"]["endpoint"]["api_key_env"] == "HARNESS_TEST_KEY"
    samples = [json.loads(x) for p in results.glob("runs/*/samples.jsonl") for x in p.read_text().split("\n") if x]
    assert sum(s["error"] is not None for s in samples) == 1


def test_server_killed_midway_then_resume_redoes_only_what_was_lost(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    spec = RunSpec(name="x", models=["tiny-llama"], tasks=["gsm8k"], limit=12, chunk_size=3)
    results = tmp_path / "killed"
    with StubServer(die_after=5) as stub:
        catalog = served(tiny_catalog_dir, stub.base_url, "concurrency=1", "max_retries=1")
        (first,) = run(spec, catalog, results=results)
    assert first.status == "failed" and first.exit_code == 1
    assert first.error and first.error.startswith("7/12 requests failed, e.g. ")
    assert len(stub.posts) == 5  # the answered ones: later requests found the server gone
    done_before = {g.key for g in generations(results) if not g.error}
    assert len(done_before) == 5

    with StubServer(port=stub.port) as restarted:
        (second,) = run(spec, catalog, results=results)
    assert second.status == "complete" and second.run_key == first.run_key
    assert len(restarted.posts) == 7
    redone = {g.key for g in generations(results) if not g.error} - done_before
    assert len(redone) == 7

    with StubServer() as clean_stub:
        (clean,) = run(spec, served(tiny_catalog_dir, clean_stub.base_url), results=tmp_path / "clean")
    assert clean.run_key == first.run_key  # the URL is not part of the run key

    def scored(root: Path) -> list[tuple[str, str, bool]]:
        rows = [json.loads(x) for x in next(root.glob("runs/*/samples.jsonl")).read_text().split("\n") if x]
        return sorted((r["doc_id"], r["response"], r["correct"]) for r in rows)

    assert scored(results) == scored(tmp_path / "clean")
    assert all(response.startswith("The answer is ") for _, response, _ in scored(results))


def test_hosted_chat_model_without_local_files(tiny_catalog_dir: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`source.type: api`: no weights or tokenizer here; the server templates, and its reasoning is kept apart."""
    import yaml

    monkeypatch.setenv("HARNESS_TEST_KEY", PLANTED)
    with StubServer(api_key=PLANTED, reasoning="Think: 3 + 4 = 7.") as stub:
        (tiny_catalog_dir / "models" / "hosted.yaml").write_text(yaml.safe_dump({
            "id": "hosted", "name": "A hosted reasoning model", "family": "closed", "developer": "test",
            "country": "US", "params_b": 1.0, "active_params_b": 1.0, "kind": "reasoning",
            "source": {"type": "api"}, "backend": "openai", "max_model_len": 32768,
            "reasoning": {"format": "think", "think_in_prompt": True},
            "endpoint": {"base_url": stub.base_url, "model": "stub-model", "mode": "chat",
                         "api_key_env": "HARNESS_TEST_KEY", "extensions": False},
        }))
        catalog = load_catalog(tiny_catalog_dir)
        spec = RunSpec(name="x", models=["hosted"], tasks=["gsm8k"], limit=3)
        (outcome,) = run(spec, catalog, results=tmp_path / "r")
    assert outcome.status == "complete", outcome.error
    sent = stub.posts[0]
    assert "prompt" not in sent and sent["messages"][-1]["role"] == "user" and "top_k" not in sent
    gens = generations(tmp_path / "r")
    assert {(g.text, g.reasoning, g.prompt_tokens) for g in gens} == {("The answer is 7.", "Think: 3 + 4 = 7.", 11)}
    samples = [json.loads(x) for x in next((tmp_path / "r").glob("runs/*/samples.jsonl")).read_text().split("\n") if x]
    assert [(s["response"], s["extracted"], s["truncated"]) for s in samples] == [("The answer is 7.", "7", False)] * 3
    # What was sent, since the template is the server's (requests run concurrently: any order).
    assert sorted(json.dumps(json.loads(s["prompt"])) for s in samples) == sorted(
        json.dumps(p["messages"]) for p in stub.posts)


def test_a_failed_loglikelihood_request_is_an_error_not_a_pick(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    # endpoint.ll_batch log-likelihoods go in one request: batches of 4 are one item's 4 choices.
    spec = RunSpec(name="x", models=["tiny-llama"], tasks=["arc_easy"], limit=24)
    with StubServer() as stub:
        stub.poison = ("503", 1)
        (outcome,) = run(spec, served(tiny_catalog_dir, stub.base_url, "max_retries=0", "ll_batch=4"),
                         results=tmp_path / "r")
    assert outcome.status == "complete"  # 1/24 items failed: under the 5% threshold
    samples = [json.loads(x) for x in next((tmp_path / "r").glob("runs/*/samples.jsonl")).read_text().split("\n") if x]
    (failed,) = [s for s in samples if s["error"]]
    assert failed["error"].startswith(f"HTTP 503 from {stub.base_url}/completions: injected 503")
    assert (failed["extracted"], failed["choice_logprobs"], failed["finish_reason"]) == (None, None, "error")
    assert all(s["choice_logprobs"] and len(s["choice_logprobs"]) == 4 for s in samples if not s["error"])
