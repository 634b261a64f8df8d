"""lm-eval tasks through the harness's runner on the fake backend (`fake:` with a real tokenizer, no engine):
the same prompts as lm-eval's bundled arc_easy and as the native arc_easy, lm-eval's own scores,
resume after a crash, group rows, and provenance in the run key."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.backends.fake import FakeBackend
from harness.backends.fake_lm import fake_lm
from harness.config import load_catalog
from harness.lm_eval_tasks.requests import Encoder
from harness.lm_eval_tasks.seam import _target
from harness.records import GenerationRecord, MetricRecord, RunManifest, SampleRecord
from harness.runner import Progress, build_items, plan_task, run
from harness.specs import FakeFaults, ModelSpec, RunSpec
from harness.store import Results

from helpers.fake_models import RecordingFake, recording_fakes


class Quiet(Progress):
    def message(self, text: str) -> None:
        pass


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    from conftest import write_tiny_catalog

    configs = write_tiny_catalog(tmp_path_factory.mktemp("lm-eval") / "configs", tiny_model_dir)
    # The same model served by the fake backend (`run_with` sets its batches and faults per run).
    return write_tiny_catalog(configs, tiny_model_dir, id="tiny-fake", backend="fake",
                              fake=fake_config(tiny_model_dir))


@pytest.fixture(scope="module")
def model(configs: Path) -> ModelSpec:
    return load_catalog(configs).model("tiny-llama")


def fake_config(tokenizer_dir: Path, **fields: Any) -> dict[str, Any]:
    """The fake with the tiny model's tokenizer, as a batch-only engine (the runner hands it batches)."""
    return {"tokenizer": str(tokenizer_dir), "streaming": False, **fields}


def run_with(configs: Path, tasks: list[str], results: Path, limit: int, monkeypatch: pytest.MonkeyPatch,
             chunk_size: int = 16, **faults: Any) -> tuple[list[Any], list[RecordingFake]]:
    """Run `tiny-fake` (the tiny model's spec, served by the fake in batches of `chunk_size`; `faults`
    injected) and return the outcomes and the backends the runner loaded (none when all was cached)."""
    from dataclasses import replace

    catalog = load_catalog(configs)
    tiny = catalog.model("tiny-fake")
    assert tiny.fake is not None
    fake = tiny.model_copy(update={"fake": tiny.fake.model_copy(update={
        "batch_size": chunk_size, "faults": FakeFaults.model_validate(faults)})})
    loaded = recording_fakes(monkeypatch)
    run_spec = RunSpec(name="t", models=["tiny-fake"], tasks=tasks, limit=limit, chunk_size=chunk_size)
    outcomes = run(run_spec, replace(catalog, models={**catalog.models, "tiny-fake": fake}), results=results,
                   progress=Quiet())
    return outcomes, loaded


def run_records(results: Path, task: str) -> tuple[RunManifest, list[SampleRecord], dict[str, MetricRecord]]:
    for path in results.glob("runs/*/manifest.json"):
        manifest = RunManifest.model_validate_json(path.read_text())
        if manifest.task == task and manifest.status == "complete":
            lines = (path.parent / "samples.jsonl").read_text().splitlines()
            samples = [SampleRecord.model_validate_json(x) for x in lines]
            metrics = [MetricRecord.model_validate(m) for m in json.loads((path.parent / "metrics.json").read_text())]
            return manifest, samples, {m.metric: m for m in metrics}
    raise AssertionError(f"no complete run of {task}")


