"""Grading on real public logs: ZeroEval's GSM8K and MATH-L5 outputs (prompts that ask for JSON).

    python benchmarks/grading_zeroeval.py [gsm|math-l5] [--dump FILE]

For each model file in ``$HARNESS_DATA_DIR/outputs/zeroeval/<set>/``: the harness's accuracy
(compare with ZeroEval's own in ``<set>.summary.md``), how many outputs it extracts no answer from,
a plain last-number extraction's accuracy, and the items where the harness is wrong and the last
number is right (``--dump`` writes them, with the output's end, for reading). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.grading import grade  # noqa: E402

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def last_number(text: str) -> Fraction | None:
    """The last number in ``text``, commas dropped (lm-eval's plain flexible extraction)."""
    found = _NUMBER.findall(text)
    try:
        return Fraction(found[-1].replace(",", "").rstrip(".")) if found else None
    except ValueError:
        return None


def gold_number(gold: str) -> Fraction | None:
    try:
        return Fraction(gold.replace(",", ""))
    except ValueError:
        return None


def measure(path: Path, answer_type: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    n = correct = none = last_right = 0
    lost: list[dict[str, Any]] = []
    start = time.perf_counter()
    for row in rows:
        output = row["output"][0] if row["output"] else ""
        gold = row["answer"].lstrip("# ").strip()
        g = grade(answer_type, output, gold)
        n += 1
        correct += g.correct
        none += g.extracted is None
        last, want = last_number(output), gold_number(gold)
        right = last is not None and last == want
        last_right += right
        if right and not g.correct:
            lost.append({"file": path.name, "id": row["id"], "gold": gold, "extracted": g.extracted,
                         "reason": g.reason, "end": output[-400:]})
    seconds = time.perf_counter() - start
    return {"model": path.stem, "n": n, "accuracy": round(100 * correct / n, 2), "no_answer": none,
            "last_number_accuracy": round(100 * last_right / n, 2), "harness_wrong_last_number_right": len(lost),
            "items_per_s": round(n / seconds, 1)}, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=["gsm", "math-l5"])
    parser.add_argument("--dump", type=Path, help="write the items the harness loses to last-number here")
    args = parser.parse_args()
    data = Path(os.environ.get("HARNESS_DATA_DIR", ROOT.parent / "shared" / "data")) / "outputs" / "zeroeval" / args.set
    files = sorted(data.glob("*.json"))
    if not files:
        sys.exit(f"error: no ZeroEval files in {data} (set HARNESS_DATA_DIR to the benchmark mirror)")
    answer_type = "number" if args.set == "gsm" else "math"
    results, lost = [], []
    for path in files:
        summary, items = measure(path, answer_type)
        results.append(summary)
        lost += items
    if args.dump:
        args.dump.write_text(json.dumps(lost, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
