"""Checks on a model behind an endpoint, all made before the first generation request.

Bad input costs no requests: a missing key variable, sampling the API cannot carry, a
log-likelihood task on a chat endpoint (static checks), then an unreachable URL, a refused key or
a wrong model name (one GET of `/models`). `--endpoint key=value` turns catalogue models into
endpoint models for one run.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from harness.answer_types import answer_type
from harness.backends.http_client import EndpointClient
from harness.config import Catalog, parse_spec
from harness.errors import InputError
from harness.specs import Endpoint, ModelSpec, RunSpec, TaskSpec
from harness.yaml_io import load_yaml_text


def read_api_key(model: ModelSpec) -> str | None:
    """The key from the variable `endpoint.api_key_env` names (None when it names none)."""
    assert model.endpoint is not None
    name = model.endpoint.api_key_env
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise InputError(f"model '{model.id}': endpoint.api_key_env names {name}, which is not set",
                         f"export {name}=<key>, or drop api_key_env for a server that needs no key")
    return value


def check_sampling(model: ModelSpec) -> None:
    """Refuse settings the plain OpenAI API cannot carry when vLLM extensions are off (never drop them)."""
    assert model.endpoint is not None
    if model.endpoint.extensions:
        return
    g, r = model.generation, model.reasoning
    unsent = [f"top_k={g.top_k}" if g.top_k > 0 else "", f"min_p={g.min_p}" if g.min_p > 0 else "",
              f"repetition_penalty={g.repetition_penalty}" if g.repetition_penalty != 1.0 else "",
              f"enable_thinking={r.enable_thinking}" if r.enable_thinking is not None else "",
              "harmony special tokens" if r.format == "harmony" and model.endpoint.mode == "completions" else ""]
    unsent = [u for u in unsent if u]
    if unsent:
        raise InputError(f"model '{model.id}': endpoint.extensions is false, so {', '.join(unsent)} cannot be sent",
                         "set extensions: true for vLLM/SGLang servers, or remove the setting from the model")


def check_tasks(model: ModelSpec, tasks: list[TaskSpec]) -> None:
    """A chat endpoint returns no prompt log-probabilities: refuse log-likelihood tasks up front."""
    if model.endpoint is None or model.endpoint.mode != "chat":
        return
    scored = [t.id for t in tasks if answer_type(t.answer_type).likelihood]
    if scored:
        raise InputError(
            f"model '{model.id}' is behind a chat endpoint, which returns no prompt log-probabilities, "
            f"so it cannot run log-likelihood task(s) {', '.join(scored)}",
            "use endpoint.mode: completions on a vLLM server, or leave those tasks out")


@dataclass(frozen=True)
class ServerInfo:
    """What the server said about itself when probed."""

    base_url: str
    model: str  # the name requests use
    root: str | None  # what the model is on the server (vLLM: its path or Hub repo)
    version: str | None  # from GET /version (vLLM), e.g. "0.32.0"

    def served_by(self, body: dict[str, Any], mode: str) -> dict[str, str]:
        """Provenance for one reply: where it came from and what the server reported."""
        out = {"base_url": self.base_url, "mode": mode, "model": str(body.get("model") or self.model)}
        fingerprint = body.get("system_fingerprint")
        server = fingerprint or (f"vllm {self.version}" if self.version else None)
        out.update({k: str(v) for k, v in (("server", server), ("root", self.root)) if v})
        return out


def public_url(url: str) -> str:
    """The URL without query or fragment (which can hold tokens), as records show it."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def probe(client: EndpointClient, model: ModelSpec) -> ServerInfo:
    """GET /models: the server answers, takes the key, and serves the model. InputError otherwise."""
    assert model.endpoint is not None
    where = public_url(client.base_url)
    # Few retries: a wrong URL should fail in seconds, a server that is briefly busy still passes.
    reply = client.get("/models", model.endpoint.connect_timeout_s + 20, retries=min(client.max_retries, 2))
    if reply.body is None:
        if reply.status in (401, 403):
            env = model.endpoint.api_key_env
            raise InputError(f"model '{model.id}': {where} refused the API key (HTTP {reply.status})",
                             f"check the key in ${env}" if env else "the server needs a key: set endpoint.api_key_env")
        if reply.status == 404:
            raise InputError(f"model '{model.id}': {where}/models not found (HTTP 404)",
                             "endpoint.base_url should be the OpenAI root, usually ending in /v1")
        raise InputError(f"model '{model.id}': endpoint {where} did not answer: {reply.error}",
                         "start the server, or fix endpoint.base_url")
    data = reply.body.get("data") if isinstance(reply.body, dict) else None
    if not isinstance(data, list):
        raise InputError(f"model '{model.id}': {where}/models is not an OpenAI model list (no `data` list)",
                         "endpoint.base_url should be an OpenAI-compatible API root, usually ending in /v1")
    entries = [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]
    served = [m["id"] for m in entries]
    wanted = model.endpoint.model or (model.id if model.endpoint.managed else None)
    if wanted is None:
        if len(served) != 1:
            raise InputError(f"model '{model.id}': {where} serves {len(served)} models ({', '.join(served[:8])})",
                             "set endpoint.model to the one to evaluate")
        wanted = served[0]
    if wanted not in served:
        raise InputError(f"model '{model.id}': {where} serves {', '.join(served[:8]) or 'no models'}, not '{wanted}'",
                         "set endpoint.model to one of those names")
    root = next((m.get("root") for m in entries if m["id"] == wanted), None)
    server_root = client.base_url.removesuffix("/v1")
    version_reply = client.get(f"{server_root}/version", 10.0, retries=0) if server_root != client.base_url else None
    version = (version_reply.body or {}).get("version") if version_reply and isinstance(version_reply.body, dict) \
        else None
    return ServerInfo(where, wanted, str(root) if root else None, str(version) if version else None)


