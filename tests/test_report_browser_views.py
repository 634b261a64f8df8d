"""The report's one-minute test in headless Chromium (issue 22), one page load for all of it.

A small synthetic results folder with one dry (`backend: fake`) run and the project's claims ledger:
every claim card says what its verdict rests on and shows its two scores (or, for rank claims, the
ranking) with each value's source, setting, n and date; the ranked model view sorts and has a suite
aggregate and a language view; the dry-run banner names the run; the samples viewer searches and
shows one item across models with multiple-choice log-likelihoods; at 390 px nothing is wider than
the screen. (The palette is checked in tests/test_report_views.py.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.config import load_catalog
from harness.report import build_report

from helpers.browser import open_page
from helpers.synthetic_results import write_results, write_run

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")
MODELS = ("qwen3-8b-think", "qwen3-8b-nothink", "gpt-oss-20b-high", "llama-3.1-8b-instruct", "gemma-3-4b-it")
TASKS = ("gsm8k", "arc_easy", "gpqa_diamond", "mgsm_en", "mgsm_de", "mgsm_sw")
DRY = ("deepseek-r1-distill-qwen-7b", "gsm8k")
ARTIFACTS = Path(os.environ.get("HARNESS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "report"
PAIRED = ("compare", "gain", "efficiency", "reference", "reproduction_gap", "transfer")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("views")
    write_results(root, CATALOG, MODELS, TASKS, cap=20)
    write_run(root, CATALOG.models[DRY[0]], CATALOG.tasks[DRY[1]], cap=20, seed=1, backend="fake")
    return build_report(root, catalog=CATALOG, ledger_path=ROOT / "seeds" / "claims.yaml").path


def _texts(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")


def test_one_minute(report: Path) -> None:
    with open_page(report) as (page, log):
        # Dry runs: a banner above everything, naming the run, and a tag on its leaderboard row.
        banner = page.locator("#dry-banner")
        expect(banner).to_be_visible()
        assert "backend: fake" in banner.inner_text() and f"{DRY[0]} × {DRY[1]}" in banner.inner_text()

        # Claim cards: basis on the badge, both scores (or the ranking), each value's provenance.
        cards = page.locator("details.claim")
        assert cards.count() > 10
        for i in range(cards.count()):
            card = cards.nth(i)
            badge = card.locator("summary .badge").first
            basis, kind = badge.get_attribute("data-basis"), card.get_attribute("data-test-type")
            text = badge.text_content() or ""
            if basis == "published-only":
                assert "published (indicative)" in text, card.get_attribute("id")
            elif basis in ("measured", "measured vs published"):
                assert basis in text
            if kind == "rank":
                assert card.locator("table.ranking tbody tr").count() >= 2
            elif kind in PAIRED:
                assert card.get_attribute("data-sides") == "2"
                assert card.locator("summary .side-score").count() == 2, card.get_attribute("id")
                assert card.locator("table.scores tbody tr").count() == 2
        # A claim whose evidence includes the dry run says so on its summary line.
        dry_tags = _texts(page, "details.claim > summary .tag.dry")
        assert dry_tags and all("dry run" in t for t in dry_tags)
        values = _texts(page, "details.claim td.values")
        assert values and all("no measured or published value yet" in v or "measured" in v for v in values)
        published = _texts(page, "details.claim .score-p")
        with_value = [p for p in published if "published –" not in p]
        assert with_value and all("setting:" in p and "(" in p for p in with_value)
        measured = [m for m in _texts(page, "details.claim .score-m") if "measured –" not in m]
        assert measured and all("n=" in m and "2026-01-01" in m for m in measured)
        heads = _texts(page, "details.claim table.cells thead th")
        assert any(h.startswith("p (support") or h.startswith("p (refute") for h in heads)
        assert any(h.startswith("p adj (Holm") for h in heads)

        # Ranked model view: one row per model, a suite aggregate, sorting, the language view.
        ranking = page.locator("#ranking-table")
        page.locator("#ranking-suite").select_option("reasoning")
        assert int(ranking.locator(".table-count").get_attribute("data-count")) == len(MODELS) + 1
        dry_row = ranking.locator("tbody tr", has_text=DRY[0])
        assert dry_row.locator(".tag.dry").count() == 1 and dry_row.locator("td:nth-child(6)").inner_text() == "1/2"
        page.locator("#ranking-suite").select_option("multilingual")
        assert ranking.locator("tbody tr").count() == len(MODELS)
        header = ranking.locator("th", has_text="aggregate %")
        header.click()
        assert header.get_attribute("aria-sort") == "descending"
        aggregates = [float(t) for t in ranking.locator("tbody tr td:nth-child(4)").all_inner_texts()]
        assert aggregates == sorted(aggregates, reverse=True)
        assert all("/3" in t for t in ranking.locator("tbody tr td:nth-child(6)").all_inner_texts())
        page.locator("#ranking-columns").select_option("languages")
        assert [t.strip(" ↕↑↓") for t in ranking.locator("thead th").all_inner_texts()][-3:] == ["en", "de", "sw"]
        ranking.locator("select[data-filter=family]").select_option("qwen3")
        assert ranking.locator("tbody tr").count() == 2

        # Samples: search by item id, one item across models, multiple-choice log-likelihoods.
        page.locator("#samples-task").select_option("arc_easy")
        page.locator("#samples-model").select_option(MODELS[0])
        page.locator("#samples-search").fill("7")
        expect(page.locator("#samples-summary")).to_have_attribute("data-count", "1")
        item = page.locator("#samples-list article.sample").first
        assert item.get_attribute("data-doc") == "7"
        assert item.locator("table.options tbody tr").count() == 4
        item.locator("details.across-models > summary").click()
        expect(item.locator("table.across tbody tr")).to_have_count(len(MODELS))
        page.locator("#samples-search").fill("no such words anywhere")
        expect(page.locator("#samples-summary")).to_have_attribute("data-count", "0")

        # A phone: nothing wider than the screen, with a claim card open.
        page.set_viewport_size({"width": 390, "height": 844})
        cards.first.locator(":scope > summary").click()
        width = page.evaluate("document.documentElement.scrollWidth")
        too_wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
            const r = e.getBoundingClientRect(), up = e.parentElement;
            return r.width > 0 && r.right > 391 && !(up && up.closest('.scroll, figure.wide'));
          }).slice(0, 5).map(e => e.tagName + '.' + e.className)""")
        assert width <= 390 and too_wide == [], too_wide
        assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
