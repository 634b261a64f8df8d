"""Model specs for the fake backend (`backend: fake`): no weights, deterministic answers; configure it with
`fake_spec(fake={...})` (`harness.specs.FakeConfig`), watch what it was sent with `recording_fakes`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.backends import registry
from harness.backends.base import GenRequest, GenResult, LLRequest, LLResult
from harness.backends.fake import FakeBackend
from harness.specs import ModelSpec

ROOT = Path(__file__).resolve().parent.parent.parent


def fake_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "id": "fake-base", "name": "Fake base model", "family": "fake", "developer": "test", "country": "US",
        "params_b": 0.001, "active_params_b": 0.001, "kind": "base", "backend": "fake",
        "source": {"type": "hub", "repo": "fake/fake-base"}, "dtype": "float32", "max_model_len": 4096,
        "chat_template": False, "bos": "always", "generation": {"temperature": 0.0, "max_new_tokens": 256},
    }
    spec.update(overrides)
    return spec


def fake_model(**overrides: Any) -> ModelSpec:
    return ModelSpec.model_validate(fake_spec(**overrides))


def write_fake_catalog(config_dir: Path, *specs: dict[str, Any]) -> Path:
    """A copy of the real configs/ plus the given fake model specs (default: one `fake-base`)."""
    import shutil

    shutil.copytree(ROOT / "configs", config_dir, dirs_exist_ok=True)
    for spec in specs or (fake_spec(),):
        (config_dir / "models" / f"{spec['id']}.yaml").write_text(yaml.safe_dump(spec))
    return config_dir


class RecordingFake(FakeBackend):
    """The fake backend, also keeping every request it answered (`seen`, in answer order)."""

    def __init__(self, model: ModelSpec, weights: Any = None, settings: Any = None) -> None:
        super().__init__(model, weights, settings)
        self.seen: list[Any] = []

    def answer(self, req: GenRequest, wall_s: float = 0.0) -> GenResult:
        self.seen.append(req)
        return super().answer(req, wall_s)

    def score(self, req: LLRequest, wall_s: float = 0.0) -> LLResult:
        self.seen.append(req)
        return super().score(req, wall_s)


def recording_fakes(monkeypatch: Any) -> list[RecordingFake]:
    """Register `backend: fake` as `RecordingFake` (the registry seam); the list gets every backend loaded."""
    loaded: list[RecordingFake] = []

    def factory(model: ModelSpec, weights: Any, settings: Any) -> RecordingFake:
        loaded.append(RecordingFake(model, weights, settings))
        return loaded[-1]

    monkeypatch.setitem(registry.BACKENDS, "fake", factory)
    return loaded