def client_for(model: ModelSpec, base_url: str, api_key: str | None, alive: Any = None) -> EndpointClient:
    ep = model.endpoint
    assert ep is not None
    return EndpointClient(base_url, api_key, concurrency=ep.concurrency, timeout_s=ep.timeout_s,
                          connect_timeout_s=ep.connect_timeout_s, max_retries=ep.max_retries,
                          retry_backoff_s=ep.retry_backoff_s, alive=alive)


def preflight(models: list[ModelSpec], tasks: list[TaskSpec], *, live: bool = True) -> None:
    """Every check that needs no generation request, for the endpoint models of a run.

    `live`: also read the key variable and probe each running server (not a managed one, which
    does not exist yet); `harness validate` checks the configs alone."""
    for model in models:
        if model.endpoint is None:
            continue
        check_tasks(model, tasks)
        check_sampling(model)
        if live:
            key = read_api_key(model)
            if model.endpoint.base_url is not None:
                probe(client_for(model, model.endpoint.base_url, key), model)


def with_endpoint(catalog: Catalog, model_ids: list[str], pairs: list[str]) -> Catalog:
    """The catalogue with `model_ids` served through an endpoint: `--endpoint key=value` pairs
    (e.g. base_url=http://node12:8000/v1, managed=true, mode=chat, api_key_env=MY_KEY) over
    each model's own endpoint section."""
    updates: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:  # the text is not echoed: it could be a key pasted by mistake
            raise InputError("--endpoint expects KEY=VALUE", "e.g. --endpoint base_url=http://host:8000/v1")
        if key not in Endpoint.model_fields:
            raise InputError(f"--endpoint: unknown key '{key}'",
                             f"known keys: {', '.join(Endpoint.model_fields)}; an API key goes in an "
                             "environment variable named by api_key_env")
        updates[key] = load_yaml_text(value, f"--endpoint {key}") if value.strip() else None
    models = dict(catalog.models)
    for model_id in model_ids:
        model = catalog.model(model_id)
        current = model.endpoint.model_dump(exclude_unset=True) if model.endpoint else {}
        if updates.get("base_url") is not None:
            current.pop("managed", None)
        if updates.get("managed"):
            current.pop("base_url", None)
        data = {**model.model_dump(exclude_unset=True), "backend": "openai", "endpoint": {**current, **updates}}
        models[model_id] = parse_spec(ModelSpec, data, f"--endpoint for model '{model_id}'")
    return dataclasses.replace(catalog, models=models)


def prepare_run(spec: RunSpec, catalog: Catalog, models: list[str] | None, tasks: list[str] | None,
                endpoint: list[str]) -> Catalog:
    """The catalogue a `harness run` uses (with `--endpoint` applied), checked before any request."""
    model_ids = models or spec.models
    if endpoint:
        catalog = with_endpoint(catalog, model_ids, endpoint)
    preflight([catalog.model(m) for m in model_ids], catalog.expand_tasks(tasks or spec.tasks))
    return catalog
