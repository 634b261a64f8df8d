"""Loaders for the upstream release files in the local mirror ($HARNESS_DATA_DIR).

Each loader reads the files a TaskSpec names and returns normalised Docs. Formats are described
in the mirror's MANIFEST.md. Loaders are registered by name (`LOADERS`, harness.tasks.registries);
a task YAML names one in `data.local.loader`.
The `*_doc` row functions are shared with `harness.tasks.hub`, so an item read from the mirror
and the same item read from the Hub become the same Doc (same `doc_id`, choices and gold).

Few-shot exemplars come three ways: a pool the runner samples from (`TaskData.fewshot_pool`),
a fixed, ordered exemplar set (lm-eval's `first_n` samplers: `meta["order"]` keeps the order),
or per-subject exemplars attached to each doc (`meta["shots"]`, CMMLU / C-Eval / MMLU-Pro), which
the prompt builder uses instead of the pool.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from harness.errors import DataMissingError, InputError
from harness.specs import TaskSpec
from harness.tasks.base import Doc, TaskData
from harness.tasks.prompts import GSM8K_COT_EXEMPLARS, MINERVA_MATH_EXEMPLARS
from harness.tasks.registries import LOADERS

LETTERS = "ABCDEFGHIJ"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataMissingError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    return rows


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _files(task: TaskSpec, root: Path) -> tuple[list[Path], list[Path]]:
    assert task.data.local is not None
    return (
        [root / f for f in task.data.local.files],
        [root / f for f in task.data.local.fewshot_files],
    )


def _bad(path: Path | str, what: str) -> DataMissingError:
    return DataMissingError(f"{path}: {what}", "the file does not have the upstream format MANIFEST.md describes")


def ordered(docs: list[Doc]) -> list[Doc]:
    """Mark a fixed exemplar set so builders keep its order (lm-eval samples `first_n`)."""
    return [Doc(**{**d.__dict__, "meta": {**d.meta, "order": i}}) for i, d in enumerate(docs)]


def with_shots(docs: list[Doc], pool: list[Doc], key: str = "subject") -> list[Doc]:
    """Attach to each doc the exemplars of its own subject, in file order (`meta["shots"]`)."""
    by_key: dict[str, list[Doc]] = {}
    for s in pool:
        by_key.setdefault(s.meta[key], []).append(s)
    return [Doc(**{**d.__dict__, "meta": {**d.meta, "shots": tuple(by_key.get(d.meta[key], ()))}})
            for d in docs]


def fixed_pool(loader: str) -> list[Doc]:
    """The fixed exemplar set a loader's tasks use whatever the data source (empty: none)."""
    if loader == "gsm8k_jsonl":
        return ordered([Doc(f"cot-{i}", q, a.rsplit("The answer is", 1)[1].strip(" ."), solution=a)
                        for i, (q, a) in enumerate(GSM8K_COT_EXEMPLARS)])
    if loader == "math500_jsonl":
        return ordered([Doc(f"minerva-{i}", p, ans, solution=sol)
                        for i, (p, sol, ans) in enumerate(MINERVA_MATH_EXEMPLARS)])
    return []


# ---------------------------------------------------------------- GSM8K

_GSM_CALC = re.compile(r"<<[^>]*>>")


def gsm8k_doc(row: dict[str, Any], doc_id: str) -> Doc:
    solution, _, final = row["answer"].rpartition("####")
    return Doc(
        doc_id=doc_id,
        question=row["question"],
        gold=final.strip().replace(",", ""),
        solution=_GSM_CALC.sub("", solution).strip(),
    )


@LOADERS.register("gsm8k_jsonl")
def load_gsm8k(task: TaskSpec, root: Path) -> TaskData:
    """Test items; exemplars are lm-eval gsm8k_cot's fixed 8 (Wei et al.), not train items."""
    files, _ = _files(task, root)
    docs = [gsm8k_doc(r, str(i)) for f in files for i, r in enumerate(read_jsonl(f))]
    return TaskData(docs, fixed_pool("gsm8k_jsonl"))


# ---------------------------------------------------------------- MATH-500, AIME


def math500_doc(row: dict[str, Any]) -> Doc:
    return Doc(doc_id=row["unique_id"], question=row["problem"], gold=str(row["answer"]),
               solution=row.get("solution", ""),
               meta={"subject": row.get("subject", ""), "level": row.get("level")})


