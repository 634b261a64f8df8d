"""Where the harness and ZeroEval disagree on ZeroEval's own GSM8K and MATH level-5 outputs.

    python benchmarks/zeroeval_gaps.py [--results DIR] [--markdown FILE] [--items FILE]

Imports every file under ``$HARNESS_DATA_DIR/outputs/zeroeval/`` (and ``outputs/mmlu-pro/``) with
``harness import`` into ``--results`` (a temporary folder unless given; importing again is a
no-op), then, per file:

- the harness's accuracy (the import's re-grade) and the accuracy ZeroEval published for the same
  outputs (``<set>.summary.md``);
- ZeroEval's per-item verdicts, recomputed with its published rule (below), which must reproduce
  its published accuracy: the files keep no verdict of their own;
- every item where the two verdicts differ, in one of the classes in ``CLASSES``.

ZeroEval's rule (``src/evaluation/{gsm,math}_eval.py`` and ``eval_utils.py`` of yuchenlin/ZeroEval,
re-implemented here from its description, not copied): the answer is the ``answer`` value of the
first complete ``{…}`` block that parses as JSON (newlines removed first), else the first
``"answer": "…"`` (or unquoted ``answer: …``) found by pattern; for Llama-3.1 files, else a
``\\boxed{…}`` of letters and digits. Items without one count as wrong. The answer and the gold are
sanitised (``$`` and ``,`` removed; an arithmetic expression with ``/`` evaluated to a float, as
Python's ``eval`` would) and the item is right when the *first number* in each is the same.

``--markdown`` writes the tables and classes (docs/imports.md embeds them); ``--items`` writes
every disagreeing item (answers, gold, the output's end) as JSON for reading.
"""

from __future__ import annotations

import argparse
import ast
import json
import operator
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.grading import grade  # noqa: E402

SETS = {"gsm": "number", "math-l5": "math"}

# The classes of a disagreement. `source_*`: the harness is right and ZeroEval wrong; `harness_*`:
# ZeroEval is right and the harness wrong; `two_answers_*`: the output states two answers and the two
# read different ones (ZeroEval the first JSON block, the harness the last), a difference of policy.
CLASSES = {
    "source_no_answer": "harness right, ZeroEval wrong: ZeroEval parsed no answer (its JSON does not parse and "
                        "its patterns miss the field: `**answer**: \"-5\"`, `answer\": \"5\"` without its opening "
                        "quote, a final sentence with no field)",
    "source_equivalent_form": "harness right, ZeroEval wrong: ZeroEval parsed the right answer but its "
                              "first-number rule misses it (an expression whose result comes last: "
                              "`128 - 24 + 2 = 106`, `10 * 2^9`)",
    "source_garbage": "harness right, ZeroEval wrong: ZeroEval's pattern took something that is not the answer "
                      "(`**` from `**answer:** \"363\"`)",
    "harness_empty_field": "harness WRONG (too lenient): the answer field is empty (`\"answer\": \"\"`, the model "
                           "gave none) and the harness reads a number from the text around it",
    "two_answers_harness": "two answers stated, the last one right: the output revises after a first JSON block "
                           "(ZeroEval reads the first, the harness the last)",
    "two_answers_source": "two answers stated, the first one right: ZeroEval reads the first, the harness the last",
    "source_first_number": "ZeroEval right, harness wrong by ZeroEval's rule only: the answer is wrong but its first "
                           "number is the gold's (`2\\sqrt{3}`-type: `6\\sqrt{2}` for 6, `-1 + 2i` for -1, "
                           "`2, -1` for 2, `11 is incorrect ... 8.8` for 11)",
    "harness_clock_time": "harness WRONG: a clock time as the answer (`2:00 pm` for the gold 2) is read as its "
                          "minutes",
    "harness_lenient": "harness WRONG (too lenient): checked by eye; see REVIEWED",
    "cut_output": "harness WRONG (too lenient): the output is cut mid-sentence in a loop at the token budget "
                  "(ZeroEval's files keep no finish reason, so the import cannot mark it truncated) and the "
                  "harness reads the last value it states",
    "harness_no_answer": "ZeroEval right, harness wrong: the harness extracted no answer",
    "unclassified": "none of the above (read it with --items)",
}

# Items read by eye whose class the rules above get wrong: (set, file, row) → class, with why.
REVIEWED = {
    # "Enter all possible values of k": the answer "9, 18, 27, 36, ..." (all multiples of 9) is wrong;
    # the harness takes its last number, 36, the gold.
    ("math-l5", "gemma-2-27b-it.json", 304): "harness_lenient",
}


# --- ZeroEval's rule -------------------------------------------------------------------------------

