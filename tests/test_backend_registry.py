"""The lazy backend map and the Backend protocol: every backend declares the streaming methods."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from harness.backends import registry
from harness.backends.base import Backend
from harness.errors import InputError

from helpers.fake_models import fake_model


def test_every_backend_implements_the_protocol() -> None:
    wanted = {n for n, v in inspect.getmembers(Backend) if callable(v) and not n.startswith("_")}
    assert {"stream_generate", "stream_loglikelihood", "generate", "loglikelihood", "close"} <= wanted
    for name, entry in registry.BACKENDS.items():
        assert isinstance(entry, str), name
        module, _, attr = entry.partition(":")
        cls = getattr(importlib.import_module(module), attr)  # the module, not the engine: imports stay lazy
        missing = sorted(m for m in wanted if not callable(getattr(cls, m, None)))
        assert missing == [], f"{name}: {missing}"


def test_unknown_backend_is_one_line() -> None:
    assert registry.backend_factory(fake_model().backend).__name__ == "FakeBackend"
    with pytest.raises(InputError, match="unknown backend 'tpu'"):
        registry.backend_factory("tpu")


def test_a_registered_backend_is_what_the_runner_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       data_dir: Path) -> None:
    from harness.backends.fake import FakeBackend
    from harness.config import load_catalog
    from harness.run import driver
    from harness.run.progress import QuietProgress
    from harness.specs import RunSpec

    from helpers.fake_models import write_fake_catalog

    loaded: list[str] = []

    def counting(model: Any, weights: Any, settings: Any) -> FakeBackend:
        loaded.append(model.id)
        return FakeBackend(model, weights, settings)

    monkeypatch.setitem(registry.BACKENDS, "fake", counting)
    catalog = load_catalog(write_fake_catalog(tmp_path / "configs"))
    spec = RunSpec(name="t", models=["fake-base"], tasks=["gsm8k", "arc_easy"], limit=2)
    outcomes = driver.run(spec, catalog, results=tmp_path / "r", progress=QuietProgress())
    assert [o.status for o in outcomes] == ["complete", "complete"] and loaded == ["fake-base"]
