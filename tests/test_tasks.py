"""The benchmark tasks: catalogue contract, loaders on the real mirror, prompts, Hub readers.

HARNESS_DATA_DIR points at the mirror (conftest). Prompt formats are checked against lm-eval's
own task files where the harness follows them, read from the installed lm-eval package.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from harness.catalog_view import tasks_table
from harness.config import load_catalog, load_run
from harness.errors import DataMissingError
from harness.grading.numbers import parse_number
from harness.specs import TaskSpec
from harness.tasks import hub
from harness.tasks.base import Doc, TaskData, fewshot_examples, load_task_data
from harness.tasks.prompts import (
    GSM8K_COT_EXEMPLARS,
    MINERVA_MATH_EXEMPLARS,
    build_prompt,
)
from harness.tasks.prompts_multilingual import MGSM_COT, MGSM_HEADERS

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")

MGSM_LANGS = ["bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh"]
GLOBAL_MMLU_LANGS = ["ar", "bn", "de", "en", "es", "fr", "hi", "id", "it", "ja", "ko", "pt", "sw", "yo", "zh"]
XCOPA_LANGS = ["et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh"]
REASONING = ["gsm8k", "math500", "aime24", "aime25", "gpqa_diamond", "mmlu_pro"]
REFERENCE = ["arc_easy", "arc_challenge", "arc_challenge_chat", "piqa", "boolq", "hellaswag", "winogrande"]

# Items per task in the mirror (shared/data/MANIFEST.md).
MIRRORED: dict[str, int] = {
    "gsm8k": 1319, "math500": 500, "math_l5": 721, "aime24": 30, "aime25": 30, "cmmlu": 11582,
    "arc_challenge": 1172, "arc_easy": 2376, "boolq": 3270, "winogrande": 1267, "piqa": 1838,
    "hellaswag": 10042, "belebele_eng_latn": 900, "belebele_deu_latn": 900,
    **{f"mgsm_{lang}": 250 for lang in MGSM_LANGS},
    **{f"xcopa_{lang}": 500 for lang in XCOPA_LANGS},
}
GENERATIVE = [t for t in MIRRORED if CATALOG.tasks[t].answer_type != "likelihood_choice"]
LIKELIHOOD = [t for t in MIRRORED if CATALOG.tasks[t].answer_type == "likelihood_choice"]


def lm_eval_tasks_dir() -> Path:
    spec = importlib.util.find_spec("lm_eval")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "tasks"


def lm_eval_module(rel: str) -> ModuleType:
    """One of lm-eval's task utils files, imported by path (its package init is heavy)."""
    spec = importlib.util.spec_from_file_location(rel.replace("/", "_")[:-3], lm_eval_tasks_dir() / rel)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_DATA: dict[str, TaskData] = {}


def data(task_id: str) -> TaskData:
    if task_id not in _DATA:
        _DATA[task_id] = load_task_data(CATALOG.tasks[task_id])
    return _DATA[task_id]


def prompt_for(task_id: str, chat: bool, index: int = 0):
    task, d = CATALOG.tasks[task_id], data(task_id)
    doc = d.docs[index]
    shots = [] if chat else fewshot_examples(task, d.fewshot_pool, task.fewshot, doc.doc_id)
    return doc, shots, build_prompt(task, doc, shots, chat)


# ---------------------------------------------------------------- catalogue contract


def test_task_ids_are_the_contract() -> None:
    belebele = [t for t in CATALOG.tasks if t.startswith("belebele_") and t != "belebele_xl_eng_deu"]
    expected = {
        *REASONING, *REFERENCE, "cmmlu", "ceval", "belebele_xl_eng_deu", "math_l5",
        *(f"mgsm_{x}" for x in MGSM_LANGS), *(f"global_mmlu_{x}" for x in GLOBAL_MMLU_LANGS),
        *(f"xcopa_{x}" for x in XCOPA_LANGS), *belebele,
    }
    assert set(CATALOG.tasks) == expected
    assert len(belebele) == 122
    suites = {s: sorted(t.id for t in CATALOG.tasks.values() if t.suite == s) for s in ("reasoning", "reference")}
    assert suites == {"reasoning": sorted(REASONING), "reference": sorted(REFERENCE)}
    groups = CATALOG.groups()
    assert {g: len(v) for g, v in groups.items()} == {"mgsm": 11, "global_mmlu": 15, "belebele": 122, "xcopa": 11}


