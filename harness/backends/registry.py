"""The backend map: a model spec's `backend` name → the class that runs it, imported only when used.

    backend = load_backend(model, weights, settings)   # imports vllm/torch/httpx only for its backend

`BACKENDS` maps names to "module:Class" strings (lazy, like lm-eval's MODEL_MAPPING), so `--help`,
`validate` and planning never import an engine. Every class named here satisfies the `Backend`
protocol (batch and streaming methods; mypy checks it below). Tests configure the fake backend in
its model spec (`fake:`, see `harness.backends.fake`) or swap a backend in with `register_backend`
(or `monkeypatch.setitem(BACKENDS, name, factory)`); nothing patches `load_backend`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.backends.base import Backend, EngineSettings
from harness.errors import InputError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights

Factory = Callable[[ModelSpec, ResolvedWeights, EngineSettings], Backend]

BACKENDS: dict[str, str | Factory] = {
    "vllm": "harness.backends.vllm_backend:VLLMBackend",
    "hf": "harness.backends.hf_backend:HFBackend",
    "openai": "harness.backends.openai_backend:OpenAIBackend",
    "fake": "harness.backends.fake:FakeBackend",
}

if TYPE_CHECKING:  # mypy checks each class against the protocol; nothing is imported at run time
    from harness.backends.fake import FakeBackend
    from harness.backends.hf_backend import HFBackend
    from harness.backends.openai_backend import OpenAIBackend
    from harness.backends.vllm_backend import VLLMBackend

    _SATISFY_THE_PROTOCOL: tuple[type[Backend], ...] = (FakeBackend, HFBackend, OpenAIBackend, VLLMBackend)


def register_backend(name: str, factory: str | Factory) -> None:
    """Add or replace a backend: a "module:Class" path (imported on first use) or a factory."""
    BACKENDS[name] = factory


def backend_factory(name: str) -> Factory:
    """The factory for a backend name, importing its module now."""
    entry = BACKENDS.get(name)
    if entry is None:
        raise InputError(f"unknown backend '{name}'", f"use one of {', '.join(BACKENDS)}")
    if not isinstance(entry, str):
        return entry
    module, _, attr = entry.partition(":")
    factory: Any = getattr(importlib.import_module(module), attr)
    return factory


def load_backend(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> Backend:
    """The model's backend (`vllm`, `hf`, `openai`, `fake` or a registered one), loaded in this process."""
    return backend_factory(model.backend)(model, weights, settings)