def _first_complete_json(text: str) -> dict[str, Any] | None:
    depth, start = 0, None
    for i, char in enumerate(text):
        if char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0 and start is not None:
                try:
                    value = json.loads(text[start:i + 1].replace("\n", ""))
                except json.JSONDecodeError:
                    return None  # ZeroEval tries only the first complete block
                return value if isinstance(value, dict) else None
    return None


def _answer_by_pattern(text: str) -> str | None:
    for pattern, flags in ((r'"answer"\s*:\s*"([^"]*?)"', 0), (r'"answer"\s*:\s*"(.*?)"', re.DOTALL),
                           (r'"answer"\s*:\s*([^,\s]*)', 0), (r"answer\s*:\s*([^,\s]*)", 0)):
        found = re.search(pattern, text, flags)
        if found:
            return found.group(1)
    return None


def zeroeval_answer(output: str, model: str) -> str | None:
    """The answer ZeroEval's parser reads from one output (None: it counts the item unanswered)."""
    parsed = _first_complete_json(output)
    if parsed is not None and "answer" in parsed:
        return str(parsed["answer"])
    found = _answer_by_pattern(output)
    if found is not None:
        return found
    if "Llama-3.1" in model and "boxed" in output:
        boxed = re.search(r"\\boxed{([\w\d]+)}", output)
        if boxed:
            return boxed.group(1)
    return None


_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.BitXor: operator.xor}


def _arith(node: ast.AST) -> Any:
    """What Python's eval gives for plain arithmetic (ZeroEval evals answers containing '/'), else raises."""
    if isinstance(node, ast.Expression):
        return _arith(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _arith(node.operand)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _arith(node.left), _arith(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("too large")
        return _OPS[type(node.op)](left, right)
    raise ValueError("not arithmetic")


def sanitize(answer: str) -> str:
    answer = answer.replace("$", "").strip().replace(",", "")
    if "/" in answer:
        try:
            answer = str(float(_arith(ast.parse(answer, mode="eval"))))
        except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError, MemoryError):
            pass
    return answer


_FIRST = re.compile(r"-?\d+(\.\d+)?")


def first_number(text: str) -> float | None:
    found = _FIRST.search(text)
    return float(found.group()) if found else None


def zeroeval_correct(answer: str | None, gold: str) -> bool:
    if answer is None:
        return False
    mine, want = first_number(sanitize(answer)), first_number(sanitize(gold.replace("#", "").strip()))
    return mine is not None and want is not None and mine == want


# --- comparison ------------------------------------------------------------------------------------

@dataclass
class Item:
    file: str
    row: int
    doc_id: str
    gold: str
    source_answer: str | None
    source_correct: bool
    harness_extracted: str | None
    harness_correct: bool
    truncated: bool
    output_end: str
    cls: str = ""


def published(summary_md: Path) -> dict[str, float]:
    """Model name → Acc from a ZeroEval `<set>.summary.md` table."""
    out = {}
    for line in summary_md.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"\d+(\.\d+)?", cells[2]):
            out[cells[0]] = float(cells[2])
    return out


def _key(name: str) -> str:
    name = name.lower().replace("meta-", "").replace("-instruct", "").replace("-inst", "")
    return name


def published_for(stem: str, table: dict[str, float]) -> float | None:
    """The summary row of a file: same name, else the same with `Meta-`/`-Instruct` folded, else
    without the `@provider` suffix (ZeroEval's table names gemma-2-27b-it@together `gemma-2-27b-it`)."""
    if stem in table:
        return table[stem]
    keyed = {_key(k): v for k, v in table.items()}
    for candidate in (stem, stem.split("@", 1)[0]):
        if _key(candidate) in keyed:
            return keyed[_key(candidate)]
    return None


def equivalent(answer: str, gold: str, answer_type: str) -> bool:
    """The harness's own check of a bare answer against the gold."""
    return bool(grade(answer_type, f"The final answer is $\\boxed{{{answer}}}$.", gold).correct)


_CLOCK = re.compile(r"^\s*\d{1,2}:\d{2}\b")
_ANSWER_FIELD = re.compile(r"answer\W{0,4}:", re.IGNORECASE)


def looks_cut(output: str) -> bool:
    """A long output that stops mid-sentence (ends on a letter or digit): cut at the token budget."""
    return len(output) > 6000 and bool(re.search(r"[A-Za-z0-9]\s*$", output))


