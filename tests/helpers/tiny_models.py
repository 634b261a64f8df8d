"""Tiny random-weight models for offline tests (no Hub, no network).

`make_tiny_llama(dir)` writes a Llama-architecture checkpoint (head_dim 32, 2 layers) with a
byte-level BPE tokenizer trained on the fly, so it encodes any text (every benchmark language),
plus a chat template and BOS/EOS tokens. vLLM's CPU build and transformers both load it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

LLAMA3_STYLE_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
    "{{ m['content'] }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)

CORPUS = [
    "Question: Janet has 3 apples and buys 5 more. How many apples? Answer: 8. The answer is 8.",
    "Solve the problem step by step. #### 42 \\boxed{\\frac{1}{2}} Answer: B (C) **D**",
    "Die Antwort lautet 12. La respuesta es 7. La réponse est 3. Ответ: 5. Jibu ni 9.",
    "答案是 18。答えは 4 です。คำตอบคือ 6 উত্তর হল ৭ సమాధానం 3",
    "<think>Let me think.</think> The final answer is 10.",
]


def byte_level_bpe(specials: list[str], texts: Iterable[str], vocab_size: int = 1024) -> Any:
    """A `tokenizers.Tokenizer` (byte-level BPE, so any text encodes) trained on CORPUS + texts,
    with `specials` as single-id special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tok.train_from_iterator([*CORPUS, *texts] * 4, trainer=trainer)
    return tok


def train_tokenizer(extra_text: Iterable[str] = (), vocab_size: int = 1024) -> object:
    from transformers import PreTrainedTokenizerFast

    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>",
                "<|end_header_id|>", "<pad>"]
    tok = byte_level_bpe(specials, extra_text, vocab_size)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>",
        pad_token="<pad>", clean_up_tokenization_spaces=False,
    )
    fast.chat_template = LLAMA3_STYLE_TEMPLATE
    return fast


def make_tiny_llama(directory: Path, seed: int = 0, max_position_embeddings: int = 4096) -> Path:
    """Write a tiny random Llama checkpoint + tokenizer into `directory` and return it."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),  # type: ignore[arg-type]
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=32, max_position_embeddings=max_position_embeddings,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,  # type: ignore[attr-defined]
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,  # type: ignore[attr-defined]
        torch_dtype="float32",
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)  # type: ignore[attr-defined]
    return directory
