"""`harness report`: one self-contained HTML file from the records, no GPU, no network.

    build_report(results_dir, out) -> ReportSummary

Sections: claims (verdicts beside the articles' sentences, forest plots, the runs still needed),
leaderboard, multilingual heatmaps, reasoning cost, reproduction of published numbers, the graded
samples of every run, and provenance. Runs are read only through `harness.store.Results`; claims
only through `harness.report.claims_view`. Figures are also written as PNG and SVG. matplotlib,
Jinja2 and pandas are imported when a report is built, not on import.
"""

from harness.report.build import ReportSummary, build_report

__all__ = ["ReportSummary", "build_report"]