@LOADERS.register("math500_jsonl")
def load_math500(task: TaskSpec, root: Path) -> TaskData:
    files, _ = _files(task, root)
    docs = [math500_doc(r) for f in files for r in read_jsonl(f)]
    return TaskData(docs, fixed_pool("math500_jsonl"))


_AIME_URL = re.compile(r"(\d{4})_AIME_(I{1,2})_Problems/Problem_(\d+)")
_AIME_ID = re.compile(r"^(?:(\d{4})-)?(I{1,2})-(\d+)$")


def aime_key(doc_id: str) -> tuple[str, int, int]:
    year, part, number = doc_id.split("-")
    return year, len(part), int(number)


def contest_year(task: TaskSpec) -> str:
    """The task spec's `year` (AIME item ids carry it); a task without one is a spec error."""
    if task.year is None:
        raise InputError(f"task '{task.id}': its items are named by contest year, and the spec has no `year`",
                         "add `year: 2024` (the contest's year) to the task YAML")
    return str(task.year)


def aime_doc(row: dict[str, Any], year: str, index: int) -> Doc:
    """One AIME problem; doc_id `2024-I-1` (year, contest, number), gold without zero padding."""
    fields = {k.lower(): v for k, v in row.items()}
    url = _AIME_URL.search(str(fields.get("url") or ""))
    ident = _AIME_ID.match(str(fields.get("id") or ""))
    if url:
        doc_id = f"{url.group(1)}-{url.group(2)}-{int(url.group(3))}"
    elif ident:
        doc_id = f"{ident.group(1) or year}-{ident.group(2)}-{int(ident.group(3))}"
    else:  # no contest/number in the row: the position in the official order I-1..II-15
        doc_id = f"{year}-{'I' * (1 + index // 15)}-{index % 15 + 1}"
    answer = str(fields["answer"]).strip()
    gold = str(int(answer)) if answer.isdigit() else answer
    return Doc(doc_id=doc_id, question=fields["problem"], gold=gold, solution=fields.get("solution") or "")


@LOADERS.register("aime_jsonl")
def load_aime(task: TaskSpec, root: Path) -> TaskData:
    """AIME JSON Lines (Qwen2.5-Math's aime24, evalchemy's aime25), ordered I-1..I-15, II-1..II-15."""
    files, _ = _files(task, root)
    year = contest_year(task)
    docs = [aime_doc(r, year, i) for f in files for i, r in enumerate(read_jsonl(f))]
    return TaskData(sorted(docs, key=lambda d: aime_key(d.doc_id)))


# ---------------------------------------------------------------- GPQA, MMLU-Pro


def gpqa_doc(row: dict[str, Any]) -> Doc:
    """One GPQA question. The four answers are shuffled with a seed taken from the record id.

    lm-eval shuffles with Python's global, unseeded RNG, so its letters change between runs; here
    they are the same in every run and for every model (and the same from the CSV or the Hub).
    """
    def clean(text: Any) -> str:
        return " " if text is None else str(text).strip().replace(" [title]", ". ").replace("  ", " ")

    correct = clean(row["Correct Answer"])
    choices = [clean(row[f"Incorrect Answer {i}"]) for i in (1, 2, 3)] + [correct]
    record = str(row["Record ID"])
    random.Random(f"gpqa:{record}").shuffle(choices)
    return Doc(doc_id=record, question=str(row["Question"]).strip(), gold=LETTERS[choices.index(correct)],
               choices=tuple(choices), meta={"domain": row.get("High-level domain", "")})


@LOADERS.register("gpqa_csv")
def load_gpqa(task: TaskSpec, root: Path) -> TaskData:
    """The official release CSV (gpqa_diamond.csv from the password-protected dataset.zip)."""
    files, _ = _files(task, root)
    return TaskData([gpqa_doc(r) for f in files for r in read_csv(f)])


def mmlu_pro_doc(row: dict[str, Any]) -> Doc:
    options = [str(o) for o in row["options"]][: len(LETTERS)]
    cot = str(row.get("cot_content") or "").replace("A: Let's think step by step.", "").strip()
    return Doc(doc_id=str(row["question_id"]), question=str(row["question"]), gold=str(row["answer"]),
               choices=tuple(options), solution=cot, meta={"subject": row["category"]})


@LOADERS.register("mmlu_pro_parquet")
def load_mmlu_pro(task: TaskSpec, root: Path) -> TaskData:
    """TIGER-Lab/MMLU-Pro's release parquet files (test; validation holds the CoT exemplars)."""
    import pandas as pd

    def rows(path: Path) -> list[dict[str, Any]]:
        return [{str(k): v for k, v in r.items()} for r in pd.read_parquet(path).to_dict("records")]

    files, shots = _files(task, root)
    docs = [mmlu_pro_doc(r) for f in files for r in rows(f)]
    pool = [mmlu_pro_doc(r) for f in shots for r in rows(f)]
    return TaskData(with_shots(docs, pool))


