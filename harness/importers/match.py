"""Resolve the model and task an import is for, and join its items to the task's items.

An item is matched, never trusted: by the normalised question text first (the strongest
evidence that two records are the same problem), then by the source's id equal to the task's
doc id, then, for items without a question, by position. Whatever does not match is reported
with the reason. A task whose items are not available here (no local mirror) is defined from the
file's own items and gold, keeping the source's ids (MMLU-Pro's `question_id` is also the
harness's doc id, so such runs pair with native ones).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from harness.config import Catalog, suggest
from harness.errors import DataMissingError, InputError
from harness.importers.base import ImportedItem, SourceFile, model_stem, normalize_text
from harness.specs import ModelSpec, TaskSpec
from harness.tasks.base import Doc

_DTYPE_SUFFIX = re.compile(r"[-_.](?:bfloat16|bf16|float16|fp16|float32|fp32)$", re.IGNORECASE)


@dataclass(frozen=True)
class Unmatched:
    row: int
    source_id: str | None
    reason: str


@dataclass
class Matching:
    """The items of one source file joined to the task's docs."""

    pairs: list[tuple[ImportedItem, Doc, str]] = field(default_factory=list)  # item, doc, matched by
    unmatched: list[Unmatched] = field(default_factory=list)
    items_from: str = "task data"  # or "source file": the task was defined from the file's items
    n_docs: int = 0

    @property
    def matched_by(self) -> dict[str, int]:
        return dict(Counter(how for _, _, how in self.pairs))


def resolve_model(catalog: Catalog, source: SourceFile, model_id: str | None) -> ModelSpec:
    """`--model`, else the catalogue model whose id, Hub repo or name the file's model name matches."""
    if model_id:
        return catalog.model(model_id)
    if not source.model_hint:
        raise InputError(f"{source.path}: the file does not name its model", "pass --model ID")
    want = model_stem(source.model_hint)
    hints = (source.model_hint, *source.model_aliases)
    # A local copy named with its dtype (the harness's own converted folder is `gemma-3-270m-bfloat16`)
    # is the same model: tried only after the names as written.
    hints += tuple(_DTYPE_SUFFIX.sub("", h) for h in hints if _DTYPE_SUFFIX.search(h))
    for hint in hints:
        for spec in catalog.models.values():
            names = {spec.id, spec.name, spec.source.repo or "", spec.base_model if spec.kind == "base" else ""}
            if model_stem(hint) in {model_stem(n) for n in names if n}:
                return spec
    raise InputError(f"{source.path}: model '{source.model_hint}' is not in the catalogue",
                     f"pass --model ID ({suggest(want, list(catalog.models))}) or add configs/models/<id>.yaml")


def resolve_task(catalog: Catalog, source: SourceFile, task_id: str | None) -> TaskSpec:
    """`--task`, else the catalogue task the file names (its id, its lm-eval task, or an id it extends)."""
    if task_id:
        if task_id not in catalog.tasks:
            raise InputError(f"unknown task id '{task_id}'", suggest(task_id, list(catalog.tasks)))
        return catalog.tasks[task_id]
    hint = source.task_hint
    if hint:
        if hint in catalog.tasks:
            return catalog.tasks[hint]
        for spec in catalog.tasks.values():
            if spec.lm_eval_task == hint:
                return spec
        # lm-eval variants of a task: gsm8k_local, gsm8k_cot_zeroshot → gsm8k (the longest id that fits)
        prefixes = [t for t in catalog.tasks if hint.startswith(t + "_")]
        if prefixes:
            return catalog.tasks[max(prefixes, key=len)]
    raise InputError(f"{source.path}: cannot tell which task the file is for (it names {hint!r})",
                     "pass --task ID (harness tasks lists them)")


def task_docs(task: TaskSpec, source: SourceFile) -> tuple[list[Doc], str]:
    """The task's items here, else the file's own items and gold (the task defined from the file)."""
    from harness.tasks.base import load_task_data

    try:
        return load_task_data(task).docs, "task data"
    except DataMissingError:
        pass
    docs, seen = [], set()
    for item in source.items:
        doc_id = item.source_id if item.source_id is not None else str(item.row)
        if item.gold is None or doc_id in seen:
            continue
        seen.add(doc_id)
        docs.append(Doc(doc_id=doc_id, question=item.question or "", gold=item.gold, choices=item.choices))
    if not docs:
        raise InputError(f"{source.path}: task '{task.id}' has no items here and the file gives no gold answers",
                         "set HARNESS_DATA_DIR to a mirror with the task's data")
    return docs, "source file"


def match_items(task: TaskSpec, source: SourceFile) -> Matching:
    """Join every item of `source` to one of the task's docs, or say why it could not be."""
    docs, items_from = task_docs(task, source)
    by_id = {d.doc_id: d for d in docs}
    texts = Counter(normalize_text(d.question) for d in docs if d.question)
    by_text = {normalize_text(d.question): d for d in docs if d.question and texts[normalize_text(d.question)] == 1}
    out = Matching(items_from=items_from, n_docs=len(docs))
    taken: set[tuple[str, int]] = set()
    for item in source.items:
        doc, how = None, ""
        text = normalize_text(item.question) if item.question else None
        if text is not None and text in by_text:
            doc, how = by_text[text], "question text"
        elif item.source_id is not None and item.source_id in by_id:
            doc, how = by_id[item.source_id], "id"
            if text is not None and doc.question and normalize_text(doc.question) != text:
                # Same id, another question: the file numbers a different item set (never trusted).
                out.unmatched.append(Unmatched(item.row, item.source_id, f"its id is item {doc.doc_id} of "
                                               f"task '{task.id}', but the question text differs"))
                continue
        elif item.question is None and isinstance(item.meta.get("index"), int) and 0 <= item.meta["index"] < len(docs):
            doc, how = docs[item.meta["index"]], "index"
        if doc is None:
            reason = ("its question text is in none of the task's items" if text is not None
                      else "no question text, and its id is none of the task's doc ids")
            out.unmatched.append(Unmatched(item.row, item.source_id, reason))
        elif (doc.doc_id, item.sample_idx) in taken:
            out.unmatched.append(Unmatched(item.row, item.source_id, f"a second response for item {doc.doc_id}"))
        else:
            taken.add((doc.doc_id, item.sample_idx))
            out.pairs.append((item, doc, how))
    return out
