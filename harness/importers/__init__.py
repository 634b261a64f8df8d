"""`harness import`: other harnesses' per-sample logs → ordinary run records.

One module per source format (`zeroeval`, `mmlu_pro`, `lm_eval`, `jsonl`) reads a file into a
`SourceFile` (items with the raw response, the source's own gold and verdict, and what the file
says about how it was produced); `match` joins its items to the harness task's items; `writer`
grades every response with the task's grader and writes manifest, generations, samples and
metrics through the store, beside `imported.jsonl` (the source's verdict per item) and
`import.json` (provenance, matching and agreement).
"""

from harness.importers.base import ImportedItem, SourceFile
from harness.importers.run import ImportReport, import_paths

__all__ = ["ImportReport", "ImportedItem", "SourceFile", "import_paths"]
