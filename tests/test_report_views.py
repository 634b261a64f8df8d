"""The report's derived views, without a browser (issue 22): the ranked model view's aggregate, the
colour-blind-safe palette (simulated deuteranopia and protanopia), intervals that never have zero
width, the non-English − English difference near chance, and the sample text budget."""

from __future__ import annotations

import base64
import itertools
import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from harness.records import MetricRecord, SampleRecord
from harness.report.claims_view import ScoreBook, _interval, _ranking, _thresholds
from harness.report.data import CellRow, Variant, chance_of, wilson
from harness.report.data import _interval as cell_interval
from harness.report.figures import PALETTE, styles_for
from harness.report.ranking import normalised, rankings
from harness.report.samples import FULL, RunRef, _plan_texts, decode, encode_task, rows
from harness.report.views import heatmaps

# Machado, Oliveira & Fernandes (2009), severity 1, applied to linear RGB.
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])
MIN_DELTA_E = 15.0  # CIE76: well above the ~2.3 of a just-noticeable difference


def _linear(color: str) -> np.ndarray:
    c = np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = to_xyz @ np.clip(rgb, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("deficiency", [DEUTERANOPIA, PROTANOPIA], ids=["deuteranopia", "protanopia"])
def test_palette_colours_stay_apart_under_colour_blindness(deficiency: np.ndarray) -> None:
    seen = [_lab(deficiency @ _linear(c)) for c in PALETTE]
    closest = min(float(np.linalg.norm(a - b)) for a, b in itertools.combinations(seen, 2))
    assert closest >= MIN_DELTA_E


def test_reasoning_figure_gives_every_family_its_own_colour_and_marker() -> None:
    """Nine families and more: no two share a (colour, marker), and every colour is the palette's."""
    families = [f"family{i:02d}" for i in range(20)]
    styles = styles_for(families)
    assert len(set(styles.values())) == 20 and {c for c, _ in styles.values()} <= set(PALETTE)
    from harness.report.plots import reasoning_figure

    rows_ = [_row(f"m{i}", "gsm8k", 0.5, family=families[i % 9], tokens=100.0 + i) for i in range(9)]
    fig = reasoning_figure(rows_, [], "tokens")
    handles = [h for h in fig.legends[0].legend_handles if h.get_marker() not in (None, "None", "")]
    drawn = {(h.get_color(), h.get_marker()) for h in handles}
    assert len(drawn) == 9 and {c.upper() for c, _ in drawn} <= {c.upper() for c in PALETTE}


def _row(model: str, task: str, score: float, *, chance: float = 0.0, n: int = 100, family: str = "f",
         suite: str = "reasoning", language: str = "en", group: str | None = None, tokens: float = 100.0,
         ci: float = 0.05) -> CellRow:  # fmt: skip
    return CellRow(model=model, task=task, family=family, kind="instruct", params_b=7.0, active_params_b=7.0,
                   size="small", suite=suite, group=group or task, language=language, metric="accuracy",
                   score=score, ci_low=max(0.0, score - ci), ci_high=min(1.0, score + ci), stderr=ci / 2, n=n,
                   n_samples=n, n_truncated=0, n_ungradable=0, mean_output_tokens=tokens, other_metrics={},
                   run_key=f"{model}-{task}", limit=None, device="cpu", gpu_seconds_per_item=None,
                   variant=Variant(model, None, None), provenance={"finished_at": "2026-01-01T00:00:00"},
                   chance=chance)  # fmt: skip


def test_ranking_normalises_by_chance_and_ranks_full_coverage_first() -> None:
    rows_ = [
        _row("a", "mc4", 0.625, chance=0.25), _row("a", "open", 0.5),  # normalised 0.5 and 0.5
        _row("b", "mc4", 0.7, chance=0.25), _row("b", "open", 0.2),  # 0.6 and 0.2: mean 0.4
        _row("c", "mc4", 1.0, chance=0.25),  # one task only: highest, but ranked after full coverage
    ]
    (suite,) = rankings(rows_)
    assert [m.model for m in suite.models] == ["a", "b", "c"]
    a = suite.models[0]
    assert a.score == pytest.approx(0.5) and a.covered == 2 and suite.chance == {"mc4": 0.25, "open": 0.0}
    # se per task from its 95% interval, on the normalised scale; independent tasks.
    se = [0.1 / 3.919928 / 0.75, 0.1 / 3.919928]
    half = 1.959964 * math.sqrt(sum(x * x for x in se)) / 2
    assert (a.ci_low, a.ci_high) == (pytest.approx(0.5 - half), pytest.approx(0.5 + half))
    assert normalised(0.25, 0.25) == 0.0 and normalised(0.0, 0.25) < 0
    assert chance_of({"answer_type": "likelihood_choice", "choices": 2}) == 0.5
    assert chance_of({"answer_type": "choice_letter"}) == 0.25 and chance_of({"answer_type": "number"}) == 0.0


def test_ranking_gives_the_language_view_of_a_multilingual_suite() -> None:
    rows_ = [_row("a", f"mgsm_{lang}", s, suite="multilingual", language=lang, group="mgsm")
             for lang, s in (("en", 0.8), ("de", 0.6), ("sw", 0.2))]
    (suite,) = rankings(rows_)
    assert suite.languages == ["en", "de", "sw"]
    assert suite.models[0].languages == {"en": pytest.approx(0.8), "de": pytest.approx(0.6), "sw": pytest.approx(0.2)}


def test_an_all_zero_result_never_gets_a_zero_width_interval() -> None:
    metric = MetricRecord(model="m", task="t", metric="accuracy", score=0.0, stderr=0.0, ci_low=0.0, ci_high=0.0,
                          n=30, n_samples=30, n_truncated=0, n_ungradable=0, mean_output_tokens=1.0,
                          tokens_per_s=1.0)  # fmt: skip
    low, high = cell_interval(metric)
    assert low == 0.0 and high == pytest.approx(wilson(0.0, 30)[1]) and 0.10 < high < 0.12
    assert wilson(1.0, 30)[0] < 1.0 and wilson(0.5, 100) == pytest.approx((0.404, 0.596), abs=1e-3)
    # A claim cell whose items all agree: the rule of three bounds the difference (± 300 / n points).
    cell = SimpleNamespace(ci_low=0.0, ci_high=0.0, estimate=0.0, n_items=50)
    assert _interval(cell, "points") == (pytest.approx(-6.0), pytest.approx(6.0))  # type: ignore[arg-type]
    assert _interval(cell, "rank") == (0.0, 0.0)  # type: ignore[arg-type]
    wide = SimpleNamespace(ci_low=-1.0, ci_high=2.0, estimate=0.5, n_items=50)
    assert _interval(wide, "points") == (-1.0, 2.0)  # type: ignore[arg-type]


def test_forest_support_side_follows_the_claims_relation() -> None:
    def claim(**test: object) -> SimpleNamespace:
        return SimpleNamespace(test=SimpleNamespace(**test))

    assert _thresholds(claim(type="compare", relation="greater", margin=2.0)) == ([2.0], False, "right")
    assert _thresholds(claim(type="compare", relation="less", margin=2.0)) == ([-2.0], False, "left")
    assert _thresholds(claim(type="compare", relation="at_least", margin=5.0)) == ([-5.0], False, "right")
    assert _thresholds(claim(type="compare", relation="within", margin=3.0))[2] == "between"
    assert _thresholds(claim(type="rank", k=3, claim="within_top_k")) == ([3.0], True, "left")
    assert _thresholds(claim(type="rank", k=3, claim="outside_top_k"))[2] == "right"


def test_rank_claims_show_the_ranking_with_both_kinds_of_score() -> None:
    from harness.report.claims_view import Score

    book = ScoreBook({("a", "t"): Score(50.0, 100), ("b", "t"): Score(70.0, 100)},
                     {("c", "t"): Score(90.0, source="card", setting="0-shot")})
    verdict = SimpleNamespace(models_a=["a"], models_b=["b", "c"], tasks=["t"])
    ranking = _ranking(verdict, book)  # type: ignore[arg-type]
    assert [(r.model, r.measured, r.published, r.subject) for r in ranking] == [
        ("b", 70.0, None, False), ("a", 50.0, None, True), ("c", None, 90.0, False)]
    side = book.side("B", ["b", "c"], ["t"])
    assert side.measured == 70.0 and side.published == 90.0 and side.sources == ["card"] and side.settings == ["0-shot"]
    assert side.n == 100 and "measured 1 of 2" in side.covered
    # The value the claims engine used wins over the references file's; its source stays.
    used = book.side("B", ["b", "c"], ["t"], {"c @ t": 88.0, "z @ t": 1.0})
    assert used.published == 88.0 and used.sources == ["card"]


def test_difference_to_english_stays_finite_near_chance() -> None:
    rows_ = [_row("m", "xcopa_en", 0.51, chance=0.5, suite="multilingual", language="en", group="xcopa"),
             _row("m", "xcopa_sw", 0.55, chance=0.5, suite="multilingual", language="sw", group="xcopa")]
    (hm,) = heatmaps([replace(r, group="xcopa") for r in rows_])
    assert hm.relative["m"] is None  # English within 5 points of chance: a ratio would mean nothing
    diff, low, high = hm.difference["m"]
    assert diff == pytest.approx(0.04) and low < diff < high and high - low < 0.3


def _sample(i: int, correct: bool, response: str) -> SampleRecord:
    return SampleRecord(run_key="r", model="m", task="t", doc_id=str(i), prompt_hash=f"p{i}", prompt="Q" * 200,
                        response=response, extracted="1" if correct else "2", gold="1", correct=correct,
                        score=float(correct), choice_logprobs=[-0.5, -1.5, float("-inf")])  # fmt: skip


def test_correct_samples_keep_the_end_of_their_output_within_the_budget() -> None:
    samples = [_sample(i, i % 4 != 0, "reasoning " * 300 + f"The answer is {i}.") for i in range(200)]
    budget = 60_000
    plan = _plan_texts(samples, budget, set())
    assert set(plan) == set(range(200))  # every sample has text, correct ones too
    full = [i for i, k in plan.items() if k == FULL]
    assert full and all(i % 4 == 0 for i in full)  # whole texts: the wrong ones first
    blob, _, left_out = encode_task("t", [(RunRef("m", "r", "none", False, 200), samples)], budget)
    payload = decode(base64.b64encode(blob).decode())
    listed = rows(payload, "m")
    text = sum(len(r[3]) for r in listed) + sum(len(p) for p in payload["prompts"].values())
    assert text <= budget and left_out == 200 - len(full)
    tails = [r for r in listed if r[2] is None]
    assert tails and all(r[3].endswith(f"The answer is {r[0]}.") and r[11] > 0 for r in tails)
    assert listed[0][12] == [-0.5, -1.5, None]  # log-likelihoods per option; minus infinity as None


def test_imported_runs_are_labelled_wherever_their_scores_appear() -> None:
    """An imported run (generated elsewhere, graded here) is measured evidence on its source's protocol:
    its score on a claim card, the side's score and the cell's recorded value say "imported", and a
    recorded value without a date takes its run's (the import's)."""
    from harness.report.claims_view import IMPORTED_SOURCE, _recorded
    from harness.report.data import score_book
    from harness.report.render import environment

    native, imported = _row("a", "t", 0.5), replace(_row("b", "t", 0.7), imported=True)
    book = score_book([native, imported], {})
    assert book.measured[("b", "t")].source.startswith(IMPORTED_SOURCE)
    assert not book.measured[("a", "t")].source.startswith(IMPORTED_SOURCE)
    side_a, side_b = book.side("A", ["a"], ["t"]), book.side("B", ["b"], ["t"])
    assert (side_a.imported, side_b.imported) == (0, 1)
    cell = SimpleNamespace(values=[{"label": "b @ t", "value": 70.0, "n": 100, "source": "run b-t", "kind": "measured"},
                                   {"label": "a @ t", "value": 50.0, "kind": "measured", "date": "2025-05-05"}])
    recorded = _recorded(cell, book)  # type: ignore[arg-type]
    assert [(r.imported, r.date) for r in recorded] == [(True, "2026-01-01"), (False, "2025-05-05")]
    template = environment().get_template("claims.html.j2")
    macros = template.make_module({"articles": None, "claims_note": "", "verdicts": []})
    assert "imported" in str(macros.side_value(side_b)) and "imported" not in str(macros.side_value(side_a))


def test_unknown_token_counts_of_imported_runs_are_not_shown_as_zero() -> None:
    """An imported run's source recorded no token counts (its records say 0): the samples payload and
    the leaderboard cells carry them as unknown (None), while a native run's 0 stays 0."""
    from harness.report.render import CELL_COLUMNS, page_data
    from harness.report.samples import SamplesIndex

    samples = [_sample(i, i % 2 == 0, "The answer is 4.") for i in range(4)]
    assert not any(s.output_tokens for s in samples)
    runs = [(RunRef("native", "n1", "none", False, 4), samples), (RunRef("imp", "i1", "none", False, 4, True), samples)]
    payload = decode(base64.b64encode(encode_task("t", runs, 10**6)[0]).decode("ascii"))
    assert {r[9] for r in rows(payload, "native")} == {0} and {r[9] for r in rows(payload, "imp")} == {None}
    provenance = {"packages": {}, "device": "cpu", "git_commit": "", "harness_version": "", "model_revision": "",
                  "weights_hash": "", "data_files": {}, "finished_at": "2026-01-01T00:00:00"}
    cells = [replace(_row("native", "t", 0.5, tokens=0.0), provenance=provenance),
             replace(_row("imp", "t", 0.5, tokens=0.0), imported=True, provenance=provenance),
             replace(_row("imp2", "t", 0.5, tokens=120.0), imported=True, provenance=provenance)]
    data = page_data(cells, SamplesIndex(), [])
    tokens = [row[CELL_COLUMNS.index("tokens")] for row in data["cells"]["rows"]]
    assert tokens == [0.0, None, 120.0]


def test_a_zero_margin_or_estimate_never_reads_minus_zero() -> None:
    """A "less than 0" margin is stored negated (-0.0); labels and estimates show it as +0."""
    from harness.report.forest import signed_number
    from harness.report.render import signed

    assert signed_number(-0.0) == "+0" and signed_number(-2.5) == "-2.5" and signed_number(5.0) == "+5"
    assert signed(-0.0) == "+0.00" and signed(-1.234) == "-1.23" and signed(-0.0, "rank") == "0"
