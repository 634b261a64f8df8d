"""One line saying what a claim's test compares (for claims.md and the HTML report)."""

from __future__ import annotations

from harness.claims.ledger import (
    Claim,
    CompareTest,
    CoverageTest,
    DeferredTest,
    EfficiencyTest,
    GainTest,
    ModelSelector,
    RankTest,
    ReferenceTest,
    ReproductionGapTest,
    TaskSelector,
    TransferTest,
    UntestableTest,
)  # fmt: skip


def selector(sel: ModelSelector | TaskSelector) -> str:
    parts = [f"{k}={','.join(map(str, v))}" for k, v in sel.model_dump().items() if isinstance(v, list) and v]
    if isinstance(sel, ModelSelector):
        if sel.aggregate == "best":
            parts.append("best of")
        if sel.source == "published":
            parts.append("published")
    return " ".join(parts)


def describe_test(claim: Claim) -> str:
    """One line: the test type, sides, relation, margin, quantifier and tasks."""
    t = claim.test
    if isinstance(t, UntestableTest):
        return f"untestable ({t.category})"
    if isinstance(t, DeferredTest):
        return "deferred: needs " + "; ".join(t.needs)
    tasks = selector(t.tasks)
    if isinstance(t, CompareTest) and t.pairs:
        who = "; ".join(f"{a} vs {b}" for a, b in t.pairs)
        return f"compare pairs ({who}), A − B {t.relation} margin {t.margin:g}, {t.quantifier} over [{tasks}]"
    if isinstance(t, CompareTest | EfficiencyTest | ReferenceTest | TransferTest):
        assert t.a is not None and t.b is not None
        metric = f" on {t.metric}" if isinstance(t, EfficiencyTest) else ""
        if isinstance(t, TransferTest):
            metric = f" on the share of {t.reference_language} accuracy"
        return (f"{t.type}{metric}: A [{selector(t.a)}] {t.relation} B [{selector(t.b)}], "
                f"margin {t.margin:g}, {t.quantifier} over [{tasks}]")  # fmt: skip
    if isinstance(t, GainTest):
        treated = selector(t.treated) if t.treated is not None else ""
        who = "; ".join(f"{a} vs {b}" for a, b in t.pairs) or f"[{treated}] vs its base_model"
        return f"gain ({t.condition}): {who}, {t.relation} margin {t.margin:g}, {t.quantifier} over [{tasks}]"
    if isinstance(t, ReproductionGapTest):
        return (f"reproduction gap of [{selector(t.model)}] (measured − published) minus that of "
                f"[{selector(t.baseline)}], {t.relation} margin {t.margin:g}, "
                f"{t.quantifier} over [{tasks}]")  # fmt: skip
    if isinstance(t, RankTest):
        scope = f"per task, at least {t.min_tasks} task(s)" if t.per_task else "on the mean over tasks"
        return (f"rank on {t.metric}: [{selector(t.target)}] {t.claim.replace('_', ' ')} (k = {t.k}) "
                f"among [{selector(t.among)}] {scope} of [{tasks}]")  # fmt: skip
    assert isinstance(t, CoverageTest)
    return (f"coverage: [{selector(t.model)}] above chance + {t.margin:g} points "
            f"in {t.min_languages} languages of [{tasks}]")  # fmt: skip
