"""`harness bench` pieces that need no engine: workloads, argument checks, summaries, the kill bench."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.backends.fake import ByteTokenizer
from harness.bench import arc
from harness.bench.cli import bench_main, parse_items
from harness.bench.workloads import heavy_tailed_budgets, reasoning_like, short_answers
from harness.errors import InputError

from helpers.fake_models import fake_spec, write_fake_catalog


def test_workloads_are_fixed_and_heavy_tailed(data_dir: Path) -> None:
    budgets = heavy_tailed_budgets(48)
    assert budgets == heavy_tailed_budgets(48)  # seeded
    assert (min(budgets), max(budgets), sum(budgets)) == (4, 348, 1642)
    assert sorted(budgets)[24] == 11  # most short, a few very long: mean / max ≈ 0.1
    reqs = list(reasoning_like(ByteTokenizer(), 48).values())
    assert [r.request.sampling.max_new_tokens for r in reqs] == budgets  # type: ignore[union-attr]
    assert all(r.request.sampling.ignore_eos for r in reqs)  # type: ignore[union-attr]
    short = list(short_answers(ByteTokenizer(), 4).values())
    assert ByteTokenizer().decode(short[0].request.prompt_ids).startswith(  # type: ignore[union-attr]
        "Question: Janet’s ducks lay 16 eggs per day.")
    assert len({r.key for r in reqs}) == 48


@pytest.mark.parametrize(("text", "want"), [(None, (0, None)), ("0:600", (0, 600)), ("600:", (600, None)),
                                            (":100", (0, 100))])
def test_item_ranges(text: str | None, want: tuple) -> None:
    assert parse_items(text) == want


@pytest.mark.parametrize("text", ["a:b", "5:5", "-1:3"])
def test_bad_item_ranges(text: str) -> None:
    with pytest.raises(InputError):
        parse_items(text)


def test_bad_bench_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown workload 'fast'"):
        bench_main("fast", "m", None, 1, "summary", None, 16, 0, None)
    with pytest.raises(InputError, match="unknown --part"):
        bench_main("arc", "m", None, 1, "lmeval", None, 16, 0, None)
    with pytest.raises(InputError, match="needs --out"):
        bench_main("arc", "m", None, 1, "summary", None, 16, 0, tmp_path / "none")


def test_arc_summary_adds_pieces_up(tmp_path: Path) -> None:
    pieces = [
        {"part": "harness", "items": [0, 2376], "n": 2376, "acc_correct": 1400, "acc_norm_correct": 1300,
         "load_s": 20.0, "score_s": 280.0},
        {"part": "previous", "items": [0, 1200], "n": 1200, "acc_correct": 700, "acc_norm_correct": 650,
         "load_s": 60.0, "score_s": 500.0},
        {"part": "previous", "items": [1200, 2376], "n": 1176, "acc_correct": 702, "acc_norm_correct": 651,
         "load_s": 65.0, "score_s": 480.0},
        {"part": "lm-eval", "items": [0, 2376], "n": 2376, "acc_correct": 1402, "acc_norm_correct": 1299,
         "wall_s": 900.0},
    ]
    for p in pieces:
        arc.save(p, tmp_path)
    got = arc.summary(arc.load_pieces(tmp_path))
    assert got["previous"] == {"n": 2376, "pieces": 2, "acc": round(1402 / 2376, 4),
                               "acc_norm": round(1301 / 2376, 4), "wall_s": 1040.0}
    assert got["harness_time_over_lm_eval"] == round(300 / 900, 3)
    assert got["acc_points_harness_minus_previous"] == round(100 * (round(1400 / 2376, 4) - round(1402 / 2376, 4)), 2)


def test_kill_bench_on_the_fake_engine(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.bench.kill import kill_and_resume

    slow = fake_spec(fake={"faults": {"step_s": 0.02}})  # the fake engine takes 20 ms a step
    monkeypatch.setenv("HARNESS_CONFIG_DIR", str(write_fake_catalog(tmp_path / "configs", slow)))
    got = kill_and_resume("fake-base", limit=40, seed=3, window_s=0.5)
    assert got["requests"] == 40 and got["regenerated_twice"] == 0
    assert got["redone_beyond_unfinished"] == 0
    assert got["persisted_before_kill"] + got["regenerated_on_resume"] == 40


def test_rounds_alternate_which_path_goes_first() -> None:
    from harness.bench.throughput import _rounds

    order: list[str] = []

    def raw() -> float:
        order.append("raw")
        return 10.0

    def harness(r: int) -> float:
        order.append(f"harness{r}")
        return 10.0

    out = _rounds(raw, harness, 3)
    assert order == ["raw", "harness0", "harness1", "raw", "raw", "harness2"]
    assert len(out["raw_rounds"]) == len(out["harness_rounds"]) == 3