# ---------------------------------------------------------------- MGSM

_HEADER = re.compile(r"^[^:：\n]{1,40}[:：]\s*")


def strip_header(text: str) -> str:
    """`Frage: Roger hat …` -> `Roger hat …` (MGSM exemplars carry their native headers)."""
    return _HEADER.sub("", text.strip(), count=1)


def mgsm_exemplar(q: str, a: str, number: Any, i: int) -> Doc:
    return Doc(doc_id=f"exemplar-{i}", question=strip_header(q), gold=str(number).replace(",", ""),
               solution=strip_header(a), meta={"order": i})


@LOADERS.register("mgsm_tsv")
def load_mgsm(task: TaskSpec, root: Path) -> TaskData:
    """`mgsm_<lang>.tsv` (question TAB answer, no header); exemplars from mgsm_exemplars.json."""
    files, shots = _files(task, root)
    docs = []
    for f in files:
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            question, sep, answer = line.rpartition("\t")
            if not sep:
                raise _bad(f, f"line {i + 1} has no TAB")
            docs.append(Doc(doc_id=str(i), question=question.strip(), gold=answer.strip().replace(",", "")))
    pool: list[Doc] = []
    for f in shots:
        data = json.loads(f.read_text(encoding="utf-8"))
        lang = task.language
        if lang not in data.get("MGSM_EXEMPLARS", {}):
            raise _bad(f, f"no exemplars for language '{lang}'")
        exemplars = data["MGSM_EXEMPLARS"][lang]
        numbers = data["EXEMPLAR_NUMBER_ANSWERS"]
        pool += [mgsm_exemplar(exemplars[k]["q"], exemplars[k]["a"], numbers[i], i)
                 for i, k in enumerate(sorted(exemplars, key=int))]
    return TaskData(docs, pool)


# ---------------------------------------------------------------- CMMLU


def cmmlu_doc(row: dict[str, Any], subject: str, doc_id: str) -> Doc:
    return Doc(doc_id=f"{subject}-{doc_id}", question=str(row["Question"]).strip(),
               gold=str(row["Answer"]).strip(), choices=tuple(str(row[c]) for c in "ABCD"),
               meta={"subject": subject})


@LOADERS.register("cmmlu_csv")
def load_cmmlu(task: TaskSpec, root: Path) -> TaskData:
    """`cmmlu/{test,dev}/<subject>.csv` (header `,Question,A,B,C,D,Answer`); 5 dev shots per subject."""
    files, shots = _files(task, root)

    def read(paths: list[Path], prefix: str = "") -> list[Doc]:
        out = []
        for f in paths:
            for i, r in enumerate(read_csv(f)):
                if r.get("Answer") not in ("A", "B", "C", "D"):
                    raise _bad(f, f"row {i + 1}: Answer must be A-D, got {r.get('Answer')!r}")
                out.append(cmmlu_doc(r, f.stem, prefix + (r.get("") or str(i))))
        return out

    return TaskData(with_shots(read(files), read(shots, "dev-")))


# ---------------------------------------------------------------- Belebele


def belebele_doc(passage: str, question: str, answers: list[str], correct: int, doc_id: str) -> Doc:
    return Doc(doc_id=doc_id, question=question.strip(), gold=LETTERS[correct], choices=tuple(answers),
               passage=passage.strip())


def belebele_official_doc(row: dict[str, Any], i: int) -> Doc:
    """facebook/belebele's row: flores_passage, question, mc_answer1..4, correct_answer_num ('1'-'4')."""
    answers = [str(row[f"mc_answer{k}"]) for k in (1, 2, 3, 4)]
    return belebele_doc(row["flores_passage"], row["question"], answers, int(row["correct_answer_num"]) - 1, str(i))


def _belebele_file(f: Path) -> list[Doc]:
    docs: list[Doc] = []
    for lineno, row in enumerate(read_jsonl(f), 1):
        if "flores_passage" in row:
            docs.append(belebele_official_doc(row, len(docs)))
            continue
        for item in row.get("items", ()):
            flags = [bool(a["correct"]) for a in item["answers"]]
            if len(flags) != 4 or sum(flags) != 1:
                raise _bad(f, f"line {lineno}: each question needs 4 answers, exactly one correct")
            docs.append(belebele_doc(row["text"], item["question"], [a["text"] for a in item["answers"]],
                                     flags.index(True), str(len(docs))))
    return docs


