"""Best of a group as one member: the member that stands for a best-of side in every cell.

"Best" is the best mean over the covered tasks, compared pair by pair on the tasks both members
cover (a member with a value on one easy task cannot outrank one with values on five): member x
beats member y when x's mean over their common tasks is higher. Candidates are the members
covering at least half as many of the claim's tasks as the best-covered member (a member with
one value cannot stand for a side over six tasks); the pick beats the most candidates; ties go to
the member covering more tasks, then the higher mean over its own tasks, then catalogue order.
One member then stands for the side in every cell, so "the best Llama" is one model throughout,
and the pick is shown beside the verdict. Measured best-of sides are tested by
union–intersection over members instead (`harness.claims.contrast`), which accounts for the
selection; their plug-in pick on the mean is shown the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MIN_SHARE = 0.5  # a candidate covers at least this share of what the best-covered member covers


def pick_best(members: list[str], labels: list[str],
              score: Callable[[str, str], float | None]) -> tuple[str | None, str]:  # fmt: skip
    """(the member standing for the side, why); None when no member has a value on any label."""
    scores: dict[str, dict[str, float]] = {}
    for m in members:
        for label in labels:
            value = score(m, label)
            if value is not None:
                scores.setdefault(m, {})[label] = value
    if not scores:
        return None, "no member has a published value"
    most = max(len(s) for s in scores.values())
    ranked = [m for m in members if m in scores and len(scores[m]) >= MIN_SHARE * most]

    def wins(x: str) -> int:
        out = 0
        for y in ranked:
            common = scores[x].keys() & scores[y].keys()
            if y != x and common and np.mean([scores[x][t] for t in common]) > np.mean([scores[y][t] for t in common]):
                out += 1
        return out

    key = {m: (wins(m), len(scores[m]), float(np.mean(list(scores[m].values())))) for m in ranked}
    pick = max(ranked, key=lambda m: key[m])  # max keeps the first of equals: catalogue order
    return pick, (f"{pick}: beats {key[pick][0]} of the {len(ranked) - 1} other candidates on the tasks both cover; "
                  f"covers {key[pick][1]} of {len(labels)} task(s)")  # fmt: skip