def test_belebele_covers_every_lm_eval_language_and_the_mgsm_languages() -> None:
    codes = sorted(p.stem[len("belebele_"):] for p in (lm_eval_tasks_dir() / "belebele").glob("belebele_*.yaml"))
    tasks = [t for t in CATALOG.tasks.values() if t.group == "belebele"]
    assert sorted(t.lm_eval_task[len("belebele_"):] for t in tasks) == codes  # type: ignore[index]
    assert all(t.id == f"belebele_{t.data.hub.name.lower()}" for t in tasks)  # type: ignore[union-attr]
    by_lang = {t.language: t.data.hub.name for t in tasks}  # type: ignore[union-attr]
    assert len(by_lang) == 122, "one language tag per variant (script variants are tagged, e.g. bn-Latn)"
    assert {lang: by_lang[lang] for lang in ("bn", "zh", "sw", "en")} == {
        "bn": "ben_Beng", "zh": "zho_Hans", "sw": "swh_Latn", "en": "eng_Latn"}
    assert all(lang in by_lang for lang in MGSM_LANGS)


def test_every_lm_eval_task_name_exists_in_lm_eval() -> None:
    names: set[str] = set()
    for path in lm_eval_tasks_dir().rglob("*.yaml"):
        names.update(re.findall(r"^(?:task|group):\s*['\"]?([\w.-]+)", path.read_text(encoding="utf-8"), re.MULTILINE))
    # Tasks with no lm-eval equivalent (the cross-lingual Belebele; math_l5: ZeroEval's subset) name none.
    missing = sorted(t.lm_eval_task for t in CATALOG.tasks.values() if t.lm_eval_task and t.lm_eval_task not in names)
    assert sorted(t.id for t in CATALOG.tasks.values() if not t.lm_eval_task) == ["belebele_xl_eng_deu", "math_l5"]
    assert not missing


@pytest.mark.parametrize("task_id", sorted(CATALOG.tasks))
def test_task_spec_is_complete(task_id: str) -> None:
    t = CATALOG.tasks[task_id]
    assert t.data.hub is not None or not t.lm_eval_task, "every lm-eval task names the Hub dataset lm-eval uses"
    if t.answer_type != "likelihood_choice":
        assert t.max_new_tokens and t.reasoning_max_new_tokens == 32768
    if t.answer_type in ("math",) or task_id == "gpqa_diamond":
        assert t.reasoning_max_new_tokens == 32768
    if task_id.startswith("aime"):
        assert t.samples == 16
    assert t.prompt is not None


def test_fewshot_counts() -> None:
    shots = {t.id: t.fewshot for t in CATALOG.tasks.values()}
    assert shots["gsm8k"] == 8 and shots["math500"] == 4 and shots["cmmlu"] == 5 and shots["mmlu_pro"] == 5
    assert all(shots[f"mgsm_{x}"] == 8 for x in MGSM_LANGS)
    assert all(shots[t] == 0 for t in [*REFERENCE, *(f"xcopa_{x}" for x in XCOPA_LANGS)])


def test_tasks_table_lists_every_task_with_its_facts() -> None:
    lines = tasks_table(CATALOG).splitlines()
    rows = {line.split()[0]: line for line in lines[2:-1]}
    assert set(rows) == set(CATALOG.tasks)
    for t in CATALOG.tasks.values():
        line = rows[t.id]
        assert f" {t.suite} " in line and f" {t.language} " in line and f" {t.answer_type} " in line
        assert t.data.hub is None or t.data.hub.path in line
    assert lines[-1] == f"{len(CATALOG.tasks)} tasks"


@pytest.mark.parametrize("config", ["reasoning.yaml", "multilingual.yaml"])
def test_run_configs_validate(config: str) -> None:
    from typer.testing import CliRunner

    from harness.cli import app

    spec, catalog = load_run(ROOT / "configs" / config)
    tasks = catalog.expand_tasks(spec.tasks)
    suite = "reasoning" if config.startswith("reasoning") else "multilingual"
    assert {t.id for t in tasks} == {t.id for t in catalog.tasks.values() if t.suite == suite}
    assert "gemma-3-270m" in spec.models
    result = CliRunner().invoke(app, ["validate", str(ROOT / "configs" / config)])
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- loaders on the mirror


@pytest.mark.parametrize("task_id", sorted(MIRRORED))
def test_loader_counts_and_golds(task_id: str, data_dir: Path) -> None:
    task, d = CATALOG.tasks[task_id], data(task_id)
    assert len(d.docs) == MIRRORED[task_id]
    assert len({doc.doc_id for doc in d.docs}) == len(d.docs), "doc ids are unique"
    for doc in d.docs:
        assert doc.question.strip()
        if task.answer_type == "number":
            assert parse_number(doc.gold) is not None, doc.gold
            assert "," not in doc.gold
        elif task.answer_type == "math":
            assert doc.gold.strip()
        else:
            assert 2 <= len(doc.choices) <= 10 and all(c.strip() for c in doc.choices)
            assert doc.gold in "ABCDEFGHIJ"[: len(doc.choices)]


