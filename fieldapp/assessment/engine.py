"""What the signals recorded for one person add up to, per form of exploitation, and what the
Dutch duties require, with every conclusion traced to the indicators behind it.

The reading follows how a Dutch professional judges a case (docs/DOMAIN.md section 9):

- **Role.** Only a possible victim is assessed as a victim; what is recorded about a witness,
  a possible exploiter or an employer feeds the police and RIEC picture, never a victim's duty.
- **Forms from context.** A person is assessed only for the forms the context points to: the
  sector of the site where they were met, form-specific signals (an indicator's
  ``context_forms``) and the professional's own suspicion. Generic signals (a held passport,
  debt) count inside those forms but open none. No context at all: labour.
- **Two readings per form.** The ILO/EC 2009 combination rules, and the art. 273f Sr reading
  (act, means, purpose; for minors act and purpose). The higher is shown, and the explanation
  names the reading that gave it.
- **Duties follow an indication** (aanwijzing mensenhandel), not any signal: mandatory
  CoMensha registration, the B8/3 offer and the police referral. Below it: ask further, and the
  NLA route for serious labour abuse.

Pure: no I/O and no clock; texts are message keys, rendered later in the reader's language
(advice and reasons from the rules come in both languages). The rules come from the catalogue,
so a corrected catalogue corrects the engine. The result supports a professional's judgement;
it is never a verdict, and its texts say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldapp.agencies import agency_phrase_key, same_agency
from fieldapp.catalogue.model import (
    ACTS,
    CONTEXT,
    DIMENSIONS,
    Catalogue,
    Indicator,
    RoutingRule,
    Rules,
)
from fieldapp.domain import (
    AgeBand,
    B83Status,
    Consent,
    Evidence,
    ObservationStatus,
    PersonRole,
)
from fieldapp.i18n import LANGUAGES, t

URGENCY_ORDER = ("normal", "high", "immediate")
ADULT, CHILD, UNKNOWN = "adult", "child", "unknown"
MINOR_BANDS = frozenset({AgeBand.UNDER_12, AgeBand.TEEN_YOUNG, AgeBand.TEEN_OLD})
ADULT_BANDS = frozenset({AgeBand.YOUNG_ADULT, AgeBand.ADULT, AgeBand.MIDDLE, AgeBand.OLDER})
RECIPIENT_ORDER = (
    "police",
    "veilig_thuis",
    "nidos",
    "nla",
    "comensha",
    "zorgcoordinator",
    "riec",
    "anonymous",
)
# Why a form is in context (``FormResult.context``): the sector, a form-specific signal, the
# professional's suspicion, or nothing else (the default).
SECTOR, SIGNAL, SUSPECTED, DEFAULT = "sector", "signal", "suspected", "default"
# What gave an indication (``Assessment.indication_by``).
BY_ILO, BY_DUTCH_LAW, BY_MINOR, BY_PROFESSIONAL = "ilo", "dutch_law", "minor", "professional"


@dataclass(frozen=True, slots=True)
class CaseObservation:
    indicator_id: str
    status: ObservationStatus
    evidence: Evidence | None = None
    visit_level: bool = False  # recorded for everyone at the visit
    past: bool = False  # happened before (last month's blow): a signal, not an alarm now


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
    role: PersonRole = PersonRole.POSSIBLE_VICTIM
    sector: str | None = None  # the site's sector: the person was met working or living there
    suspected_forms: tuple[str, ...] = ()  # the professional's own suspicion
    professional_indication: bool = False  # the professional judges there is an indication
    age_band: AgeBand | None = None
    observation_versions: tuple[str, ...] = ()  # catalogue versions the observations used


@dataclass(frozen=True, slots=True)
class Msg:
    """A translatable part of an explanation: rendered in the reader's language."""

    key: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """A message with its parameters; also usable as a parameter of another message."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    indicators: tuple[str, ...] = ()
    count: int | None = None  # set: a counted text, ``key.one`` / ``key.other`` (``tn``)


@dataclass(frozen=True, slots=True)
class MsgList:
    """Translatable parts joined as "a, b and c" (or "a, b or c") in the reader's language."""

    items: tuple[Msg | Explanation, ...]
    joiner: str = "and"  # "and" or "or"


