"""Published references: CSV validation and the leaderboard join."""

from __future__ import annotations

import csv
import datetime
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from harness.config import parse_spec, read_yaml
from harness.errors import InputError
from harness.references import COLUMNS, OPTIONAL_COLUMNS, attach_references, load_references, parse_protocol
from harness.specs import ModelSpec

ROOT = Path(__file__).resolve().parent.parent
REFS = ROOT / "configs" / "references.csv"
MODEL_IDS = {parse_spec(ModelSpec, read_yaml(p), str(p)).id for p in (ROOT / "configs" / "models").glob("*.yaml")}
TASK_ID = re.compile(r"^(gsm8k|math500|aime24|aime25|gpqa_diamond|mmlu_pro|mgsm|mgsm_[a-z]+|global_mmlu_[a-z]+"
                     r"|belebele_[a-z]+_[A-Za-z]+|xcopa_[a-z]+|cmmlu|ceval|arc_easy|arc_challenge|piqa|boolq"
                     r"|hellaswag|winogrande)$")
HEADER = ",".join(COLUMNS)


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "refs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_shipped_references_load_and_map_onto_our_ids() -> None:
    refs = load_references(REFS)
    assert len(refs) > 100
    for row in refs.itertuples():
        assert row.model.startswith("closed:") or row.model in MODEL_IDS, row.model
        assert TASK_ID.match(row.task), row.task
        assert 0 <= row.score <= 100 and row.source
    assert set(refs["protocol_match"]) <= {"yes", "no", "unknown"}
    r1 = refs[(refs.model == "deepseek-r1-distill-qwen-7b") & (refs.task == "aime24")]
    assert list(r1.score) == [55.5] and list(r1.protocol_match) == ["yes"]


def test_bad_score_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, "m-1,gsm8k,0-shot,50,paper,yes,", "m-2,gsm8k,0-shot,150,paper,yes,")
    with pytest.raises(InputError, match=r"refs\.csv:3: score must be a percentage"):
        load_references(path)


def test_missing_source_and_bad_protocol_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r":2: source is empty"):
        load_references(write(tmp_path, HEADER, "m-1,gsm8k,0-shot,50,,yes,"))
    with pytest.raises(InputError, match=r":2: protocol_match must be one of"):
        load_references(write(tmp_path, HEADER, "m-1,gsm8k,0-shot,50,paper,maybe,"))
    with pytest.raises(InputError, match=r":2: model 'Llama 3' is not an id"):
        load_references(write(tmp_path, HEADER, "Llama 3,gsm8k,0-shot,50,paper,yes,"))


def test_bad_header_and_field_count(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r":1: header must be"):
        load_references(write(tmp_path, "model,task,score", "m,gsm8k,5"))
    with pytest.raises(InputError, match=r":3: expected 7 fields"):
        load_references(write(tmp_path, HEADER, "m-1,gsm8k,0-shot,50,paper,yes,", "m-1,gsm8k,0-shot,50"))


def test_quoted_multiline_field_keeps_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, 'm-1,gsm8k,"a\nb",50,paper,yes,', "m-2,gsm8k,x,-1,paper,yes,")
    with pytest.raises(InputError, match=r":4: score"):
        load_references(path)


def test_attach_prefers_matching_protocol_and_converts_fractions(tmp_path: Path) -> None:
    refs = load_references(write(
        tmp_path, HEADER,
        "m-1,gsm8k,8-shot,80,card,no,",
        "m-1,gsm8k,0-shot CoT,70,paper,yes,",
        "m-2,aime24,pass@1,40,paper,unknown,",
        "closed:gpt-4o,gsm8k,0-shot,90,readme,yes,"))
    board = pd.DataFrame({"model": ["m-1", "m-2", "m-3"], "task": ["gsm8k", "aime24", "gsm8k"],
                          "metric": ["acc", "pass@1", "acc"], "score": [0.75, 42.0, 0.5]})
    out = attach_references(board, refs)
    assert list(out.columns[:4]) == ["model", "task", "metric", "score"]
    first, second, third = out.to_dict("records")
    assert first["reference_score"] == 70 and first["reference_protocol_match"] == "yes"
    assert first["delta_vs_reference"] == pytest.approx(5.0)  # 0.75 -> 75 %
    assert second["delta_vs_reference"] == pytest.approx(2.0)  # already a percentage
    assert math.isnan(third["reference_score"]) and math.isnan(third["delta_vs_reference"])
    assert third["reference_source"] == "" and len(out) == len(board)


def test_attach_needs_model_task_and_score_columns() -> None:
    with pytest.raises(InputError, match="no 'score' column"):
        attach_references(pd.DataFrame({"model": ["m"], "task": ["t"]}), load_references(REFS))


# ---------------------------------------------------------------- provenance of the shipped data

DATES = ROOT / "configs" / "dates.csv"
LEDGER = ROOT / "seeds" / "claims.yaml"
# A citation names the document a reader opens (arXiv id or URL), never how a copy was read.
DOCUMENT = re.compile(r"arXiv \d{4}\.\d{4,5}|https?://\S+")
HOW_READ = re.compile(r"\bvia\b|file id|search-index|transcription|text copy|mirror", re.IGNORECASE)
EARLIEST, LATEST = datetime.date(2019, 1, 1), datetime.date.today()