def test_gsm8k_and_mgsm_golds_agree(data_dir: Path) -> None:
    gsm = data("gsm8k").docs
    assert gsm[0].gold == "18" and gsm[0].doc_id == "0"
    en = [d.gold for d in data("mgsm_en").docs]
    for lang in MGSM_LANGS:
        assert [d.gold for d in data(f"mgsm_{lang}").docs] == en
    # MGSM is the first 250 GSM8K test problems' answers.
    assert [Fraction(g) for g in en] == [Fraction(d.gold) for d in gsm[:250]]


def test_mgsm_exemplars_are_the_native_eight(data_dir: Path) -> None:
    raw = json.loads((data_dir / "mgsm" / "mgsm_exemplars.json").read_text(encoding="utf-8"))
    for lang in MGSM_LANGS:
        pool = data(f"mgsm_{lang}").fewshot_pool
        assert [s.gold for s in pool] == [str(n) for n in raw["EXEMPLAR_NUMBER_ANSWERS"]]
        q_header, a_header = MGSM_HEADERS[lang]
        for shot, ex in zip(pool, (raw["MGSM_EXEMPLARS"][lang][str(i)] for i in range(1, 9)), strict=True):
            assert ex["q"].startswith(q_header.rstrip(":：")) and shot.question in ex["q"]
            assert ex["a"].startswith(a_header.rstrip(":：").rstrip())
            assert not shot.question.startswith(q_header) and shot.solution in ex["a"]


def test_aime_ids_and_golds(data_dir: Path) -> None:
    a24, a25 = data("aime24").docs, data("aime25").docs
    assert [d.doc_id for d in a24[:2]] == ["2024-I-1", "2024-I-2"] and a24[15].doc_id == "2024-II-1"
    assert [d.doc_id for d in a25[:2]] == ["2025-I-1", "2025-I-2"] and a25[-1].doc_id == "2025-II-15"
    for d in a24 + a25:
        assert d.gold.isdigit() and 0 <= int(d.gold) <= 999 and d.gold == str(int(d.gold))
    assert {d.doc_id: d.gold for d in a24}["2024-I-2"] == "25"  # "025" in the file


def test_cmmlu_shots_are_the_subjects_dev_questions(data_dir: Path) -> None:
    docs = data("cmmlu").docs
    assert len({d.meta["subject"] for d in docs}) == 67
    for d in docs[:: 500]:
        shots = d.meta["shots"]
        assert len(shots) == 5 and all(s.meta["subject"] == d.meta["subject"] for s in shots)
    assert data("cmmlu").fewshot_pool == []


