"""Progress display for `harness run` (rich bars on a terminal, plain lines in job logs)."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichBars

from harness.run.progress import Progress


class RichProgress(Progress):
    """A bar per model × task; on a non-terminal (Slurm logs) a line per 10% instead."""

    def __init__(self) -> None:
        self.console = Console(stderr=True)
        self.live = sys.stderr.isatty()
        self.bars = RichBars(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(), console=self.console,
        )
        self.current: object | None = None
        self.total = 0
        self.done = 0
        self.label = ""
        self.last_reported = -1

    def __enter__(self) -> RichProgress:
        if self.live:
            self.bars.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self.live:
            self.bars.stop()

    def message(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False)

    def start_task(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.last_reported = label, total, 0, -1
        if self.live:
            self.current = self.bars.add_task(label, total=total)
        else:
            self.message(f"{label}: {total} requests")

    def advance(self, n: int) -> None:
        self.done += n
        if self.live and self.current is not None:
            self.bars.update(self.current, advance=n)  # type: ignore[arg-type]
            return
        decile = int(10 * self.done / max(self.total, 1))
        if decile != self.last_reported and n:
            self.last_reported = decile
            self.message(f"{self.label}: {self.done}/{self.total}")

    def end_task(self) -> None:
        self.current = None