def task_items() -> dict[str, int]:
    """Items per task id and per group (sum over its members), from configs/tasks."""
    items: dict[str, int] = {}
    for path in (ROOT / "configs" / "tasks").glob("*.yaml"):
        raw = read_yaml(path)
        for task in raw.get("tasks", [raw]):
            items[task["id"]] = task["items"]
            if task.get("group"):
                items[task["group"]] = items.get(task["group"], 0) + task["items"]
    return items


def iso_date(text: str) -> datetime.date:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", text), text
    day = datetime.date.fromisoformat(text)
    assert EARLIEST <= day <= LATEST, text
    return day


def release_dates() -> dict[str, datetime.date]:
    """Catalogue model id -> released, plus closed:<name> -> date from configs/dates.csv."""
    out: dict[str, datetime.date] = {}
    for path in (ROOT / "configs" / "models").glob("*.yaml"):
        spec = parse_spec(ModelSpec, read_yaml(path), str(path))
        if spec.released is not None:
            out[spec.id] = spec.released
    with DATES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "closed":
                out[row["id"]] = iso_date(row["date"])
    return out


def test_every_shipped_reference_cites_a_document_with_items_date_and_protocol() -> None:
    refs = load_references(REFS)
    assert set(OPTIONAL_COLUMNS) <= set(refs.columns)
    items = task_items()
    released = release_dates()
    for row in refs.itertuples():
        where = f"{row.model} {row.task} ({row.source[:60]})"
        assert DOCUMENT.search(row.source), f"{where}: cite the arXiv id or URL of the document"
        assert not HOW_READ.search(row.source), f"{where}: cite the document, not how a copy was read"
        assert row.n == items[row.task], f"{where}: n {row.n} is not the task spec's {items[row.task]} items"
        published = iso_date(row.date)
        # a document cannot report a model before it was released; a day of slack for time zones
        # (the Qwen2.5 blog is dated 2024-09-19 +08:00, its arXiv report 2024-09-18 UTC)
        slack = datetime.timedelta(days=1)
        assert published + slack >= released[row.model], f"{where}: document dated before the model's release"
        assert set(parse_protocol(row.protocol)) <= {"shots", "cot", "sampling", "k", "metric"}


def test_every_catalogue_model_has_a_cited_release_date() -> None:
    for path in sorted((ROOT / "configs" / "models").glob("*.yaml")):
        spec = parse_spec(ModelSpec, read_yaml(path), str(path))
        assert spec.released is not None, f"{path.name}: add released: YYYY-MM-DD"
        assert EARLIEST <= spec.released <= LATEST, path.name
        line = next(x for x in path.read_text(encoding="utf-8").splitlines() if x.startswith("released:"))
        assert "#" in line and "http" in line.split("#", 1)[1], f"{path.name}: cite the release date's source (URL)"


def test_dates_cover_every_closed_reference_and_every_article() -> None:
    with DATES.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["kind", "id", "date", "source"]
        rows = list(reader)
    seen = set()
    for row in rows:
        assert row["kind"] in ("closed", "article"), row
        assert (row["kind"], row["id"]) not in seen, f"{row['id']} listed twice"
        seen.add((row["kind"], row["id"]))
        iso_date(row["date"])
        assert len(row["source"]) > 20 and not re.search(r"\bvia\b|file id|search-index", row["source"]), row
    closed = {m for m in load_references(REFS).model if m.startswith("closed:")}
    ledger_text = LEDGER.read_text(encoding="utf-8")
    closed |= set(re.findall(r"closed:[a-z0-9][a-z0-9._-]*", ledger_text))
    assert closed <= {i for k, i in seen if k == "closed"}, closed - {i for k, i in seen if k == "closed"}
    articles = {s["file"] for s in read_yaml(LEDGER)["sources"]}
    assert articles and articles == {i for k, i in seen if k == "article"}


def test_optional_columns_are_validated(tmp_path: Path) -> None:
    header = HEADER + ",n,date,protocol"
    ok = load_references(write(tmp_path, header, "m-1,gsm8k,0-shot,50,paper,yes,,1319,2024-07-23,shots=0;cot=yes",
                               "m-2,gsm8k,0-shot,50,paper,yes,,,,"))
    assert list(ok.n.astype("object")) == [1319, pd.NA] and list(ok.date) == ["2024-07-23", ""]
    assert parse_protocol("sampling=temperature=0.6;k=64;metric=pass@1") == {
        "sampling": "temperature=0.6", "k": "64", "metric": "pass@1"}
    for bad, message in (("1319,2024-7-23,", r":2: date must be ISO"), ("0,2024-07-23,", r":2: n must be"),
                         ("30,2024-07-23,shots=0;temp=0.6", r":2: protocol 'temp=0.6'"),
                         ("30,2024-07-23,sampling=hot", r":2: protocol 'sampling=hot' has a bad value"),
                         ("30,2024-07-23,k=4;k=8", r"given twice")):
        with pytest.raises(InputError, match=message):
            load_references(write(tmp_path, header, f"m-1,gsm8k,0-shot,50,paper,yes,,{bad}"))
    # the legacy seven-column header still loads, with empty new columns
    legacy = load_references(write(tmp_path, HEADER, "m-1,gsm8k,0-shot,50,paper,yes,"))
    assert legacy.n.isna().all() and list(legacy.protocol) == [""]
