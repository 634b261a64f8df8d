"""What a run reports: progress for the person watching, and one Outcome per model × task."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.errors import HarnessError
from harness.records import MetricRecord


class Progress:
    """What the runner tells the person watching. The CLI supplies a rich implementation."""

    def message(self, text: str) -> None:  # pragma: no cover - trivial
        print(text, flush=True)

    def start_task(self, label: str, total: int) -> None:
        self.message(f"{label}: {total} requests")

    def advance(self, n: int) -> None:
        pass

    def end_task(self) -> None:
        pass


class QuietProgress(Progress):
    """Reports nothing (benchmarks, tests)."""

    def message(self, text: str) -> None:
        pass

    def start_task(self, label: str, total: int) -> None:
        pass


@dataclass
class Outcome:
    model: str
    task: str
    run_key: str | None = None
    status: str = "pending"  # complete | cached | failed
    error: str | None = None
    metrics: list[MetricRecord] = field(default_factory=list)
    wall_s: float = 0.0
    exit_code: int = 0  # for failures: 2 = bad input (config, data), 1 = runtime


def failed(model: str, task: str, exc: HarnessError, run_key: str | None = None) -> Outcome:
    return Outcome(model, task, run_key, "failed", exc.one_line(), exit_code=exc.exit_code)