def test_prompts_are_lm_evals_arc_easy_and_the_native_ones(configs: Path, model: ModelSpec, tokenizer: Any,
                                                           data_dir: Path, tmp_path: Path) -> None:
    """Every ARC-Easy item: the project YAML gives the prompts of lm-eval's bundled arc_easy (read on the
    Hub's field layout) and the token ids of the native task."""
    import lm_eval
    from lm_eval.api.task import ConfigurableTask
    from lm_eval.tasks._yaml_loader import load_yaml

    from harness.lm_eval_tasks.build import sandbox_templates

    sandbox_templates()  # the same Jinja environment for both (and compiled once: 10x faster)

    rows = [json.loads(x) for x in (data_dir / "arc" / "ARC-Easy-Test.jsonl").read_text().splitlines()]
    hub_shaped = tmp_path / "hub.jsonl"
    hub_shaped.write_text("".join(json.dumps({
        "id": r["id"], "question": r["question"]["stem"], "answerKey": r["answerKey"],
        "choices": {"text": [c["text"] for c in r["question"]["choices"]],
                    "label": [c["label"] for c in r["question"]["choices"]]}}) + "\n" for r in rows))
    bundled = load_yaml(Path(lm_eval.__file__).parent / "tasks" / "arc" / "arc_easy.yaml")
    bundled.update(dataset_path="json", dataset_name=None, dataset_kwargs={"data_files": {"test": str(hub_shaped)}},
                   training_split=None, validation_split=None)
    reference = ConfigurableTask(config=bundled)
    reference.build_all_requests()
    catalog = load_catalog(configs)
    (spec,) = catalog.expand_tasks(["lm_eval:arc_easy_local"])
    plan = plan_task(model, spec, None, None, tmp_path)
    assert plan.lm_eval is not None
    ours = plan.lm_eval.requests(model, tokenizer)
    instances = [p.instance for p in plan.lm_eval._plans]
    assert len(instances) == len(reference.instances) > 9000
    assert [i.args for i in instances] == [i.args for i in reference.instances]
    assert [_target(spec).doc_to_target(i.doc) for i in instances[::4]] == [
        reference.doc_to_target(i.doc) for i in reference.instances[::4]]

    native_plan = plan_task(model, catalog.tasks["arc_easy"], None, None, tmp_path)
    items, native = build_items(model, native_plan, tokenizer)
    by_doc: dict[int, list[Any]] = {}
    for p in plan.lm_eval._plans:
        by_doc.setdefault(p.instance.doc_id, []).append(ours[p.keys[0]].request)
    assert len(items) == len(by_doc) == 2376
    for i, item in enumerate(items):
        assert [native[k].request for k in item.keys] == by_doc[i]  # identical context and continuation ids


def test_scores_are_lm_evals_own(configs: Path, model: ModelSpec, tokenizer: Any, tmp_path: Path,
                                 data_dir: Path, tiny_model_dir: Path) -> None:
    """Metric values and standard errors equal what lm-eval's evaluator reports for the same model."""
    from lm_eval.evaluator import evaluate

    fake = ModelSpec.model_validate({**model.model_dump(), "backend": "fake", "fake": fake_config(
        tiny_model_dir, answers="mixed", gold={"file": "gsm8k/test.jsonl"})})  # about half of GSM8K right
    backend = FakeBackend(fake)
    for name, limit in (("arc_easy_local", 60), ("gsm8k_local", 12)):
        (spec,) = load_catalog(configs).expand_tasks([f"lm_eval:{name}"])
        plan = plan_task(model, spec, None, limit, tmp_path)
        assert plan.lm_eval is not None
        requests = plan.lm_eval.requests(model, tokenizer)
        cache = {}
        for key, planned in requests.items():
            req, meta = planned.request, {"doc_id": planned.doc_id, "sample_idx": planned.sample_idx}
            if planned.kind == "generate":
                r = backend.generate([req])[0]
                cache[key] = GenerationRecord(key=key, kind="generate", text=r.text, finish_reason=r.finish_reason,
                                              output_tokens=r.output_tokens, **meta)
            else:
                ll = backend.loglikelihood([req])[0]
                cache[key] = GenerationRecord(key=key, kind="loglikelihood", logprob=ll.logprob,
                                              is_greedy=ll.is_greedy, **meta)
        samples, metrics = plan.lm_eval.score(model, cache, plan.run_key, 1.0)
        task = _target(spec)
        task.set_fewshot_seed(seed=1234)
        lm = fake_lm(backend, Encoder(model, tokenizer, chat=False).context)
        expected = evaluate(lm, {"tasks": {name: task}}, limit=limit, bootstrap_iters=1,
                            log_samples=False)["results"][name]
        got = {m.metric: m for m in metrics}
        wanted = {k.removesuffix(",none"): v for k, v in expected.items() if "," in k and "_stderr" not in k}
        assert set(got) == set(wanted)
        for metric, value in wanted.items():
            name_only, _, filter_key = metric.partition(",")
            assert got[metric].score == pytest.approx(value, abs=1e-12)
            assert got[metric].stderr == pytest.approx(expected[f"{name_only}_stderr,{filter_key or 'none'}"],
                                                       abs=1e-12)
            assert got[metric].ci_low <= got[metric].score <= got[metric].ci_high
        assert len(samples) == limit and all(s.error is None for s in samples)
        if name == "arc_easy_local":
            assert got["acc"].score != got["acc_norm"].score  # the fake makes the two picks differ
            assert {s.gold for s in samples} <= set("ABCDE") and samples[0].choice_logprobs
        else:
            assert set(got) == {"exact_match,strict-match", "exact_match,flexible-extract"}
            assert 0.2 < got["exact_match,strict-match"].score < 0.8
            assert samples[0].prompt.count("Question:") == 6  # lm-eval's 5 shots from train, then the item


