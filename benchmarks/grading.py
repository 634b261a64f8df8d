"""Grading benchmark: throughput on realistic MATH-500 outputs, worst-case time on degenerate
outputs, and agreement with the labelled tricky-output cases. Prints JSON.

    python benchmarks/grading.py [--n 2000] [--seed 0] [--workers 1]

The 2,000 outputs are MATH-500's gold answers written into the output styles of the
catalogue's model families (DeepSeek-R1 distills with their long reasoning, Qwen3 think and
no-think, gpt-oss harmony, Llama 3.x, Mistral/Minerva), right about three times in four and in
the spellings models use (``\\dfrac``, spacing, ``x = …``, decimals, ``\\left(``); wrong answers are
near misses. Grading goes through ``harness.grading.grade`` with its per-item time budget, the
path ``harness run`` and ``harness grade`` take.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.grading import grade  # noqa: E402

STYLES = ("r1-distill", "qwen3-think", "qwen3-nothink", "gpt-oss", "llama3", "mistral")


def respell(gold: str, rng: random.Random) -> str:
    """The gold answer as a model might write it (same value)."""
    forms = [gold, gold.replace("\\frac", "\\dfrac"), gold.replace(" ", ""), re.sub(r",\s*", ", ", gold)]
    if re.fullmatch(r"-?\d+", gold):
        forms.append(f"x = {gold}")
    if gold.startswith("(") and gold.endswith(")"):
        forms.append(f"\\left{gold[:-1]}\\right)")
    simple = re.fullmatch(r"\\frac\{(\d+)\}\{(2|4|5|8|10|20|25)\}", gold)
    if simple:
        forms.append(f"{int(simple.group(1)) / int(simple.group(2)):g}")
    return rng.choice(forms)


def near_miss(gold: str, rng: random.Random) -> str:
    """A wrong answer close to the gold one."""
    digits = list(re.finditer(r"\d+", gold))
    if digits:
        m = rng.choice(digits)
        return gold[: m.start()] + str(int(m.group(0)) + rng.randint(1, 9)) + gold[m.end() :]
    return rng.choice(["0", "\\sqrt{2}", "\\text{none}", gold + "+1"])


def output(gold: str, style: str, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One model output for a problem whose answer is ``gold`` (``options["expected"]``: right?)."""
    expected = rng.random() < 0.75
    text, options = _styled(respell(gold, rng) if expected else near_miss(gold, rng), style, rng)
    return text, {**options, "expected": expected}


def _styled(answer: str, style: str, rng: random.Random) -> tuple[str, dict[str, Any]]:
    steps = "\n\n".join(
        f"Step {i}: we have ${rng.randint(2, 99)} \\cdot {rng.randint(2, 9)} = {rng.randint(100, 999)}$, "
        f"so the expression becomes $\\frac{{{rng.randint(1, 9)}}}{{{rng.randint(2, 9)}}}$." for i in range(1, 6)
    )
    thinking = " ".join(
        rng.choice(["Okay, let me think.", "Wait, maybe I should check that.", f"So that gives {rng.randint(1, 99)}.",
                    "Hmm, let me verify the arithmetic again.", f"Alternatively, $x = {rng.randint(1, 9)}$."])
        for _ in range(rng.randint(150, 600))
    )
    if style == "r1-distill":
        return (f"{thinking}\n</think>\n\n{steps}\n\n**Final Answer**\n\\[\n\\boxed{{{answer}}}\n\\]",
                {"reasoning_format": "think", "think_in_prompt": True})
    if style == "qwen3-think":
        return f"<think>\n{thinking}\n</think>\n\n{steps}\n\n$$\n\\boxed{{{answer}}}\n$$", {"reasoning_format": "think"}
    if style == "qwen3-nothink":
        return f"<think>\n\n</think>\n\n{steps}\n\nThe answer is $\\boxed{{{answer}}}$.", {"reasoning_format": "think"}
    if style == "gpt-oss":
        return f"analysis{thinking}assistantfinal{steps}\n\n**Answer:** $\\boxed{{{answer}}}$", {
            "reasoning_format": "harmony"}
    if style == "llama3":
        return f"## Step 1: Set up\n{steps}\n\nThe final answer is: $\\boxed{{{answer}}}$", {}
    return f"{steps}\nFinal Answer: The final answer is ${answer}$. I hope it is correct.", {}


