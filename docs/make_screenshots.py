"""Regenerate the README's report screenshots (docs/img/report-claims.png, report-leaderboard.png, report-heatmap.png).

    PYTHONPATH=. python docs/make_screenshots.py [--out docs/img]

The report is built from SYNTHETIC results (tests/helpers/synthetic_results.py: every catalogue
model on the reasoning, MGSM and Global-MMLU tasks, scores from a seeded model of ability and
difficulty), so the pictures show what the report looks like, not what any model scored; the report
itself says so in a banner. Needs Chromium (scripts/setup.sh installs it) and a CJK font for the
articles' quotes (fonts-wqy-microhei).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

HEATMAP_MODELS = ("qwen3-32b-think", "qwen3-8b-think", "qwen2.5-72b-instruct", "qwen2.5-7b-instruct",
                  "deepseek-r1-distill-qwen-7b", "llama-3.3-70b-instruct", "llama-3.1-8b-instruct",
                  "llama-3.2-3b-instruct", "gemma-3-27b-it", "gemma-3-4b-it", "mistral-7b-instruct-v0.3",
                  "gpt-oss-20b-high")  # fmt: skip
OPEN_CLAIM = "a0-llama4-limited-gain"  # first article, first claim: a short picture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()

    from harness.config import load_catalog
    from harness.report import build_report

    from helpers.browser import open_page
    from helpers.synthetic_results import write_results

    catalog = load_catalog(ROOT / "configs")
    tasks = [t for t, spec in sorted(catalog.tasks.items())
             if spec.suite in ("reasoning", "reference") or spec.group in ("mgsm", "global_mmlu")]  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        claims_root, heat_root = Path(tmp) / "claims", Path(tmp) / "heatmap"
        runnable = sorted(m for m, spec in catalog.models.items() if spec.runnable)  # closed models are never run
        write_results(claims_root, catalog, runnable, tasks, cap=40, text_words=8)
        write_results(heat_root, catalog, HEATMAP_MODELS, [t for t in tasks if t.startswith("mgsm_")], cap=60,
                      text_words=8)  # fmt: skip
        claims = build_report(claims_root, catalog=catalog, ledger_path=ROOT / "seeds" / "claims.yaml")
        heat = build_report(heat_root, catalog=catalog, ledger_path=ROOT / "seeds" / "claims.yaml")
        with open_page(claims.path, width=1280, height=1000) as (page, log):
            page.add_style_tag(content="nav.sections { position: static !important; }")
            page.locator(f"details#claim-{OPEN_CLAIM} > summary").click()
            page.evaluate("() => window.scrollTo(0, 0)")
            end = page.locator(f"details#claim-{OPEN_CLAIM}").bounding_box()  # page coordinates at scroll 0
            assert end and not log.console_errors and not log.foreign_requests
            page.screenshot(path=str(args.out / "report-claims.png"), full_page=True,
                            clip={"x": 0, "y": 0, "width": 1280, "height": end["y"] + end["height"] + 12})
            # The ranked model view: the first rows of the suite with the most tasks.
            page.locator("#ranking-suite").select_option("reasoning")
            page.locator("#leaderboard > h2").scroll_into_view_if_needed()
            top = page.locator("#leaderboard > h2").bounding_box()
            rows = page.locator("#ranking-table tbody tr").nth(11).bounding_box()
            assert top and rows
            page.screenshot(path=str(args.out / "report-leaderboard.png"), full_page=True,
                            clip={"x": 0, "y": top["y"] + page.evaluate("window.scrollY") - 6, "width": 1280,
                                  "height": rows["y"] + rows["height"] - top["y"] + 12})
        with open_page(heat.path, width=1100, height=900, scale=2) as (page, log):
            figure = page.locator("figure.heatmap[data-group=mgsm]")
            figure.scroll_into_view_if_needed()
            assert figure.locator("img").evaluate("i => i.decode().then(() => i.naturalWidth)") > 0
            figure.locator("img").screenshot(path=str(args.out / "report-heatmap.png"))
            assert not log.console_errors and not log.foreign_requests
    print(args.out / "report-claims.png")
    print(args.out / "report-leaderboard.png")
    print(args.out / "report-heatmap.png")


if __name__ == "__main__":
    main()
