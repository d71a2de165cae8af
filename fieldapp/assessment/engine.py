"""What the signals recorded for one person add up to, per form of exploitation, and what the
Dutch duties require, with every conclusion traced to the indicators behind it.

Pure: no I/O and no clock; texts are message keys, rendered later in the reader's language
(the CoMensha reason, made here, is rendered in both). The rules (thresholds, combinations,
profiles, routing) come from the catalogue, so a corrected catalogue corrects the engine.
The result supports a professional's judgement; it is never a verdict, and its texts say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldapp.agencies import same_agency
from fieldapp.catalogue.model import CONTEXT, DIMENSIONS, FORMS, Catalogue, Indicator, Rules
from fieldapp.domain import B83Status, Consent, Evidence, ObservationStatus
from fieldapp.i18n import LANGUAGES, t

URGENCY_ORDER = ("normal", "high", "immediate")
ADULT, CHILD, UNKNOWN = "adult", "child", "unknown"


@dataclass(frozen=True, slots=True)
class CaseObservation:
    indicator_id: str
    status: ObservationStatus
    evidence: Evidence | None = None
    visit_level: bool = False  # recorded for everyone at the visit


@dataclass(frozen=True, slots=True)
class Case:
    """One person's case as the engine needs it; nothing that identifies them."""

    observations: tuple[CaseObservation, ...]
    age: int | None = None
    minor: bool | None = None
    nationality: str | None = None
    reporter_agency: str | None = None
    consent: Consent = Consent.NOT_ASKED
    b83_status: B83Status = B83Status.NOT_RECORDED


@dataclass(frozen=True, slots=True)
class Msg:
    """A translatable part of an explanation: rendered in the reader's language."""

    key: str


@dataclass(frozen=True, slots=True)
class Explanation:
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DimensionResult:
    strong: int
    medium: int
    weak: int
    positive: bool
    indicators: tuple[str, ...]  # the observed signals behind the counts


@dataclass(frozen=True, slots=True)
class FormResult:
    outcome: str
    age_group: str  # the list the outcome comes from: adult or child
    dimensions: Mapping[str, DimensionResult]
    unassessed: tuple[str, ...]
    indicators: tuple[str, ...]  # every observed signal for this form, CONTEXT ones included
    rule_status: str | None  # status of the combination rule that gave the outcome
    stand_in: bool  # no list of its own: another form's list was used
    by_age_group: Mapping[str, str] = field(default_factory=dict)  # only when age is unknown


@dataclass(frozen=True, slots=True)
class UnconfirmedGrade:
    indicator_id: str
    profile: str
    grade: str
    status: str
    via: str | None = None  # "fallback:<profile>" when taken from another list


@dataclass(frozen=True, slots=True)
class B83Prompt:
    recorded: B83Status
    offered_by: tuple[str, ...]
    reporter_can_offer: bool
    nationality: str | None
    source: str


@dataclass(frozen=True, slots=True)
class ReferralAdvice:
    to: str
    urgency: str
    reasons: tuple[Mapping[str, str], ...]  # {"nl": ..., "en": ...} each


@dataclass(frozen=True, slots=True)
class Assessment:
    profile: str
    forms: Mapping[str, FormResult]
    acute: bool
    acute_indicators: tuple[str, ...]
    b83_prompt: B83Prompt | None
    registration: str
    referrals: tuple[ReferralAdvice, ...]
    explanation: tuple[Explanation, ...]
    unconfirmed_grades_used: tuple[UnconfirmedGrade, ...]
    unknown_indicators: tuple[str, ...]
    catalogue_version: str
    catalogue_hash: str

    def highest_outcome(self, rules: Rules) -> str:
        return max((f.outcome for f in self.forms.values()), key=rules.rank)


def age_group(case: Case, rules: Rules) -> str:
    if case.minor is True or (case.age is not None and case.age < rules.minor_age):
        return CHILD
    if case.minor is False or case.age is not None:
        return ADULT
    return UNKNOWN


def effective_observations(case: Case) -> dict[str, CaseObservation]:
    """One observation per indicator: what was recorded for the person overrides what was
    recorded for everyone at the visit; input order does not matter."""
    chosen: dict[str, CaseObservation] = {}
    for observation in sorted(case.observations, key=lambda o: not o.visit_level):
        chosen[observation.indicator_id] = observation
    return chosen


