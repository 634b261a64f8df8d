"""What every format reader produces: a `SourceFile` of `ImportedItem`s."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InputError


class ImportFormatError(InputError):
    """A file that is not what its format says (exit 2, one line)."""


@dataclass(frozen=True)
class ImportedItem:
    """One response from the source file, with what the source said about it."""

    row: int  # position in the file (0-based): the `index` match and the error messages use it
    response: str
    source_id: str | None = None  # the source's item id, as text
    question: str | None = None  # for matching by normalised text
    gold: str | None = None  # the source's reference answer
    choices: tuple[str, ...] = ()
    prompt: str | None = None  # the exact prompt the model saw, when the file keeps it
    sample_idx: int = 0
    source_extracted: str | None = None  # the source's extracted answer (None: none, or not stated)
    source_correct: bool | None = None  # the source's verdict (None: the file states none)
    source_scores: dict[str, float] = field(default_factory=dict)  # per filter/metric (lm-eval)
    finish_reason: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceFile:
    """A parsed source file: items plus everything it states about how they were produced."""

    format: str
    path: Path
    sha256: str
    items: list[ImportedItem]
    model_hint: str | None = None  # the generating model as the file names it
    model_aliases: tuple[str, ...] = ()  # other names for it (the file name), tried after model_hint
    task_hint: str | None = None  # the benchmark as the file names it
    settings: dict[str, Any] = field(default_factory=dict)  # sampling/engine settings the file states
    protocol: dict[str, Any] = field(default_factory=dict)  # prompt format, shots, source harness
    source_metrics: dict[str, float] = field(default_factory=dict)  # what the source itself reported
    extra_files: dict[str, str] = field(default_factory=dict)  # other files read (path → sha256)


_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Question text for matching: NFKC, curly quotes straightened, case and whitespace folded."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return _SPACE.sub(" ", text).strip().lower()


def model_stem(name: str) -> str:
    """A model name reduced for matching against the catalogue: `Meta-Llama-3_1-8B` → `llama318b`."""
    name = name.rsplit("/", 1)[-1].split("@", 1)[0].lower()
    name = re.sub(r"^meta-", "", name)
    return re.sub(r"[^a-z0-9]", "", name)
