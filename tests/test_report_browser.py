"""The report in a real headless browser (Debian's Chromium, driven by Playwright, networking off).

For a small synthetic results set (samples inlined) and a larger one (samples on per-task pages):
no console errors, no network requests, every section present with the expected counts, tables
sort and filter, and a claim's drill-down reaches its graded items. A screenshot of each section is
saved under `$HARNESS_TEST_ARTIFACTS/report/` (default `test-artifacts/report/`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.claims import load_ledger
from harness.config import load_catalog
from harness.report import build_report

from helpers.browser import open_page, screenshot
from helpers.synthetic_results import HOSTILE, SMALL_MODELS, SMALL_TASKS, write_results

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")
LEDGER = ROOT / "seeds" / "claims.yaml"
N_CLAIMS = len(load_ledger(LEDGER, CATALOG).claims)
ARTIFACTS = Path(os.environ.get("HARNESS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "report"
SECTIONS = ("claims", "leaderboard", "multilingual", "reasoning", "reproduction", "samples", "provenance")
SCREENSHOT_CSS = "nav.sections { position: static !important; }"  # a sticky bar would cover element shots


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("small")
    synthetic = write_results(root, CATALOG, SMALL_MODELS, SMALL_TASKS, cap=40)
    return synthetic, build_report(root, catalog=CATALOG, ledger_path=LEDGER)


def count(page, selector: str) -> int:
    return int(page.locator(selector).get_attribute("data-count"))


def assert_clean(log) -> None:
    assert log.console_errors == [] and log.page_errors == []
    assert log.foreign_requests == [], log.foreign_requests[:5]


def test_sections_and_counts(small) -> None:
    synthetic, summary = small
    with open_page(summary.path) as (page, log):
        for section in SECTIONS:
            assert page.locator(f"section#{section} > h2").count() == 1, section
        assert page.locator("details.claim").count() == N_CLAIMS
        assert page.locator("table.article-summary tbody tr").count() == 5
        assert count(page, "#leaderboard-table .table-count") == 128
        assert page.locator("#leaderboard-table tbody tr").count() == 100  # one page of 100
        assert page.locator("figure.heatmap").count() == 4
        assert page.locator("figure.heatmap[data-group=mgsm]").get_attribute("data-models") == "8"
        assert page.locator("figure.heatmap[data-group=mgsm]").get_attribute("data-languages") == "4"
        assert page.locator("figure.reasoning-fig").count() == 2
        assert page.locator("table.variants tbody tr[data-kind=thinking]").count() == 4  # 4 reasoning tasks
        assert page.locator("table.variants tbody tr[data-kind=effort]").count() == 4
        assert page.locator("table.repro tbody tr").count() == len(summary_refs(summary))
        assert count(page, "#provenance-table .table-count") == 128
        first_cell = synthetic.samples_per_cell[("deepseek-r1-distill-qwen-7b", "aime24")]  # decoded asynchronously
        expect(page.locator("#samples-summary")).to_have_attribute("data-count", str(first_cell))
        # Every figure decodes (an <img> that failed would have no natural width).
        assert page.eval_on_selector_all("figure img", "els => els.map(e => { e.loading = 'eager'; return 1; })")
        # (page.evaluate runs outside the page's CSP; wait_for_function's polling would need 'unsafe-eval')
        assert all(page.locator("figure img").evaluate_all(
            "imgs => Promise.all(imgs.map(i => i.decode().then(() => i.naturalWidth > 0)))"))
        page.locator("details.heat-numbers[data-group=mgsm] > summary").click()
        expect(page.locator("details.heat-numbers[data-group=mgsm] table.heat tbody tr")).to_have_count(8)
        assert page.locator("details.heat-numbers[data-group=mgsm] a.cell-link").count() == 32
        page.locator("details#claim-a2-cot-strong-reasoning > summary").click()  # one claim open in the shot
        page.add_style_tag(content=SCREENSHOT_CSS)
        for section in SECTIONS:
            screenshot(page, f"section#{section}", ARTIFACTS / f"small-{section}.png")
        assert_clean(log)


def summary_refs(summary) -> list:
    import json
    import re

    html = summary.path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1))
    i = data["cells"]["columns"].index("ref_score")
    return [r for r in data["cells"]["rows"] if r[i] is not None]


def test_leaderboard_sorts_and_filters(small) -> None:
    _, summary = small
    with open_page(summary.path) as (page, log):
        board = page.locator("#leaderboard-table")
        board.locator("select[data-filter=family]").select_option("qwen3")
        assert count(page, "#leaderboard-table .table-count") == 2 * 16
        board.locator("select[data-filter=family]").select_option("")
        board.locator("select[data-filter=suite]").select_option("reasoning")
        assert count(page, "#leaderboard-table .table-count") == 8 * 4
        board.locator("select[data-filter=suite]").select_option("")
        board.locator("input[type=search]").fill("mgsm_")
        assert count(page, "#leaderboard-table .table-count") == 8 * 4
        board.locator("input[type=search]").fill("")
        board.locator("label", has_text="with a published reference").locator("input").check()
        assert count(page, "#leaderboard-table .table-count") == len(summary_refs(summary))
        board.locator("label", has_text="with a published reference").locator("input").uncheck()
        header = board.locator("th", has_text="out tokens")
        header.click()  # numbers sort largest first
        assert header.get_attribute("aria-sort") == "descending"
        tokens = [float(t.replace(",", "")) for t in board.locator("tbody tr td:nth-child(10)").all_inner_texts()]
        assert tokens == sorted(tokens, reverse=True) and len(tokens) == 100
        header.click()
        assert header.get_attribute("aria-sort") == "ascending"
        board.locator("button", has_text="next").click()
        assert board.locator(".pager span").inner_text() == "page 2 of 2"
        assert board.locator("tbody tr").count() == 28
        assert_clean(log)


def test_claim_drill_down_reaches_its_items(small) -> None:
    synthetic, summary = small
    with open_page(summary.path) as (page, log):
        claim = page.locator("details#claim-a2-cot-strong-reasoning")
        claim.locator(":scope > summary").click()
        assert claim.locator("img").count() == 1  # its forest plot
        link = claim.locator("a.cell-link[data-model=qwen3-8b-think][data-task=aime24]").first
        link.click()
        expected = synthetic.samples_per_cell[("qwen3-8b-think", "aime24")]
        expect(page.locator("#samples-summary")).to_have_attribute("data-count", str(expected))
        assert page.locator("#samples-model").input_value() == "qwen3-8b-think"
        assert page.locator("#samples-list article.sample").count() == 25
        # Reasoning is folded until asked for.
        first = page.locator("#samples-list article.sample").first
        assert first.locator("details.reasoning").count() == 1
        assert first.locator("details.reasoning").get_attribute("open") is None
        truncated = synthetic.truncated[("qwen3-8b-think", "aime24")]
        page.locator("#samples-viewer button[data-filter=truncated]").click()
        expect(page.locator("#samples-summary")).to_have_attribute("data-count", str(truncated))
        statuses = page.locator("#samples-list article.sample").evaluate_all("els => els.map(e => e.dataset.status)")
        assert statuses == ["truncated"] * min(truncated, 25) and truncated > 0
        assert_clean(log)


def test_model_output_is_shown_as_text(small) -> None:
    _, summary = small
    with open_page(summary.path) as (page, log):
        page.locator("#samples-task").select_option("gsm8k")
        page.locator("#samples-model").select_option("llama-3.1-8b-instruct")
        item = page.locator("#samples-list article.sample[data-doc='3']")
        item.locator("details > summary", has_text="prompt").click()
        assert HOSTILE in item.locator("details pre").first.inner_text()
        assert page.locator("#samples-list img, #samples-list b:not(.mono)").count() == 0
        assert_clean(log)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("large")
    models = ["qwen3-8b-think", "qwen3-8b-nothink", "qwen3-32b-think", "qwen3-32b-nothink", "qwen2.5-7b-instruct",
              "deepseek-r1-distill-qwen-7b", "llama-3.1-8b-instruct", "llama-3.3-70b-instruct", "gemma-3-27b-it",
              "gpt-oss-20b-low", "gpt-oss-20b-medium", "gpt-oss-20b-high"]
    tasks = [t for t in sorted(CATALOG.tasks) if not t.startswith("belebele_")] + ["belebele_eng_latn",
                                                                                   "belebele_zho_hans"]
    synthetic = write_results(root, CATALOG, models, tasks, cap=20, text_words=12)
    return synthetic, len(tasks), build_report(root, catalog=CATALOG, ledger_path=LEDGER, inline_max_samples=5_000)


def test_large_report_moves_samples_to_pages_and_drill_down_follows(large) -> None:
    synthetic, n_tasks, summary = large
    assert n_tasks >= 54  # every task of the catalogue but Belebele's, plus two Belebele languages
    assert summary.n_cells == synthetic.runs == 12 * n_tasks and len(summary.sample_pages) == n_tasks
    with open_page(summary.path) as (page, log):
        assert page.locator("details.claim").count() == N_CLAIMS
        assert count(page, "#leaderboard-table .table-count") == 12 * n_tasks
        assert page.locator("figure.heatmap[data-group=belebele]").get_attribute("data-languages") == "2"
        assert page.locator("script[id^=samples-data-]").count() == 0
        page.add_style_tag(content=SCREENSHOT_CSS)
        for section in SECTIONS:
            screenshot(page, f"section#{section}", ARTIFACTS / f"large-{section}.png")
        claim = page.locator("details.claim:has(a.cell-link)").first
        claim.locator(":scope > summary").click()
        link = claim.locator("a.cell-link").first
        model, task = link.get_attribute("data-model"), link.get_attribute("data-task")
        with page.expect_navigation():
            link.click()
        assert page.url.endswith(f"report/samples/{task}.html#model={model}&filter=all")
        expected = synthetic.samples_per_cell[(model, task)]
        expect(page.locator("#samples-summary")).to_have_attribute("data-count", str(expected))
        assert page.locator("#samples-list article.sample").count() == min(expected, 25)
        screenshot(page, "section#samples", ARTIFACTS / "large-sample-page.png")
        with page.expect_navigation():
            page.locator("a", has_text="back to the report").click()
        assert page.url.endswith("/report.html")
        assert_clean(log)


def test_a_report_without_runs_still_opens_cleanly(tmp_path: Path) -> None:
    (tmp_path / "results" / "runs" / "broken").mkdir(parents=True)  # a run folder without its manifest
    summary = build_report(tmp_path / "results", catalog=CATALOG, ledger_path=LEDGER)
    assert (summary.n_cells, summary.n_samples) == (0, 0)
    assert all(p.name.startswith("forest-") for p in summary.figures)  # only claims decided on published values
    assert summary.problems == [f"{tmp_path / 'results' / 'runs' / 'broken'}: run folder without manifest.json "
                                "(not used)"]  # fmt: skip
    from harness.claims import evaluate

    verdicts = evaluate(load_ledger(LEDGER, CATALOG), tmp_path / "results", CATALOG)
    not_run = sum(v.verdict == "not_run" for v in verdicts)
    assert not_run >= 10
    with open_page(summary.path) as (page, log):
        assert page.locator("details.claim[data-verdict=not_run]").count() == not_run
        assert page.locator("#leaderboard .empty").inner_text() == "No complete runs yet."
        assert page.locator("#samples-summary").inner_text() == "No samples."
        assert page.locator("#problems li").count() == 1
        assert_clean(log)