def test_belebele_reads_the_regrouped_mirror_and_the_official_format(tmp_path: Path) -> None:
    eng = data("belebele_eng_latn")
    assert eng.fewshot_pool == eng.docs and eng.docs[0].passage.startswith("Make sure your hand")
    assert eng.docs[0].choices[0].startswith("For additional volume") and eng.docs[0].gold == "A"
    row = {"link": "x", "question_number": 1, "flores_passage": " A passage. ", "question": "Why?",
           "mc_answer1": "a", "mc_answer2": "b", "mc_answer3": "c", "mc_answer4": "d",
           "correct_answer_num": "3", "dialect": "fra_Latn", "ds": "2023-05-03"}
    (tmp_path / "belebele").mkdir()
    (tmp_path / "belebele" / "fra_Latn.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    from harness.tasks.loaders import load_belebele

    d = load_belebele(CATALOG.tasks["belebele_fra_latn"], tmp_path).docs[0]
    assert (d.passage, d.question, d.choices, d.gold) == ("A passage.", "Why?", ("a", "b", "c", "d"), "C")


def test_winogrande_splits_at_the_blank(data_dir: Path) -> None:
    d = data("winogrande").docs[0]
    assert d.question == "Sarah was a much better surgeon than Maria so"
    assert d.choices == ("Sarah", "Maria") and d.gold == "B"
    assert d.meta["contexts"] == tuple(f"{d.question} {c}" for c in d.choices)


def test_piqa_boolq_hellaswag_golds(data_dir: Path) -> None:
    labels = (data_dir / "piqa" / "valid-labels.lst").read_text().split()
    assert ["AB"[int(x)] for x in labels] == [d.gold for d in data("piqa").docs]
    boolq = data("boolq").docs
    assert boolq[0].choices == ("no", "yes") and boolq[0].gold == "A"  # label "false"
    assert {d.gold for d in boolq} == {"A", "B"}
    hs = data("hellaswag").docs
    assert hs[0].question == "Roof shingle removal: A man is sitting on a roof. He"  # ctx_b capitalised
    assert hs[0].gold == "D"


def test_gpqa_choices_are_shuffled_the_same_way_every_time() -> None:
    from harness.tasks.loaders import gpqa_doc

    row = {"Question": "Q?", "Correct Answer": "right", "Incorrect Answer 1": "w1",
           "Incorrect Answer 2": "w2", "Incorrect Answer 3": "w3", "Record ID": "rec1"}
    a, b = gpqa_doc(row), gpqa_doc(dict(row))
    assert a == b and sorted(a.choices) == ["right", "w1", "w2", "w3"]
    assert a.choices["ABCD".index(a.gold)] == "right"
    golds = {gpqa_doc({**row, "Record ID": f"rec{i}"}).gold for i in range(40)}
    assert golds == set("ABCD"), "the correct answer is not always in one position"


# ---------------------------------------------------------------- prompts: shape, shots, no leaks


@pytest.mark.parametrize("task_id", sorted(GENERATIVE))
def test_base_prompt_has_its_shots_and_no_answer(task_id: str) -> None:
    task = CATALOG.tasks[task_id]
    doc, shots, p = prompt_for(task_id, chat=False)
    text = p.text or ""
    assert p.messages is None and not p.continuations and p.stop
    used = list(doc.meta["shots"])[: task.fewshot] if "shots" in doc.meta else shots
    assert len(used) == task.fewshot
    assert doc.doc_id not in {s.doc_id for s in used}
    for s in used:
        assert s.question.strip() in text
    assert text.count(doc.question.strip()) == 1, "the item appears once, as the last question"
    if doc.solution:
        assert doc.solution not in text
    tail = text[text.rindex(doc.question.strip()) + len(doc.question.strip()):]
    assert re.fullmatch(r"[\s\S]*?(A:|Solution:|Answer:|答案：|[:：])", tail), tail[-80:]
    if task.answer_type in ("number", "math"):
        for s in used:
            assert s.solution in text  # worked exemplars, not bare answers


@pytest.mark.parametrize("task_id", sorted(GENERATIVE))
def test_chat_prompt_is_one_zero_shot_user_turn(task_id: str) -> None:
    doc, shots, p = prompt_for(task_id, chat=True)
    assert shots == [] and p.text is None and p.messages is not None and len(p.messages) == 1
    content = p.messages[0]["content"]
    assert p.messages[0]["role"] == "user" and doc.question.strip() in content
    assert doc.solution == "" or doc.solution not in content
    for choice in doc.choices:
        assert choice in content


@pytest.mark.parametrize("lang", MGSM_LANGS)
def test_mgsm_chat_instruction_is_native(lang: str) -> None:
    _, _, p = prompt_for(f"mgsm_{lang}", chat=True)
    content = p.messages[0]["content"]  # type: ignore[index]
    assert content.startswith(MGSM_COT[lang])
    phrase = {"bn": "উত্তর:", "de": "Antwort:", "en": "Answer:", "es": "Respuesta:", "fr": "Réponse :",
              "ja": "答え：", "ru": "Ответ:", "sw": "Jibu:", "te": "సమాధానం:", "th": "คำตอบ:", "zh": "答案："}[lang]
    assert phrase in content
    if lang != "en":
        assert "Solve the following" not in content


@pytest.mark.parametrize("lang", MGSM_LANGS)
def test_mgsm_base_prompt_matches_lm_eval_native_cot(lang: str) -> None:
    """The test item is rendered as lm-eval's mgsm_native_cot_<lang> doc_to_text renders it."""
    import jinja2

    spec = yaml.safe_load((lm_eval_tasks_dir() / f"mgsm/native_cot/mgsm_native_cot_{lang}.yaml").read_text("utf-8"))
    doc, shots, p = prompt_for(f"mgsm_{lang}", chat=False)
    theirs = jinja2.Template(spec["doc_to_text"]).render(question=doc.question, answer=None)
    ours = (p.text or "").split("\n\n")[-1]
    q, a = MGSM_HEADERS[lang]
    # Known, deliberate differences: headers spelt as in the exemplars (ru, ja/zh colons, zh space).
    normalise = {"Пошаговоерешение:": "Пошаговое решение:", "ステップごとの答え:": "ステップごとの答え：",
                 "逐步解答:": "逐步解答：", "问题： ": "问题：", "問題： ": "問題："}
    for old, new in normalise.items():
        theirs = theirs.replace(old, new)
    assert ours == theirs
    assert (p.text or "").count(f"\n{a}") == 9 and len(shots) == 8
    assert p.stop[0] == q.strip() or p.stop[0] == q


def test_gsm8k_and_minerva_exemplars_are_lm_evals() -> None:
    spec = yaml.safe_load((lm_eval_tasks_dir() / "gsm8k/gsm8k-cot.yaml").read_text("utf-8"))
    theirs = [(s["question"], s["target"]) for s in spec["fewshot_config"]["samples"]]
    assert list(GSM8K_COT_EXEMPLARS) == theirs
    tree = ast.parse((lm_eval_tasks_dir() / "minerva_math/utils.py").read_text("utf-8"))
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "list_fewshot_samples")
    samples = ast.literal_eval(fn.body[0].value)  # type: ignore[attr-defined]
    assert [(p, s) for p, s, _ in MINERVA_MATH_EXEMPLARS] == [(x["problem"], x["solution"]) for x in samples]


