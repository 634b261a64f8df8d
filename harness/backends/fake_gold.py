"""The fake backend's gold-based answers (`fake.answers: correct | wrong | mixed`).

The fake sees token ids, never a task's items, so the answers come from a JSONL file named in the
model spec (`fake.gold`): question text → final answer. A prompt's last question ("Question: …
Answer:", or "Q: … A:") is looked up there; an answer reads "#### N" (GSM8K's final-answer line),
right (N the gold answer) or wrong (the gold answer with a "1" appended), then starts a next
question so stop strings apply. `mixed` is right for about half the questions, chosen by a hash of
the question, so the same question gets the same answer on every path (runner and lm-eval).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.specs import FakeGold

UNKNOWN = "0"  # the gold of a question the file does not have


def _unit(*parts: Any) -> float:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def gold_path(gold: FakeGold) -> Path:
    """`gold.file` as given when absolute, else under HARNESS_DATA_DIR."""
    path = Path(gold.file).expanduser()
    if path.is_absolute():
        return path
    from harness.settings import current

    root = current().data_dir
    if root is None:
        raise InputError(f"fake.gold.file '{gold.file}' is relative and HARNESS_DATA_DIR is unset",
                         "set HARNESS_DATA_DIR or give an absolute path")
    return root / path


def read_gold(gold: FakeGold) -> dict[str, str]:
    """Question (stripped) → final answer: the text after the answer field's last '#### ', if any."""
    path = gold_path(gold)
    if not path.is_file():
        raise InputError(f"fake.gold.file: no file {path}", "name a JSONL file of questions and answers")
    out: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or gold.question not in row or gold.answer not in row:
            raise InputError(f"{path}: line {number} has no '{gold.question}' and '{gold.answer}' fields",
                             "set fake.gold.question and fake.gold.answer to the file's field names")
        out[str(row[gold.question]).strip()] = str(row[gold.answer]).split("#### ")[-1].strip()
    return out


def last_question(prompt: str) -> str:
    """The prompt's last question: after its last 'Question:' up to 'Answer:' (or 'Q:' … 'A:')."""
    marker, reply = ("Question:", "Answer:") if "Question:" in prompt else ("Q:", "A:")
    return prompt.rsplit(marker, 1)[-1].rsplit(reply, 1)[0].strip()


def gold_answer(prompt: str, gold: dict[str, str], policy: str) -> str:
    """The fake's full answer under a gold policy (before the token budget and stop strings)."""
    question = last_question(prompt)
    right = gold.get(question, UNKNOWN)
    correct = policy == "correct" or (policy == "mixed" and _unit(question) < 0.5)
    return f" Some steps.\n#### {right if correct else right + '1'}\n\nQuestion: next"
