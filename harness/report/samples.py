"""Graded items for the report's Samples section: one compressed payload per task.

A task's payload lists every graded sample of every evidence run of that task (all models): doc_id,
sample index, status (correct | wrong | truncated | ungradable | error), extracted answer, gold,
finish reason, output tokens, backend error. It is JSON, gzip-compressed and base64-encoded, and
decoded in the browser only when someone opens that task (`DecompressionStream`).

Texts (prompt, raw response, and where its reasoning ends, folded in the viewer) are included up to
a budget, so the report stays small whatever the results hold (reasoning traces run to 100 KB a
sample): `text_budget` bytes over the whole report, split evenly over the cells (at least
`MIN_CELL_TEXT` each). Within a cell every sample first gets the end of its output (where the
answer is), then whole texts go to samples that are not correct first, then to correct ones (see
`_plan_texts`). A sample over the budget is still listed, with a pointer to its record. Prompts are
stored once per prompt hash. Multiple-choice samples carry their per-option log-likelihoods.

Small payloads are inlined into `report.html`; otherwise each task gets its own self-contained page
under `<report>/samples/<task>.html`, linked from the report.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.records import SampleRecord
from harness.report.jobs import no_gc

if TYPE_CHECKING:
    from harness.store import Selection

INLINE_MAX_SAMPLES = 50_000
INLINE_MAX_BYTES = 8 * 2**20
TEXT_BUDGET = 192 * 2**20  # prompt + response characters over the whole report
MIN_CELL_TEXT = 24 * 2**10
MIN_TAIL, MAX_TAIL = 80, 400  # characters of an output's end that every sample gets, budget permitting
FULL = -1  # `_plan_texts`: the prompt and the whole response
STATUSES = ("correct", "wrong", "truncated", "ungradable", "error")
Counts = dict[str, dict[str, int]]  # model -> status -> samples
Reader = Callable[[str], list[SampleRecord]]  # run key -> its samples, validated by the store
PageWriter = Callable[[str, str, Counts, dict[str, Any]], Path]  # (task, payload, counts, stamp) -> page
COLUMNS = attrgetter("doc_id", "sample_idx", "extracted", "gold", "finish_reason", "output_tokens", "error",
                     "answer_span")  # a sample's plain payload columns, in `encode_task`'s order


@dataclass(frozen=True)
class RunRef:
    """One evidence run of a task, with how its model writes reasoning (to fold it)."""

    model: str
    run_key: str
    reasoning_format: str
    think_in_prompt: bool
    n_samples: int
    imported: bool = False  # generated elsewhere (`harness import`): no token counts were recorded


@dataclass
class TaskSamples:
    task: str
    counts: Counts
    blob: str | None = None  # base64 of gzip(JSON) when inlined
    page: str | None = None  # path relative to report.html when on its own page
    size: int = 0  # compressed bytes
    texts_left_out: int = 0

    @property
    def n_samples(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())


@dataclass
class SamplesIndex:
    tasks: dict[str, TaskSamples] = field(default_factory=dict)
    inline: bool = True
    cell_text_budget: int = 0

    @property
    def n_samples(self) -> int:
        return sum(t.n_samples for t in self.tasks.values())

    @property
    def texts_left_out(self) -> int:
        return sum(t.texts_left_out for t in self.tasks.values())


def status_of(s: SampleRecord) -> str:
    if s.error is not None:
        return "error"
    if s.truncated:
        return "truncated"
    if s.ungradable:
        return "ungradable"
    return "correct" if s.correct else "wrong"


def reasoning_prefix(response: str, fmt: str, think_in_prompt: bool) -> int:
    """Characters of `response` that are reasoning (folded in the viewer); 0 when there is none.
    Uses the graders' own split (`harness.grading.reasoning`), so the fold is where grading cut."""
    if fmt not in ("think", "harmony") or not response:
        return 0
    from harness.grading.reasoning import split_reasoning

    answer, truncated = split_reasoning(response, fmt, think_in_prompt)
    if answer is None or truncated:
        return len(response)
    at = response.rfind(answer) if answer else len(response.rstrip())
    return max(at, 0)


