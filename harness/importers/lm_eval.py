"""lm-eval `--log_samples` files (`samples_<task>_<timestamp>.jsonl`, lm-eval 0.4).

Each line: `doc_id`, `doc`, `target`, `arguments`, `resps`, `filtered_resps`, `filter`,
`metrics` (the metric names) and each metric's value. A task with several filters (gsm8k's
strict-match and flexible-extract) writes one line per document *per filter*: the raw response
is the same on each, so the lines of one document become one item whose source verdicts are kept
per `metric,filter`. The results JSON beside it (`results_<timestamp>.json`) gives the model,
its arguments, the shots, the generation settings and lm-eval's own aggregate metrics.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from harness.importers.base import ImportedItem, ImportFormatError, SourceFile
from harness.importers.readjson import read_jsonl, text_of
from harness.tasks.base import file_sha256
from harness.tasks.loaders import LETTERS

_NAME = re.compile(r"^samples_(?P<task>.+)_(?P<stamp>\d{4}-\d{2}-\d{2}T[\d\-.:]+)$")
_QUESTION_FIELDS = ("question", "problem", "query", "input", "Question", "ctx", "sentence", "premise", "goal", "text")
_REQUIRED = ("doc_id", "resps", "filter")


def looks_like(row: Any) -> bool:
    return isinstance(row, dict) and all(k in row for k in _REQUIRED) and "doc" in row


def _prompt(arguments: Any) -> str | None:
    """The first request's context: `[[ctx, kwargs], …]` or `{"gen_args_0": {"arg_0": ctx, …}}`."""
    if isinstance(arguments, dict) and arguments:
        first = next(iter(arguments.values()))
        if isinstance(first, dict):
            value = first.get("arg_0")
            return value if isinstance(value, str) else None
    if isinstance(arguments, list) and arguments and isinstance(arguments[0], list) and arguments[0]:
        value = arguments[0][0]
        return value if isinstance(value, str) else None
    return None


def _loglikelihoods(resps: Any) -> list[float] | None:
    """Per-choice log-likelihoods when the rows are multiple-choice (`[[[ll, greedy]], …]`)."""
    if not isinstance(resps, list) or not resps:
        return None
    out = []
    for choice in resps:
        pair = choice[0] if isinstance(choice, list) and choice and isinstance(choice[0], list) else choice
        number = isinstance(pair, list) and pair and isinstance(pair[0], (int, float))
        if not number or isinstance(pair[0], bool):
            return None
        out.append(float(pair[0]))
    return out


def _continuations(arguments: Any) -> tuple[str, ...]:
    """Each request's continuation (`arg_1`): a multiple-choice row's choices, in order."""
    requests = list(arguments.values()) if isinstance(arguments, dict) else arguments
    if not isinstance(requests, list):
        return ()
    out = []
    for request in requests:
        value = request.get("arg_1") if isinstance(request, dict) else (
            request[1] if isinstance(request, list) and len(request) > 1 else None)
        if not isinstance(value, str):
            return ()
        out.append(value.strip())
    return tuple(out)


def _gold(target: Any, choices: tuple[str, ...] | None) -> str | None:
    """The reference answer. A multiple-choice row's `target` is the gold choice's index (or, for
    some tasks, its text): written as the choice's letter, as the harness's choice tasks write gold;
    anything else as is."""
    if target is None:
        return None
    if choices and not isinstance(target, bool):
        index = target if isinstance(target, int) else (int(target) if str(target).strip().isdigit() else None)
        if index is None and str(target).strip() in choices and choices.count(str(target).strip()) == 1:
            index = choices.index(str(target).strip())
        if index is not None and 0 <= index < len(choices):
            return LETTERS[index]
    return str(target)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _question(doc: dict[str, Any]) -> str | None:
    """The doc's question text: a plain field, or the text inside a nested one (ARC's upstream
    rows hold `question: {stem, choices}`, which lm-eval keeps as the doc)."""
    sentence = doc.get("sentence")
    if isinstance(sentence, str) and "_" in sentence and "option1" in doc:
        # Winogrande: the text before the blank, which is what the harness's items hold (twin
        # sentences share it, so those match by id with this text as the check).
        return sentence[:sentence.index("_")].rstrip()
    for name in _QUESTION_FIELDS:
        value = doc.get(name)
        if isinstance(value, dict):
            value = next((value[k] for k in ("stem", "text", "question") if isinstance(value.get(k), str)), None)
        if isinstance(value, str) and value.strip():
            return value
    return None


def results_beside(path: Path) -> Path | None:
    """The results JSON of the same lm-eval run: same timestamp, else the only one there."""
    named = _NAME.match(path.stem)
    if named:
        same = path.with_name(f"results_{named.group('stamp')}.json")
        if same.is_file():
            return same
    found = sorted(path.parent.glob("results_*.json"))
    return found[0] if len(found) == 1 else None


