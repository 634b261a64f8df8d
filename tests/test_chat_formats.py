"""Chat and reasoning formats per family, rendered through the real templates (no engine).

Each test takes a real catalogue spec (so the catalogue's `system_prompt`, `bos`, `reasoning`
settings are checked too), a tokenizer carrying the family's real chat template and special
tokens (helpers.tiny_families), and goes through `harness.backends.chat.encode_prompt`, the
path every backend uses. Template provenance: tests/fixtures/templates/README.md.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from harness.backends.chat import encode_prompt, template_kwargs
from harness.config import load_catalog
from harness.grading import split_reasoning
from harness.specs import ModelSpec
from harness.tasks.base import Prompt

from helpers.tiny_families import FAMILIES, family_of, family_tokenizer

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
SYSTEM = "Answer with a number."
QUESTION = "What is 6 times 7?"
CHAT = Prompt(messages=({"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}))


@cache
def tokenizer(family: str, template: str | None = None, adds_bos: bool | None = None) -> Any:
    """The family's tokenizer with `template` (default: the family's own fixture)."""
    fam = FAMILIES[family]
    if adds_bos is not None:
        fam = dataclasses.replace(fam, adds_bos=adds_bos)
    return family_tokenizer(fam, (TEMPLATES / f"{template or fam.template}.jinja").read_text())


@cache
def catalog_model(model_id: str) -> ModelSpec:
    return load_catalog().model(model_id)


def render(model_id: str, tok: Any, prompt: Prompt = CHAT) -> tuple[list[int], str]:
    ids = encode_prompt(prompt, catalog_model(model_id), tok)
    return ids, tok.decode(ids, skip_special_tokens=False)


def bos_count(ids: list[int], tok: Any) -> int:
    return ids.count(tok.bos_token_id)


# ------------------------------------------------------------ DeepSeek-R1 (distills and R1)


@pytest.mark.parametrize(("model_id", "template"), [
    ("deepseek-r1-distill-qwen-7b", "deepseek_r1_distill"),
    ("deepseek-r1-distill-llama-8b", "deepseek_r1_distill"),
    ("deepseek-r1", "deepseek_r1"),
])
def test_deepseek_r1_prompt_opens_think_and_has_no_system_turn(model_id: str, template: str) -> None:
    spec = catalog_model(model_id)
    assert spec.system_prompt is False and spec.reasoning.think_in_prompt is True
    tok = tokenizer("deepseek_v3", template)
    ids, text = render(model_id, tok)
    # System text folded into the user turn; nothing between BOS and the first user tag.
    assert text == f"<｜begin▁of▁sentence｜><｜User｜>{SYSTEM}\n\n{QUESTION}<｜Assistant｜><think>\n"
    assert ids[0] == tok.bos_token_id and bos_count(ids, tok) == 1
    assert tok.convert_tokens_to_ids("<｜Assistant｜>") in ids  # one id, not spelled out


def test_deepseek_r1_template_alone_would_keep_a_system_prefix() -> None:
    # Why the catalogue says system_prompt: false: the template puts system text before the
    # first user tag, a place the model was not trained to read instructions from.
    tok = tokenizer("deepseek_v3", "deepseek_r1_distill")
    text = tok.apply_chat_template(list(CHAT.messages or ()), tokenize=False, add_generation_prompt=True)
    assert text.startswith(f"<｜begin▁of▁sentence｜>{SYSTEM}<｜User｜>")


@pytest.mark.parametrize(("response", "answer", "truncated"), [
    ("Six sevens.\n6*7 = 42.\n</think>\n\nThe answer is 42.", "The answer is 42.", False),
    ("Six sevens. 6*7 = 42, so the answer", None, True),  # ran out of tokens while thinking
    ("</think>42", "42", False),
])
def test_deepseek_r1_answer_is_after_think_close(response: str, answer: str | None, truncated: bool) -> None:
    spec = catalog_model("deepseek-r1-distill-qwen-7b")
    tok = tokenizer("deepseek_v3", "deepseek_r1_distill")
    # The backends decode with skip_special_tokens for `think` models: </think> must survive.
    decoded = tok.decode(tok.encode(response, add_special_tokens=False), skip_special_tokens=True)
    assert decoded == response
    got = split_reasoning(decoded, spec.reasoning.format, spec.reasoning.think_in_prompt)
    assert got == (answer, truncated)


# ------------------------------------------------------------ Qwen3 thinking switch


@pytest.mark.parametrize(("model_id", "family"), [
    ("qwen3-8b", "qwen3"), ("qwen3-32b", "qwen3"), ("qwen3-30b-a3b", "qwen3_moe"),
])
def test_qwen3_enable_thinking_switch(model_id: str, family: str) -> None:
    tok = tokenizer(family)
    think_spec, nothink_spec = catalog_model(f"{model_id}-think"), catalog_model(f"{model_id}-nothink")
    assert (think_spec.reasoning.enable_thinking, nothink_spec.reasoning.enable_thinking) == (True, False)
    head = (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{QUESTION}<|im_end|>\n"
            "<|im_start|>assistant\n")
    _, think = render(f"{model_id}-think", tok)
    ids, nothink = render(f"{model_id}-nothink", tok)
    assert think == head
    assert nothink == head + "<think>\n\n</think>\n\n"  # the real template's empty think block
    assert tok.convert_tokens_to_ids("</think>") in ids
    # The switch unset renders as thinking on, as the real template does.
    plain = tok.apply_chat_template(list(CHAT.messages or ()), tokenize=False, add_generation_prompt=True)
    assert plain == think
    assert tok.bos_token_id is None  # Qwen has no BOS


@pytest.mark.parametrize(("model_id", "response", "answer", "truncated"), [
    ("qwen3-8b-think", "<think>\n6*7 is 42.\n</think>\n\nThe answer is 42.", "The answer is 42.", False),
    ("qwen3-8b-think", "<think>\n6*7 is", None, True),
    ("qwen3-8b-nothink", "The answer is 42.", "The answer is 42.", False),
])
def test_qwen3_reasoning_split(model_id: str, response: str, answer: str | None, truncated: bool) -> None:
    spec = catalog_model(model_id)
    tok = tokenizer("qwen3")
    decoded = tok.decode(tok.encode(response), skip_special_tokens=True)
    assert decoded == response  # <think> tags are added tokens, not special ones
    assert split_reasoning(decoded, spec.reasoning.format, spec.reasoning.think_in_prompt) == (answer, truncated)


# ------------------------------------------------------------ gpt-oss harmony


@pytest.mark.parametrize("model_id", [
    "gpt-oss-20b-low", "gpt-oss-20b-medium", "gpt-oss-20b-high",
    "gpt-oss-120b-low", "gpt-oss-120b-medium", "gpt-oss-120b-high",
])
def test_gpt_oss_effort_in_system_message(model_id: str) -> None:
    spec = catalog_model(model_id)
    assert spec.reasoning.format == "harmony"
    tok = tokenizer("gpt_oss")
    ids, text = render(model_id, tok)
    text = re.sub(r"Current date: \d{4}-\d\d-\d\d", "Current date: DATE", text)
    # The layout of the harmony README example (oss-harmony package), without tools.
    assert text == (
        "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
        "Knowledge cutoff: 2024-06\nCurrent date: DATE\n\n"
        f"Reasoning: {spec.reasoning.effort}\n\n"
        "# Valid channels: analysis, commentary, final. Channel must be included for every message."
        "<|end|><|start|>developer<|message|># Instructions\n\n"
        f"{SYSTEM}\n\n<|end|><|start|>user<|message|>{QUESTION}<|end|><|start|>assistant"
    )
    assert bos_count(ids, tok) == 0  # harmony prompts carry no BOS


@pytest.mark.parametrize("skip_special_tokens", [False, True])
def test_gpt_oss_answer_is_final_channel(skip_special_tokens: bool) -> None:
    spec = catalog_model("gpt-oss-20b-low")
    tok = tokenizer("gpt_oss")
    raw = ("<|channel|>analysis<|message|>6*7 = 42. Done.<|end|>"
           "<|start|>assistant<|channel|>final<|message|>The answer is 42.<|return|>")
    ids = tok.encode(raw)
    assert tok.convert_tokens_to_ids("<|channel|>") in ids
    # The backends keep special tokens for harmony; a server that skips them glues the channel
    # names to the text ("analysis6*7 ... assistantfinalThe answer"). Both must give the answer.
    decoded = tok.decode(ids, skip_special_tokens=skip_special_tokens)
    assert split_reasoning(decoded, spec.reasoning.format) == ("The answer is 42.", False)


@pytest.mark.parametrize("skip_special_tokens", [False, True])
def test_gpt_oss_without_final_channel_is_truncated(skip_special_tokens: bool) -> None:
    spec = catalog_model("gpt-oss-20b-low")
    tok = tokenizer("gpt_oss")
    cut = tok.decode(tok.encode("<|channel|>analysis<|message|>6*7 ="), skip_special_tokens=skip_special_tokens)
    assert split_reasoning(cut, spec.reasoning.format) == (None, True)


# ------------------------------------------------------------ Gemma 3: BOS and system role


@pytest.mark.parametrize("model_id", ["gemma-3-1b-it", "gemma-3-4b-it", "gemma-3-27b-it"])
def test_gemma3_chat_has_one_bos_and_no_system_turn(model_id: str) -> None:
    spec = catalog_model(model_id)
    assert spec.bos == "always" and spec.system_prompt is False
    tok = tokenizer("gemma3")
    ids, text = render(model_id, tok)
    assert text == (f"<bos><start_of_turn>user\n{SYSTEM}\n\n{QUESTION}<end_of_turn>\n"
                    "<start_of_turn>model\n")
    assert ids[0] == tok.bos_token_id and bos_count(ids, tok) == 1


@pytest.mark.parametrize("tokenizer_adds_bos", [True, False])  # HF tokenizer / GGUF tokenizer
@pytest.mark.parametrize("prompt", [
    Prompt(text="Question: 6 times 7?\nAnswer:"),
    Prompt(text="<bos>Question: 6 times 7?\nAnswer:"),  # a few-shot prompt that already has it
    CHAT,  # chat prompt to a base model: turns concatenated, no template
], ids=["plain", "plain-with-bos", "chat-to-base"])
def test_gemma3_base_prompt_has_exactly_one_bos(prompt: Prompt, tokenizer_adds_bos: bool) -> None:
    spec = catalog_model("gemma-3-270m")
    assert spec.chat_template is False and spec.bos == "always"
    tok = tokenizer("gemma3", adds_bos=tokenizer_adds_bos)
    ids, text = render("gemma-3-270m", tok, prompt)
    assert ids[0] == tok.bos_token_id and bos_count(ids, tok) == 1
    assert "<start_of_turn>" not in text


# ------------------------------------------------------------ Llama 3.x / 4, Mistral: BOS once


@pytest.mark.parametrize(("model_id", "family", "template", "expected"), [
    ("llama-3.1-8b-instruct", "llama3", "llama3", (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
        "December 2023\nToday Date: 26 Jul 2024\n\n{s}<|eot_id|><|start_header_id|>user"
        "<|end_header_id|>\n\n{q}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")),
    ("llama-3.3-70b-instruct", "llama3", "llama3", None),
    ("llama-3.2-1b-instruct", "llama3", "llama3_2", None),
    ("llama-4-scout-17b-16e-instruct", "llama4", "llama4", (
        "<|begin_of_text|><|header_start|>system<|header_end|>\n\n{s}<|eot|><|header_start|>user"
        "<|header_end|>\n\n{q}<|eot|><|header_start|>assistant<|header_end|>\n\n")),
    ("llama-4-maverick-17b-128e-instruct", "llama4", "llama4", None),
    ("mistral-7b-instruct-v0.3", "mistral", "mistral", "<s>[INST] {s}\n\n{q}[/INST]"),
])
def test_template_writes_bos_and_tokenizer_adds_none(
    model_id: str, family: str, template: str, expected: str | None
) -> None:
    spec = catalog_model(model_id)
    assert spec.bos == "auto" and spec.architecture is not None
    assert family_of(spec.architecture.model_type).name == family
    tok = tokenizer(family, template)
    assert tok.encode("x")[0] == tok.bos_token_id  # the tokenizer would add one by itself
    ids, text = render(model_id, tok)
    assert ids[0] == tok.bos_token_id and bos_count(ids, tok) == 1
    assert text.count(SYSTEM) == 1
    if expected is not None:
        assert text == expected.format(s=SYSTEM, q=QUESTION)


def test_mistral_v03_matches_mistral_common() -> None:
    """mistral_common (Mistral's reference tokenizer, v3) puts the system prompt in the last user turn."""
    pytest.importorskip("mistral_common", reason="comes with vllm (the [cpu] / [gpu] extras)")
    from mistral_common.protocol.instruct.messages import (
        AssistantMessage,
        SystemMessage,
        UserMessage,
    )
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    turns = [("system", SYSTEM), ("user", "Hi"), ("assistant", "Hello."), ("user", QUESTION)]
    kinds = {"system": SystemMessage, "user": UserMessage, "assistant": AssistantMessage}
    mistral = MistralTokenizer.v3()
    tokens = mistral.encode_chat_completion(
        ChatCompletionRequest(messages=[kinds[r](content=c) for r, c in turns])
    ).tokens
    reference = mistral.decode(tokens, special_token_policy=SpecialTokenPolicy.KEEP)
    prompt = Prompt(messages=tuple({"role": r, "content": c} for r, c in turns))
    _, text = render("mistral-7b-instruct-v0.3", tokenizer("mistral"), prompt)
    # SentencePiece shows spaces as "▁" and newlines as byte tokens.
    assert text.replace(" ", "▁").replace("\n", "<0x0A>") == reference


def test_llama3_base_plain_text_gets_one_bos() -> None:
    spec = catalog_model("llama-3.1-8b")
    assert spec.chat_template is False
    tok = tokenizer("llama3")
    for prompt in (Prompt(text="Question: 6 times 7?\nAnswer:"), CHAT):
        ids, _ = render("llama-3.1-8b", tok, prompt)
        assert ids[0] == tok.bos_token_id and bos_count(ids, tok) == 1


# ------------------------------------------------------------ every chat model in the catalogue


# (tokenizer family, template) where the model's own differ from its architecture family's.
TOKENS_OF_REPO = {
    "deepseek-ai/DeepSeek-R1-Distill": ("deepseek_v3", "deepseek_r1_distill"),
    "deepseek-ai/DeepSeek-R1": ("deepseek_v3", "deepseek_r1"),
    "meta-llama/Llama-3.2-": ("llama3", "llama3_2"),
}
# No verified template fixture: DeepSeek-V3 (non-R1) and Mistral Small 3 (2501, [SYSTEM_PROMPT]).
NO_FIXTURE = {"deepseek-v3", "mistral-small-24b-instruct-2501"}


@pytest.mark.parametrize("model_id", sorted(
    m.id for m in load_catalog().models.values()
    if m.chat_template and m.source.type == "hub" and m.id not in NO_FIXTURE
))
def test_every_catalogue_chat_model_renders_one_bos_and_a_generation_prompt(model_id: str) -> None:
    spec = catalog_model(model_id)
    assert spec.architecture is not None, "chat models need architecture.model_type"
    repo = spec.source.repo or ""
    family, template = next(
        (v for prefix, v in TOKENS_OF_REPO.items() if repo.startswith(prefix)),
        (family_of(spec.architecture.model_type).name, None),
    )
    tok = tokenizer(family, template)
    ids, text = render(model_id, tok)
    writes_bos = "bos_token" in tok.chat_template
    assert bos_count(ids, tok) == (1 if writes_bos or spec.bos == "always" else 0)
    assert text.count(QUESTION) == 1
    if not spec.system_prompt:
        assert text.index(SYSTEM) < text.index(QUESTION)  # folded, not dropped
    generation_prompt = tok.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False,
                                                add_generation_prompt=True, **template_kwargs(spec))
    assert text.endswith(generation_prompt[generation_prompt.rindex("x") + 1:])
