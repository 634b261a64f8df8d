"""Running models × tasks, in small parts:

- `harness.run.requests` — request planning: prompts, seeds, token budgets, request keys (pure);
- `harness.run.execute`  — streaming execution into the run's generation log, and resume;
- `harness.run.score`    — generation records → samples, metrics, the run's verdict (pure);
- `harness.run.parallel` — data parallel: one engine per GPU group, in worker processes;
- `harness.run.driver`   — the loop over models and tasks that `harness run` calls.
"""
