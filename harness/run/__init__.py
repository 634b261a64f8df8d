"""Running models × tasks, in small parts:

- `harness.run.task_runner` — the TaskRunner protocol (plan, requests, score), one runner per kind
  of task (a native task's logic is `harness.tasks.native`, lm-eval's `harness.lm_eval_tasks.seam`);
- `harness.run.plans`  — what a planned task and its requests are (values, no logic);
- `harness.run.execute`  — streaming execution into the run's generation log, and resume;
- `harness.run.score`    — the run's verdict on its scored samples: error rate, truncation (pure);
- `harness.run.parallel` — data parallel: one engine per GPU group, in worker processes;
- `harness.run.driver`   — the loop over models and tasks that `harness run` calls.
"""