def test_gsm8k_math_aime_base_formats() -> None:
    doc, _, p = prompt_for("gsm8k", chat=False)
    assert (p.text or "").startswith(f"Q: {GSM8K_COT_EXEMPLARS[0][0]}\nA: {GSM8K_COT_EXEMPLARS[0][1]}\n\nQ: ")
    assert (p.text or "").endswith(f"Q: {doc.question}\nA:") and p.stop[0] == "Q:"
    doc, _, p = prompt_for("math500", chat=False)
    assert (p.text or "").startswith(f"Problem:\n{MINERVA_MATH_EXEMPLARS[0][0]}\n\nSolution: ")
    assert (p.text or "").endswith(f"Problem:\n{doc.question}\n\nSolution:") and p.stop == ("Problem:",)
    doc, _, p = prompt_for("aime24", chat=False)
    assert p.text == f"Question: {doc.question}\nAnswer:"
    _, _, chat = prompt_for("aime25", chat=True)
    assert "\\boxed{}" in chat.messages[0]["content"]  # type: ignore[index]


def test_cmmlu_prompts() -> None:
    _, _, base = prompt_for("cmmlu", chat=False)
    text = base.text or ""
    assert text.startswith("以下是关于农学的单项选择题，请直接给出正确答案的选项。\n\n")
    assert text.count("答案：") == 6 and text.endswith("D. 资金\n答案：") and base.stop == ("\n",)
    _, _, chat = prompt_for("cmmlu", chat=True)
    content = chat.messages[0]["content"]  # type: ignore[index]
    assert content.startswith("以下是关于农学的单项选择题。请逐步思考") and "答案：X" in content
    assert "直接给出" not in content, "a chat model is asked to reason, not to answer directly"


def test_belebele_base_prompt_is_five_shot_in_lm_eval_format() -> None:
    doc, shots, p = prompt_for("belebele_eng_latn", chat=False)
    text = p.text or ""
    assert len(shots) == 5 and text.count("\nAnswer:") == 6 and text.startswith("P: ")
    assert text.endswith(f"Q: {doc.question}\nA: {doc.choices[0]}\nB: {doc.choices[1]}\nC: {doc.choices[2]}\n"
                         f"D: {doc.choices[3]}\nAnswer:")
    for s in shots:
        assert f"D: {s.choices[3]}\nAnswer: {s.gold}\n\n" in text


@pytest.mark.parametrize("task_id", sorted(LIKELIHOOD))
def test_likelihood_prompt_scores_one_continuation_per_choice(task_id: str) -> None:
    doc, _, p = prompt_for(task_id, chat=False)
    _, _, chat = prompt_for(task_id, chat=True)
    assert chat == p, "log-likelihood tasks score plain text for every model kind"
    assert p.text is not None and p.messages is None and len(p.continuations) == len(doc.choices)
    assert all(c.startswith(" ") for c in p.continuations)


