"""Plain-text tables of the catalogue for `harness models` and `harness tasks`."""

from __future__ import annotations

from collections.abc import Sequence

from harness.config import Catalog


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def models_table(catalog: Catalog, gpu: str = "h100-80gb", gpus_per_node: int = 8) -> str:
    from harness.plan import plan_model

    rows = []
    for m in sorted(catalog.models.values(), key=lambda m: (m.family, m.params_b, m.id)):
        p = plan_model(m, [], gpu, gpus_per_node)
        layout = f"TP{p.tensor_parallel}xPP{p.pipeline_parallel}" if p.fits else "does not fit"
        reasoning = m.reasoning.format + (f":{m.reasoning.effort}" if m.reasoning.effort else "")
        if m.reasoning.enable_thinking is not None:
            reasoning += ":on" if m.reasoning.enable_thinking else ":off"
        rows.append([m.id, m.family, m.developer, m.country, f"{m.params_b:g}", f"{m.active_params_b:g}",
                     m.kind, reasoning, m.quantization or m.dtype, m.max_model_len, m.backend,
                     f"{p.weight_gib:.1f}", layout, m.base_model or ""])
    headers = ["id", "family", "developer", "country", "params_b", "active_b", "kind", "reasoning",
               "dtype/quant", "max_len", "backend", "weights_GiB", f"layout@{gpu}", "built_from"]
    return table(headers, rows) + f"\n{len(rows)} models"


def tasks_table(catalog: Catalog) -> str:
    rows = []
    for t in sorted(catalog.tasks.values(), key=lambda t: (t.suite, t.group or "", t.id)):
        local = ",".join(t.data.local.files) if t.data.local else ""
        hub = ""
        if t.data.hub:
            hub = t.data.hub.path + (f":{t.data.hub.name}" if t.data.hub.name else "")
        rows.append([t.id, t.suite, t.group or "", t.language, t.answer_type, t.items, t.choices or "", t.fewshot,
                     local if len(local) < 40 else local[:37] + "...", hub])
    headers = ["id", "suite", "group", "lang", "answer_type", "items", "choices", "shots", "local mirror file(s)",
               "hub dataset"]
    return table(headers, rows) + f"\n{len(rows)} tasks"
