"""A vLLM (V1 engine) logits processor that makes a request generate given tokens, in order.

Log-likelihood of a continuation = generating it: the request's prompt is the context and its
`SamplingParams.extra_args["harness_force"]` the continuation's token ids. Greedy decoding picks
the forced token at each step, and vLLM returns that token's log-probability and rank computed from
the model's raw logits, *before* any logits processor runs (`logprobs_mode="raw_logprobs"`, the
default). So the engine computes logits only at the continuation positions, decodes the
continuations of many items in one batch, and reuses a shared context through its prefix cache.

Loaded by vLLM inside its worker process (by the name in `FORCING_PROCESSOR`); imports torch and
vllm at module level, so nothing else in the harness imports it.
"""

from __future__ import annotations

from typing import Any

import torch
from vllm.v1.sample.logits_processor import BatchUpdate, LogitsProcessor, MoveDirectionality

FORCE_KEY = "harness_force"


class ForcedContinuation(LogitsProcessor):
    """Per batch row: the tokens to force and the live list of tokens generated so far."""

    def __init__(self, vllm_config: Any, device: torch.device, is_pin_memory: bool) -> None:
        self.rows: dict[int, tuple[list[int], list[int]]] = {}

    def is_argmax_invariant(self) -> bool:
        return False  # it decides the argmax

    def update_state(self, batch_update: BatchUpdate | None) -> None:
        if batch_update is None:
            return
        for index in batch_update.removed:
            self.rows.pop(index, None)
        for index, params, _prompt, output in batch_update.added:
            force = (params.extra_args or {}).get(FORCE_KEY) if params is not None else None
            if force:
                self.rows[index] = (list(force), output)
            else:
                self.rows.pop(index, None)
        for a, b, direction in batch_update.moved:
            row_a, row_b = self.rows.pop(a, None), self.rows.pop(b, None)
            if row_a is not None:
                self.rows[b] = row_a
            if direction == MoveDirectionality.SWAP and row_b is not None:
                self.rows[a] = row_b

    def apply(self, logits: torch.Tensor) -> torch.Tensor:
        if not self.rows:
            return logits
        index, tokens = [], []
        for row, (force, output) in self.rows.items():
            step = len(output)
            if step < len(force):
                index.append(row)
                tokens.append(force[step])
        if index:
            # Greedy sampling takes the argmax: lifting one logit per row forces it, and costs one
            # write per row rather than masking the whole vocabulary.
            logits[torch.tensor(index), torch.tensor(tokens)] = torch.finfo(logits.dtype).max
        return logits
