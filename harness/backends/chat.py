"""Prompt → token ids for one model: its chat template, reasoning switches and BOS, exactly once.

The harness renders the template to text and tokenizes it without adding special tokens, so a
template that already writes `<bos>` is not given a second one (a classic cause of score gaps),
and a model whose spec says `bos: always` (Gemma) gets exactly one even on plain-text prompts.
"""

from __future__ import annotations

import json
from typing import Any

from harness.specs import ModelSpec
from harness.tasks.base import Message, Prompt


def fold_system(messages: list[Message]) -> list[Message]:
    """Merge system turns into the first user turn (for models without a system role)."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        if rest and rest[0]["role"] == "user":
            rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
        else:
            rest.insert(0, {"role": "user", "content": system})
    return rest


def template_kwargs(model: ModelSpec) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if model.reasoning.enable_thinking is not None:
        kwargs["enable_thinking"] = model.reasoning.enable_thinking
    if model.reasoning.effort is not None:
        kwargs["reasoning_effort"] = model.reasoning.effort
    return kwargs


def prompt_text(prompt: Prompt, model: ModelSpec, tokenizer: Any) -> str:
    """The exact text the model sees (chat template applied when the model uses one).

    Without a tokenizer (a hosted model, `source.type: api`) the template is the server's: the
    record shows the messages sent, as JSON."""
    if prompt.messages is None:
        return prompt.text or ""
    messages = [dict(m) for m in prompt.messages]
    if not model.system_prompt:
        messages = fold_system(messages)
    if tokenizer is None:
        return json.dumps(messages, ensure_ascii=False)
    if model.chat_template and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True, **template_kwargs(model)
        )
    # No template (base model given a chat prompt): plain concatenation of the turns.
    return "\n\n".join(m["content"] for m in messages) + "\n\n"


def fix_bos(ids: list[int], model: ModelSpec, bos_id: int | None) -> list[int]:
    """Apply the spec's BOS policy: at most one BOS, exactly one when `bos: always`."""
    if bos_id is None:
        return ids
    while len(ids) >= 2 and ids[0] == bos_id and ids[1] == bos_id:
        ids = ids[1:]
    if model.bos == "always" and (not ids or ids[0] != bos_id):
        ids = [bos_id, *ids]
    elif model.bos == "never" and ids and ids[0] == bos_id:
        ids = ids[1:]
    return ids


def encode_prompt(prompt: Prompt, model: ModelSpec, tokenizer: Any) -> list[int]:
    """Token ids for a generation prompt or a log-likelihood context (none without a tokenizer)."""
    if tokenizer is None:
        return []
    text = prompt_text(prompt, model, tokenizer)
    templated = prompt.messages is not None and model.chat_template and tokenizer.chat_template
    # A rendered template carries its own special tokens; plain text gets the tokenizer default.
    ids = tokenizer.encode(text, add_special_tokens=not templated)
    return fix_bos(list(ids), model, getattr(tokenizer, "bos_token_id", None))


def encode_continuation(text: str, tokenizer: Any) -> list[int]:
    return list(tokenizer.encode(text, add_special_tokens=False))
