"""Log-likelihood requests that exercise every scoring edge (shared contexts, empty context, …)."""

from __future__ import annotations

from typing import Any

from harness.backends.base import LLRequest


def cases(tok: Any) -> list[LLRequest]:
    enc = lambda s: tuple(tok.encode(s, add_special_tokens=False))  # noqa: E731
    ctx = (tok.bos_token_id, *enc("Question: Which is a mammal?\nAnswer:"))
    choices = [" a whale", " a whale shark", " a trout", " an eel that swims in rivers and lakes"]
    long_ctx = (tok.bos_token_id, *enc(" the answer is 8." * 30))  # longer than the 64-token window
    return [
        *(LLRequest(ctx, enc(c)) for c in choices),  # one context, four choices
        LLRequest(ctx, enc(" B"), need_greedy=True),  # one-token continuation
        LLRequest((), enc(" whale song")),  # empty context: scored from the second token
        LLRequest(long_ctx, enc(" 8")),  # oldest context dropped to fit
        LLRequest(ctx[:-1], enc(" a whale")),  # another context, in the same call
    ]
