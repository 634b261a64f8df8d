"""Separate a reasoning model's thinking from its answer.

Two output formats are understood:

* ``think``: ``<think>reasoning</think>answer`` (Qwen3, DeepSeek-R1, QwQ; Magistral writes
  ``[THINK]…[/THINK]``). Templates that open ``<think>`` in the prompt produce responses with
  only the closing tag.
* ``harmony`` (gpt-oss): channels ``analysis`` and ``final``. vLLM may return the special
  tokens (``<|channel|>final<|message|>…<|return|>``) or skip them, which glues the channel
  names to the text (``analysisWe need…assistantfinalThe answer is 5``).

Reasoning that never closed means the generation ran out of tokens before answering: the
item is *truncated* (no answer, counted wrong, counted separately).
"""

from __future__ import annotations

import re

REASONING_FORMATS = ("auto", "none", "think", "harmony")

_THINK_OPEN = re.compile(r"<think>|\[THINK\]")
_THINK_CLOSE = re.compile(r"</think>|\[/THINK\]")

# Start of the final channel, token form: `<|channel|>final<|message|>`; the `<|channel|>`
# may be missing when the output starts at the channel name, and a `<|constrain|>` may sit
# between the channel name and `<|message|>`.
_HARMONY_FINAL_TOKENS = re.compile(
    r"(?:<\|channel\|>)?\s{0,4}final\s{0,4}(?:<\|constrain\|>[^<]{0,40})?<\|message\|>"
)
# Start of the final channel with special tokens skipped: `...<|start|>assistant<|channel|>final
# <|message|>` becomes `assistantfinal`.
_HARMONY_FINAL_BARE = re.compile(r"assistantfinal")
_HARMONY_END = re.compile(r"<\|(?:return|end|call)\|>")
_HARMONY_ANALYSIS = re.compile(
    r"<\|channel\|>\s{0,4}analysis|^\s{0,64}analysis\s{0,4}<\|message\|>|^\s{0,64}analysis(?=[A-Z\"'*#(\[])"
    r"|assistantanalysis"
)
_HARMONY_ANY = re.compile(r"<\|(?:channel|message|start|end|return)\|>")
# When the format is known to be harmony, any leading `analysis` is the channel name, whatever
# follows it (`analysis6*7 = ...` once special tokens are skipped).
_HARMONY_LEADING_ANALYSIS = re.compile(r"^\s{0,64}analysis")


def split_reasoning(
    text: str, fmt: str = "auto", think_in_prompt: bool = False
) -> tuple[str | None, bool]:
    """Return ``(answer_part, truncated)`` for a raw model response.

    ``fmt`` is one of ``auto``, ``none``, ``think``, ``harmony``. ``think``: the answer is the
    text after the last ``</think>``; with ``think_in_prompt`` the response needs no opening
    tag but still needs the closing one. ``harmony``: the answer is the last ``final``
    channel. Opened reasoning without its end gives ``(None, True)``. ``auto`` detects think
    tags or harmony markers and otherwise returns the whole text. ``none`` returns the text
    as is. Raises ValueError for an unknown ``fmt``.
    """
    if fmt not in REASONING_FORMATS:
        raise ValueError(
            f"reasoning format must be one of {REASONING_FORMATS}, got {fmt!r}"
        )
    if fmt == "none":
        return text, False
    if fmt == "think":
        return _split_think(text, think_in_prompt)
    if fmt == "harmony":
        return _split_harmony(text)
    if think_in_prompt or _THINK_OPEN.search(text) or _THINK_CLOSE.search(text):
        return _split_think(text, think_in_prompt)
    if _looks_like_harmony(text):
        return _split_harmony(text)
    return text, False


def _split_think(text: str, think_in_prompt: bool) -> tuple[str | None, bool]:
    closes = list(_THINK_CLOSE.finditer(text))
    if not closes:
        if think_in_prompt or _THINK_OPEN.search(text):
            return None, True
        # The model did not think at all (e.g. thinking switched off).
        return text, False
    answer = text[closes[-1].end() :]
    # A new block opened after the answer and never closed: keep the answer before it.
    reopened = _THINK_OPEN.search(answer)
    if reopened:
        answer = answer[: reopened.start()]
        if not answer.strip():
            return None, True
    return answer.strip(), False


def _looks_like_harmony(text: str) -> bool:
    return bool(
        _HARMONY_ANY.search(text)
        or _HARMONY_ANALYSIS.search(text)
        or _HARMONY_FINAL_BARE.search(text)
    )


def _split_harmony(text: str) -> tuple[str | None, bool]:
    starts = [m.end() for m in _HARMONY_FINAL_TOKENS.finditer(text)]
    starts += [m.end() for m in _HARMONY_FINAL_BARE.finditer(text)]
    if starts:
        answer = text[max(starts) :]
        end = _HARMONY_END.search(answer)
        if end:
            answer = answer[: end.start()]
        return answer.strip(), False
    if _HARMONY_ANALYSIS.search(text) or _HARMONY_ANY.search(text) or _HARMONY_LEADING_ANALYSIS.match(text):
        return None, True  # analysis (or a channel header) with no final channel
    # No harmony markers: the server already separated the final text.
    return text, False
