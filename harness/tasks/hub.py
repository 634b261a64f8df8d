"""Load a task's items from the Hugging Face Hub dataset lm-eval uses (when no mirror is set).

A task YAML names its Hub format in `data.hub.format` (`HUB_FORMATS`, harness.tasks.registries;
by convention the name of the local loader whose item schema it shares). Column names follow the
lm-eval task YAMLs that read these datasets; the row functions are shared with
`harness.tasks.loaders`, so a Hub item and the same mirrored item become the same Doc.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import DataMissingError
from harness.specs import TaskSpec
from harness.tasks import loaders as L
from harness.tasks.base import Doc, TaskData, load_from_hub
from harness.tasks.prompts_multilingual import CEVAL_SUBJECTS, CMMLU_SUBJECTS
from harness.tasks.registries import HUB_FORMATS

Row = dict[str, Any]
RowMapper = Callable[[Row, int, TaskSpec], Doc]


def _plain(docs: list[Doc], pool: list[Doc], task: TaskSpec) -> TaskData:
    return TaskData(docs, pool)


@dataclass(frozen=True)
class HubFormat:
    """How one Hub dataset's rows become Docs: a row mapper, and how the split's docs finish."""

    row: RowMapper
    shot_row: RowMapper | None = None  # rows of the few-shot split, when they differ (MGSM train)
    finish: Callable[[list[Doc], list[Doc], TaskSpec], TaskData] = _plain
    subjects: tuple[str, ...] = ()  # one Hub config per subject (CMMLU, C-Eval); row["_subject"] set

    def load(self, task: TaskSpec) -> TaskData:
        """The task's items read from its Hub dataset with this format (rows fetched by `_rows`)."""
        hub = task.data.hub
        assert hub is not None
        shot_row = self.shot_row or self.row
        docs: list[Doc] = []
        pool: list[Doc] = []
        for subject in self.subjects or (None,):
            name = subject or hub.name
            tag = {"_subject": subject} if subject else {}
            docs += [self.row({**r, **tag}, i, task) for i, r in enumerate(_rows(task, name, hub.split))]
            if hub.fewshot_split:
                pool += [shot_row({**r, **tag, "_split": hub.fewshot_split}, i, task)
                         for i, r in enumerate(_rows(task, name, hub.fewshot_split))]
        return self.finish(docs, pool, task)


def _with_fixed_pool(key: str) -> Callable[[list[Doc], list[Doc], TaskSpec], TaskData]:
    return lambda docs, pool, task: TaskData(docs, pool or L.fixed_pool(key))


def _subject_shots(docs: list[Doc], pool: list[Doc], task: TaskSpec) -> TaskData:
    return TaskData(L.with_shots(docs, pool))


def _split_prefix(row: Row) -> str:
    """`dev-` for exemplar rows, so their ids never equal a test item's (`agronomy-dev-0`)."""
    return f"{row['_split']}-" if "_split" in row else ""


def _aime(row: Row, i: int, task: TaskSpec) -> Doc:
    return L.aime_doc(row, L.contest_year(task), i)


def _mgsm_test(row: Row, i: int, task: TaskSpec) -> Doc:
    """juletxara/mgsm test: question, answer_number (answer is null)."""
    number = row["answer_number"]
    gold = str(int(number)) if float(number).is_integer() else str(number)
    return Doc(doc_id=str(i), question=str(row["question"]).strip(), gold=gold)


def _mgsm_train(row: Row, i: int, task: TaskSpec) -> Doc:
    """juletxara/mgsm train = the 8 native exemplars, question and answer with their headers."""
    return L.mgsm_exemplar(row["question"], row["answer"], row["answer_number"], i)


def _arc(row: Row, i: int, task: TaskSpec) -> Doc:
    labels = list(row["choices"]["label"])
    return Doc(doc_id=row["id"], question=row["question"], gold=L.LETTERS[labels.index(row["answerKey"])],
               choices=tuple(row["choices"]["text"]))


def _hellaswag(row: Row, i: int, task: TaskSpec) -> Doc:
    """Rowan/hellaswag, preprocessed as lm-eval's hellaswag/utils.py does."""
    import re

    def pre(text: str) -> str:
        text = text.strip().replace(" [title]", ". ")
        return re.sub("\\[.*?\\]", "", text).replace("  ", " ")

    query = pre(row["activity_label"] + ": " + row["ctx_a"] + " " + row["ctx_b"].capitalize())
    return L.hellaswag_doc(query, [pre(e) for e in row["endings"]], int(row["label"]), str(i))


