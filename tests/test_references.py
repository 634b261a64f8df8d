"""Published references: CSV validation and the leaderboard join."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from harness.config import parse_spec, read_yaml
from harness.errors import InputError
from harness.references import COLUMNS, attach_references, load_references
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
