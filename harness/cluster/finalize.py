"""The end of a batch: rebuild the leaderboard and the claim verdicts once, from the records.

Jobs already update the leaderboard after each run, under its file lock; this final rebuild makes
the derived files reflect every job of the batch, whichever finished last.
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError


def rebuild(results: Path, claims_file: Path | None = None, config_dir: Path | None = None) -> str:
    """Rebuild `leaderboard.csv` and, when a claims ledger is given, `claims.csv` and `claims.md`."""
    from harness.leaderboard import update_leaderboard

    lines = [f"leaderboard: {update_leaderboard(results)}"]
    if claims_file is not None and claims_file.is_file():
        from harness.claims import evaluate, load_ledger, write_reports
        from harness.config import load_catalog

        try:
            catalog = load_catalog(config_dir)
            ledger = load_ledger(claims_file, catalog)
            csv_path, md_path = write_reports(evaluate(ledger, results, catalog), ledger, results)
            lines.append(f"claims: {csv_path}, {md_path}")
        except HarnessError as exc:
            lines.append(f"claims not rebuilt: {exc.one_line()}")
    return "\n".join(lines)