_NO_COUNTS: Mapping[str, int] = {"S": 0, "M": 0, "W": 0}


def dimension_positive(counts: Mapping[str, int], rules: Rules) -> bool:
    for requirement in rules.positive_when:
        if all(
            sum(counts[grade] for grade in key.split("|")) >= needed
            for key, needed in requirement.items()
        ):
            return True
    return False


def assess(case: Case, catalogue: Catalogue) -> Assessment:
    rules = catalogue.rules
    group = age_group(case, rules)
    observations = effective_observations(case)
    unknown = tuple(sorted(i for i in observations if catalogue.get(i) is None))
    known = {i: o for i, o in observations.items() if catalogue.get(i) is not None}
    explanation: list[Explanation] = [Explanation(f"assess.explain.profile_{group}")]
    visit_level = tuple(
        sorted(
            i for i, o in known.items() if o.visit_level and o.status is ObservationStatus.OBSERVED
        )
    )
    if visit_level:
        explanation.append(
            Explanation("assess.explain.visit_level", {"count": len(visit_level)}, visit_level)
        )

    forms: dict[str, FormResult] = {}
    unconfirmed: dict[tuple[str, str], UnconfirmedGrade] = {}
    for form in FORMS:
        groups = (ADULT, CHILD) if group == UNKNOWN else (group,)
        results = {g: _form_result(form, g, known, catalogue, unconfirmed) for g in groups}
        # On a tie the adult reading is shown: its combination rule is the better attested.
        best_group = max(groups, key=lambda g: (rules.rank(results[g].outcome), g == ADULT))
        result = results[best_group]
        if group == UNKNOWN:
            result = _with_age_groups(result, {g: r.outcome for g, r in results.items()})
        forms[form] = result
        explanation.extend(_explain_form(form, result))

    acute_ids = tuple(
        sorted(
            i
            for i, o in known.items()
            if o.status is ObservationStatus.OBSERVED and catalogue.indicators[i].acute
        )
    )
    any_signal = any(rules.rank(f.outcome) >= rules.rank("signals_present") for f in forms.values())
    b83 = _b83(case, rules) if any_signal else None
    registration = _registration(case, rules, any_signal)
    referrals = _referrals(
        group,
        forms=forms,
        observations=known,
        catalogue=catalogue,
        acute_ids=acute_ids,
        registration=registration,
    )
    if acute_ids:
        explanation.insert(0, Explanation("assess.explain.acute", {}, acute_ids))
    if b83 is not None:
        agencies = tuple(Msg(f"agency.{code.casefold()}") for code in b83.offered_by)
        explanation.append(Explanation("assess.explain.b83", {"by": agencies}))
    explanation.append(
        Explanation(
            f"assess.explain.registration_{registration}", {"age": rules.consent_own_signature_age}
        )
    )
    if unconfirmed:
        ids = tuple(sorted({u.indicator_id for u in unconfirmed.values()}))
        explanation.append(Explanation("assess.explain.unconfirmed", {"count": len(ids)}, ids))
    if unknown:
        explanation.append(
            Explanation("assess.explain.unknown_indicators", {"ids": ", ".join(unknown)})
        )
    explanation.append(Explanation("assess.explain.not_a_verdict"))
    return Assessment(
        profile=group,
        forms=forms,
        acute=bool(acute_ids),
        acute_indicators=acute_ids,
        b83_prompt=b83,
        registration=registration,
        referrals=referrals,
        explanation=tuple(explanation),
        unconfirmed_grades_used=tuple(
            sorted(unconfirmed.values(), key=lambda u: (u.indicator_id, u.profile))
        ),
        unknown_indicators=unknown,
        catalogue_version=catalogue.version,
        catalogue_hash=catalogue.content_hash,
    )


def _counting_item(indicator: Indicator, catalogue: Catalogue) -> Indicator:
    """A signal that maps onto an ILO item counts as that item (its first ``maps_to``)."""
    return catalogue.indicators[indicator.maps_to[0]] if indicator.maps_to else indicator