def _plan_texts(samples: list[SampleRecord], budget: int, seen: set[str]) -> dict[int, int]:
    """How much of each sample's text fits the cell's budget: index → characters of its response
    kept from the end (`FULL` for the prompt and the whole response).

    First every sample, not-correct ones first, gets the end of its output, where the answer is (an
    even share of half the budget, `MIN_TAIL`..`MAX_TAIL` characters, while half the budget lasts),
    so correct samples are not left blank; then, in the same order, whole texts while the budget
    lasts. A prompt counts once per task (`seen`: prompt hashes already paid for), since the payload
    stores each prompt once."""
    order = sorted(range(len(samples)), key=lambda i: samples[i].correct and samples[i].error is None)
    tail = max(MIN_TAIL, min(MAX_TAIL, budget // (2 * max(len(samples), 1))))
    keep: dict[int, int] = {}
    used = 0
    for i in order:  # at most half the budget, so whole texts of the wrong ones still fit
        size = min(len(samples[i].response), tail)
        if used + size > budget // 2:
            break
        keep[i] = size
        used += size
    for i in order:
        s = samples[i]
        key = s.prompt_hash or ""
        extra = len(s.response) - keep.get(i, 0) + (0 if key in seen else len(s.prompt))
        if used + extra > budget:
            if used + MIN_TAIL > budget:
                break
            continue  # a long one; shorter ones later in the order may still fit
        keep[i] = FULL
        seen.add(key)
        used += extra
    return keep


def encode_task(task: str, runs: list[tuple[RunRef, list[SampleRecord]]],
                cell_budget: int) -> tuple[bytes, Counts, int]:
    """gzip(JSON) of a task's samples over its runs, the status counts per model, and how many
    samples were listed without their whole texts.

    Per model the samples are stored column by column (cheap to build and to encode for millions of
    samples); `texts` maps a sample's position to [prompt hash, response, reasoning prefix length],
    or to [None, the end of the response, 0, characters left out] when only the end fits; `ll` holds
    multiple-choice log-likelihoods per option (None for generated answers). `rows(payload, model)`
    turns them back into one row per sample, as the viewer does."""
    prompts: dict[str, str] = {}
    models: dict[str, Any] = {}
    counts: Counts = {}
    left_out = 0
    seen: set[str] = set()
    for ref, samples in runs:
        status = [status_of(s) for s in samples]
        texts: dict[int, list[Any]] = {}
        for i, kept in sorted(_plan_texts(samples, cell_budget, seen).items()):
            s = samples[i]
            if kept != FULL:
                texts[i] = [None, s.response[len(s.response) - kept:], 0, len(s.response) - kept]
                continue
            key = s.prompt_hash or hashlib.sha256(s.prompt.encode("utf-8")).hexdigest()[:16]
            prompts.setdefault(key, s.prompt)
            texts[i] = [key, s.response, reasoning_prefix(s.response, ref.reasoning_format, ref.think_in_prompt)]
        left_out += len(samples) - sum(1 for t in texts.values() if t[0] is not None)
        has_ll = any(s.choice_logprobs for s in samples)
        # One C-level pass for the plain columns (a list comprehension per column cost more at 2M samples).
        doc, idx, extracted, gold, finish, tokens, error, span = (
            map(list, zip(*map(COLUMNS, samples), strict=True)) if samples else ([] for _ in range(8)))
        if ref.imported and not any(tokens):
            tokens = [None] * len(samples)  # the source recorded no token counts: unknown, not zero
        models[ref.model] = {
            "run_key": ref.run_key, "doc": doc, "idx": idx, "extracted": extracted, "gold": gold, "status": status,
            "finish": finish, "tokens": tokens, "error": error, "texts": texts, "span": span,
            "ll": [_logprobs(s.choice_logprobs) for s in samples] if has_ll else None,
        }  # fmt: skip
        tally = Counter(status)
        counts[ref.model] = {k: tally[k] for k in STATUSES}
    payload = json.dumps({"task": task, "prompts": prompts, "models": models}, ensure_ascii=False,
                         separators=(",", ":"))  # fmt: skip
    return gzip.compress(payload.encode("utf-8"), compresslevel=1, mtime=0), counts, left_out


def _logprobs(values: list[float] | None) -> list[float | None] | None:
    """Log-likelihoods for JSON: rounded, minus infinity as None (the record's own convention)."""
    if not values:
        return None
    return [round(v, 3) if math.isfinite(v) else None for v in values]


def rows(payload: dict[str, Any], model: str) -> list[list[Any]]:
    """One model's samples as rows: doc_id, sample_idx, prompt hash, response, reasoning prefix length,
    extracted, gold, status, finish reason, output tokens, error, characters of the response left
    out, log-likelihoods (prompt hash None when only the response's end is kept; texts None when
    none fits), and where in the response the grader found the answer ([start, end) or None)."""
    m = payload["models"][model]
    out = []
    for i in range(len(m["doc"])):
        text = m["texts"].get(str(i), [None, None, 0])
        out.append([m["doc"][i], m["idx"][i], *text[:3], m["extracted"][i], m["gold"][i], m["status"][i],
                    m["finish"][i], m["tokens"][i], m["error"][i], text[3] if len(text) > 3 else 0,
                    m["ll"][i] if m.get("ll") else None,
                    m["span"][i] if m.get("span") else None])  # fmt: skip
    return out


def run_refs(selections: dict[tuple[str, str], Selection]) -> dict[str, list[RunRef]]:
    """The evidence runs per task, with each model's reasoning format from the run's manifest."""
    out: dict[str, list[RunRef]] = {}
    for (model, task), sel in selections.items():
        manifest = sel.chosen.manifest
        reasoning = manifest.model_spec.get("reasoning") or {}
        out.setdefault(task, []).append(RunRef(model, sel.chosen.run_key, str(reasoning.get("format") or "none"),
                                               bool(reasoning.get("think_in_prompt")), manifest.n_requests,
                                               sel.chosen.imported))
    return dict(sorted(out.items()))


def read_run_samples(root: Path, run_key: str) -> list[SampleRecord]:
    """A run's samples through the store's validated per-run reader (what `Results.samples` reads);
    used in worker processes, which have no `Results` index of their own."""
    from harness.store import RunDir

    return RunDir(root, run_key).read_samples()


def pack_task(task: str, refs: list[RunRef], read: Reader, cell_budget: int, page_writer: PageWriter | None,
              key: str = "") -> TaskSamples:  # fmt: skip
    """One task's payload: returned inline, or written as its page when `page_writer` is given (with a
    stamp holding `key`, so that the next build can reuse the page while its runs are unchanged)."""
    with no_gc():  # tens of thousands of records per task; the collector's passes were ~40% of packing
        blob, counts, left_out = encode_task(task, [(r, read(r.run_key)) for r in refs], cell_budget)
    encoded = base64.b64encode(blob).decode("ascii")
    if page_writer is not None:
        page_writer(task, encoded, counts, {"key": key, "size": len(blob), "left_out": left_out})
        return TaskSamples(task, counts, None, None, len(blob), left_out)
    return TaskSamples(task, counts, encoded, None, len(blob), left_out)


def page_key(task: str, refs: list[RunRef], cell_budget: int, root: Path, code: str) -> str:
    """What a task's page depends on: its runs (key, samples file size and time), the text budget and
    the report's own code (`code`). A page stamped with the same key is reused as it is."""
    from harness.store import RunDir

    parts: list[Any] = [task, cell_budget, code]
    for r in refs:
        stat = RunDir(root, r.run_key).samples_path.stat()
        parts.append([r.model, r.run_key, r.reasoning_format, r.think_in_prompt, stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


STAMP = "<!-- harness-samples "


def reuse_page(path: Path, key: str) -> TaskSamples | None:
    """The index entry of an existing page whose stamp matches `key`, or None."""
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as fh:
        for _ in range(3):
            line = fh.readline()
            if line.startswith(STAMP):
                try:
                    stamp = json.loads(line[len(STAMP):].rsplit("-->", 1)[0])
                except ValueError:
                    return None
                if stamp.get("key") != key:
                    return None
                return TaskSamples(path.stem, stamp["counts"], None, None, int(stamp["size"]), int(stamp["left_out"]))
    return None


def plan_samples(selections: dict[tuple[str, str], Selection], *, inline_max_samples: int = INLINE_MAX_SAMPLES,
                 text_budget: int = TEXT_BUDGET) -> tuple[dict[str, list[RunRef]], bool, int]:  # fmt: skip
    """Runs per task, whether to inline (by sample count), and each cell's text budget."""
    refs = run_refs(selections)
    total = sum(r.n_samples for rs in refs.values() for r in rs)
    cells = max(1, sum(len(rs) for rs in refs.values()))
    return refs, total <= inline_max_samples, max(text_budget // cells, MIN_CELL_TEXT)


def finish_index(packed: list[TaskSamples], inline: bool, cell_budget: int, page_writer: PageWriter,
                 page_path: Callable[[str], str], inline_max_bytes: int = INLINE_MAX_BYTES) -> SamplesIndex:
    """The samples index; payloads planned inline that turn out too large move to their pages."""
    index = SamplesIndex({t.task: t for t in packed}, inline, cell_budget)
    for t in packed:
        if t.blob is None:
            t.page = page_path(t.task)
    if inline and sum(t.size for t in packed) > inline_max_bytes:
        index.inline = False  # few samples but long ones
        for t in packed:
            page_writer(t.task, t.blob or "", t.counts, {"key": "", "size": t.size, "left_out": t.texts_left_out})
            t.blob, t.page = None, page_path(t.task)
    return index


def decode(blob: str) -> dict[str, Any]:
    """A payload back to JSON (what the viewer does in the browser); for tests and tools."""
    data: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(blob)))
    return data