def classify(item: Item, answer_type: str, output: str, set_name: str) -> str:
    reviewed = REVIEWED.get((set_name, item.file, item.row))
    if reviewed:
        return reviewed
    if item.harness_correct and looks_cut(output):
        return "cut_output"
    two = len(_ANSWER_FIELD.findall(output)) >= 2
    if item.harness_correct:  # ZeroEval marked it wrong
        if item.source_answer is None:
            return "source_no_answer"
        if not item.source_answer.strip():
            return "harness_empty_field"
        if not re.search(r"\d", item.source_answer):
            return "source_garbage"
        if equivalent(item.source_answer, item.gold, answer_type):
            return "source_equivalent_form"
        return "two_answers_harness" if two else "unclassified"
    if item.source_answer is not None and _CLOCK.match(item.source_answer):
        return "harness_clock_time"
    if item.harness_extracted is None:
        return "harness_no_answer"
    if item.source_answer is not None and not equivalent(item.source_answer, item.gold, answer_type):
        return "source_first_number"
    return "two_answers_source" if two else "unclassified"


def import_all(data: Path, results: Path) -> None:
    from harness.config import load_catalog
    from harness.importers.run import import_paths

    paths = [data / "outputs" / "zeroeval", data / "outputs" / "mmlu-pro"]
    import_paths([p for p in paths if p.is_dir()], results, load_catalog())


def _jsonl(path: Path) -> list[dict[str, Any]]:
    # Split on newlines only: outputs hold U+2028 and other characters str.splitlines() breaks at.
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def runs_by_source(results: Path) -> dict[str, Path]:
    out = {}
    for run in sorted((results / "runs").iterdir()):
        summary = run / "import.json"
        if summary.is_file():
            out[json.loads(summary.read_text(encoding="utf-8"))["source"]["path"]] = run
    return out


def compare(path: Path, run: Path, set_name: str, table: dict[str, float]) -> tuple[dict[str, Any], list[Item]]:
    answer_type = SETS[set_name]
    rows = json.loads(path.read_text(encoding="utf-8"))
    verdicts = {v["row"]: v for v in _jsonl(run / "imported.jsonl")}
    samples = {s["doc_id"]: s for s in _jsonl(run / "samples.jsonl")}
    items = []
    for i, rec in enumerate(rows):
        output = rec["output"][0] if rec["output"] else ""
        gold = str(rec["answer"]).replace("#", "").strip()
        answer = zeroeval_answer(output, path.stem)
        v = verdicts.get(i)
        if v is None:  # unmatched: reported by the import
            continue
        items.append(Item(
            file=path.name, row=i, doc_id=v["doc_id"], gold=gold, source_answer=answer,
            source_correct=zeroeval_correct(answer, gold), harness_extracted=v["harness_extracted"],
            harness_correct=bool(v["harness_correct"]), truncated=bool(samples[v["doc_id"]].get("truncated")),
            output_end=output[-300:]))
    differ = [it for it in items if it.source_correct != it.harness_correct]
    outputs = {i: (rec["output"][0] if rec["output"] else "") for i, rec in enumerate(rows)}
    for it in differ:
        it.cls = classify(it, answer_type, outputs[it.row], set_name)
    n = len(rows)
    summary = json.loads((run / "import.json").read_text(encoding="utf-8"))
    row = {"file": path.name, "n": n, "matched": len(items),
           "harness": round(100 * sum(it.harness_correct for it in items) / n, 2),
           "source_published": published_for(path.stem, table),
           "source_recomputed": round(100 * sum(it.source_correct for it in items) / n, 2),
           "import_accuracy": round(100 * summary["accuracy"], 2) if summary["accuracy"] is not None else None,
           "disagree": len(differ), "classes": dict(Counter(it.cls for it in differ))}
    return row, differ


_STATED = re.compile(r"answer is \(?([A-J])\)?")
MMLU_PRO_CLASSES = {
    "several_last_right": "several `The answer is (X)` lines (Gemini lists five letters, then one more): the source "
                          "reads the first, the harness the last, and the last is right",
    "several_first_right": "the same, and the first is right",
    "choice_text": "harness right: no letter stated, the answer written as a choice's text (`The proceeds are "
                   "$543.61.`), which the harness's letter grader matches and the source's letter patterns miss",
    "source_fallback": "the source right where the output states no answer: MMLU-Pro's fallbacks (`Answer: X`, the "
                       "last lone capital letter, else a *random* letter) where the harness reads none",
    "other": "anything else",
}


def _mmlu_class(verdict: dict[str, Any], response: str) -> str:
    stated = _STATED.findall(response)
    if len(stated) > 1:
        return "several_last_right" if verdict["harness_correct"] else "several_first_right"
    if verdict["source_correct"] and verdict["harness_extracted"] is None:
        return "source_fallback"
    if verdict["harness_correct"] and verdict["source_extracted"] is None and not stated:
        return "choice_text"
    return "other"