@LOADERS.register("belebele_jsonl")
def load_belebele(task: TaskSpec, root: Path) -> TaskData:
    """Belebele JSON Lines: the official per-language file, or the mirror's regrouped format
    (one line per passage, `items[].answers[].{text,correct}` in mc_answer1..4 order).
    The 5-shot pool for base models is the task's own items (lm-eval's fewshot_split is test)."""
    files, _ = _files(task, root)
    docs: list[Doc] = []
    for f in files:
        docs += [Doc(**{**d.__dict__, "doc_id": str(len(docs) + i)}) for i, d in enumerate(_belebele_file(f))]
    return TaskData(docs, docs)


@LOADERS.register("belebele_crosslingual")
def load_belebele_crosslingual(task: TaskSpec, root: Path) -> TaskData:
    """Cross-lingual Belebele: the passage in the first file's language, the question and answers in
    the second's (e.g. an English passage, German questions). Belebele's languages hold the same 900
    questions in the same order, so items pair by position; a count or a correct answer that differs
    means the files are not parallel, and stops the load."""
    files, _ = _files(task, root)
    if len(files) != 2:
        raise _bad(files[0], "belebele_crosslingual needs two files: [passage language, question language]")
    passages, questions = _belebele_file(files[0]), _belebele_file(files[1])
    if len(passages) != len(questions):
        raise _bad(files[1], f"{len(questions)} questions for {len(passages)} passages in {files[0].name}: "
                             "the files are not parallel")
    docs = []
    for p, q in zip(passages, questions, strict=True):
        if p.gold != q.gold:
            raise _bad(files[1], f"item {q.doc_id}: correct answer {q.gold}, but {p.gold} in {files[0].name}: "
                                 "the files are not parallel")
        docs.append(Doc(**{**q.__dict__, "passage": p.passage}))
    return TaskData(docs, docs)


# ---------------------------------------------------------------- XCOPA


def xcopa_doc(row: dict[str, Any]) -> Doc:
    return Doc(doc_id=str(row["idx"]), question=str(row["premise"]), gold=LETTERS[int(row["label"])],
               choices=(str(row["choice1"]), str(row["choice2"])), meta={"relation": row["question"]})


@LOADERS.register("xcopa_jsonl")
def load_xcopa(task: TaskSpec, root: Path) -> TaskData:
    files, _ = _files(task, root)
    return TaskData([xcopa_doc(r) for f in files for r in read_jsonl(f)])


# ---------------------------------------------------------------- reference suite (log-likelihood)


def arc_doc(row: dict[str, Any]) -> Doc:
    choices = row["question"]["choices"]
    labels = [c["label"] for c in choices]
    gold_index = labels.index(row["answerKey"])
    return Doc(
        doc_id=row["id"],
        question=row["question"]["stem"],
        gold=LETTERS[gold_index],
        choices=tuple(c["text"] for c in choices),
    )


@LOADERS.register("arc_jsonl")
def load_arc(task: TaskSpec, root: Path) -> TaskData:
    files, shots = _files(task, root)
    docs = [arc_doc(r) for f in files for r in read_jsonl(f)]
    pool = [arc_doc(r) for f in shots for r in read_jsonl(f)]
    return TaskData(docs, pool)


def piqa_doc(row: dict[str, Any], label: int, i: int) -> Doc:
    return Doc(doc_id=str(i), question=str(row["goal"]), gold=LETTERS[label],
               choices=(str(row["sol1"]), str(row["sol2"])))


