"""The published-value look-ups (`harness.claims.published`) use a (model, task) index built once per
references frame; they must give exactly what filtering the whole frame gave (the oracle below is
that filter, as the module had it before the index)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from harness.claims.published import PROTOCOL_PREFERENCE, Published, cell_values, load_references, published_value
from harness.config import default_config_dir


def _oracle_rows(refs: pd.DataFrame, models: list[str], task: str, setting: str | None, only: bool) -> pd.DataFrame:
    rows = refs[refs["model"].isin(models) & (refs["task"] == task)]
    if setting is not None:
        rows = rows[rows["setting"] == setting]
    if only:
        rows = rows[rows["protocol_match"] == "yes"]
    order = {m: i for i, m in enumerate(PROTOCOL_PREFERENCE)}
    rank = rows["protocol_match"].map(order).fillna(len(order)).to_numpy()
    return rows.iloc[np.argsort(rank, kind="stable")]


def _oracle_pick(refs: pd.DataFrame, models: list[str], task: str, setting: str | None,
                 only: bool) -> dict[str, tuple[str, str, float, int]]:  # fmt: skip
    """(source, setting, score, rows) per model, as the frame filter chose them."""
    rows = _oracle_rows(refs, models, task, setting, only)
    if rows.empty:
        return {}
    coverage = rows.groupby("source", sort=False)["model"].nunique()
    table = str(coverage.index[int(np.argmax(coverage.to_numpy()))])
    out = {}
    for model in models:
        mine = rows[rows["model"] == model]
        if mine.empty:
            continue
        same = mine[mine["source"] == table]
        row = (same if not same.empty else mine).iloc[0]
        out[model] = (str(row["source"]), str(row["setting"]), float(row["score"]), len(mine))
    return out


def _pick(values: dict[str, Published]) -> dict[str, tuple[str, str, float, int]]:
    return {m: (v.source, v.setting, v.score, v.n_rows) for m, v in values.items()}


@pytest.fixture(scope="module")
def refs() -> pd.DataFrame:
    found = load_references(default_config_dir())
    assert found is not None and len(found) > 100
    return found


def test_index_matches_the_frame_filter_on_the_real_references(refs: pd.DataFrame) -> None:
    tasks = sorted(set(refs["task"]))
    models = sorted(set(refs["model"]))
    checked = 0
    for task in tasks:
        here = refs[refs["task"] == task]
        printed = sorted(set(here["model"]))
        settings: list[str | None] = [None, str(here["setting"].iloc[0])]
        groups = [printed[::-1], [*printed[:2], "no-such-model"], models]
        for group, setting, only in itertools.product(groups, settings, (False, True)):
            got = _pick(cell_values(refs, group, task, setting, only))
            assert got == _oracle_pick(refs, group, task, setting, only)
            checked += 1
        for model, only in itertools.product(printed[:6], (False, True)):
            want = _oracle_rows(refs, [model], task, None, only)
            got = published_value(refs, model, task, None, only)
            assert (got is None) == want.empty
            if got is not None:
                row = want.iloc[0]
                assert (got.source, got.score, got.n_rows) == (row["source"], float(row["score"]), len(want))
    assert checked >= 12 * len(tasks)


def test_a_new_frame_gets_its_own_index() -> None:
    """Two frames (the second made after the first is gone, so it may reuse its id) never share an index."""
    row = {"model": "m", "task": "t", "setting": "s", "score": 50.0, "source": "paper A", "protocol_match": "yes"}
    first = pd.DataFrame([row])
    assert published_value(first, "m", "t") is not None and published_value(first, "m", "t").score == 50.0
    del first
    second = pd.DataFrame([{**row, "score": 70.0, "source": "paper B"}, {**row, "protocol_match": "no"}])
    got = published_value(second, "m", "t")
    assert got is not None and (got.score, got.source, got.n_rows) == (70.0, "paper B", 2)
    assert published_value(second, "other", "t") is None