@dataclass(frozen=True, slots=True)
class DimensionResult:
    strong: int
    medium: int
    weak: int
    positive: bool
    indicators: tuple[str, ...]  # the observed signals behind the counts


@dataclass(frozen=True, slots=True)
class DutchLawReading:
    """Art. 273f Sr per form: which elements the signals show, which provisions of lid 1
    they meet, and what is missing for the nearest one.

    Sub 1: act, means and the purpose of exploitation. Sub 2: a minor, act and purpose. Sub 4:
    by a means, brought to work or services (or organs), no act needed. Sub 5: a minor brought
    to sexual acts with a third party for payment, no act or means needed."""

    indicated: bool
    acts: tuple[str, ...]  # werven, vervoeren, overbrengen, huisvesten, opnemen
    means: tuple[str, ...]  # coercion, deception, abuse_of_vulnerability
    purpose: bool
    missing: tuple[str, ...]  # "act", "means", "purpose"
    routes: tuple[str, ...]  # the provisions of lid 1 met: "1", "2", "4", "5"
    opnemen_by_sector: bool  # "opnemen" because the person was met working or living there
    signals: tuple[str, ...] = ()  # the signals behind the elements
    purpose_by_suspicion: bool = False  # the intent rests on the professional's suspicion

    @property
    def means_needed(self) -> bool:
        return not ({"2", "5"} & set(self.routes))


NO_DUTCH_LAW = DutchLawReading(False, (), (), False, ("act", "means", "purpose"), (), False)


@dataclass(frozen=True, slots=True)
class FormResult:
    outcome: str  # the higher of the two readings
    age_group: str  # the list the outcome comes from: adult or child
    dimensions: Mapping[str, DimensionResult]
    unassessed: tuple[str, ...]
    indicators: tuple[str, ...]  # every observed signal for this form, CONTEXT ones included
    rule_status: str | None  # status of the ILO combination rule that gave the ILO outcome
    stand_in: bool  # no list of its own: another form's list was used
    by_age_group: Mapping[str, str] = field(default_factory=dict)  # only when age is unknown
    ilo_outcome: str = "no_signals"
    dutch_law: DutchLawReading = NO_DUTCH_LAW
    reading: str | None = None  # "ilo" or "dutch_law": the reading that gave ``outcome``
    context: tuple[str, ...] = ()  # why the form is in context (SECTOR, SIGNAL, ...)
    context_signals: tuple[str, ...] = ()  # the form-specific signals that opened it
    why: MsgList | None = None  # the same reasons, as words for the reader
    indication: bool = False
    indication_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnconfirmedGrade:
    indicator_id: str
    profile: str
    grade: str
    status: str
    via: str | None = None  # "fallback:<profile>" when taken from another list


@dataclass(frozen=True, slots=True)
class B83Prompt:
    """The duty to offer the reflection period: only with an indication, and only for a third
    country national or a person of unknown nationality."""

    recorded: B83Status
    offered_by: tuple[str, ...]
    reporter_can_offer: bool
    nationality: str | None
    source: str


@dataclass(frozen=True, slots=True)
class ReferralAdvice:
    to: str
    urgency: str
    reasons: tuple[Mapping[str, str], ...]  # to the recipient, {"nl": ..., "en": ...} each
    advice: tuple[Mapping[str, str], ...] = ()  # to the reporter


@dataclass(frozen=True, slots=True)
class Assessment:
    profile: str
    forms: Mapping[str, FormResult]  # only the forms in context, in the catalogue's order
    acute: bool
    acute_indicators: tuple[str, ...]
    b83_prompt: B83Prompt | None
    registration: str
    referrals: tuple[ReferralAdvice, ...]
    explanation: tuple[Explanation, ...]
    unconfirmed_grades_used: tuple[UnconfirmedGrade, ...]
    unknown_indicators: tuple[str, ...]
    catalogue_version: str  # the version whose grades and rules were applied
    catalogue_hash: str
    role: str = PersonRole.POSSIBLE_VICTIM.value
    assessed_as_victim: bool = True
    forms_not_in_context: tuple[str, ...] = ()
    trafficking_indication: bool = False
    indication_by: tuple[str, ...] = ()
    b83_union_note: Mapping[str, str] | None = None  # EU/EEA/CH: a note, not a duty
    advice: tuple[tuple[str, Mapping[str, str]], ...] = ()  # (key, text) to the reporter
    past_acute_indicators: tuple[str, ...] = ()
    observation_versions: tuple[str, ...] = ()
    any_signal: bool = False  # a signal counts in a form in context (for others: any signal)

    def highest_outcome(self, rules: Rules) -> str:
        return max((f.outcome for f in self.forms.values()), key=rules.rank, default="no_signals")