def math500_outputs(n: int, seed: int) -> list[tuple[str, str, dict[str, Any]]]:
    data = Path(os.environ.get("HARNESS_DATA_DIR", ROOT.parent / "shared" / "data")) / "math500" / "test.jsonl"
    if not data.is_file():
        sys.exit(f"error: {data} not found (set HARNESS_DATA_DIR to the benchmark mirror)")
    golds = [json.loads(line)["answer"] for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    return [(golds[i % len(golds)], *output(golds[i % len(golds)], STYLES[i % len(STYLES)], rng)) for i in range(n)]


def throughput(items: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    start = time.perf_counter()
    grade("math", "\\boxed{1}", "1")  # loads math_verify and sympy once, as any process does
    cold = time.perf_counter() - start
    expected = [options.pop("expected") for _, _, options in items]
    start, cpu = time.perf_counter(), time.process_time()
    verdicts = [grade("math", text, gold, **options) for gold, text, options in items]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "items": len(items),
        "seconds": round(seconds, 3),
        "items_per_s": round(len(items) / seconds, 1),
        # the same on an idle core (this process's CPU time): robust to other jobs on the machine
        "items_per_cpu_s": round(len(items) / cpu, 1),
        "startup_s": round(cold, 3),
        "accuracy": round(sum(v.correct for v in verdicts) / len(items), 4),
        "n_ungradable": sum(v.ungradable for v in verdicts),
        # right answers respelled, wrong ones near misses: how often the verdict is the intended one
        "verdict_as_generated": round(sum(v.correct == e for v, e in zip(verdicts, expected, strict=True)) / len(items),
                                      4),
        "mean_output_chars": round(sum(len(t) for _, t, _ in items) / len(items)),
    }


def degenerate() -> dict[str, Any]:
    """Worst seconds per item on outputs that made earlier graders take 14–98 s."""
    texts = {
        "whitespace_60k": "The answer is 18." + " " * 60_000,
        "newlines_60k": "\n" * 60_000 + "The answer is (B).",
        "repeated_sentence_60k": "The answer is 18. " + "I hope it is correct. " * 3_000,
        "repeated_numbers_60k": "1, 2, 3, " * 7_000,
        "unclosed_boxes": "\\boxed{" * 20_000,
        "nested_parentheses": "(" * 20_000 + "1" + ")" * 20_000,
        "tabs_and_stars": ("\t*" * 30_000) + "Answer: C",
        "one_megabyte": "x" * 1_000_000 + " The answer is 5",
        "phrase_then_50k_spaces": "The final answer" + " " * 50_000 + "x",  # 511 s before issue 9
        "newlines_50k": "\n" * 50_000 + "x",  # 39 s before issue 9
    }
    worst: dict[str, float] = {}
    for answer_type, gold in (("number", "18"), ("choice_letter", "B"), ("math", "5")):
        for name, text in texts.items():
            start = time.perf_counter()
            grade(answer_type, text, gold)
            worst[f"{answer_type}:{name}"] = round(time.perf_counter() - start, 4)
    return {"max_item_s": max(worst.values()), "per_case_s": worst}


def agreement() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.grading_cases import agreement as measure
    from helpers.grading_cases import load_cases

    return measure(load_cases())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="MATH-500 outputs to grade")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    report = {
        "math500": throughput(math500_outputs(args.n, args.seed)),
        "degenerate": degenerate(),
        "agreement": agreement(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