def _grade(item: Indicator, profile: str, rules: Rules) -> tuple[str, str, str | None] | None:
    grade = item.grades[profile]
    if grade.grade is not None:
        return grade.grade, grade.status, None
    if grade.status == "missing" and rules.fallback_profile:
        fallback = item.grades[rules.fallback_profile]
        if fallback.grade is not None:
            return fallback.grade, fallback.status, f"fallback:{rules.fallback_profile}"
    return None


def _form_result(
    form: str,
    group: str,
    observations: Mapping[str, CaseObservation],
    catalogue: Catalogue,
    unconfirmed: dict[tuple[str, str], UnconfirmedGrade],
) -> FormResult:
    rules = catalogue.rules
    spec = rules.profiles[form]
    profile = spec[group]
    answered: set[str] = set()
    observed: list[str] = []
    counted: dict[str, tuple[str, list[str]]] = {}  # counting item -> (grade, signals)
    for indicator_id, observation in observations.items():
        indicator = catalogue.indicators[indicator_id]
        if form not in indicator.forms:
            continue
        item = _counting_item(indicator, catalogue)
        if item.dimension != CONTEXT and observation.status is not ObservationStatus.UNKNOWN:
            answered.add(item.dimension)
        if observation.status is not ObservationStatus.OBSERVED:
            continue
        observed.append(indicator_id)
        if item.dimension == CONTEXT:
            continue
        graded = _grade(item, profile, rules)
        if graded is None:
            continue
        grade, status, via = graded
        if status != "confirmed":
            unconfirmed[(item.id, profile)] = UnconfirmedGrade(item.id, profile, grade, status, via)
        counted.setdefault(item.id, (grade, []))[1].append(indicator_id)

    dimensions: dict[str, DimensionResult] = {}
    # Most dimensions of most persons hold no signal: their answer is the same every time.
    empty = DimensionResult(0, 0, 0, dimension_positive(_NO_COUNTS, rules), ())
    for dimension in DIMENSIONS:
        in_dim = [
            (g, s)
            for item_id, (g, s) in counted.items()
            if catalogue.indicators[item_id].dimension == dimension
        ]
        if not in_dim:
            dimensions[dimension] = empty
            continue
        counts = {grade: sum(1 for g, _ in in_dim if g == grade) for grade in ("S", "M", "W")}
        signals = tuple(sorted(signal for _, sources in in_dim for signal in sources))
        dimensions[dimension] = DimensionResult(
            counts["S"], counts["M"], counts["W"], dimension_positive(counts, rules), signals
        )

    signals = [i for i in observed if not catalogue.indicators[i].context_only]
    outcome, rule_status = ("signals_present" if signals else "no_signals"), None
    for rule in rules.outcomes[group]:
        if all(any(dimensions[d].positive for d in options) for options in rule.all_of):
            outcome, rule_status = rule.outcome, rule.status
            break
    return FormResult(
        outcome=outcome,
        age_group=group,
        dimensions=dimensions,
        unassessed=tuple(d for d in DIMENSIONS if d not in answered),
        indicators=tuple(sorted(observed)),
        rule_status=rule_status,
        stand_in=bool(spec.get("stand_in")),
    )


def _with_age_groups(result: FormResult, outcomes: Mapping[str, str]) -> FormResult:
    return FormResult(
        result.outcome,
        result.age_group,
        result.dimensions,
        result.unassessed,
        result.indicators,
        result.rule_status,
        result.stand_in,
        dict(outcomes),
    )


