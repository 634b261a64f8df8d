"""lm-eval's tasks by name (`lm_eval:<task|group|tag>`) through the harness's backends and records.

- `index`: every name, from lm-eval's bundled YAMLs (cached per version) and `configs/lm_eval/`;
- `safe_yaml`: reads project YAMLs without running code (`!function`, `class:` refused);
- `catalog`: names → TaskSpecs (a group: its tasks, then its aggregate rows), no lm_eval import;
- `build`: lm-eval's TaskFactory with sandboxed templates, no trust_remote_code, local data files;
- `requests`: lm-eval Instances → GenRequest / LLRequest keyed by request key;
- `score`: generations → lm-eval's filters, process_results, aggregation → SampleRecord / MetricRecord;
- `seam`: what `harness.runner` calls (plan, requests, score); `listing`: `harness tasks --lm-eval`.
"""
