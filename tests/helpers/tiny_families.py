"""Tiny random-weight checkpoints, one per architecture family in the catalogue (offline tests).

Each family's builder takes the `config.json` of a real catalogue model, keeps what makes the
family itself (qk norm, sliding-window pattern, MLA ranks, MoE routing, rope scaling, attention
sinks, bias terms, tied embeddings) and shrinks the sizes: 2 layers, hidden 64-128, a few heads,
4 experts. Head dims stay at the real values where vLLM's CPU kernels accept them (>= 32; MLA's
latent cache must stay 512 + 64). The tokenizer is a byte-level BPE trained on the fly (like
`helpers.tiny_models`) with the family's real special tokens as single ids, its real chat template
(passed in: the tests keep them under tests/fixtures/templates/), and the family's real
end-of-turn token as EOS, so stop tokens and BOS handling are exercised.

    make_tiny_model("qwen3", tmp_dir, chat_template=Path("qwen3.jinja").read_text())
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers.tiny_models import byte_level_bpe


@dataclass(frozen=True)
class Family:
    """One architecture family: its model class, real tokens, and the config it is shrunk from."""

    name: str
    architecture: str  # the class vLLM and transformers load (config.json `architectures`)
    model_types: tuple[str, ...]  # catalogue `architecture.model_type` values of this family
    source: str  # the catalogue model whose config.json the tiny config is shrunk from
    template: str  # stem of the chat-template fixture
    config: Callable[[dict[str, Any]], Any] = field(repr=False)  # token ids -> tiny config
    eos: str  # end-of-turn token: the tokenizer's EOS
    bos: str | None
    pad: str | None
    adds_bos: bool  # the real tokenizer prepends BOS to plain text
    specials: tuple[str, ...]  # control tokens (special: true; skipped when decoding)
    added: tuple[str, ...] = ()  # added but not special (`<think>`): kept in decoded text
    extra_eos: tuple[str, ...] = ()  # further stop ids of generation_config.json


def _llama3(ids: dict[str, Any]) -> Any:
    from transformers import LlamaConfig

    # meta-llama/Llama-3.1-8B-Instruct config.json: llama3 rope scaling, untied, no biases.
    return LlamaConfig(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=32, hidden_act="silu", rms_norm_eps=1e-5,
        max_position_embeddings=131072, tie_word_embeddings=False, attention_bias=False,
        mlp_bias=False,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 8192},
        **ids,
    )


def _llama4(ids: dict[str, Any]) -> Any:
    from transformers import Llama4TextConfig

    # Llama-4-Scout-17B-16E-Instruct text_config: MoE on every layer (top-1 + shared expert),
    # qk norm, chunked local attention with RoPE on 3 of 4 layers and a global NoPE layer
    # (here: one of each, chunk shrunk from 8192 to 128), llama3 rope scaling factor 16.
    return Llama4TextConfig(
        hidden_size=64, intermediate_size=64, intermediate_size_mlp=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=32, hidden_act="silu",
        rms_norm_eps=1e-5, max_position_embeddings=10485760, tie_word_embeddings=False,
        num_local_experts=4, num_experts_per_tok=1, interleave_moe_layer_step=1,
        use_qk_norm=True, attention_chunk_size=128, no_rope_layers=[1, 0],
        layer_types=["chunked_attention", "full_attention"], attn_temperature_tuning=True,
        floor_scale=8192, attn_scale=0.1,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 16.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 1.0,
                         "original_max_position_embeddings": 8192},
        **ids,
    )


def _qwen2(ids: dict[str, Any]) -> Any:
    from transformers import Qwen2Config

    # Qwen/Qwen2.5-7B-Instruct config.json: qkv bias (built into Qwen2), rope 1e6, untied,
    # sliding window configured but off.
    return Qwen2Config(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, hidden_act="silu", rms_norm_eps=1e-6,
        max_position_embeddings=32768, tie_word_embeddings=False, use_sliding_window=False,
        sliding_window=131072, max_window_layers=2,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, **ids,
    )


def _qwen3(ids: dict[str, Any]) -> Any:
    from transformers import Qwen3Config

    # Qwen/Qwen3-8B config.json: q/k RMSNorm, explicit head_dim 128 (> hidden / heads), no bias.
    return Qwen3Config(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=128, hidden_act="silu", rms_norm_eps=1e-6,
        max_position_embeddings=40960, tie_word_embeddings=False, attention_bias=False,
        use_sliding_window=False, max_window_layers=2,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, **ids,
    )


def _qwen3_moe(ids: dict[str, Any]) -> Any:
    from transformers import Qwen3MoeConfig

    # Qwen/Qwen3-30B-A3B config.json: every layer sparse (128 experts top-8 -> 4 top-2),
    # normalised top-k weights, no shared expert, qk norm, head_dim 128.
    real_only: dict[str, Any] = {"head_dim": 128}  # in the real config.json, not in the signature
    return Qwen3MoeConfig(
        hidden_size=64, intermediate_size=128, moe_intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, hidden_act="silu",
        rms_norm_eps=1e-6, max_position_embeddings=40960, tie_word_embeddings=False,
        attention_bias=False, num_experts=4, num_experts_per_tok=2, decoder_sparse_step=1,
        norm_topk_prob=True, mlp_only_layers=[],
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, **real_only, **ids,
    )


def _gemma3(ids: dict[str, Any]) -> Any:
    from transformers import Gemma3TextConfig

    # google/gemma-3-1b-it config.json: head_dim 256 with query_pre_attn_scalar 256,
    # local/global layers (5:1 -> 1:1 here, window 512 -> 64) with their own rope bases,
    # gelu-tanh MLP, tied embeddings.
    return Gemma3TextConfig(
        hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=256, query_pre_attn_scalar=256,
        hidden_activation="gelu_pytorch_tanh", rms_norm_eps=1e-6,
        max_position_embeddings=32768, tie_word_embeddings=True, sliding_window=64,
        layer_types=["sliding_attention", "full_attention"],
        final_logit_softcapping=None, attn_logit_softcapping=None,
        rope_parameters={
            "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
            "full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
        },
        **ids,
    )


def _gpt_oss(ids: dict[str, Any]) -> Any:
    from transformers import GptOssConfig

    # openai/gpt-oss-20b config.json: attention sinks, alternating sliding (128) / full
    # attention, attention bias, yarn rope x32, clamped SwiGLU, 32 experts top-4 -> 4 top-2.
    # Weights here are unquantised (the release ships MXFP4 experts).
    return GptOssConfig(
        hidden_size=64, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=64, num_local_experts=4, num_experts_per_tok=2,
        sliding_window=128, layer_types=["sliding_attention", "full_attention"],
        attention_bias=True, swiglu_limit=7.0, rms_norm_eps=1e-5, hidden_act="silu",
        max_position_embeddings=131072, tie_word_embeddings=False,
        rope_parameters={"rope_type": "yarn", "rope_theta": 150000.0, "factor": 32.0,
                         "beta_fast": 32.0, "beta_slow": 1.0, "truncate": False,
                         "original_max_position_embeddings": 4096},
        **ids,
    )


def _deepseek_v3(ids: dict[str, Any]) -> Any:
    from transformers import DeepseekV3Config

    # deepseek-ai/DeepSeek-V3 config.json: MLA (kv_lora_rank 512 + rope 64 kept: vLLM's CPU MLA
    # kernel only takes that latent size; q_lora and the per-head dims shrunk), first layer
    # dense then MoE with 1 shared expert, sigmoid group-limited routing (256 experts in 8
    # groups, top-8 -> 4 in 2 groups, top-2), routed scaling 2.5, yarn rope x40.
    # Routing fields of the real config.json that transformers' signature lacks but vLLM reads
    # (without them vLLM routes with softmax and has no e_score_correction_bias).
    real_only: dict[str, Any] = {"topk_method": "noaux_tc", "scoring_func": "sigmoid",
                                 "moe_layer_freq": 1}
    return DeepseekV3Config(
        hidden_size=128, intermediate_size=256, moe_intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, kv_lora_rank=512, q_lora_rank=64,
        qk_rope_head_dim=64, qk_nope_head_dim=32, v_head_dim=32, n_routed_experts=4,
        n_shared_experts=1, num_experts_per_tok=2, n_group=2, topk_group=1,
        first_k_dense_replace=1, routed_scaling_factor=2.5, norm_topk_prob=True,
        hidden_act="silu", rms_norm_eps=1e-6, max_position_embeddings=163840,
        tie_word_embeddings=False, attention_bias=False,
        rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 40.0,
                         "beta_fast": 32.0, "beta_slow": 1.0, "mscale": 1.0,
                         "mscale_all_dim": 1.0, "original_max_position_embeddings": 4096},
        **real_only, **ids,
    )


def _mistral(ids: dict[str, Any]) -> Any:
    from transformers import MistralConfig

    # mistralai/Mistral-7B-Instruct-v0.3 config.json: no sliding window (null), rope 1e6.
    return MistralConfig(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=128, hidden_act="silu", rms_norm_eps=1e-5,
        max_position_embeddings=32768, tie_word_embeddings=False, sliding_window=None,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, **ids,
    )


_QWEN_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
_QWEN_ADDED = ("<tool_call>", "</tool_call>")

FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("llama3", "LlamaForCausalLM", ("llama",), "meta-llama/Llama-3.1-8B-Instruct",
           "llama3", eos="<|eot_id|>", bos="<|begin_of_text|>", pad="<|finetune_right_pad_id|>",
           adds_bos=True, specials=("<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>",
                                    "<|end_of_text|>", "<|python_tag|>"),
           extra_eos=("<|end_of_text|>", "<|eom_id|>"), config=_llama3),
    Family("llama4", "Llama4ForCausalLM", ("llama4",), "meta-llama/Llama-4-Scout-17B-16E-Instruct",
           "llama4", eos="<|eot|>", bos="<|begin_of_text|>", pad="<|finetune_right_pad|>",
           adds_bos=True, specials=("<|header_start|>", "<|header_end|>", "<|eom|>",
                                    "<|end_of_text|>", "<|python_start|>", "<|python_end|>"),
           extra_eos=("<|end_of_text|>", "<|eom|>"), config=_llama4),
    Family("qwen2", "Qwen2ForCausalLM", ("qwen2",), "Qwen/Qwen2.5-7B-Instruct", "qwen2_5",
           eos="<|im_end|>", bos=None, pad="<|endoftext|>", adds_bos=False,
           specials=_QWEN_SPECIALS, added=_QWEN_ADDED, extra_eos=("<|endoftext|>",),
           config=_qwen2),
    Family("qwen3", "Qwen3ForCausalLM", ("qwen3",), "Qwen/Qwen3-8B", "qwen3",
           eos="<|im_end|>", bos=None, pad="<|endoftext|>", adds_bos=False,
           specials=_QWEN_SPECIALS, added=(*_QWEN_ADDED, "<think>", "</think>"),
           extra_eos=("<|endoftext|>",), config=_qwen3),
    Family("qwen3_moe", "Qwen3MoeForCausalLM", ("qwen3_moe",), "Qwen/Qwen3-30B-A3B", "qwen3",
           eos="<|im_end|>", bos=None, pad="<|endoftext|>", adds_bos=False,
           specials=_QWEN_SPECIALS, added=(*_QWEN_ADDED, "<think>", "</think>"),
           extra_eos=("<|endoftext|>",), config=_qwen3_moe),
    # Gemma 2 (imported evidence only so far) shares Gemma 3's chat format and control tokens.
    Family("gemma3", "Gemma3ForCausalLM", ("gemma3_text", "gemma3", "gemma2"), "google/gemma-3-1b-it",
           "gemma3", eos="<end_of_turn>", bos="<bos>", pad="<pad>", adds_bos=True,
           specials=("<eos>", "<start_of_turn>", "<end_of_turn>"), extra_eos=("<eos>",),
           config=_gemma3),
    Family("gpt_oss", "GptOssForCausalLM", ("gpt_oss",), "openai/gpt-oss-20b", "gpt_oss",
           eos="<|return|>", bos="<|startoftext|>", pad="<|endoftext|>", adds_bos=False,
           specials=("<|endoftext|>", "<|start|>", "<|end|>", "<|message|>", "<|channel|>",
                     "<|constrain|>", "<|call|>"),
           extra_eos=("<|endoftext|>", "<|call|>"), config=_gpt_oss),
    Family("deepseek_v3", "DeepseekV3ForCausalLM", ("deepseek_v3",), "deepseek-ai/DeepSeek-R1",
           "deepseek_r1", eos="<｜end▁of▁sentence｜>", bos="<｜begin▁of▁sentence｜>",
           pad="<｜▁pad▁｜>", adds_bos=True, specials=(),
           added=("<｜User｜>", "<｜Assistant｜>", "<think>", "</think>"), config=_deepseek_v3),
    Family("mistral", "MistralForCausalLM", ("mistral",), "mistralai/Mistral-7B-Instruct-v0.3",
           "mistral", eos="</s>", bos="<s>", pad=None, adds_bos=True,
           specials=("<unk>", "[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]",
                     "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"),
           config=_mistral),
]}


def family_of(model_type: str) -> Family:
    """The family a catalogue `architecture.model_type` belongs to. Raises KeyError."""
    for fam in FAMILIES.values():
        if model_type in fam.model_types:
            return fam
    raise KeyError(f"no tiny family for model_type {model_type!r}; known: "
                   f"{sorted(t for f in FAMILIES.values() for t in f.model_types)}")


def family_tokenizer(fam: Family, chat_template: str, vocab_size: int = 1024) -> Any:
    """Byte-level BPE with the family's special tokens as single ids, its template and EOS."""
    from tokenizers import AddedToken
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    controls = list(dict.fromkeys(t for t in (fam.bos, fam.eos, fam.pad, *fam.specials) if t))
    tok = byte_level_bpe(controls, [chat_template], vocab_size)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in fam.added])
    if fam.adds_bos and fam.bos:
        bos_id = tok.token_to_id(fam.bos)
        tok.post_processor = TemplateProcessing(
            single=f"{fam.bos} $A", pair=f"{fam.bos} $A {fam.bos} $B",
            special_tokens=[(fam.bos, bos_id)],
        )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=fam.bos, eos_token=fam.eos, pad_token=fam.pad,
        clean_up_tokenization_spaces=False,
    )
    fast.chat_template = chat_template
    return fast


def make_tiny_model(
    family: str, directory: Path, chat_template: str, seed: int = 0, dtype: str = "float32"
) -> Path:
    """Write a tiny random checkpoint of `family` + its tokenizer into `directory`; return it."""
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    fam = FAMILIES[family]
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = family_tokenizer(fam, chat_template)
    vocab = tokenizer.convert_tokens_to_ids
    eos_ids = [vocab(t) for t in (fam.eos, *fam.extra_eos)]
    ids: dict[str, Any] = {
        # Wider than the usual 0.02 so log-probs spread out and backend mismatches show.
        "initializer_range": 0.1,
        "vocab_size": len(tokenizer), "eos_token_id": eos_ids[0],
        "bos_token_id": vocab(fam.bos) if fam.bos else None,
        "pad_token_id": vocab(fam.pad) if fam.pad else None,
    }
    config = fam.config(ids)
    config.architectures = [fam.architecture]
    config.dtype = dtype
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=getattr(torch, dtype))
    model.save_pretrained(directory)
    GenerationConfig(
        bos_token_id=ids["bos_token_id"], eos_token_id=eos_ids, pad_token_id=ids["pad_token_id"],
    ).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