def _explain_form(form: str, result: FormResult) -> Iterable[Explanation]:
    form_label = Msg(f"form.{form}")
    if not result.indicators:
        return
    if result.stand_in:
        yield Explanation("assess.explain.stand_in", {"form": form_label})
    for dimension, dim in result.dimensions.items():
        if not dim.indicators:
            continue
        key = (
            "assess.explain.dimension_positive"
            if dim.positive
            else "assess.explain.dimension_below"
        )
        yield Explanation(
            key,
            {
                "form": form_label,
                "dimension": Msg(f"dimension.{dimension}"),
                "strong": dim.strong,
                "medium": dim.medium,
                "weak": dim.weak,
            },
            dim.indicators,
        )
    context = tuple(
        i
        for i in result.indicators
        if not any(i in d.indicators for d in result.dimensions.values())
    )
    if context:
        yield Explanation("assess.explain.context", {"form": form_label}, context)
    params = {"form": form_label, "outcome": Msg(f"outcome.{result.outcome}")}
    if result.rule_status:
        yield Explanation(
            "assess.explain.outcome_rule",
            {**params, "status": Msg(f"grade_status.{result.rule_status}")},
        )
    else:
        yield Explanation("assess.explain.outcome", params)
    if result.by_age_group:
        yield Explanation(
            "assess.explain.by_age_group",
            {
                "form": form_label,
                "adult": Msg(f"outcome.{result.by_age_group[ADULT]}"),
                "child": Msg(f"outcome.{result.by_age_group[CHILD]}"),
            },
        )
    if result.unassessed:
        yield Explanation(
            "assess.explain.unassessed",
            {
                "form": form_label,
                "dimensions": ", ".join(result.unassessed),
            },
        )


def _b83(case: Case, rules: Rules) -> B83Prompt | None:
    nationality = (case.nationality or "").upper() or None
    if nationality in rules.b83_exempt_nationalities:
        return None
    return B83Prompt(
        recorded=case.b83_status,
        offered_by=rules.b83_offered_by,
        reporter_can_offer=same_agency(case.reporter_agency, rules.b83_offered_by),
        nationality=nationality,
        source=rules.b83_source,
    )


def _registration(case: Case, rules: Rules, any_signal: bool) -> str:
    if not any_signal:
        return "not_applicable"
    if same_agency(case.reporter_agency, rules.mandatory_reporters):
        return "mandatory"
    if case.consent is Consent.GIVEN:
        return "with_consent"
    return "anonymous_signal_only"


def _referrals(
    group: str,
    *,
    forms: Mapping[str, FormResult],
    observations: Mapping[str, CaseObservation],
    catalogue: Catalogue,
    acute_ids: tuple[str, ...],
    registration: str,
) -> tuple[ReferralAdvice, ...]:
    rules = catalogue.rules
    observed = [
        catalogue.indicators[i]
        for i, o in observations.items()
        if o.status is ObservationStatus.OBSERVED
    ]
    merged: dict[str, tuple[str, list[Mapping[str, str]]]] = {}

    def reached(form: str, minimum: str) -> bool:
        return rules.rank(forms[form].outcome) >= rules.rank(minimum)

    for rule in rules.routing:
        when = rule.when
        matches = True
        if "forms" in when:
            matches &= any(
                reached(f, when.get("min_outcome", "signals_present")) for f in when["forms"]
            )
        if "any_form_min_outcome" in when:
            matches &= any(reached(f, when["any_form_min_outcome"]) for f in FORMS)
        if when.get("minor"):
            # Unknown age counts as a possible minor: the cautious reading.
            matches &= group in (CHILD, UNKNOWN) and any(
                reached(f, when.get("min_outcome", "signals_present")) for f in FORMS
            )
        if when.get("acute"):
            matches &= bool(acute_ids)
        if "routes_to" in when:
            matches &= any(when["routes_to"] in item.routes_to for item in observed)
        if matches:
            urgency, reasons = merged.get(rule.to, ("normal", []))
            merged[rule.to] = (
                max(urgency, rule.urgency, key=URGENCY_ORDER.index),
                [*reasons, rule.reason],
            )
    if registration != "not_applicable":
        to = "anonymous" if registration == "anonymous_signal_only" else "comensha"
        urgency, reasons = merged.get(to, ("normal", []))
        key = f"assess.referral.{registration}"
        merged[to] = (urgency, [*reasons, {lang: t(key, lang) for lang in LANGUAGES}])
    order = ("police", "nla", "comensha", "zorgcoordinator", "riec", "anonymous")
    return tuple(
        ReferralAdvice(to, urgency, tuple(reasons))
        for to, (urgency, reasons) in sorted(
            merged.items(),
            key=lambda item: (-URGENCY_ORDER.index(item[1][0]), order.index(item[0])),
        )
    )
