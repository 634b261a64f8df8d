"""Re-grading a run's stored records with `harness grade` reproduces the run's own verdicts.

Fast path: real benchmark items, prompts rendered through each family's real chat template, and
model outputs in each catalogue model's style (think tags, harmony channels, revisions, hedges,
truncations, backend errors, log-likelihood picks) go through the runner's own `grade_item`
into `samples.jsonl`, exactly as a run writes it. The slow test does the same on the records of
a real `configs/smoke.yaml` run (Gemma 3 270M on vLLM's CPU build).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from harness.backends.chat import prompt_text
from harness.config import load_catalog
from harness.grading import grade_file
from harness.grading.letters import choices_from_prompt
from harness.grading.sources import resolvers
from harness.records import GenerationRecord, SampleRecord
from harness.specs import ModelSpec, TaskSpec
from harness.tasks.base import Doc, load_task_data
from harness.tasks.native import PlannedItem, grade_item
from harness.tasks.prompts import build_prompt

from helpers.tiny_families import FAMILIES, family_tokenizer

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
# model id -> (tiny family, chat template fixture)
MODELS = {
    "gemma-3-1b-it": ("gemma3", "gemma3"),
    "llama-3.1-8b-instruct": ("llama3", "llama3"),
    "mistral-7b-instruct-v0.3": ("mistral", "mistral"),
    "qwen3-8b-think": ("qwen3", "qwen3"),
    "qwen3-8b-nothink": ("qwen3", "qwen3"),
    "deepseek-r1-distill-qwen-7b": ("qwen2", "deepseek_r1_distill"),
    "gpt-oss-20b-high": ("gpt_oss", "gpt_oss"),
}
TASKS = ["gsm8k", "mgsm_zh", "mgsm_de", "belebele_deu_latn", "cmmlu", "arc_easy"]
VERDICT = ("extracted", "correct", "truncated", "ungradable", "score")


@cache
def tokenizer(family: str, template: str) -> Any:
    return family_tokenizer(FAMILIES[family], (TEMPLATES / f"{template}.jinja").read_text())


def wrap(model: ModelSpec, answer: str, rng: random.Random, thinking: str) -> str:
    """``answer`` as the model writes it, reasoning included."""
    if model.reasoning.format == "harmony":
        return f"analysis{thinking}assistantfinal{answer}"
    if model.reasoning.format == "think" and model.reasoning.think_in_prompt:
        return f"{thinking}\n</think>\n\n{answer}"
    if model.reasoning.format == "think":
        inner = thinking if model.reasoning.enable_thinking is not False else ""
        return f"<think>\n{inner}\n</think>\n\n{answer}"
    return answer


def number_answer(gold: str, rng: random.Random) -> str:
    value = int(float(gold.replace(",", "")))
    return rng.choice([
        f"So the total is {value}.\n\nAnswer: {value}",
        f"The answer is {value + 1}.",
        f"The answer is {value} or {value + 2}.",
        f"\\boxed{{{value + 3}}}\n\nWait, that is wrong: the correct total is {value}.",
        f"答案：{value}",
        f"Die Antwort lautet {value}.",
        f"Step 1: {value} - 1 = {value - 1}.\nStep 2: add 1 to get {value}.",
        f"**Final Answer**\n\\boxed{{{value}}}",
        "I cannot solve this.",
        f"The answer is {value}.\n\nActually, let me recheck: {value} + 0 = {value}. Yes.",
    ])


def letter_answer(doc: Doc, rng: random.Random) -> str:
    letters = "ABCD"[: len(doc.choices)]
    other = rng.choice([x for x in letters if x != doc.gold] or [doc.gold])
    text = doc.choices["ABCD".index(doc.gold)]
    return rng.choice([
        f"Answer: {doc.gold}", f"The answer is ({other.lower()}).", f"**{doc.gold}**", f"答案：{doc.gold}",
        f"Answer: {text}", f"The answer is {doc.gold} or {other}.", f"{other} is wrong, so the answer is {doc.gold}.",
        "\n".join(f"{x}. {c}" for x, c in zip(letters, doc.choices, strict=False)), f"Antwort: {other})",
        f"Answer: {other}\n\nWait, re-reading: the correct answer is {doc.gold}.",
    ])


def generation(item: PlannedItem, model: ModelSpec, task: TaskSpec, rng: random.Random) -> list[GenerationRecord]:
    base = {"doc_id": item.doc.doc_id, "sample_idx": item.sample_idx, "prompt_tokens": 50}
    if task.answer_type == "likelihood_choice":
        return [GenerationRecord(key=k, kind="loglikelihood", **base,
                                 logprob=None if rng.random() < 0.05 else -rng.random() * 9) for k in item.keys]
    roll = rng.random()
    if roll < 0.05:
        return [GenerationRecord(key=item.keys[0], kind="generate", error="prompt too long", **base)]
    answer = number_answer(item.doc.gold, rng) if task.answer_type == "number" else letter_answer(item.doc, rng)
    thinking = "Let me think. 2 + 2 = 4. Maybe 5? No."
    text = wrap(model, answer, rng, thinking)
    finish = "stop"
    if roll < 0.2:  # the token budget ran out mid-reasoning (or mid-answer for plain models)
        cut = len(thinking) // 2 if model.reasoning.format != "none" else max(1, len(text) // 3)
        text, finish = text[:cut], "length"
    return [GenerationRecord(key=item.keys[0], kind="generate", text=text, finish_reason=finish,
                             output_tokens=len(text) // 4, **base)]


def write_run(root: Path, model: ModelSpec, task: TaskSpec, seed: int, n_docs: int = 8) -> tuple[Path, list[Doc]]:
    """A run directory as the runner writes it: manifest.json and samples.jsonl."""
    rng = random.Random(f"{model.id}:{task.id}:{seed}")
    family, template = MODELS[model.id]
    tok = tokenizer(family, template)
    docs = load_task_data(task).docs[:n_docs]
    samples = []
    for doc in docs:
        prompt = build_prompt(task, doc, [], chat=True)
        text = prompt_text(prompt, model, tok) if prompt.messages else prompt.text or ""
        keys = tuple(f"{doc.doc_id}:{i}" for i in range(len(prompt.continuations))) or (f"{doc.doc_id}:g",)
        item = PlannedItem(doc, 0, prompt, text, "hash", keys)
        samples.append(grade_item(item, generation(item, model, task, rng), model, task, "runkey"))
    run = root / f"{model.id}--{task.id}"
    run.mkdir(parents=True)
    manifest = {"model": model.id, "task": task.id, "model_spec": model.model_dump(mode="json"),
                "task_spec": task.model_dump(mode="json")}
    (run / "manifest.json").write_text(json.dumps(manifest))
    (run / "samples.jsonl").write_text("".join(s.model_dump_json() + "\n" for s in samples), encoding="utf-8")
    return run / "samples.jsonl", docs


def verdicts(path: Path) -> list[tuple[Any, ...]]:
    return [tuple(json.loads(line)[k] for k in ("doc_id", *VERDICT)) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_regrading_run_records_reproduces_their_verdicts(tmp_path: Path, data_dir: Path, model_id: str) -> None:
    catalog = load_catalog()
    model = catalog.model(model_id)
    for i, task_id in enumerate(TASKS):
        samples, docs = write_run(tmp_path, model, catalog.tasks[task_id], seed=i)
        out = samples.with_name("regraded.jsonl")
        summary = grade_file(samples, out, *resolvers(samples))
        assert summary.n_bad == 0 and not summary.unknown_models
        assert verdicts(out) == verdicts(samples), f"{model_id} {task_id}"
        for line, doc in zip(samples.read_text().splitlines(), docs, strict=True):
            if catalog.tasks[task_id].answer_type == "choice_letter":
                assert choices_from_prompt(json.loads(line)["prompt"]) == doc.choices  # what re-grading sees
        # Without the run's manifest the catalogue gives the same specs, and the same verdicts.
        (samples.parent / "manifest.json").unlink()
        again = samples.with_name("regraded-from-catalogue.jsonl")
        grade_file(samples, again, *resolvers(samples))
        assert verdicts(again) == verdicts(samples)
        for regraded in (out, again):  # the output is still a SampleRecord file
            for line in regraded.read_text().splitlines():
                row = json.loads(line)
                if None not in (row["choice_logprobs"] or ()):  # a -inf log-prob is stored as null
                    SampleRecord.model_validate(row)


def test_the_generated_records_cover_every_verdict(tmp_path: Path, data_dir: Path) -> None:
    """The fast test above is worth something only if its records hit every outcome."""
    catalog = load_catalog()
    seen: set[tuple[str, bool, bool, bool]] = set()
    for model_id in sorted(MODELS):
        for i, task_id in enumerate(TASKS):
            samples, _ = write_run(tmp_path / model_id, catalog.model(model_id), catalog.tasks[task_id], seed=i)
            for line in samples.read_text().splitlines():
                r = json.loads(line)
                seen.add((catalog.tasks[task_id].answer_type, r["correct"], r["truncated"], r["ungradable"]))
    for answer_type in ("number", "choice_letter"):
        for outcome in ((True, False, False), (False, False, False), (False, True, False), (False, False, True)):
            assert (answer_type, *outcome) in seen, (answer_type, outcome)
    assert {("likelihood_choice", True, False, False), ("likelihood_choice", False, False, False)} <= seen


def test_cli_regrades_a_run_directory(tmp_path: Path, data_dir: Path) -> None:
    catalog = load_catalog()
    samples, _ = write_run(tmp_path, catalog.model("deepseek-r1-distill-qwen-7b"), catalog.tasks["gsm8k"], seed=3)
    out = tmp_path / "regraded.jsonl"
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "grade", str(samples), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert verdicts(out) == verdicts(samples)
    n_correct = sum(1 for v in verdicts(samples) if v[2])
    assert f"gsm8k: accuracy={n_correct / 8:.4f} n=8" in proc.stdout


@pytest.mark.slow
def test_regrading_a_real_smoke_run_reproduces_it(tmp_path: Path, data_dir: Path) -> None:
    results = tmp_path / "results"
    run = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(ROOT / "configs" / "smoke.yaml"), "--limit", "4",
         "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    runs = sorted(results.glob("runs/*/samples.jsonl"))
    assert len(runs) == 2  # gsm8k (generated) and arc_easy (log-likelihood)
    for samples in runs:
        out = tmp_path / f"{samples.parent.name}.jsonl"
        proc = subprocess.run([sys.executable, "-m", "harness.cli", "grade", str(samples), "--out", str(out)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert verdicts(out) == verdicts(samples)
        assert len(verdicts(out)) == 4