def age_group(case: Case, rules: Rules) -> str:
    """Child, adult, or unknown (which may be a minor: the minor rule applies too)."""
    if (
        case.minor is True
        or (case.age is not None and case.age < rules.minor_age)
        or case.age_band in MINOR_BANDS
    ):
        return CHILD
    if case.minor is False or case.age is not None or case.age_band in ADULT_BANDS:
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


@dataclass(slots=True)
class _Facts:
    """What the routing and advice conditions ask of a case, worked out once."""

    case: Case
    group: str
    victim: bool
    forms: Mapping[str, FormResult]
    indication: bool
    any_signal: bool
    acute_ids: tuple[str, ...]
    observed: tuple[Indicator, ...]
    rules: Rules
    beyond_conditions: bool = False  # a signal in context other than poor conditions (EXPL)


def assess(case: Case, catalogue: Catalogue) -> Assessment:
    rules = catalogue.rules
    group = age_group(case, rules)
    observations = effective_observations(case)
    unknown = tuple(sorted(i for i in observations if catalogue.get(i) is None))
    known = {i: o for i, o in observations.items() if catalogue.get(i) is not None}
    observed_ids = sorted(i for i, o in known.items() if o.status is ObservationStatus.OBSERVED)
    observed = tuple(catalogue.indicators[i] for i in observed_ids)
    acute_ids = tuple(
        i for i in observed_ids if catalogue.indicators[i].acute and not known[i].past
    )
    past_acute = tuple(i for i in observed_ids if catalogue.indicators[i].acute and known[i].past)
    victim = case.role.value in rules.victim_roles
    versions = tuple(sorted(set(case.observation_versions)))

    explanation: list[Explanation] = [
        Explanation("assess.explain.catalogue", {"version": catalogue.version})
    ]
    if any(v != catalogue.version for v in versions):
        explanation.append(
            Explanation(
                "assess.explain.versions",
                {"versions": ", ".join(versions), "version": catalogue.version},
            )
        )
    unconfirmed: dict[tuple[str, str], UnconfirmedGrade] = {}
    forms: dict[str, FormResult] = {}
    not_in_context: tuple[str, ...] = ()
    if victim:
        explanation.append(Explanation(f"assess.explain.profile_{group}"))
        visit_level = tuple(i for i in observed_ids if known[i].visit_level)
        if visit_level:
            explanation.append(
                Explanation("assess.explain.visit_level", {}, visit_level, len(visit_level))
            )
        context = forms_in_context(case, observed, catalogue)
        not_in_context = tuple(f for f in rules.forms if f not in context)
        for form in rules.forms:
            if form not in context:
                continue
            reasons, opened_by = context[form]
            result = _assess_form(
                form,
                group,
                case,
                observations=known,
                catalogue=catalogue,
                unconfirmed=unconfirmed,
                suspected_only=reasons == (SUSPECTED,),
            )
            result = _with_context(result, reasons, opened_by, case, rules)
            forms[form] = result
            explanation.extend(_explain_form(form, result))
        if not_in_context:
            explanation.append(
                Explanation(
                    "assess.explain.not_in_context",
                    {"forms": MsgList(tuple(Msg(f"form.{f}") for f in not_in_context))},
                )
            )
        stray = tuple(
            i for i in observed_ids if not any(f in catalogue.indicators[i].forms for f in forms)
        )
        if stray:
            explanation.append(Explanation("assess.explain.out_of_context", {}, stray))
        any_signal = any(
            rules.rank(f.outcome) >= rules.rank("signals_present") for f in forms.values()
        )
    else:
        explanation.append(
            Explanation(
                "assess.explain.role_not_victim", {"role": Msg(f"person_role.{case.role.value}")}
            )
        )
        any_signal = any(not item.context_only for item in observed)

    indication_by = _indication_by(forms, case, victim)
    indication = bool(indication_by)
    if victim:
        explanation.append(_explain_indication(indication, indication_by, rules))
    # Signals beyond poor conditions: one in a coercion, deception or vulnerability dimension,
    # or enough context signals of control (fear, a scripted story, an unknown address).
    in_context = [
        _counting_item(item, catalogue).dimension
        for item in observed
        if not item.context_only and any(form in item.forms for form in forms)
    ]
    beyond = any(d not in (CONTEXT, rules.dutch_law.purpose_dimension) for d in in_context) or (
        in_context.count(CONTEXT) >= rules.registration_consider_context_signals
    )
    facts = _Facts(
        case, group, victim, forms, indication, any_signal, acute_ids, observed, rules, beyond
    )

    b83, union_note = _b83(case, rules) if victim and indication else (None, None)
    registration = _registration(facts)
    referrals = _referrals(facts, registration)
    advice = tuple((rule.key, rule.text) for rule in rules.advice if _matches(rule.when, facts))
    if acute_ids:
        explanation.insert(0, Explanation("assess.explain.acute", {}, acute_ids))
    if past_acute:
        explanation.append(Explanation("assess.explain.past_acute", {}, past_acute))
    if b83 is not None:
        agencies = MsgList(tuple(Msg(agency_phrase_key(c)) for c in b83.offered_by))
        key = "assess.explain.b83" if b83.nationality else "assess.explain.b83_unknown"
        explanation.append(Explanation(key, {"by": agencies}))
    if union_note is not None:
        explanation.append(Explanation("assess.explain.b83_union"))
    if victim:
        below = registration == "not_applicable" and any_signal
        explanation.append(
            Explanation(
                "assess.explain.registration_below"
                if below
                else f"assess.explain.registration_{registration}",
                {"age": rules.consent_own_signature_age},
            )
        )
    if unconfirmed:
        ids = tuple(sorted({u.indicator_id for u in unconfirmed.values()}))
        explanation.append(Explanation("assess.explain.unconfirmed", {}, ids, len(ids)))
    if any(f.dutch_law.indicated for f in forms.values()):
        explanation.append(Explanation("assess.explain.dutch_law_own_reading"))
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
        role=case.role.value,
        assessed_as_victim=victim,
        forms_not_in_context=not_in_context,
        trafficking_indication=indication,
        indication_by=indication_by,
        b83_union_note=union_note,
        advice=advice,
        past_acute_indicators=past_acute,
        observation_versions=versions,
        any_signal=any_signal,
    )