def _winogrande(row: Row, i: int, task: TaskSpec) -> Doc:
    """allenai/winogrande: sentence with "_", option1/2, answer "1"/"2" (lm-eval's split at "_")."""
    sentence = row["sentence"]
    blank = sentence.index("_")
    contexts = [sentence[:blank] + row["option1"], sentence[:blank] + row["option2"]]
    return L.winogrande_doc(contexts, sentence[blank + 1:].strip(), int(row["answer"]) - 1, str(i))


def _global_mmlu(row: Row, i: int, task: TaskSpec) -> Doc:
    """CohereLabs/Global-MMLU-Lite: question, option_a..option_d, answer (letter), sample_id."""
    return Doc(doc_id=str(row.get("sample_id") or i), question=str(row["question"]),
               gold=str(row["answer"]).strip(), choices=tuple(str(row[f"option_{c}"]) for c in "abcd"),
               meta={"subject": row.get("subject", ""), "cultural": row.get("cultural_sensitivity_label", "")})


def _ceval(row: Row, i: int, task: TaskSpec) -> Doc:
    """ceval/ceval-exam: id, question, A-D, answer, explanation (dev)."""
    subject = row["_subject"]
    return Doc(doc_id=f"{subject}-{_split_prefix(row)}{row.get('id', i)}", question=str(row["question"]),
               gold=str(row["answer"]).strip(), choices=tuple(str(row[c]) for c in "ABCD"),
               meta={"subject": subject})


# The formats, by name (a task YAML's `data.hub.format`); `HUB_FORMATS` imports this module on first lookup.
_add = HUB_FORMATS.add
_add("gsm8k_jsonl", HubFormat(lambda r, i, t: L.gsm8k_doc(r, str(i)), finish=_with_fixed_pool("gsm8k_jsonl")))
_add("math500_jsonl", HubFormat(lambda r, i, t: L.math500_doc(r), finish=_with_fixed_pool("math500_jsonl")))
_add("aime_jsonl", HubFormat(_aime, finish=lambda d, p, t: TaskData(sorted(d, key=lambda x: L.aime_key(x.doc_id)))))
_add("gpqa_csv", HubFormat(lambda r, i, t: L.gpqa_doc(r)))
_add("mmlu_pro_parquet", HubFormat(lambda r, i, t: L.mmlu_pro_doc(r), finish=_subject_shots))
_add("mgsm_tsv", HubFormat(_mgsm_test, shot_row=_mgsm_train))
_add("cmmlu_csv", HubFormat(lambda r, i, t: L.cmmlu_doc(r, r["_subject"], _split_prefix(r) + str(i)),
                            finish=_subject_shots, subjects=tuple(CMMLU_SUBJECTS)))
_add("ceval", HubFormat(_ceval, finish=_subject_shots, subjects=tuple(CEVAL_SUBJECTS)))
_add("global_mmlu", HubFormat(_global_mmlu))
_add("belebele_jsonl", HubFormat(lambda r, i, t: L.belebele_official_doc(r, i), finish=lambda d, p, t: TaskData(d, d)))
_add("xcopa_jsonl", HubFormat(lambda r, i, t: L.xcopa_doc(r)))
_add("arc_jsonl", HubFormat(_arc))
_add("piqa_jsonl", HubFormat(lambda r, i, t: L.piqa_doc(r, int(r["label"]), i)))
_add("boolq_jsonl", HubFormat(lambda r, i, t: L.boolq_doc(r, i)))
_add("hellaswag_jsonl", HubFormat(_hellaswag))
_add("winogrande_jsonl", HubFormat(_winogrande))


GATED = {"Idavidrein/gpqa": "accept the dataset's terms on its Hub page and set HF_TOKEN"}


def _rows(task: TaskSpec, name: str | None, split: str) -> list[Row]:
    hub = task.data.hub
    assert hub is not None
    try:
        import datasets

        return [dict(r) for r in datasets.load_dataset(hub.path, name, split=split)]
    except Exception as exc:  # noqa: BLE001 - offline, gated, renamed: all mean "no data"
        config = f" config {name}" if name else ""
        hints = ["check the network", GATED.get(hub.path, "set HF_TOKEN if the dataset is gated")]
        if task.data.local:
            hints.append(f"or put {', '.join(task.data.local.files[:2])}"
                         f"{' …' if len(task.data.local.files) > 2 else ''} under $HARNESS_DATA_DIR")
        raise DataMissingError(
            f"task '{task.id}': cannot load Hub dataset {hub.path}{config} split {split} ({type(exc).__name__})",
            "; ".join(hints),
        ) from None


def load_hub(task: TaskSpec) -> TaskData:
    """The task's items from the Hub, read by the format its YAML names (`data.hub.format`)."""
    return load_from_hub(task)