def mmlu_pro_rows(results: Path) -> list[dict[str, Any]]:
    """Harness vs the source's own per-item verdicts (`pred` against `answer`) per MMLU-Pro file."""
    out = []
    for source, run in runs_by_source(results).items():
        summary = json.loads((run / "import.json").read_text(encoding="utf-8"))
        if summary["source"]["format"] != "mmlu-pro":
            continue
        responses = {s["doc_id"]: s["response"] for s in _jsonl(run / "samples.jsonl")}
        classes = Counter(_mmlu_class(v, responses[v["doc_id"]]) for v in _jsonl(run / "imported.jsonl")
                          if v["source_correct"] is not None and v["source_correct"] != v["harness_correct"])
        out.append({"file": Path(source).name, "model": summary["model"], "n": summary["matched"],
                    "harness": round(100 * summary["accuracy"], 2),
                    "source": round(100 * summary["source_accuracy"], 2),
                    "agreement": round(100 * summary["agreement"], 2), "classes": dict(classes)})
    return out


def markdown(tables: dict[str, list[dict[str, Any]]], mmlu: list[dict[str, Any]]) -> str:
    lines = []
    for name, rows in tables.items():
        lines += [f"### ZeroEval {name}", "",
                  "| file | items | harness | ZeroEval published | ZeroEval's rule recomputed | gap "
                  "| disagreeing items |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for r in rows:
            gap = None if r["source_published"] is None else round(r["harness"] - r["source_published"], 2)
            cls = ", ".join(f"{k} {v}" for k, v in sorted(r["classes"].items(), key=lambda kv: -kv[1])) or "-"
            lines.append(f"| {r['file']} | {r['n']} | {r['harness']:.2f} | {r['source_published']} | "
                         f"{r['source_recomputed']:.2f} | {gap:+.2f} | {r['disagree']}: {cls} |")
        total = Counter[str]()
        for r in rows:
            if r["source_published"] is not None and abs(r["harness"] - r["source_published"]) > 1:
                total.update(r["classes"])
        lines += ["", "Disagreements in the files with a gap over 1 point, by class: "
                  + (", ".join(f"{k} {v}" for k, v in total.most_common()) or "none"), ""]
    lines += ["ZeroEval classes:", ""] + [f"- `{k}`: {v}" for k, v in CLASSES.items()]
    lines += ["", "### MMLU-Pro", "",
              "| file | model | items | harness | source (its per-item `pred`) | gap | agreement | disagreeing items |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in sorted(mmlu, key=lambda r: r["file"]):
        cls = ", ".join(f"{k} {v}" for k, v in sorted(r["classes"].items(), key=lambda kv: -kv[1])) or "-"
        lines.append(f"| {r['file']} | {r['model']} | {r['n']} | {r['harness']:.2f} | {r['source']:.2f} | "
                     f"{r['harness'] - r['source']:+.2f} | {r['agreement']:.2f} | {sum(r['classes'].values())}: "
                     f"{cls} |")
    lines += ["", "MMLU-Pro classes:", ""] + [f"- `{k}`: {v}" for k, v in MMLU_PRO_CLASSES.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, help="results folder to import into (default: a temporary one)")
    parser.add_argument("--markdown", type=Path, help="write the tables and classes as Markdown here")
    parser.add_argument("--items", type=Path, help="write every disagreeing item as JSON here")
    args = parser.parse_args()
    data = Path(os.environ.get("HARNESS_DATA_DIR", ROOT.parent / "shared" / "data"))
    if not (data / "outputs" / "zeroeval").is_dir():
        sys.exit(f"error: no ZeroEval outputs in {data}/outputs (set HARNESS_DATA_DIR to the benchmark mirror)")
    with tempfile.TemporaryDirectory() as tmp:
        results = args.results or Path(tmp)
        import_all(data, results)
        runs = runs_by_source(results)
        tables: dict[str, list[dict[str, Any]]] = {}
        everything: list[dict[str, Any]] = []
        for name in SETS:
            table = published(data / "outputs" / "zeroeval" / f"{name}.summary.md")
            tables[name] = []
            for path in sorted((data / "outputs" / "zeroeval" / name).glob("*.json")):
                row, differ = compare(path, runs[str(path)], name, table)
                tables[name].append(row)
                everything += [it.__dict__ | {"set": name} for it in differ]
        mmlu = mmlu_pro_rows(results)
    print(json.dumps({"zeroeval": tables, "mmlu_pro": mmlu}, indent=1))
    if args.markdown:
        args.markdown.write_text(markdown(tables, mmlu), encoding="utf-8")
    if args.items:
        args.items.write_text(json.dumps(everything, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
