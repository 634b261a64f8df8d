"""What a planned task is: its run key, its data and its backend requests (no planning logic here).

A leaf of the run package: task runners of every kind (`harness.run.task_runner`, and lm-eval's
`harness.lm_eval_tasks.seam`) build these values, so they import this module and nothing here
imports them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from harness.backends.base import GenRequest, LLRequest, SamplingSettings
from harness.specs import TaskSpec
from harness.store import RunDir
from harness.tasks.base import TaskData

if TYPE_CHECKING:
    from harness.lm_eval_tasks.seam import LmEvalWork


@dataclass(frozen=True)
class PlannedRequest:
    """One backend request of a run, with the item it belongs to."""

    key: str
    doc_id: str
    sample_idx: int
    request: GenRequest | LLRequest

    @property
    def kind(self) -> Literal["generate", "loglikelihood"]:
        return "generate" if isinstance(self.request, GenRequest) else "loglikelihood"

    def expected_tokens(self) -> int:
        """Tokens the engine will process at most: the cost used to balance data-parallel engines."""
        if isinstance(self.request, GenRequest):
            return len(self.request.prompt_ids) + self.request.sampling.max_new_tokens
        return len(self.request.context_ids) + len(self.request.continuation_ids)


@dataclass(frozen=True)
class TaskPlan:
    task: TaskSpec
    data: TaskData
    run_key: str
    run_dir: RunDir
    data_hashes: dict[str, str]
    sampling: SamplingSettings
    samples: int
    lm_eval: LmEvalWork | None = None  # runner lm_eval: builds the requests and scores (lm_eval_tasks.seam)

    @property
    def runner(self) -> str:
        """The task runner that planned this task (`harness.run.task_runner.RUNNERS`)."""
        return self.task.runner