@LOADERS.register("piqa_jsonl")
def load_piqa(task: TaskSpec, root: Path) -> TaskData:
    """`valid.jsonl` (goal/sol1/sol2) with its aligned labels file `valid-labels.lst` (files[1])."""
    files, _ = _files(task, root)
    if len(files) != 2:
        raise _bad(files[0], "piqa needs two files: valid.jsonl and valid-labels.lst")
    rows = read_jsonl(files[0])
    labels = [line.strip() for line in files[1].read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(rows) != len(labels) or set(labels) - {"0", "1"}:
        raise _bad(files[1], f"{len(labels)} labels in 0/1 expected for {len(rows)} questions")
    return TaskData([piqa_doc(r, int(lab), i) for i, (r, lab) in enumerate(zip(rows, labels, strict=True))])


def boolq_doc(row: dict[str, Any], i: int) -> Doc:
    """Gold A = no, B = yes. The label is a JSON boolean upstream, the string "true"/"false" here."""
    label = row["label"]
    yes = label if isinstance(label, bool) else (str(label).lower() in ("true", "1"))
    return Doc(doc_id=str(row.get("idx", i)), question=str(row["question"]), passage=str(row["passage"]),
               gold="B" if yes else "A", choices=("no", "yes"))


@LOADERS.register("boolq_jsonl")
def load_boolq(task: TaskSpec, root: Path) -> TaskData:
    files, _ = _files(task, root)
    return TaskData([boolq_doc(r, i) for f in files for i, r in enumerate(read_jsonl(f))])


_LAST_SENTENCE = re.compile(r"(?:^|[.:] )(?=[^.:]*$)")


def hellaswag_query(query: str) -> str:
    """Upper-case the first letter of the context's unfinished last sentence.

    lm-eval builds `activity_label: ctx_a + " " + ctx_b.capitalize()`; the mirror's query has
    ctx_b as written (lower case, e.g. "... on a roof. he"). ctx_b is the fragment after the
    last ". ", so capitalising that fragment's first letter restores lm-eval's text.
    """
    match = _LAST_SENTENCE.search(query)
    if match is None:
        return query
    pos = match.end()
    return query[:pos] + query[pos:pos + 1].upper() + query[pos + 1:] if query[pos:pos + 1].islower() else query


def hellaswag_doc(query: str, endings: list[str], label: int, doc_id: str) -> Doc:
    return Doc(doc_id=doc_id, question=query, gold=LETTERS[label], choices=tuple(endings))


@LOADERS.register("hellaswag_jsonl")
def load_hellaswag(task: TaskSpec, root: Path) -> TaskData:
    """llama.cpp's preprocessed validation set {ind, query, label, endings} (MANIFEST.md)."""
    files, _ = _files(task, root)
    return TaskData([hellaswag_doc(hellaswag_query(r["query"]), r["endings"], int(r["label"]), str(i))
                     for f in files for i, r in enumerate(read_jsonl(f))])


def winogrande_doc(contexts: list[str], continuation: str, label: int, doc_id: str) -> Doc:
    """contexts: the sentence up to the blank with each option filled in; continuation: the rest.

    `question` is the shared prefix before the options (cut at a word boundary) and `choices`
    the two option words, so a prompt can score either the continuation after each filled-in
    prefix (lm-eval's partial scoring) or option + continuation after the shared prefix.
    """
    prefix = os.path.commonprefix(contexts)
    cut = prefix.rfind(" ") + 1 if not prefix.endswith(" ") else len(prefix)
    return Doc(doc_id=doc_id, question=contexts[0][:cut].rstrip(), gold=LETTERS[label],
               choices=tuple(c[cut:] for c in contexts),
               meta={"contexts": tuple(contexts), "continuation": continuation.strip()})


@LOADERS.register("winogrande_jsonl")
def load_winogrande(task: TaskSpec, root: Path) -> TaskData:
    """MosaicML's ICL format {context_options[2], continuation, gold} (dev = winogrande_xl validation)."""
    files, _ = _files(task, root)
    docs = []
    for f in files:
        for i, r in enumerate(read_jsonl(f)):
            if len(r["context_options"]) != 2 or r["gold"] not in (0, 1):
                raise _bad(f, f"item {i}: expected 2 context_options and gold 0/1")
            docs.append(winogrande_doc(r["context_options"], r["continuation"], r["gold"], str(i)))
    return TaskData(docs)


# ---------------------------------------------------------------- items defined by imported outputs


@LOADERS.register("zeroeval_json")
def load_zeroeval(task: TaskSpec, root: Path) -> TaskData:
    """Items and gold from a ZeroEval result file (a JSON array with `id`, `problem`/`question`,
    `answer`): MATH level 5 has no other release here; the outputs of one model carry all items."""
    import json

    files, _ = _files(task, root)
    docs = []
    for path in files:
        for row in json.loads(path.read_text(encoding="utf-8")):
            gold = str(row["answer"]).strip()
            docs.append(Doc(doc_id=str(row["id"]), question=str(row.get("problem") or row.get("question") or ""),
                            gold=gold[2:] if gold.startswith("# ") else gold))
    # The 4 Minerva exemplars belong to the `math` prompt (MATH-500's fixed shots), whatever the file.
    return TaskData(docs, fixed_pool("math500_jsonl") if task.prompt == "math" else [])