# -- context ---------------------------------------------------------------------------------


def forms_in_context(
    case: Case, observed: Iterable[Indicator], catalogue: Catalogue
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Form -> (why it is in context, the form-specific signals that opened it). Generic
    signals open no form; with no context at all, the default forms (labour)."""
    rules = catalogue.rules
    found: dict[str, tuple[list[str], list[str]]] = {}

    def add(form: str, reason: str, signal: str | None = None) -> None:
        if form not in rules.forms:
            return
        reasons, signals = found.setdefault(form, ([], []))
        if reason not in reasons:
            reasons.append(reason)
        if signal is not None and signal not in signals:
            signals.append(signal)

    sector = rules.sector(case.sector)
    for form in sector.forms if sector else ():
        add(form, SECTOR)
    for item in observed:
        for form in item.context_forms:
            add(form, SIGNAL, item.id)
    for form in case.suspected_forms:
        add(form, SUSPECTED)
    if not found:
        for form in rules.default_forms:
            add(form, DEFAULT)
    return {form: (tuple(r), tuple(s)) for form, (r, s) in found.items()}


# -- one form --------------------------------------------------------------------------------


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


@dataclass(slots=True)
class _Reading:
    """One form read with one age group's list: the ILO dimensions and the art. 273f
    elements."""

    group: str
    ilo: FormResult
    law: DutchLawReading
    minor_purpose: bool  # an exploitation signal in the minor's sense (any grade, or context)

    def outcome(self, rules: Rules) -> tuple[str, str | None]:
        law_outcome = "trafficking_indicated" if self.law.indicated else "no_signals"
        if rules.rank(law_outcome) > rules.rank(self.ilo.outcome):
            return law_outcome, BY_DUTCH_LAW
        return self.ilo.outcome, (BY_ILO if self.ilo.rule_status else None)


def _assess_form(
    form: str,
    group: str,
    case: Case,
    *,
    observations: Mapping[str, CaseObservation],
    catalogue: Catalogue,
    unconfirmed: dict[tuple[str, str], UnconfirmedGrade],
    suspected_only: bool = False,
) -> FormResult:
    rules = catalogue.rules
    groups = (ADULT, CHILD) if group == UNKNOWN else (group,)
    readings = [
        _read(
            form,
            g,
            case,
            observations=observations,
            catalogue=catalogue,
            unconfirmed=unconfirmed,
            suspected_only=suspected_only,
        )
        for g in groups
    ]

    def strength(reading: _Reading) -> tuple[int, bool]:
        # On a tie the adult reading is shown: its combination rule is the better attested.
        return rules.rank(reading.outcome(rules)[0]), reading.group == ADULT

    best = max(readings, key=strength)
    outcome, reading = best.outcome(rules)
    minor_purpose = any(r.minor_purpose for r in readings if r.group == CHILD)
    by: list[str] = []
    if rules.rank(best.ilo.outcome) >= rules.rank(rules.indication_min_outcome):
        by.append(BY_ILO)
    if any(r.law.indicated for r in readings):
        by.append(BY_DUTCH_LAW)
    if minor_purpose:
        by.append(BY_MINOR)
    ilo = best.ilo
    return FormResult(
        outcome=outcome,
        age_group=best.group,
        dimensions=ilo.dimensions,
        unassessed=ilo.unassessed,
        indicators=ilo.indicators,
        rule_status=ilo.rule_status,
        stand_in=ilo.stand_in,
        by_age_group=({r.group: r.outcome(rules)[0] for r in readings} if group == UNKNOWN else {}),
        ilo_outcome=ilo.outcome,
        # The minor's reading when it is the one that indicates (unknown age included).
        dutch_law=next((r.law for r in readings if r.law.indicated), best.law),
        reading=reading,
        indication=bool(by),
        indication_by=tuple(by),
    )


def _read(
    form: str,
    group: str,
    case: Case,
    *,
    observations: Mapping[str, CaseObservation],
    catalogue: Catalogue,
    unconfirmed: dict[tuple[str, str], UnconfirmedGrade],
    suspected_only: bool = False,
) -> _Reading:
    """``suspected_only``: the form is in context by the professional's suspicion alone; then
    only signals of this form itself show its exploitation (generic ones belong to the work
    the sector or other signals point to)."""
    rules = catalogue.rules
    law = rules.dutch_law
    spec = rules.profiles[form]
    profile = spec[group]
    answered: set[str] = set()
    observed: list[str] = []
    counted: dict[str, tuple[str, list[str]]] = {}  # counting item -> (grade, signals)
    acts: dict[str, list[str]] = {}
    minor_purpose: list[str] = []
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
        for act in (*indicator.acts, *item.acts):
            acts.setdefault(act, []).append(indicator_id)
        if item.dimension in law.acts_from_dimensions:
            acts.setdefault(law.acts_from_dimensions[item.dimension], []).append(indicator_id)
        if item.dimension == law.purpose_dimension or (
            form in rules.minors.purpose_from_context and form in indicator.context_forms
        ):
            minor_purpose.append(indicator_id)
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

    shown = [i for i in observed if not catalogue.indicators[i].context_only]
    outcome, rule_status = ("signals_present" if shown else "no_signals"), None
    for rule in rules.outcomes[group]:
        if all(any(dimensions[d].positive for d in options) for options in rule.all_of):
            outcome, rule_status = rule.outcome, rule.status
            break
    ilo = FormResult(
        outcome=outcome,
        age_group=group,
        dimensions=dimensions,
        unassessed=tuple(d for d in DIMENSIONS if d not in answered),
        indicators=tuple(sorted(observed)),
        rule_status=rule_status,
        stand_in=bool(spec.get("stand_in")),
    )

    # Art. 273f: act, means, purpose (minors: act and purpose).
    sector = rules.sector(case.sector)
    by_sector = bool(sector and sector.act and form in sector.forms)
    if by_sector and sector is not None and sector.act is not None:
        acts.setdefault(sector.act, [])
    if group == CHILD and form in rules.minors.purpose_from_context and by_sector:
        minor_purpose.append(SECTOR)
    means: dict[str, list[str]] = {}
    for dimension, name in law.means_from_dimensions.items():
        if dimensions[dimension].positive:
            means.setdefault(name, []).extend(dimensions[dimension].indicators)
    for item_id, (grade, sources) in counted.items():
        item_means = law.item_means.get(catalogue.indicators[item_id].dimension)
        if grade in law.item_means_grades and item_means is not None:
            means.setdefault(item_means, []).extend(sources)
    purpose_dim = dimensions[law.purpose_dimension]
    purpose_signals = [
        signal
        for item_id, (grade, sources) in counted.items()
        if catalogue.indicators[item_id].dimension == law.purpose_dimension
        and (purpose_dim.positive or grade in law.purpose_grades)
        for signal in sources
    ]
    child = group == CHILD
    if suspected_only:
        purpose_signals = [
            s for s in purpose_signals if form in catalogue.indicators[s].context_forms
        ]
        minor_purpose = [s for s in minor_purpose if form in catalogue.indicators[s].context_forms]
    # Exploitation shown by signals; or, for the provisions that ask only for the intent
    # (oogmerk: sub 1 and 2), the professional's recorded suspicion of this form.
    exploited = bool(minor_purpose) if child else bool(purpose_signals)
    suspected = form in case.suspected_forms
    has = {"act": bool(acts), "means": bool(means)}
    # Each provision of lid 1 with the elements it needs (``intent``: exploitation or the
    # suspicion; ``purpose``: exploitation itself).
    provisions: list[tuple[str, tuple[str, ...]]] = [("1", ("act", "means", "intent"))]
    if child:
        provisions.append(("2", ("act", "intent")))
    if form in law.work_or_services_forms:
        provisions.append(("4", ("means", "purpose")))
    if child and form in law.minor_prostitution_forms:
        provisions.append(("5", ("purpose",)))
    has.update(intent=exploited or suspected, purpose=exploited)
    gaps = {route: [e for e in needed if not has[e]] for route, needed in provisions}
    routes = tuple(route for route, gap in gaps.items() if not gap)
    # What is missing for the nearest provision (fewest elements short; the first on a tie).
    nearest = min(gaps.values(), key=len)
    missing = tuple(dict.fromkeys("purpose" if e == "intent" else e for e in nearest))
    purpose = exploited or (suspected and bool({"1", "2"} & set(routes)))
    behind = {s for sources in (*acts.values(), *means.values()) for s in sources}
    behind.update(purpose_signals)
    behind.update(s for s in minor_purpose if s != SECTOR and child)
    reading = DutchLawReading(
        indicated=bool(routes),
        acts=tuple(act for act in ACTS if act in acts),
        means=tuple(sorted(means)),
        purpose=purpose,
        missing=() if routes else missing,
        routes=routes,
        purpose_by_suspicion=purpose and not exploited,
        opnemen_by_sector=by_sector,
        signals=tuple(sorted(behind)),
    )
    return _Reading(group, ilo, reading, child and bool(minor_purpose))


def _with_context(
    result: FormResult,
    reasons: tuple[str, ...],
    opened_by: tuple[str, ...],
    case: Case,
    rules: Rules,
) -> FormResult:
    """The form with why it is in context, and the professional's judgement added to the
    forms it concerns (the suspected forms, or every form in context when none is named)."""
    by = list(result.indication_by)
    judged = case.professional_indication and (
        SUSPECTED in reasons or not any(f in rules.forms for f in case.suspected_forms)
    )
    why = MsgList(
        tuple(
            Explanation("assess.context.sector", {"sector": Msg(f"sector.{case.sector}")})
            if reason == SECTOR
            else Msg(f"assess.context.{reason}")
            for reason in reasons
        )
    )
    if judged:
        by.append(BY_PROFESSIONAL)
    return FormResult(
        outcome=result.outcome,
        age_group=result.age_group,
        dimensions=result.dimensions,
        unassessed=result.unassessed,
        indicators=result.indicators,
        rule_status=result.rule_status,
        stand_in=result.stand_in,
        by_age_group=result.by_age_group,
        ilo_outcome=result.ilo_outcome,
        dutch_law=result.dutch_law,
        reading=result.reading,
        context=reasons,
        context_signals=opened_by,
        why=why,
        indication=bool(by),
        indication_by=tuple(by),
    )


def _indication_by(forms: Mapping[str, FormResult], case: Case, victim: bool) -> tuple[str, ...]:
    if not victim:
        return ()
    found: list[str] = []
    for result in forms.values():
        found += [by for by in result.indication_by if by not in found]
    if case.professional_indication and BY_PROFESSIONAL not in found:
        found.append(BY_PROFESSIONAL)
    order = (BY_ILO, BY_DUTCH_LAW, BY_MINOR, BY_PROFESSIONAL)
    return tuple(by for by in order if by in found)


# -- explanation -----------------------------------------------------------------------------


def _explain_form(form: str, result: FormResult) -> Iterable[Explanation]:
    form_label = Msg(f"form.{form}")
    yield Explanation(
        "assess.explain.in_context",
        {"form": form_label, "reasons": result.why},
        result.context_signals,
    )
    if not result.indicators and not result.indication:
        yield Explanation("assess.explain.form_no_signals", {"form": form_label})
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
    yield _explain_dutch_law(form_label, result.dutch_law)
    params = {"form": form_label, "outcome": Msg(f"outcome.{result.outcome}")}
    if result.reading == BY_DUTCH_LAW:
        yield Explanation(
            "assess.explain.outcome_dutch_law",
            {**params, "ilo": Msg(f"outcome.{result.ilo_outcome}")},
        )
    elif result.rule_status:
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
                "dimensions": MsgList(tuple(Msg(f"dimension.{d}") for d in result.unassessed)),
            },
        )


def _explain_dutch_law(form_label: Msg, law: DutchLawReading) -> Explanation:
    acts = MsgList(
        tuple(
            Msg("dutch_law.act.opnemen_by_sector")
            if act == "opnemen" and law.opnemen_by_sector
            else Msg(f"dutch_law.act.{act}")
            for act in law.acts
        )
    )
    means = MsgList(tuple(Msg(f"dutch_law.means.{name}") for name in law.means), "or")
    params: dict[str, Any] = {"form": form_label, "acts": acts, "means": means}
    if law.indicated:
        # The provision that says most: all three elements, then the minors', then sub 4.
        route = next(r for r in ("1", "5", "2", "4") if r in law.routes)
        suffix = "_suspected" if law.purpose_by_suspicion and route in ("1", "2") else ""
        return Explanation(f"assess.explain.dutch_law_sub{route}{suffix}", params, law.signals)
    params["missing"] = MsgList(tuple(Msg(f"dutch_law.missing.{m}") for m in law.missing))
    return Explanation("assess.explain.dutch_law_missing", params, law.signals)


def _explain_indication(indication: bool, by: tuple[str, ...], rules: Rules) -> Explanation:
    if indication:
        return Explanation(
            "assess.explain.indication_yes",
            {"by": MsgList(tuple(Msg(f"assess.indication_by.{b}") for b in by))},
        )
    return Explanation(
        "assess.explain.indication_no",
        {"outcome": Msg(f"outcome.{rules.indication_min_outcome}")},
    )


# -- duties ----------------------------------------------------------------------------------


def _b83(case: Case, rules: Rules) -> tuple[B83Prompt | None, Mapping[str, str] | None]:
    nationality = (case.nationality or "").upper() or None
    if nationality in rules.b83_exempt_nationalities:
        return None, None
    if nationality in rules.b83_union_citizens:
        return None, rules.b83_union_note
    prompt = B83Prompt(
        recorded=case.b83_status,
        offered_by=rules.b83_offered_by,
        reporter_can_offer=same_agency(case.reporter_agency, rules.b83_offered_by),
        nationality=nationality,
        source=rules.b83_source,
    )
    return prompt, None


def _registration(facts: _Facts) -> str:
    """CoMensha: mandatory only with an indication and a mandatory reporter; below the
    indication it is to be considered; never for someone not assessed as a victim."""
    case, rules = facts.case, facts.rules
    if not facts.victim or not (facts.any_signal or facts.indication):
        return "not_applicable"
    if not facts.indication:
        if rules.registration_consider_when == "beyond_conditions" and not facts.beyond_conditions:
            return "not_applicable"
        return "consider"
    if same_agency(case.reporter_agency, rules.mandatory_reporters):
        return "mandatory"
    if case.consent is Consent.GIVEN:
        return "with_consent"
    return "anonymous_signal_only"


def _matches(when: Mapping[str, Any], facts: _Facts) -> bool:
    rules, case = facts.rules, facts.case
    roles = when.get("roles", rules.victim_roles)
    if case.role.value not in roles:
        return False
    if "acute" in when and bool(facts.acute_ids) != when["acute"]:
        return False
    if "minor" in when and (facts.group in (CHILD, UNKNOWN)) != when["minor"]:
        return False
    if "age_unknown" in when and (facts.group == UNKNOWN) != when["age_unknown"]:
        return False
    if "any_signal" in when and facts.any_signal != when["any_signal"]:
        return False
    if "foreign" in when:
        foreign = (case.nationality or "").upper() not in rules.b83_exempt_nationalities
        if foreign != when["foreign"]:
            return False
    if "forms" in when:
        # A listed form in context, at the minimum outcome, with (or without) an indication.
        wanted = when.get("indication")
        floor = when.get("min_outcome", "no_signals" if wanted else "signals_present")
        if not any(
            form in facts.forms
            and rules.rank(facts.forms[form].outcome) >= rules.rank(floor)
            and (wanted is None or facts.forms[form].indication == wanted)
            for form in when["forms"]
        ):
            return False
    elif "indication" in when and facts.indication != when["indication"]:
        return False
    if "any_form_min_outcome" in when and not any(
        rules.rank(f.outcome) >= rules.rank(when["any_form_min_outcome"])
        for f in facts.forms.values()
    ):
        return False
    if "routes_to" in when and not any(when["routes_to"] in i.routes_to for i in facts.observed):
        return False
    if "indicators_any" in when and not any(i.id in when["indicators_any"] for i in facts.observed):
        return False
    if "law_missing_only" in when and not any(
        f.dutch_law.missing == (when["law_missing_only"],) for f in facts.forms.values()
    ):
        return False
    if "reporter_is" in when and not same_agency(case.reporter_agency, (when["reporter_is"],)):
        return False
    return not (
        "reporter_not" in when and same_agency(case.reporter_agency, (when["reporter_not"],))
    )


def _advice_text(rule: RoutingRule, case: Case) -> Mapping[str, str]:
    if rule.agency and rule.advice_own_agency and same_agency(case.reporter_agency, (rule.agency,)):
        return rule.advice_own_agency
    return rule.advice


def _referrals(facts: _Facts, registration: str) -> tuple[ReferralAdvice, ...]:
    merged: dict[str, tuple[str, list[Mapping[str, str]], list[Mapping[str, str]]]] = {}

    def add(to: str, urgency: str, advice: Mapping[str, str], reason: Mapping[str, str]) -> None:
        current, advices, reasons = merged.get(to, ("normal", [], []))
        if advice not in advices:
            advices.append(advice)
        if reason not in reasons:
            reasons.append(reason)
        merged[to] = (max(current, urgency, key=URGENCY_ORDER.index), advices, reasons)

    for rule in facts.rules.routing:
        if _matches(rule.when, facts):
            add(rule.to, rule.urgency, _advice_text(rule, facts.case), rule.reason)
    if registration != "not_applicable":
        to = "anonymous" if registration == "anonymous_signal_only" else "comensha"
        add(
            to,
            "normal",
            {lang: t(f"assess.referral.{registration}", lang) for lang in LANGUAGES},
            {lang: t(f"assess.referral_reason.{registration}", lang) for lang in LANGUAGES},
        )
    return tuple(
        ReferralAdvice(to, urgency, tuple(reasons), tuple(advices))
        for to, (urgency, advices, reasons) in sorted(
            merged.items(),
            key=lambda item: (-URGENCY_ORDER.index(item[1][0]), RECIPIENT_ORDER.index(item[0])),
        )
    )