def test_likelihood_formats_match_lm_eval() -> None:
    xcopa = lm_eval_module("xcopa/utils.py")
    wino = lm_eval_module("winogrande/preprocess_winogrande.py")
    for lang in XCOPA_LANGS:
        doc, _, p = prompt_for(f"xcopa_{lang}", chat=False)
        row = {"premise": doc.question, "question": doc.meta["relation"],
               "choice1": doc.choices[0], "choice2": doc.choices[1]}
        assert p.text == getattr(xcopa, f"doc_to_text_{lang}")(row)
        assert p.continuations == tuple(f" {c}" for c in xcopa.doc_to_choice(row))
    doc, _, p = prompt_for("arc_challenge", chat=False)
    assert p.text == f"Question: {doc.question}\nAnswer:"
    doc, _, p = prompt_for("piqa", chat=False)
    assert p.text == f"Question: {doc.question}\nAnswer:"
    doc, _, p = prompt_for("boolq", chat=False)
    assert p.text == f"{doc.passage}\nQuestion: {doc.question}?\nAnswer:" and p.continuations == (" no", " yes")
    doc, _, p = prompt_for("winogrande", chat=False)
    sentence = f"{doc.question} _ {doc.meta['continuation']}"
    row = {"sentence": sentence, "option1": doc.choices[0], "option2": doc.choices[1], "answer": "2"}
    contexts = wino.doc_to_choice(row)
    # lm-eval's partial scoring: " {rest}" after each option-filled prefix.
    assert list(p.contexts) == contexts
    assert p.continuations == (f" {wino.doc_to_target(row)}",) * 2


# ---------------------------------------------------------------- data that is not mirrored


@pytest.mark.parametrize("task_id", ["gpqa_diamond", "mmlu_pro", "ceval", "global_mmlu_de", "belebele_fra_latn"])
def test_unmirrored_tasks_fail_fast_naming_the_hub_dataset(task_id: str, data_dir: Path) -> None:
    task = CATALOG.tasks[task_id]
    with pytest.raises(DataMissingError) as info:
        load_task_data(task)
    text = info.value.one_line()
    assert task.data.hub is not None and task.data.hub.path in text and task_id in text
    assert "unset HARNESS_DATA_DIR" in text
    if task.data.local:
        assert task.data.local.files[0] in text


