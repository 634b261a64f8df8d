"""An allow-list for project lm-eval YAMLs: every key, metric, aggregation, filter and sampler is a known name.

lm-eval 0.4.13 resolves code from a task config in more ways than the `!function` tag:
- a metric name it does not know goes to `evaluate.load(name)`, which imports a local `.py` path or
  downloads a metric script (`api/registry.py: get_metric`), with or without `hf_evaluate: true`;
- `aggregation:`, a filter's `function:`, `process_results`, `process_docs`, `custom_dataset`,
  `doc_to_*` and `fewshot_config.samples`/`process_docs` take callables (`!function`);
- `class:` builds a Python task class; the `custom` filter calls a `filter_fn`; `use_prompt` renders
  promptsource templates outside the sandbox; `unsafe_code` runs model-written code;
- `dataset_path` naming a `.py` file is a `datasets` loading script.
So nothing is refused by name here: anything that is not on these lists is refused, and values are
plain data (text, numbers, lists and mappings of them). The lists are lm-eval 0.4.13's registries
minus the entries that run code; `tests/test_hostile_inputs.py` checks them against the installed
lm-eval. Checked without importing lm-eval, so `harness validate` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import InputError

METRICS = frozenset({
    "acc", "acc_all", "acc_bytes", "acc_mutual_info", "acc_norm", "bits_per_byte", "bleu", "brier_score",
    "bypass", "byte_perplexity", "chrf", "chrf++", "exact_match", "f1", "likelihood", "mcc", "perplexity", "ter",
    "word_perplexity",
})
AGGREGATIONS = frozenset({
    "bits_per_byte", "bleu", "brier_score", "bypass", "chrf", "chrf++", "f1", "matthews_corrcoef", "mean",
    "median", "nanmean", "perplexity", "ter", "weighted_perplexity",
})
# lm-eval's filter registry without `custom` (it calls a `filter_fn` from the config).
FILTERS = frozenset({
    "format_span", "lowercase", "majority_vote", "map", "multi_choice_regex", "regex", "regex_pos",
    "remove_whitespace", "take_first", "take_first_k", "uppercase",
})
SAMPLERS = frozenset({"default", "first_n"})
OUTPUT_TYPES = frozenset({"loglikelihood", "loglikelihood_rolling", "multiple_choice", "generate_until"})

_TEMPLATES = ("doc_to_text", "doc_to_target", "doc_to_choice", "doc_to_decontamination_query", "description",
              "gen_prefix", "target_delimiter", "fewshot_delimiter")
TASK_KEYS = frozenset({
    "task", "task_alias", "tag", "dataset_path", "dataset_name", "dataset_kwargs", "training_split",
    "validation_split", "test_split", "fewshot_split", "fewshot_config", "num_fewshot", "metric_list",
    "output_type", "generation_kwargs", "repeats", "filter_list", "should_decontaminate", "metadata",
    "group", "group_alias", "aggregate_metric_list", "task_list", "include", *_TEMPLATES,
})
FEWSHOT_KEYS = frozenset({"sampler", "split", "fewshot_indices", "samples", *_TEMPLATES})
AGGREGATE_KEYS = frozenset({"metric", "filter_list", "aggregation", "weight_by_size"})
# Keys that only ever name code in lm-eval; said by name, so the message is specific.
CODE_KEYS = {
    "class": "builds a Python task class",
    "custom_dataset": "calls a Python function to load the data",
    "process_docs": "calls a Python function on the documents",
    "process_results": "calls a Python function to score",
    "doc_to_image": "needs images (and a Python function)",
    "doc_to_audio": "needs audio (and a Python function)",
    "use_prompt": "renders promptsource templates outside the sandbox",
    "unsafe_code": "runs code the model writes",
    "hf_evaluate": "loads a metric script with `evaluate.load`",
}
HOW_TO_FIX = ("use lm-eval's registered metrics, aggregations and filters and Jinja fields (doc_to_text, "
              "doc_to_choice, doc_to_target), or add the task to lm-eval itself")


def check_task_config(cfg: dict[str, Any], path: Path | str) -> None:
    """Refuse (InputError) a project lm-eval config that names anything outside the allow-lists."""
    _Checker(str(path)).task(cfg, "")


class _Checker:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, what: str, fix: str = HOW_TO_FIX) -> None:
        at = f" {where}:" if where else ""
        raise InputError(f"{self.path}:{at} {what}", fix)

    def task(self, cfg: dict[str, Any], where: str) -> None:
        for key, value in cfg.items():
            here = f"{where}{key}"
            if not isinstance(key, str):
                self.fail(where, f"key {str(key)[:40]!r} is not text")
            elif key in CODE_KEYS:
                self.fail(here, f"`{key}` {CODE_KEYS[key]}, which the harness refuses in project YAMLs")
            elif key not in TASK_KEYS:
                self.fail(here, f"unknown key `{key[:60]}` (project lm-eval YAMLs may use: "
                          f"{', '.join(sorted(TASK_KEYS))})", "remove or rename it")
            elif key == "metric_list":
                self.metrics(value, here)
            elif key == "filter_list":
                self.filters(value, here)
            elif key == "fewshot_config":
                self.fewshot(value, here)
            elif key == "aggregate_metric_list":
                self.aggregates(value, here)
            elif key == "output_type" and value not in OUTPUT_TYPES:
                self.fail(here, f"unknown output_type {str(value)[:40]!r}", f"one of {', '.join(sorted(OUTPUT_TYPES))}")
            elif key == "dataset_path" and (not isinstance(value, str) or value.strip().endswith(".py")):
                self.fail(here, "a dataset path must name a dataset or a format (json, csv, parquet), not a "
                          "Python loading script", "point data_files at local files with dataset_path: json")
            elif key == "task" and isinstance(value, list):
                for i, member in enumerate(value):
                    if isinstance(member, dict):
                        self.task(member, f"{here}[{i}].")
                    else:
                        self.plain(member, f"{here}[{i}]")
            else:
                self.plain(value, here)

    def plain(self, value: Any, where: str) -> None:
        """Text, numbers, booleans, None, and lists or mappings of them: data, never code."""
        stack = [(value, where)]
        while stack:
            item, at = stack.pop()
            if isinstance(item, dict):
                for k, v in item.items():
                    if k == "hf_evaluate" and v:
                        self.fail(f"{at}.hf_evaluate", f"`hf_evaluate` {CODE_KEYS['hf_evaluate']}, which the "
                                  "harness refuses in project YAMLs")
                    stack.append((v, f"{at}.{k}"))
            elif isinstance(item, list):
                stack.extend((v, f"{at}[{i}]") for i, v in enumerate(item))
            elif not (item is None or isinstance(item, (str, int, float, bool))):
                self.fail(at, f"a {type(item).__name__} value where lm-eval expects text, a number or a list")

    def entries(self, value: Any, where: str, what: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(where, f"expected a list of {what} mappings", "see lm-eval's task YAML format")
        return value

    def name(self, value: Any, allowed: frozenset[str], where: str, what: str) -> None:
        if not isinstance(value, str) or value not in allowed:
            shown = str(value)[:60] if isinstance(value, (str, int, float)) else type(value).__name__
            self.fail(where, f"{what} {shown!r} is not one of lm-eval's registered {what}s the harness allows "
                      f"({', '.join(sorted(allowed))})")

    def metrics(self, value: Any, where: str) -> None:
        for i, entry in enumerate(self.entries(value, where, "metric")):
            at = f"{where}[{i}]"
            self.name(entry.get("metric"), METRICS, f"{at}.metric", "metric")
            if "aggregation" in entry:
                self.name(entry["aggregation"], AGGREGATIONS, f"{at}.aggregation", "aggregation")
            if not isinstance(entry.get("higher_is_better", True), bool):
                self.fail(f"{at}.higher_is_better", "expected true or false", "write true or false")
            self.plain({k: v for k, v in entry.items() if k not in ("metric", "aggregation")}, at)

    def filters(self, value: Any, where: str) -> None:
        for i, entry in enumerate(self.entries(value, where, "filter")):
            at = f"{where}[{i}]"
            extra = sorted(map(str, set(entry) - {"name", "filter"}))
            if extra:
                self.fail(at, f"unknown key(s) {extra} in a filter", "use name and filter")
            for j, step in enumerate(self.entries(entry.get("filter"), f"{at}.filter", "filter step")):
                self.name(step.get("function"), FILTERS, f"{at}.filter[{j}].function", "filter")
                self.plain({k: v for k, v in step.items() if k != "function"}, f"{at}.filter[{j}]")
            self.plain(entry.get("name"), f"{at}.name")

    def fewshot(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            self.fail(where, "expected a mapping", "see lm-eval's fewshot_config")
        for key, item in value.items():
            if key in CODE_KEYS:
                self.fail(f"{where}.{key}", f"`{key}` {CODE_KEYS[key]}, which the harness refuses in project YAMLs")
            if key not in FEWSHOT_KEYS:
                self.fail(f"{where}.{key}", f"unknown fewshot_config key `{str(key)[:60]}`",
                          f"one of {', '.join(sorted(FEWSHOT_KEYS))}")
            if key == "sampler":
                self.name(item, SAMPLERS, f"{where}.sampler", "sampler")
            self.plain(item, f"{where}.{key}")

    def aggregates(self, value: Any, where: str) -> None:
        for i, entry in enumerate(self.entries(value, where, "aggregate metric")):
            at = f"{where}[{i}]"
            if set(entry) - AGGREGATE_KEYS:
                self.fail(at, f"unknown key(s) {sorted(map(str, set(entry) - AGGREGATE_KEYS))}",
                          f"one of {', '.join(sorted(AGGREGATE_KEYS))}")
            if entry.get("aggregation", "mean") != "mean":
                self.fail(f"{at}.aggregation", "a group aggregates with `mean` only", "write aggregation: mean")
            if not isinstance(entry.get("metric"), str):
                self.fail(f"{at}.metric", "expected a metric name")
            self.plain(entry, at)
