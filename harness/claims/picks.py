"""Best of a group as one member: the member that stands for a best-of side in every cell.

The rule is the same wherever a side's values are published: among the members with a value on
the most of the claim's tasks, the one with the best mean over the tasks it covers (ties: the
first in catalogue order). One member then stands for the side in every cell, so "the best Llama"
is one model throughout, and the pick is shown beside the verdict. Measured best-of sides are
tested by union–intersection over members instead (`harness.claims.contrast`), which accounts
for the selection; their plug-in pick on the mean is shown the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def pick_best(members: list[str], labels: list[str],
              score: Callable[[str, str], float | None]) -> tuple[str | None, str]:  # fmt: skip
    """(the member standing for the side, why); None when no member has a value on any label."""
    scores: dict[str, list[float]] = {}
    for m in members:
        for label in labels:
            value = score(m, label)
            if value is not None:
                scores.setdefault(m, []).append(value)
    if not scores:
        return None, "no member has a published value"
    most = max(len(s) for s in scores.values())
    candidates = [m for m in members if len(scores.get(m, [])) == most]
    pick = max(candidates, key=lambda m: float(np.mean(scores[m])))  # max keeps the first of equals
    return pick, (f"{pick}: best mean over the {most} task(s) it covers, among the {len(candidates)} of "
                  f"{len(members)} members covering the most")  # fmt: skip
