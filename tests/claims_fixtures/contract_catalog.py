"""A catalogue built from the model and task ids of the project contract (no YAML needed).

Used to check the ledger while configs/models/ and configs/tasks/ are still being written; the
real catalogue is checked too (tests/test_claims_ledger.py) once it exists.
"""

from __future__ import annotations

from pathlib import Path

from harness.config import Catalog
from harness.specs import ModelSpec, TaskSpec

from claims_fixtures.builders import catalog, model, task

MGSM = ["bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh"]
XCOPA = ["et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh"]
BELEBELE = {"ben_beng": "bn", "deu_latn": "de", "eng_latn": "en", "spa_latn": "es", "fra_latn": "fr",
            "jpn_jpan": "ja", "rus_cyrl": "ru", "swh_latn": "sw", "tel_telu": "te", "tha_thai": "th",
            "zho_hans": "zh", "hat_latn": "ht", "tam_taml": "ta"}  # fmt: skip

# id: (family, developer, country, params_b, active_b, kind, base_model)
MODELS = {
    "llama-2-70b": ("llama2", "meta", "US", 69.0, 69.0, "base", None),
    "llama-2-70b-chat": ("llama2", "meta", "US", 69.0, 69.0, "instruct", "llama-2-70b"),
    "llama-3.1-8b": ("llama3", "meta", "US", 8.0, 8.0, "base", None),
    "llama-3.1-8b-instruct": ("llama3", "meta", "US", 8.0, 8.0, "instruct", "llama-3.1-8b"),
    "llama-3.1-70b-instruct": ("llama3", "meta", "US", 70.6, 70.6, "instruct", None),
    "llama-3.1-405b-instruct": ("llama3", "meta", "US", 405.0, 405.0, "instruct", None),
    "llama-3.2-1b-instruct": ("llama3", "meta", "US", 1.2, 1.2, "instruct", None),
    "llama-3.2-3b-instruct": ("llama3", "meta", "US", 3.2, 3.2, "instruct", None),
    "llama-3.3-70b-instruct": ("llama3", "meta", "US", 70.6, 70.6, "instruct", None),
    "llama-4-scout-17b-16e-instruct": ("llama4", "meta", "US", 109.0, 17.0, "instruct", None),
    "llama-4-maverick-17b-128e-instruct": ("llama4", "meta", "US", 400.0, 17.0, "instruct", None),
    "qwen2.5-7b-instruct": ("qwen2.5", "alibaba", "CN", 7.6, 7.6, "instruct", None),
    "qwen2.5-14b": ("qwen2.5", "alibaba", "CN", 14.7, 14.7, "base", None),
    "qwen2.5-32b": ("qwen2.5", "alibaba", "CN", 32.5, 32.5, "base", None),
    "qwen2.5-72b-instruct": ("qwen2.5", "alibaba", "CN", 72.7, 72.7, "instruct", None),
    "qwen2.5-math-1.5b": ("qwen2.5", "alibaba", "CN", 1.5, 1.5, "base", None),
    "qwen2.5-math-7b": ("qwen2.5", "alibaba", "CN", 7.6, 7.6, "base", None),
    "qwen2.5-math-7b-instruct": ("qwen2.5", "alibaba", "CN", 7.6, 7.6, "instruct", "qwen2.5-math-7b"),
    "qwen3-8b-think": ("qwen3", "alibaba", "CN", 8.2, 8.2, "reasoning", None),
    "qwen3-8b-nothink": ("qwen3", "alibaba", "CN", 8.2, 8.2, "instruct", None),
    "qwen3-32b-think": ("qwen3", "alibaba", "CN", 32.8, 32.8, "reasoning", None),
    "qwen3-32b-nothink": ("qwen3", "alibaba", "CN", 32.8, 32.8, "instruct", None),
    "qwen3-30b-a3b-think": ("qwen3", "alibaba", "CN", 30.5, 3.3, "reasoning", None),
    "qwen3-30b-a3b-nothink": ("qwen3", "alibaba", "CN", 30.5, 3.3, "instruct", None),
    "deepseek-r1-distill-qwen-1.5b": ("deepseek", "deepseek", "CN", 1.8, 1.8, "reasoning", "qwen2.5-math-1.5b"),
    "deepseek-r1-distill-qwen-7b": ("deepseek", "deepseek", "CN", 7.6, 7.6, "reasoning", "qwen2.5-math-7b"),
    "deepseek-r1-distill-qwen-14b": ("deepseek", "deepseek", "CN", 14.8, 14.8, "reasoning", "qwen2.5-14b"),
    "deepseek-r1-distill-qwen-32b": ("deepseek", "deepseek", "CN", 32.8, 32.8, "reasoning", "qwen2.5-32b"),
    "deepseek-r1-distill-llama-8b": ("deepseek", "deepseek", "CN", 8.0, 8.0, "reasoning", "llama-3.1-8b"),
    "deepseek-r1-distill-llama-70b": ("deepseek", "deepseek", "CN", 70.6, 70.6, "reasoning",
                                      "llama-3.3-70b-instruct"),
    "deepseek-r1": ("deepseek", "deepseek", "CN", 671.0, 37.0, "reasoning", None),
    "deepseek-v3": ("deepseek", "deepseek", "CN", 671.0, 37.0, "instruct", None),
    **{f"gpt-oss-20b-{e}": ("gpt-oss", "openai", "US", 20.9, 3.6, "reasoning", None)
       for e in ("low", "medium", "high")},
    **{f"gpt-oss-120b-{e}": ("gpt-oss", "openai", "US", 116.8, 5.1, "reasoning", None)
       for e in ("low", "medium", "high")},
    "gemma-3-1b-it": ("gemma3", "google", "US", 1.0, 1.0, "instruct", None),
    "gemma-3-4b-it": ("gemma3", "google", "US", 4.3, 4.3, "instruct", None),
    "gemma-3-12b-it": ("gemma3", "google", "US", 12.2, 12.2, "instruct", None),
    "gemma-3-27b-it": ("gemma3", "google", "US", 27.4, 27.4, "instruct", None),
    "gemma-3-270m": ("gemma3", "google", "US", 0.27, 0.27, "base", None),
    "mistral-7b-instruct-v0.3": ("mistral", "mistral", "FR", 7.2, 7.2, "instruct", None),
    "mistral-small-24b-instruct-2501": ("mistral", "mistral", "FR", 23.6, 23.6, "instruct", None),
    # models of the imported outputs (issue 19)
    "qwen2-7b-instruct": ("qwen2", "alibaba", "CN", 7.6, 7.6, "instruct", None),
    "qwen2-72b-instruct": ("qwen2", "alibaba", "CN", 72.7, 72.7, "instruct", None),
}  # fmt: skip


