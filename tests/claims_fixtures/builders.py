"""Small catalogues and synthetic per-sample records for the claims tests (no YAML, no GPU)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from harness.config import Catalog
from harness.records import MetricRecord, RunManifest, SampleRecord
from harness.scoring import mean_ci
from harness.specs import ModelSpec, TaskSpec


def model(mid: str, *, family: str = "fam", country: str = "US", params_b: float = 8.0,
          active_b: float | None = None, kind: str = "instruct", base_model: str | None = None,
          developer: str = "dev") -> ModelSpec:  # fmt: skip
    return ModelSpec(
        id=mid, name=mid, family=family, developer=developer, country=country, params_b=params_b,
        active_params_b=active_b or params_b, kind=kind, source={"type": "hub", "repo": f"org/{mid}"},
        base_model=base_model,
    )  # fmt: skip


def task(tid: str, *, suite: str = "reasoning", group: str | None = None, language: str = "en",
         answer_type: str = "number", items: int | None = None) -> TaskSpec:  # fmt: skip
    return TaskSpec(
        id=tid, name=tid, suite=suite, group=group, language=language, answer_type=answer_type,
        data={"hub": {"path": f"org/{tid}"}}, items=items,
    )  # fmt: skip


def catalog(models: list[ModelSpec], tasks: list[TaskSpec], config_dir: Path) -> Catalog:
    return Catalog({m.id: m for m in models}, {t.id: t for t in tasks}, config_dir)


def write_run(results: Path, model_id: str, task_id: str, scores: np.ndarray, *, run_key: str | None = None,
              status: str = "complete", finished_at: str = "2025-01-01T00:00:00Z",
              tokens: np.ndarray | None = None, n_choices: int | None = None, limit: int | None = None,
              cat: Catalog | None = None) -> str:  # fmt: skip
    """Write one run. `scores`: (items,) or (items, k) of 0/1; k samples share a doc_id.

    `limit` records a `--limit` run; `cat` writes the catalogue's current specs into the manifest
    (without it the manifest's specs are empty, which a reader given a catalogue calls stale)."""
    scores = np.asarray(scores, dtype=float)
    scores = scores[:, None] if scores.ndim == 1 else scores
    key = run_key or f"{model_id}-{task_id}-{finished_at}".replace(":", "")[:60]
    run_dir = results / "runs" / key
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest = RunManifest(
        run_key=key, status=status, model=model_id, task=task_id, harness_version="0.1.0", git_commit=None,
        packages={}, device="cpu", model_revision=None, weights_hash=None,
        model_spec=cat.models[model_id].model_dump(mode="json") if cat else {},
        task_spec=cat.tasks[task_id].model_dump(mode="json") if cat else {},
        run_settings={"limit": limit} if limit else {}, started_at="2025-01-01T00:00:00Z", finished_at=finished_at,
        n_requests=int(scores.size),
    )  # fmt: skip
    (run_dir / "manifest.json").write_text(manifest.model_dump_json())
    lines = []
    for i, row in enumerate(scores):
        for s, value in enumerate(row):
            rec = SampleRecord(
                run_key=key, model=model_id, task=task_id, doc_id=f"d{i:05d}", sample_idx=s, prompt_hash="h",
                prompt="q", response="r", extracted="1", gold="1", correct=bool(value), score=float(value),
                output_tokens=int(tokens[i]) if tokens is not None else 100,
                choice_logprobs=[-1.0] * n_choices if n_choices else None,
            )  # fmt: skip
            lines.append(rec.model_dump_json())
    (run_dir / "samples.jsonl").write_text("\n".join(lines) + "\n")
    mean, stderr, lo, hi = mean_ci(scores.mean(axis=1).tolist())
    metric = MetricRecord(model=model_id, task=task_id, metric="accuracy", score=mean, stderr=stderr, ci_low=lo,
                          ci_high=hi, n=scores.shape[0], n_samples=scores.size, n_truncated=0, n_ungradable=0,
                          mean_output_tokens=100.0, tokens_per_s=0.0)
    (run_dir / "metrics.json").write_text(json.dumps([metric.model_dump()]))
    return key


def bernoulli(p: float, n: int, seed: int, k: int = 1) -> np.ndarray:
    """(n,) or (n, k) 0/1 draws with success probability p."""
    draws = (np.random.default_rng(seed).random((n, k)) < p).astype(float)
    return draws[:, 0] if k == 1 else draws


def write_ledger(path: Path, claims: list[dict], sources: list[str] = ("art.txt",),  # type: ignore[assignment]
                 dropped: list[dict] | None = None) -> Path:
    data = {"version": 2, "sources": [{"file": f, "title": f} for f in sources], "claims": claims,
            "dropped": dropped or []}
    path.write_text(json.dumps(data))  # JSON is YAML
    return path