def test_without_a_mirror_the_hub_is_tried_and_fails_with_the_dataset_named(monkeypatch) -> None:
    monkeypatch.delenv("HARNESS_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataMissingError) as info:
        load_task_data(CATALOG.tasks["gpqa_diamond"])
    text = info.value.one_line()
    assert "Idavidrein/gpqa" in text and "gpqa_diamond" in text and "HF_TOKEN" in text


# ---------------------------------------------------------------- Hub readers (rows as lm-eval's YAMLs name them)


def _fake_rows(monkeypatch, rows_by: dict) -> list:
    calls: list = []

    def fake(task: TaskSpec, name: str | None, split: str) -> list:
        calls.append((name, split))
        return [dict(r) for r in rows_by[(name, split)]]

    monkeypatch.setattr(hub, "_rows", fake)
    return calls


def test_hub_gsm8k_and_math500_match_the_mirror(monkeypatch, data_dir: Path) -> None:
    from harness.tasks.loaders import read_jsonl

    gsm_rows = read_jsonl(data_dir / "gsm8k" / "test.jsonl")[:3]
    math_rows = read_jsonl(data_dir / "math500" / "test.jsonl")[:3]
    _fake_rows(monkeypatch, {("main", "test"): gsm_rows, ("default", "test"): math_rows})
    got = hub.load_hub(CATALOG.tasks["gsm8k"])
    assert got.docs == data("gsm8k").docs[:3] and got.fewshot_pool == data("gsm8k").fewshot_pool
    got = hub.load_hub(CATALOG.tasks["math500"])
    assert got.docs == data("math500").docs[:3] and len(got.fewshot_pool) == 4


def test_hub_mgsm_reads_test_and_the_train_exemplars(monkeypatch) -> None:
    test = [{"question": "Janets Enten legen 16 Eier.", "answer": None, "answer_number": 18, "equation_solution": None}]
    train = [{"question": "Frage: Roger hat 5 Tennisbälle.", "answer": "Schritt-für-Schritt-Antwort: 5 + 6 = 11. "
              "Die Antwort lautet 11.", "answer_number": 11, "equation_solution": "5 + 6 = 11."}]
    _fake_rows(monkeypatch, {("de", "test"): test, ("de", "train"): train})
    got = hub.load_hub(CATALOG.tasks["mgsm_de"])
    assert got.docs == [Doc("0", "Janets Enten legen 16 Eier.", "18")]
    shot = got.fewshot_pool[0]
    assert (shot.question, shot.solution, shot.gold) == (
        "Roger hat 5 Tennisbälle.", "5 + 6 = 11. Die Antwort lautet 11.", "11")


def test_hub_multi_config_subjects_and_shots(monkeypatch) -> None:
    from harness.tasks.prompts_multilingual import CEVAL_SUBJECTS

    row = {"id": 0, "question": "1+1=?", "A": "1", "B": "2", "C": "3", "D": "4", "answer": "B", "explanation": ""}
    rows = {}
    for s in CEVAL_SUBJECTS:
        rows[(s, "val")] = [row, {**row, "id": 1}]
        rows[(s, "dev")] = [{**row, "id": i} for i in range(5)]
    calls = _fake_rows(monkeypatch, rows)
    got = hub.load_hub(CATALOG.tasks["ceval"])
    assert len(calls) == 2 * 52 and len(got.docs) == 104 and got.fewshot_pool == []
    d = got.docs[0]
    assert d.doc_id == "computer_network-0" and d.gold == "B" and len(d.meta["shots"]) == 5
    assert d.meta["shots"][0].doc_id == "computer_network-dev-0"
    p = build_prompt(CATALOG.tasks["ceval"], d, [], False)
    assert (p.text or "").startswith("以下是中国关于计算机网络的单项选择题，请选出其中的正确答案。\n\n")


def test_hub_reference_rows(monkeypatch) -> None:
    wino = {"sentence": "Sarah was a much better surgeon than Maria so _ always got the easier cases.",
            "option1": "Sarah", "option2": "Maria", "answer": "2"}
    hella = {"activity_label": "Roof shingle removal", "ctx_a": "A man is sitting on a roof.", "ctx_b": "he",
             "endings": ["is using wrap to wrap a pair of skis.", "is ripping level tiles off.",
                         "is holding a rubik's cube.", "starts pulling up roofing on a roof."], "label": "3"}
    boolq = {"question": "q", "passage": "p", "idx": 7, "label": 1}
    _fake_rows(monkeypatch, {("winogrande_xl", "validation"): [wino], (None, "validation"): [hella],
                             ("boolq", "validation"): [boolq]})
    w = hub.load_hub(CATALOG.tasks["winogrande"]).docs[0]
    assert (w.question, w.choices, w.gold, w.meta["continuation"]) == (
        data("winogrande").docs[0].question, ("Sarah", "Maria"), "B", "always got the easier cases.")
    h = hub.load_hub(CATALOG.tasks["hellaswag"]).docs[0]
    first = data("hellaswag").docs[0]
    assert (h.question, h.choices, h.gold) == (first.question, first.choices, "D")
    b = hub.load_hub(CATALOG.tasks["boolq"]).docs[0]
    assert (b.doc_id, b.gold, b.choices) == ("7", "B", ("no", "yes"))


def test_hub_choice_rows(monkeypatch) -> None:
    gmmlu = {"sample_id": "x/1", "subject": "s", "question": "Q", "option_a": "a", "option_b": "b",
             "option_c": "c", "option_d": "d", "answer": "C"}
    pro = {"question_id": 70, "question": "Q", "options": list("abcdefghij"), "answer": "J", "answer_index": 9,
           "cot_content": "A: Let's think step by step. Because. The answer is (J).", "category": "law", "src": "x"}
    bele = {"flores_passage": "P", "question": "Q", "mc_answer1": "a", "mc_answer2": "b", "mc_answer3": "c",
            "mc_answer4": "d", "correct_answer_num": "4"}
    xc = {"premise": "Man ta.", "choice1": "A b.", "choice2": "C d.", "question": "effect", "label": 1, "idx": 3}
    _fake_rows(monkeypatch, {("de", "test"): [gmmlu], ("de", "dev"): [gmmlu] * 5, (None, "test"): [pro],
                             (None, "validation"): [{**pro, "question_id": 1}], ("fra_Latn", "test"): [bele],
                             ("it", "test"): [xc]})
    g = hub.load_hub(CATALOG.tasks["global_mmlu_de"])
    assert g.docs[0].gold == "C" and g.docs[0].choices == ("a", "b", "c", "d") and len(g.fewshot_pool) == 5
    m = hub.load_hub(CATALOG.tasks["mmlu_pro"]).docs[0]
    assert m.gold == "J" and len(m.choices) == 10 and m.meta["shots"][0].solution == "Because. The answer is (J)."
    base = build_prompt(CATALOG.tasks["mmlu_pro"], m, [], False).text or ""
    assert base.startswith("The following are multiple choice questions (with answers) about law.")
    assert "Answer: Let's think step by step. Because. The answer is (J).\n\n" in base
    assert base.endswith("J. j\nAnswer: Let's think step by step.")
    b = hub.load_hub(CATALOG.tasks["belebele_fra_latn"])
    assert b.docs[0].gold == "D" and b.fewshot_pool == b.docs
    x = hub.load_hub(CATALOG.tasks["xcopa_it"]).docs[0]
    assert (x.doc_id, x.gold, x.meta["relation"]) == ("3", "B", "effect")


# ---------------------------------------------------------------- loaders for release files not in the mirror


def test_gpqa_and_mmlu_pro_read_their_release_files(tmp_path: Path) -> None:
    import csv

    import pandas as pd

    from harness.tasks.loaders import load_gpqa, load_mmlu_pro

    (tmp_path / "gpqa").mkdir()
    with (tmp_path / "gpqa" / "gpqa_diamond.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                                     "Incorrect Answer 3", "Record ID", "High-level domain"])
        writer.writeheader()
        writer.writerow({"Question": "Q?", "Correct Answer": "yes", "Incorrect Answer 1": "a",
                         "Incorrect Answer 2": "b", "Incorrect Answer 3": "c", "Record ID": "recX",
                         "High-level domain": "Physics"})
    doc = load_gpqa(CATALOG.tasks["gpqa_diamond"], tmp_path).docs[0]
    assert doc.doc_id == "recX" and doc.choices["ABCD".index(doc.gold)] == "yes"

    (tmp_path / "mmlu_pro").mkdir()
    base = {"options": list("abcdefghij"), "answer": "B", "answer_index": 1, "src": "s"}
    pd.DataFrame([{**base, "question_id": 100, "question": "Q", "cot_content": "", "category": "math"}]).to_parquet(
        tmp_path / "mmlu_pro" / "test-00000-of-00001.parquet")
    pd.DataFrame([{**base, "question_id": i, "question": f"S{i}", "category": "math",
                   "cot_content": f"A: Let's think step by step. Step {i}. The answer is (B)."} for i in range(6)]
                 ).to_parquet(tmp_path / "mmlu_pro" / "validation-00000-of-00001.parquet")
    got = load_mmlu_pro(CATALOG.tasks["mmlu_pro"], tmp_path)
    doc = got.docs[0]
    assert doc.gold == "B" and len(doc.choices) == 10 and len(doc.meta["shots"]) == 6
    text = build_prompt(CATALOG.tasks["mmlu_pro"], doc, [], False).text or ""
    assert text.count("Answer: Let's think step by step.") == 6 and "Step 4." in text and "Step 5." not in text


# ---------------------------------------------------------------- a benchmark added as one YAML and one builder


def test_arc_challenge_chat_asks_as_the_llama_cards_and_grades_the_letter() -> None:
    """configs/tasks/arc_challenge_chat.yaml plus the `arc_chat` prompt builder: lm-eval's
    arc_challenge_llama prompt on every four-option item, and "The best answer is C" graded."""
    from harness.records import GenerationRecord
    from harness.specs import ModelSpec
    from harness.tasks.native import PlannedItem, grade_item, metrics_for

    from helpers.fake_models import fake_spec

    task, docs = CATALOG.tasks["arc_challenge_chat"], data("arc_challenge_chat").docs
    assert len(docs) == task.items == 1172 and sum(len(d.choices) == 4 for d in docs) == 1165
    llama = (lm_eval_tasks_dir() / "llama3" / "instruct" / "arc_challenge" / "arc_challenge_llama.yaml").read_text()
    template = json.loads(re.search(r"^doc_to_text: (\".*\")$", llama, re.MULTILINE).group(1))  # type: ignore[union-attr]
    for doc in [d for d in docs if len(d.choices) == 4]:
        want = template.replace("{{ question }}", doc.question)
        for i, choice in enumerate(doc.choices):
            want = want.replace(f"{{{{ choices.text[{i}] }}}}", choice)
        assert build_prompt(task, doc, [], True).messages == ({"role": "user", "content": want},)
        assert build_prompt(task, doc, [], False).text == want + " The best answer is"
    odd = next(d for d in docs if len(d.choices) == 5)
    odd_text = (build_prompt(task, odd, [], True).messages or ({},))[0]["content"]
    assert "five candidate answers (A, B, C, D and E)" in odd_text and "one of A, B, C, D or E." in odd_text

    model = ModelSpec.model_validate(fake_spec())
    doc = docs[0]
    prompt = build_prompt(task, doc, [], True)
    item = PlannedItem(doc, 0, prompt, (prompt.messages or ({},))[0]["content"], "h", ("k",))
    answers = ((f"Photosynthesis aside, the best answer is {doc.gold}", True), ("The best answer is Z", False))
    samples = []
    for answer, correct in answers:
        gen = GenerationRecord(key="k", doc_id=doc.doc_id, sample_idx=0, kind="generate", text=answer,
                               finish_reason="stop")
        samples.append(grade_item(item, [gen], model, task, "r"))
        assert samples[-1].correct is correct
    (metric,) = metrics_for(model, task, samples[:1], gen_wall_s=1.0)
    assert (metric.metric, metric.score, metric.n) == ("accuracy", 1.0, 1)