# Items in each task's evaluated split (configs/tasks/*.yaml): published values are aggregates over these.
ITEMS = {"gsm8k": 1319, "math500": 500, "aime24": 30, "aime25": 30, "gpqa_diamond": 198, "mmlu_pro": 12032,
         "mgsm": 250, "global_mmlu": 400, "belebele": 900, "xcopa": 500, "cmmlu": 11582, "ceval": 1346,
         "arc_easy": 2376, "arc_challenge": 1172, "piqa": 1838, "boolq": 3270, "hellaswag": 10042,
         "winogrande": 1267}  # fmt: skip


def _items(spec: TaskSpec) -> TaskSpec:
    return spec.model_copy(update={"items": ITEMS[spec.group or spec.id]})


def contract_catalog(config_dir: Path) -> Catalog:
    """Every model and task id the contract names, with plausible specs."""
    models = [
        model(mid, family=f, developer=d, country=c, params_b=p, active_b=a, kind=k, base_model=b)
        for mid, (f, d, c, p, a, k, b) in MODELS.items()
    ]
    tasks = [
        task("gsm8k"), task("math500", answer_type="math"), task("aime24", answer_type="math"),
        task("aime25", answer_type="math"), task("gpqa_diamond", answer_type="choice_letter"),
        task("mmlu_pro", answer_type="choice_letter"),
        *[task(f"mgsm_{lang}", suite="multilingual", group="mgsm", language=lang) for lang in MGSM],
        *[task(f"global_mmlu_{lang}", suite="multilingual", group="global_mmlu", language=lang,
               answer_type="choice_letter") for lang in MGSM],
        *[task(f"belebele_{code}", suite="multilingual", group="belebele", language=lang,
               answer_type="choice_letter") for code, lang in BELEBELE.items()],
        *[task(f"xcopa_{lang}", suite="multilingual", group="xcopa", language=lang,
               answer_type="likelihood_choice") for lang in XCOPA],
        task("cmmlu", suite="multilingual", language="zh", answer_type="choice_letter"),
        task("ceval", suite="multilingual", language="zh", answer_type="choice_letter"),
        *[task(t, suite="reference", answer_type="likelihood_choice")
          for t in ("arc_easy", "arc_challenge", "piqa", "boolq", "hellaswag", "winogrande")],
    ]  # fmt: skip
    closed = ModelSpec(id="gemini-1.5-pro-002", name="Gemini 1.5 Pro", family="gemini", developer="google",
                       country="US", params_b=1000, active_params_b=1000, kind="closed",
                       source={"type": "reference"}, backend="reference")  # reference-only (issue 19)
    imported_tasks = [task("math_l5", suite="imported", answer_type="math")]
    return catalog([*models, closed], [*[_items(t) for t in tasks], *imported_tasks], config_dir)