def test_same_scores_as_the_native_arc_easy_on_the_same_backend(configs: Path, tokenizer: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "results"
    outcomes, _ = run_with(configs, ["arc_easy", "lm_eval:arc_easy_local"], results, 120, monkeypatch)
    assert [o.status for o in outcomes] == ["complete", "complete"]
    _, native, native_rows = run_records(results, "arc_easy")
    _, ours, our_rows = run_records(results, "lm_eval:arc_easy_local")
    assert [s.choice_logprobs for s in native] == [s.choice_logprobs for s in ours]
    assert [(s.correct, s.correct_norm, s.extracted, s.gold) for s in native] == [
        (s.correct, s.correct_norm, s.extracted, s.gold) for s in ours]
    for metric in ("acc", "acc_norm"):
        a, b = native_rows[metric], our_rows[metric]
        assert (a.score, a.stderr, a.ci_low, a.ci_high, a.n) == (b.score, b.stderr, b.ci_low, b.ci_high, b.n)
    assert native_rows["acc"].score != native_rows["acc_norm"].score
    # Evidence readers keep lm-eval runs: not "stale" for being absent from the catalogue's task list.
    runs = {r.task: r for r in Results(results, load_catalog(configs)).runs}
    assert runs["arc_easy"].matches_catalog is True and runs["lm_eval:arc_easy_local"].matches_catalog is None


def test_a_crashed_run_resumes_with_only_the_unfinished_requests(configs: Path, tokenizer: Any, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "killed"
    # 10 items x 4 choices = 40 requests in chunks of 8; the third batch call dies
    (first,), (crashing,) = run_with(configs, ["lm_eval:arc_easy_local"], results, 10, monkeypatch, chunk_size=8,
                                  fail_after_batches=2)
    assert first.status == "failed" and "engine died" in (first.error or "")
    done = {(r.context_ids, r.continuation_ids) for r in crashing.seen}
    assert len(done) == 16
    (second,), (resumed,) = run_with(configs, ["lm_eval:arc_easy_local"], results, 10, monkeypatch, chunk_size=8)
    assert second.status == "complete" and second.run_key == first.run_key
    assert len(resumed.seen) == 24 and not done & {(r.context_ids, r.continuation_ids) for r in resumed.seen}
    clean = tmp_path / "clean"
    run_with(configs, ["lm_eval:arc_easy_local"], clean, 10, monkeypatch)
    strip = ["wall_s"]
    assert [s.model_dump(exclude=set(strip)) for s in run_records(results, "lm_eval:arc_easy_local")[1]] == [
        s.model_dump(exclude=set(strip)) for s in run_records(clean, "lm_eval:arc_easy_local")[1]]


def test_group_rows_are_lm_evals_aggregate(configs: Path, tokenizer: Any, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from lm_eval.api.metrics import pooled_sample_stderr

    results = tmp_path / "results"
    outcomes, _ = run_with(configs, ["lm_eval:arc_local"], results, 20, monkeypatch)
    assert [(o.task, o.status) for o in outcomes] == [
        ("lm_eval:arc_easy_local", "complete"), ("lm_eval:arc_challenge_local", "complete"),
        ("lm_eval:arc_local", "complete")]
    easy = run_records(results, "lm_eval:arc_easy_local")[2]
    hard = run_records(results, "lm_eval:arc_challenge_local")[2]
    manifest, samples, group = run_records(results, "lm_eval:arc_local")
    assert samples == [] and manifest.n_requests == 0
    for metric in ("acc", "acc_norm"):
        assert group[metric].score == pytest.approx((easy[metric].score + hard[metric].score) / 2)
        assert group[metric].stderr == pytest.approx(pooled_sample_stderr(
            [easy[metric].stderr, hard[metric].stderr], [20, 20]))
        assert group[metric].n == 40
    rows = list(csv.DictReader((results / "leaderboard.csv").open()))
    assert {(r["task"], r["metric"]) for r in rows} == {
        (t, m) for t in ("lm_eval:arc_easy_local", "lm_eval:arc_challenge_local", "lm_eval:arc_local")
        for m in ("acc", "acc_norm")}
    again, loaded = run_with(configs, ["lm_eval:arc_local"], results, 20, monkeypatch)
    assert [o.status for o in again] == ["cached"] * 3 and loaded == []


def test_a_group_without_all_its_members_fails_and_keeps_them(configs: Path, tokenizer: Any, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # the first member finishes in one chunk, the second dies
    outcomes, _ = run_with(configs, ["lm_eval:arc_local"], tmp_path, 3, monkeypatch, fail_after_batches=1)
    assert [o.status for o in outcomes] == ["complete", "failed", "failed"]
    assert "member lm_eval:arc_challenge_local has no complete run" in (outcomes[2].error or "")


def test_provenance_the_config_hash_and_version_in_the_manifest_and_run_key(
        configs: Path, model: ModelSpec, tmp_path: Path, data_dir: Path) -> None:
    (spec,) = load_catalog(configs).expand_tasks(["lm_eval:arc_easy_local"])
    plan = plan_task(model, spec, None, 5, tmp_path)
    digest = plan.task.lm_eval_config_hash
    assert digest is not None and len(digest) == 16 and plan.data_hashes == {
        "arc/ARC-Easy-Test.jsonl": "ce32a0774b4beb1977d2c6b16dda5dd2b24fdc9c7f506882c452678676bd09be"}
    assert plan_task(model, spec, None, 5, tmp_path).run_key == plan.run_key  # stable
    assert plan_task(model, spec, None, 6, tmp_path).run_key != plan.run_key  # the limit

    changed = tmp_path / "changed"
    shutil.copytree(configs, changed)
    template = changed / "lm_eval" / "_arc_local_template_yaml"
    template.write_text(template.read_text().replace('"Question: {{question.stem}}', '"Q: {{question.stem}}'))
    (other,) = load_catalog(changed).expand_tasks(["lm_eval:arc_easy_local"])
    moved = plan_task(model, other, None, 5, tmp_path)
    assert moved.task.lm_eval_config_hash != digest and moved.run_key != plan.run_key

    mirror = tmp_path / "mirror"
    (mirror / "arc").mkdir(parents=True)
    shutil.copy(data_dir / "arc" / "ARC-Easy-Test.jsonl", mirror / "arc")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HARNESS_DATA_DIR", str(mirror))  # the same file elsewhere: the same run
        assert plan_task(model, spec, None, 5, tmp_path).run_key == plan.run_key


def test_manifest_records_lm_eval_version_and_hash(configs: Path, tokenizer: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import version

    run_with(configs, ["lm_eval:gsm8k_local"], tmp_path, 3, monkeypatch)
    manifest, samples, rows = run_records(tmp_path, "lm_eval:gsm8k_local")
    assert manifest.packages["lm-eval"] == version("lm_eval")
    assert manifest.task_spec["lm_eval_config_hash"] and manifest.task_spec["runner"] == "lm_eval"
    assert manifest.data_files.keys() == {"gsm8k/train.jsonl", "gsm8k/test.jsonl"}
    assert all(s.sampling["temperature"] == 0.0 and s.sampling["max_new_tokens"] == 256 for s in samples)
    assert samples[0].sampling["stop"] == ["Question:", "</s>", "<|im_end|>"]
    assert all(not math.isnan(r.stderr) for r in rows.values())


def test_instruct_models_get_lm_evals_chat_prompts_with_one_bos(configs: Path, model: ModelSpec, tokenizer: Any,
                                                                tmp_path: Path) -> None:
    """As native tasks: an instruct model with a template gets chat prompts (lm-eval renders them with the
    model's template, few-shot as turns), tokenized without a second BOS."""
    chat_model = model.model_copy(update={"kind": "instruct", "chat_template": True})
    catalog = load_catalog(configs)
    for task, shots in (("lm_eval:gsm8k_local", 5), ("lm_eval:arc_easy_local", 0)):
        (spec,) = catalog.expand_tasks([task])
        plan = plan_task(chat_model, spec, None, 2, tmp_path)
        assert plan.lm_eval is not None
        requests = plan.lm_eval.requests(chat_model, tokenizer)
        first = next(iter(requests.values()))
        kind, request = first.kind, first.request
        ids = request.prompt_ids if kind == "generate" else request.context_ids
        assert ids[0] == tokenizer.bos_token_id and list(ids).count(tokenizer.bos_token_id) == 1
        context = plan.lm_eval._plans[0].instance.args[0]
        assert context.count("<|start_header_id|>assistant") == shots + 1  # each shot is a turn
        assert context.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")


def test_perplexity_tasks_score_disjoint_windows_that_cover_every_token(configs: Path, model: ModelSpec,
                                                                        tokenizer: Any, tmp_path: Path,
                                                                        tiny_model_dir: Path) -> None:
    from harness.lm_eval_tasks.catalog import resolve

    texts = ["The answer is 8. Die Antwort lautet 12. La respuesta es 7.",
             "Solve the problem step by step, then write the final answer after four hashes."]
    (tmp_path / "texts.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    project = tmp_path / "configs"
    shutil.copytree(configs, project)
    (project / "lm_eval" / "tiny_ppl.yaml").write_text(json.dumps({
        "task": "tiny_ppl", "dataset_path": "json", "test_split": "test",
        "dataset_kwargs": {"data_files": {"test": str(tmp_path / "texts.jsonl")}},
        "output_type": "loglikelihood_rolling", "doc_to_text": "", "doc_to_target": "{{text}}",
        "metric_list": [{"metric": "word_perplexity"}, {"metric": "bits_per_byte"}]}))
    short = model.model_copy(update={"max_model_len": 12})  # several windows per text
    (spec,) = resolve("lm_eval:tiny_ppl", project)
    plan = plan_task(short, spec, None, None, tmp_path)
    assert plan.lm_eval is not None
    requests = plan.lm_eval.requests(short, tokenizer)
    backend = FakeBackend(ModelSpec.model_validate({**short.model_dump(), "backend": "fake",
                                                    "fake": fake_config(tiny_model_dir)}))
    cache, totals = {}, []
    for doc_plan, text in zip(plan.lm_eval._plans, texts, strict=True):
        windows = [requests[k].request for k in doc_plan.keys]
        assert len(windows) > 1 and windows[0].context_ids == (tokenizer.bos_token_id,)
        assert [t for w in windows for t in w.continuation_ids] == tokenizer.encode(text, add_special_tokens=False)
        assert all(len(w.context_ids) + len(w.continuation_ids) <= 11 for w in windows)
        results = backend.loglikelihood(windows)
        for key, r in zip(doc_plan.keys, results, strict=True):
            cache[key] = GenerationRecord(key=key, kind="loglikelihood", logprob=r.logprob, is_greedy=r.is_greedy,
                                          doc_id=str(doc_plan.instance.doc_id))
        totals.append(sum(r.logprob for r in results))
    _, metrics = plan.lm_eval.score(short, cache, plan.run_key, 1.0)
    rows = {m.metric: m for m in metrics}
    words = sum(len(t.split()) for t in texts)
    assert rows["word_perplexity"].score == pytest.approx(math.exp(-sum(totals) / words))
    n_bytes = sum(len(t.encode()) for t in texts)
    assert rows["bits_per_byte"].score == pytest.approx(-sum(totals) / n_bytes / math.log(2))
    assert rows["word_perplexity"].stderr > 0  # a seeded bootstrap over documents


KEYS_SCRIPT = """
import sys
from pathlib import Path
from transformers import AutoTokenizer
from harness.backends.fake import FakeBackend
from harness.backends.fake_lm import fake_lm
from harness.config import load_catalog
from harness.runner import plan_task
catalog = load_catalog(Path(sys.argv[1]))
model = catalog.model("tiny-llama")
(spec,) = catalog.expand_tasks(["lm_eval:gsm8k_local"])
plan = plan_task(model, spec, None, 6, Path(sys.argv[3]))
print(plan.run_key, *plan.lm_eval.requests(model, AutoTokenizer.from_pretrained(sys.argv[2])))
"""


def test_run_and_request_keys_are_the_same_in_a_new_process(configs: Path, tiny_model_dir: Path, tmp_path: Path,
                                                            model: ModelSpec, tokenizer: Any) -> None:
    """What resume relies on: a restarted job plans the same run key and request keys (few-shot draws included)."""
    import subprocess
    import sys

    (spec,) = load_catalog(configs).expand_tasks(["lm_eval:gsm8k_local"])
    plan = plan_task(model, spec, None, 6, tmp_path)
    assert plan.lm_eval is not None
    here = [plan.run_key, *plan.lm_eval.requests(model, tokenizer)]
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", KEYS_SCRIPT, str(configs), str(tiny_model_dir), str(tmp_path)],
                         cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == here and len(here) == 7
