"""Resolve model and task selectors against a Catalog.

Model selectors: `ids` (if given) is the starting set, else every catalogue model; then every
non-empty filter (family, developer, country, kind, size) must match, and `exclude` removes ids.
Size classes use total parameters: small < 10 B, medium 10–50 B, large >= 50 B.
`closed:<name>` ids are published-only models from `configs/references.csv`; `closed:*` means
all of them.

Task selectors: the union of `ids`, `groups` and `suites` (in that order, via
`Catalog.expand_tasks`), then `languages` / `exclude_languages` / `exclude` filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from harness.claims.ledger import ModelSelector, TaskSelector
from harness.claims.published import closed_model_ids
from harness.config import Catalog, suggest
from harness.errors import InputError
from harness.specs import ModelSpec, TaskSpec

CLOSED_PREFIX = "closed:"


def size_class(spec: ModelSpec) -> str:
    """small < 10 B total parameters, medium 10–50 B, large >= 50 B."""
    if spec.params_b < 10:
        return "small"
    return "medium" if spec.params_b < 50 else "large"


def _matches(spec: ModelSpec, sel: ModelSelector) -> bool:
    checks: list[tuple[Sequence[str], str]] = [
        (sel.family, spec.family),
        (sel.developer, spec.developer),
        (sel.country, spec.country),
        (sel.kind, spec.kind),
        (sel.size, size_class(spec)),
    ]
    return all(not allowed or value in allowed for allowed, value in checks)


def resolve_models(sel: ModelSelector, catalog: Catalog) -> list[str]:
    """Model ids the selector names, in catalogue order (ids order when `ids` is given).

    Raises InputError for an unknown catalogue id. Closed ids are returned as written
    (`closed:*` expands to every closed model with published values).
    """
    out: list[str] = []
    if sel.ids:
        for mid in sel.ids:
            if mid == f"{CLOSED_PREFIX}*":
                out.extend(closed_model_ids(catalog.config_dir) or [])
            elif mid.startswith(CLOSED_PREFIX):
                out.append(mid)
            elif mid in catalog.models:
                if _matches(catalog.models[mid], sel):
                    out.append(mid)
            else:
                raise InputError(f"unknown model id '{mid}'", suggest(mid, list(catalog.models)))
    else:
        out = [mid for mid, spec in catalog.models.items() if _matches(spec, sel)]
    for mid in sel.exclude:
        if mid not in catalog.models and not mid.startswith(CLOSED_PREFIX):
            raise InputError(f"unknown model id '{mid}' in exclude", suggest(mid, list(catalog.models)))
    return [m for m in dict.fromkeys(out) if m not in sel.exclude]


def resolve_tasks(sel: TaskSelector, catalog: Catalog) -> list[TaskSpec]:
    """Task specs the selector names, without repeats. Raises InputError for unknown names."""
    for tid in sel.exclude:
        if tid not in catalog.tasks:
            raise InputError(f"unknown task id '{tid}' in exclude", suggest(tid, list(catalog.tasks)))
    specs = catalog.expand_tasks([*sel.ids, *sel.groups, *sel.suites])
    return [
        t
        for t in specs
        if t.id not in sel.exclude
        and (not sel.languages or t.language in sel.languages)
        and t.language not in sel.exclude_languages
    ]


def explicit_pairs(pairs: list[tuple[str, str]], catalog: Catalog) -> list[tuple[str, str]]:
    """(a, b) model pairs named in the ledger. Raises InputError for an unknown id."""
    for pair in pairs:
        for mid in pair:
            if mid not in catalog.models:
                raise InputError(f"unknown model id '{mid}'", suggest(mid, list(catalog.models)))
    return [tuple(p) for p in pairs]  # type: ignore[misc]


def base_model_pairs(treated: ModelSelector, catalog: Catalog) -> list[tuple[str, str]]:
    """(treated, control) pairs: every treated model with the catalogue `base_model` it was built from.

    Raises InputError for an unknown id or a base_model that is not a catalogue id."""
    pairs = []
    for mid in resolve_models(treated, catalog):
        base = catalog.models[mid].base_model
        if base is None or base not in catalog.models:
            raise InputError(
                f"'{mid}' has base_model {base!r}, not a catalogue model id",
                "give explicit `pairs` or add the base model to configs/models/",
            )
        pairs.append((mid, base))
    return pairs


def pairs_problems(kind: str, pairs: Callable[[], list[tuple[str, str]]]) -> list[str]:
    """Problems building a test's model pairs (`kind` names the test type in the message)."""
    try:
        if not pairs():
            return [f"{kind}: no model pairs"]
    except InputError as exc:
        return [f"{kind}: {exc.one_line()}"]
    return []


def task_problems(sel: TaskSelector, catalog: Catalog) -> list[str]:
    """Problems with a test's task selector: an unknown name, or no task matched."""
    try:
        if not resolve_tasks(sel, catalog):
            return ["tasks: selector matches no task"]
    except InputError as exc:
        return [f"tasks: {exc.one_line()}"]
    return []


def model_problems(sel: ModelSelector, catalog: Catalog, name: str, closed: set[str] | None) -> list[str]:
    """Problems with one model selector (`name`: its field): unknown ids, no match, closed ids.

    `closed`: the closed models with published values (None: no references.csv yet)."""
    problems = []
    try:
        ids = resolve_models(sel, catalog)
    except InputError as exc:
        return [f"{name}: {exc.one_line()}"]
    unresolved_wildcard = f"{CLOSED_PREFIX}*" in sel.ids and closed is None  # no references.csv yet
    if not ids and not unresolved_wildcard:
        problems.append(f"{name}: selector matches no model")
    for mid in ids:
        if mid.startswith(CLOSED_PREFIX):
            if sel.source != "published":
                problems.append(f"{name}: closed model '{mid}' needs source: published")
            elif closed is not None and mid not in closed:
                problems.append(f"{name}: '{mid}' has no row in references.csv ({suggest(mid, sorted(closed))})")
    return problems