def _results(path: Path | None, task: str | None) -> tuple[dict[str, Any], dict[str, Any], dict[str, float]]:
    """(model info, protocol, lm-eval's own metrics) from a results JSON."""
    if path is None:
        return {}, {}, {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFormatError(f"{path}: the lm-eval results JSON does not parse ({exc})",
                                "import the complete file, or move it away to import the samples alone") from None
    if not isinstance(data, dict):
        raise ImportFormatError(f"{path}: not an lm-eval results JSON (expected an object)")
    config = _dict(data.get("config"))
    model: dict[str, Any] = {k: config[k] for k in ("model", "model_args", "batch_size") if k in config}
    model["model_name"] = data.get("model_name")
    task_config = _dict(_dict(data.get("configs")).get(task or ""))
    protocol: dict[str, Any] = {"harness": f"lm-eval {data.get('lm_eval_version') or ''}".strip(),
                "task": task, "shots": (data.get("n-shot") or {}).get(task or ""),
                "prompt": task_config.get("doc_to_text"),
                "generation_kwargs": task_config.get("generation_kwargs"),
                "chat_template": bool(data.get("chat_template")),
                "limit": config.get("limit")}
    metrics = {}
    for key, value in ((data.get("results") or {}).get(task or "") or {}).items():
        # lm-eval writes metrics as "name,filter"; other numbers there (`sample_len`, the item count) are not metrics.
        if (isinstance(value, (int, float)) and not isinstance(value, bool) and "_stderr" not in key
                and "," in key):
            metrics[key] = float(value)
    return model, protocol, metrics


def read(path: Path, rows: list[dict[str, Any]] | None = None) -> SourceFile:
    rows = read_jsonl(path) if rows is None else rows
    by_doc: dict[Any, list[dict[str, Any]]] = {}
    for lineno, row in enumerate(rows, 1):
        if not looks_like(row):
            missing = [k for k in (*_REQUIRED, "doc") if k not in row]
            raise ImportFormatError(f"{path}:{lineno}: not an lm-eval --log_samples line (missing "
                                    f"{', '.join(missing)})", "pass --format to name the right format")
        by_doc.setdefault(row["doc_id"], []).append(row)
    items = []
    for row_no, (doc_id, group) in enumerate(by_doc.items()):
        first = group[0]
        doc = _dict(first.get("doc"))
        scores: dict[str, float] = {}
        for row in group:  # one row per filter: the verdicts differ, the response does not
            for metric in row.get("metrics") or []:
                value = row.get(metric)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    scores[f"{metric},{row['filter']}"] = float(value)
        primary = next(iter(scores.values()), None)
        logprobs = _loglikelihoods(first.get("resps"))
        choices = _continuations(first.get("arguments")) if logprobs is not None else ()
        if logprobs is not None and len(choices) != len(logprobs):
            choices = tuple(str(i) for i in range(len(logprobs)))  # the count is known, the texts are not
        filtered = first.get("filtered_resps")
        items.append(ImportedItem(
            row=row_no, response="" if logprobs is not None else text_of(first.get("resps")),
            source_id=str(doc_id), question=_question(doc),
            gold=_gold(first.get("target"), choices),
            choices=choices,
            prompt=_prompt(first.get("arguments")),
            source_extracted=None if logprobs is not None else (text_of(filtered) or None),
            source_correct=None if primary is None else primary >= 1.0, source_scores=scores,
            meta={"index": doc_id} | ({"logprobs": logprobs} if logprobs is not None else {}),
        ))
    named = _NAME.match(path.stem)
    task = named.group("task") if named else None
    beside = results_beside(path)
    model, protocol, metrics = _results(beside, task)
    raw_args = model.get("model_args")
    if isinstance(raw_args, dict):  # lm-eval 0.4.13 writes the parsed arguments; earlier ones the string
        model_args = ",".join(f"{k}={v}" for k, v in raw_args.items())
    else:
        model_args = str(raw_args or "")
    pretrained = re.search(r"(?:^|,)(?:pretrained|model)=([^,]+)", model_args)
    hint = model.get("model_name") or (pretrained.group(1) if pretrained else None)
    settings = dict(protocol.pop("generation_kwargs", None) or {})
    return SourceFile(
        format="lm-eval", path=path, sha256=file_sha256(path), items=items,
        model_hint=str(hint) if hint else None, task_hint=task, settings=settings,
        protocol=protocol | {"model_args": model_args or None}, source_metrics=metrics,
        extra_files={str(beside): file_sha256(beside)} if beside else {},
    )
