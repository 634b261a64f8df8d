"""The claims ledger (`seeds/claims.yaml`): its schema and loading.

A ledger lists the articles (`sources`), the claims made in them, and the entries `dropped` from
it (with why). Every claim quotes its sentence, restates it in English and carries one typed
`test` (see the header of `seeds/claims.yaml` for a worked description of each type). A claim
no run can test is `untestable` (reputation, prices, futures, unreleased models, business
claims) or `deferred` (a capability the harness could measure, with what it `needs`). Selectors
name models and tasks of the catalogue; they are resolved, and every id checked, at load time.

Units: accuracy-type scores are in percentage points (0–100), so `margin: 5` means five points.
Other metrics use their own units (see `harness.claims.sample.METRIC_UNITS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.config import Catalog, format_validation_error, read_yaml
from harness.errors import ConfigError, InputError
from harness.specs import Id

Relation = Literal["greater", "less", "at_least", "within"]
Quantifier = Literal["any", "all", "mean"]
RankMetric = Literal["accuracy", "correct_per_1k_tokens", "pareto_active_params"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSelector(Strict):
    """Models chosen by id and/or filtered by catalogue fields; all given filters must match.

    `ids` may name published-only closed models as `closed:<name>` (or `closed:*` for every
    closed model in `configs/references.csv`); those need `source: published`.
    """

    ids: list[str] = Field(default_factory=list)
    family: list[str] = Field(default_factory=list)
    developer: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    kind: list[Literal["base", "instruct", "reasoning"]] = Field(default_factory=list)
    size: list[Literal["small", "medium", "large"]] = Field(
        default_factory=list, description="params_b: small < 10, medium 10–50, large >= 50"
    )
    exclude: list[str] = Field(default_factory=list)
    aggregate: Literal["mean", "best"] = Field(
        "mean", description="How several models make one score: their mean, or the best of them (tested by "
        "union–intersection over members; with quantifier mean, the best on the mean over tasks)",
    )
    source: Literal["measured", "published"] = "measured"


class TaskSelector(Strict):
    """Tasks by id, group or suite (union), then filtered by language and exclusions."""

    ids: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    suites: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    exclude_languages: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> TaskSelector:
        if not (self.ids or self.groups or self.suites):
            raise ValueError("a task selector needs ids, groups or suites")
        return self


class Paired(Strict):
    """The fields every paired test shares: tasks, relation, margin (metric units), quantifier."""

    tasks: TaskSelector
    relation: Relation = "greater"
    margin: float = Field(0.0, ge=0.0, description="In the metric's units (points for accuracy)")
    quantifier: Quantifier = "mean"


class CompareTest(Paired):
    """Model group A vs group B on the same items, or explicit (a, b) model pairs (e.g. size-matched)."""

    type: Literal["compare"]
    a: ModelSelector | None = None
    b: ModelSelector | None = None
    pairs: list[tuple[Id, Id]] = Field(default_factory=list, description="(a, b) pairs; the mean is over pairs × tasks")

    @model_validator(mode="after")
    def _sides_or_pairs(self) -> CompareTest:
        if bool(self.pairs) == (self.a is not None or self.b is not None):
            raise ValueError("compare needs either `a` and `b`, or `pairs`")
        if not self.pairs and (self.a is None or self.b is None):
            raise ValueError("compare needs both `a` and `b`")
        return self


class GainTest(Paired):
    """The same model under two conditions: explicit (treated, control) pairs, or every
    `treated` model against the catalogue `base_model` it was built from."""

    type: Literal["gain"]
    condition: str = Field(description="What differs, e.g. 'thinking on vs off'")
    pairs: list[tuple[Id, Id]] = Field(default_factory=list)
    treated: ModelSelector | None = None
    control: Literal["base_model"] | None = None

    @model_validator(mode="after")
    def _pairs_or_treated(self) -> GainTest:
        if bool(self.pairs) == bool(self.treated):
            raise ValueError("gain needs either `pairs` or `treated` (with control: base_model)")
        if self.treated is not None and self.control != "base_model":
            raise ValueError("`treated` needs `control: base_model`")
        return self


class EfficiencyTest(Paired):
    """A vs B on an efficiency metric: points above chance per active B params (chance-corrected, so
    a guessing model earns nothing), or correct answers per 1k output tokens."""

    type: Literal["efficiency"]
    metric: Literal["excess_per_active_b", "correct_per_1k_tokens"]
    a: ModelSelector
    b: ModelSelector


class ReferenceTest(Paired):
    """Scores vs published values (`configs/references.csv`); B (and A if so marked) published."""

    type: Literal["reference"]
    a: ModelSelector
    b: ModelSelector
    setting: str | None = Field(None, description="Only published rows with this setting")
    protocol_match_only: bool = False

    @model_validator(mode="after")
    def _published_side(self) -> ReferenceTest:
        if self.b.source != "published":
            raise ValueError("reference: side b must have source: published")
        return self


class ReproductionGapTest(Paired):
    """Does one model fall short of its own published scores by more than other models do?

    Per task: (measured − published) of `model` minus the mean (measured − published) of the
    `baseline` models with a published value there. Protocols differ between publishers and the
    harness, so every model has some gap; only a gap beyond the usual one says something."""

    type: Literal["reproduction_gap"]
    model: ModelSelector
    baseline: ModelSelector
    protocol_match_only: bool = False


class TransferTest(Paired):
    """Non-English performance as a share of English on parallel items: per model, the mean over the
    other languages of accuracy / accuracy in `reference_language`, in percent; A − B."""

    type: Literal["transfer"]
    a: ModelSelector
    b: ModelSelector
    reference_language: str = "en"


class RankTest(Strict):
    """The best model of `target` ranks <= k (or > k) among `target` ∪ `among`.

    On the mean over tasks (default), or per task (`per_task: true`) in at least `min_tasks` of them.
    `pareto_active_params`: accuracy, where only models with no more active parameters count as
    beating the target (its rank is 1 + the number of models that dominate it)."""

    type: Literal["rank"]
    target: ModelSelector
    among: ModelSelector
    tasks: TaskSelector
    k: int = Field(ge=1)
    claim: Literal["within_top_k", "outside_top_k"] = "within_top_k"
    metric: RankMetric = "accuracy"
    per_task: bool = False
    min_tasks: int | Literal["all"] = Field("all", description="per_task: how many tasks must hold")


class CoverageTest(Strict):
    """One model is above chance + margin (points) in at least `min_languages` languages."""

    type: Literal["coverage"]
    model: ModelSelector
    tasks: TaskSelector
    margin: float = Field(5.0, ge=0.0)
    min_languages: int | Literal["all"] = "all"


class UntestableTest(Strict):
    """No measurement can settle it (not a property of model outputs)."""

    type: Literal["untestable"]
    category: Literal["reputation", "prices", "future", "unreleased", "business"] | None = None
    reason: str = Field(min_length=10)


class DeferredTest(Strict):
    """A capability claim the harness cannot test yet; `needs` says what would make it testable."""

    type: Literal["deferred"]
    reason: str = Field(min_length=10)
    needs: list[str] = Field(min_length=1)


Test = Annotated[
    CompareTest | GainTest | EfficiencyTest | ReferenceTest | ReproductionGapTest | TransferTest | RankTest
    | CoverageTest | UntestableTest | DeferredTest,
    Field(discriminator="type"),
]
UNTESTED = ("untestable", "deferred")


class Claim(Strict):
    id: Id
    source: str = Field(description="Article file name under shared/seeds/")
    quote: str = Field(min_length=1, description="The original sentence (short)")
    statement: str = Field(min_length=1, description="The claim in English")
    operationalization: str | None = Field(None, description="How a vague claim is made testable, and why")
    notes: str = ""
    dates: Literal["article", "any"] = Field(
        "article", description="article: only models released by the article's date take part; any: the claim "
        "speaks of the future or of models in general (say why in `notes`)",
    )
    test: Test


class Source(Strict):
    file: str
    title: str


class Dropped(Strict):
    """An entry taken out of the ledger (a duplicate, or padding that is no claim), kept for the record."""

    id: Id
    source: str
    quote: str = Field(min_length=1)
    reason: str = Field(min_length=10)


class Ledger(Strict):
    version: Literal[1, 2] = Field(2, description="2 adds deferred, untestable categories, dropped (1 still reads)")
    definitions: dict[str, Any] = Field(
        default_factory=dict, description="Free-form: YAML anchors reused by the claims (not read)"
    )
    sources: list[Source] = Field(min_length=1)
    claims: list[Claim] = Field(min_length=1)
    dropped: list[Dropped] = Field(default_factory=list)

    def by_id(self) -> dict[str, Claim]:
        return {c.id: c for c in self.claims}


def parse_ledger(data: object, source: str) -> Ledger:
    """Validate ledger data (already parsed YAML) against the schema, one problem per line."""
    if not isinstance(data, dict):
        raise ConfigError(source, [f"expected a mapping with `sources` and `claims`, got {type(data).__name__}"])
    try:
        return Ledger.model_validate(data)
    except ValidationError as exc:
        problems = format_validation_error(exc)
        claims = data.get("claims")
        if isinstance(claims, list):  # name the claim id beside its index
            for i, c in enumerate(claims):
                cid = c.get("id") if isinstance(c, dict) else None
                problems = [p.replace(f"claims.{i}.", f"claims.{i} ({cid}).", 1) for p in problems]
        raise ConfigError(source, problems) from None


def load_ledger(path: Path, catalog: Catalog) -> Ledger:
    """Parse and validate a ledger file, including every model and task id it names.

    Raises ConfigError listing every bad entry (schema errors, unknown ids, duplicate ids,
    selectors that match nothing, unknown source files).
    """
    from harness.claims.families import check_claim  # local: the families import this module

    ledger = parse_ledger(read_yaml(path), str(path))
    problems: list[str] = []
    seen: set[str] = set()
    files = {s.file for s in ledger.sources}
    for i, claim in enumerate(ledger.claims):
        where = f"claims.{i} ({claim.id})"
        if claim.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(claim.id)
        if claim.source not in files:
            problems.append(f"{where}: source '{claim.source}' is not listed under `sources`")
        try:
            problems.extend(f"{where}: {p}" for p in check_claim(claim, catalog))
        except InputError as exc:
            problems.append(f"{where}: {exc.one_line()}")
    for entry in ledger.dropped:
        if entry.id in seen:
            problems.append(f"dropped ({entry.id}): also listed as a claim")
        if entry.source not in files:
            problems.append(f"dropped ({entry.id}): source '{entry.source}' is not listed under `sources`")
    if problems:
        raise ConfigError(str(path), problems)
    return ledger
