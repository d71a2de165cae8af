"""Typed catalogue entries and rules. Built only by the loader, after validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldapp.errors import FieldAppError
from fieldapp.i18n import t

# Every form of exploitation the app knows, in the order screens list them. A catalogue names
# the forms it assesses (format 1: the first four; EU Directive 2024/1712 added the last three).
FORMS = (
    "labour",
    "sexual",
    "criminal",
    "organ_removal",
    "forced_marriage",
    "illegal_adoption",
    "surrogacy",
)
LEGACY_FORMS = FORMS[:4]
# The acts of art. 273f Sr (werven, vervoeren, overbrengen, huisvesten, opnemen) and the means
# the Dutch-law reading names (coercion: dwang, geweld, dreiging; deception: misleiding; abuse
# of a vulnerable position: misbruik van een kwetsbare positie of van overwicht).
ACTS = ("werven", "vervoeren", "overbrengen", "huisvesten", "opnemen")
MEANS = ("coercion", "deception", "abuse_of_vulnerability")
DIMENSIONS = ("DEC_REC", "COE_REC", "VUL_REC", "EXPL", "COE_DEST", "VUL_DEST")
CONTEXT = "CONTEXT"
PROFILES = ("adult_labour", "adult_sexual", "child_labour", "child_sexual")
GRADES = ("S", "M", "W")
# "own": FieldApp's own grading of an item no source grades; never confirmed, always reported.
GRADE_STATUSES = ("confirmed", "secondary", "disputed", "missing", "own")
FRAMEWORKS = (
    "ILO2009",
    "NLA",
    "NL_POLICE",
    "VENUE",
    "YOUTH_CRIMINAL",
    "ORGAN",
    "LOCAL",
    "NL_LABOUR",
    "NL_SEX",
    "NL_CRIMINAL",
    "DOMESTIC",
    "EU2024",
)
# Recipients of advice. The first six have referral documents (resources/referral); Veilig
# Thuis and Nidos are advised for minors and are contacted by the reporter directly.
RECIPIENTS = (
    "police",
    "nla",
    "comensha",
    "zorgcoordinator",
    "riec",
    "anonymous",
    "veilig_thuis",
    "nidos",
)
CTDC_MEANS = (
    "debt_bondage",
    "takes_earnings",
    "restricts_financial_access",
    "threats",
    "psychological_abuse",
    "physical_abuse",
    "sexual_abuse",
    "false_promises",
    "psychoactive_substances",
    "restricts_movement",
    "restricts_medical_care",
    "excessive_working_hours",
    "uses_children",
    "threat_of_law_enforcement",
    "withholds_necessities",
    "withholds_documents",
    "other",
)


class CatalogueError(FieldAppError):
    """A catalogue file that does not load; names the file, the entry and the problem."""

    key = "catalogue.invalid"

    def __init__(self, file: str, entry: str, problem: str, **params: Any) -> None:
        self.file, self.entry, self.problem = file, entry, problem
        super().__init__(None, **params)

    def message(self, lang: str | None = None) -> str:
        return t(
            self.key,
            lang,
            file=self.file,
            entry=self.entry,
            problem=t(self.problem, lang, **self.params),
        )


@dataclass(frozen=True, slots=True)
class Grade:
    grade: str | None  # S, M, W, or None (no grade in this list)
    status: str  # confirmed, secondary, disputed, missing
    alternative: str | None = None
    note: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    framework: str
    source: str
    forms: tuple[str, ...]
    dimension: str
    grades: Mapping[str, Grade]
    label: Mapping[str, str]
    prompt: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]
    evidence: tuple[str, ...]
    ctdc: tuple[str, ...] = ()
    maps_to: tuple[str, ...] = ()
    mapping_note: str | None = None
    acute: bool = False
    acute_reason: Mapping[str, str] | None = None
    routes_to: tuple[str, ...] = ()
    context_only: bool = False  # background, never a signal on its own
    # The forms observing this signal puts in context by itself (a sex-work signal, drug
    # running, begging); empty for generic signals (a held passport, debt), which count inside
    # whichever forms the context points to but never open one. Format 1: same as ``forms``.
    context_forms: tuple[str, ...] = ()
    acts: tuple[str, ...] = ()  # art. 273f acts the signal shows (huisvesten, vervoeren, ...)

    def text(self, lang: str) -> str:
        """Everything a search over this indicator should see, in one language."""
        return " ".join((self.id, self.label[lang], self.prompt[lang], *self.keywords[lang]))


@dataclass(frozen=True, slots=True)
class OutcomeRule:
    outcome: str
    all_of: tuple[tuple[str, ...], ...]
    status: str
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """Where to refer when ``when`` holds. ``advice`` is said to the reporter; ``reason`` is
    written to the recipient (in its referral). ``advice_own_agency`` replaces the advice when
    the reporter works for the recipient (an NLA inspector is pointed to NLA Opsporing, never
    told to report to the NLA)."""

    to: str
    when: Mapping[str, Any]
    urgency: str
    advice: Mapping[str, str]
    reason: Mapping[str, str]
    source: str
    agency: str | None = None  # the recipient's agency code, for ``advice_own_agency``
    advice_own_agency: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class AdviceRule:
    """Advice to the reporter that is not a referral (ask further, record the age)."""

    key: str
    when: Mapping[str, Any]
    text: Mapping[str, str]
    source: str


@dataclass(frozen=True, slots=True)
class SectorRule:
    forms: tuple[str, ...]  # the forms a person met working or living there is assessed for
    act: str | None  # the art. 273f act being met there shows (opnemen), or None


@dataclass(frozen=True, slots=True)
class DutchLawRules:
    """How the art. 273f Sr reading is taken from the signals (FieldApp's own reading)."""

    acts_from_dimensions: Mapping[str, str]  # dimension -> act (recruitment dims: werven)
    means_from_dimensions: Mapping[str, str]  # dimension -> means, when the dimension is positive
    item_means: Mapping[str, str]  # dimension -> means one item there shows by itself ...
    item_means_grades: tuple[str, ...]  # ... when graded one of these (S, M)
    purpose_dimension: str  # EXPL
    purpose_grades: tuple[str, ...]  # grades of one item that show the purpose (S, M)
    work_or_services_forms: tuple[str, ...]  # lid 1 sub 4: a means and work or services suffice
    minor_prostitution_forms: tuple[str, ...]  # lid 1 sub 5: a minor and the purpose suffice
    source: str
    status: str


@dataclass(frozen=True, slots=True)
class MinorRules:
    """Art. 273f for persons under 18: an act and an exploitation purpose suffice."""

    purpose_from_context: tuple[str, ...]  # forms whose own signals or sector are the purpose
    source: str


@dataclass(frozen=True, slots=True)
class Rules:
    minor_age: int
    positive_when: tuple[Mapping[str, int], ...]
    positive_status: str
    outcome_order: tuple[str, ...]
    outcomes: Mapping[str, tuple[OutcomeRule, ...]]  # "adult" / "child"
    profiles: Mapping[str, Mapping[str, Any]]  # form -> {"adult", "child", "stand_in", "note"}
    fallback_profile: str | None
    mandatory_reporters: tuple[str, ...]
    consent_own_signature_age: int
    b83_exempt_nationalities: tuple[str, ...]
    b83_offered_by: tuple[str, ...]
    b83_source: str
    routing: tuple[RoutingRule, ...]
    forms: tuple[str, ...]  # the forms this catalogue assesses, in display order
    sectors: Mapping[str, SectorRule]
    default_forms: tuple[str, ...]  # in context when nothing else points to a form
    victim_roles: tuple[str, ...]  # roles assessed as a possible victim
    indication_min_outcome: str  # the ILO reading that is an indication (aanwijzing)
    indication_source: str
    dutch_law: DutchLawRules
    minors: MinorRules
    b83_union_citizens: tuple[str, ...]  # EU/EEA/CH: B8/3 only without a Union right
    b83_union_note: Mapping[str, str]
    advice: tuple[AdviceRule, ...]
    registration_consider_when: str  # "beyond_conditions" or "any_signal": below an indication
    registration_consider_context_signals: int  # context signals that go beyond conditions
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def rank(self, outcome: str) -> int:
        return self.outcome_order.index(outcome)

    def sector(self, sector: str | None) -> SectorRule | None:
        return self.sectors.get(sector) if sector else None


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One catalogue version. A format-1 version (2026.1) stays loadable so what was recorded
    with it can be read, but its rules are superseded: the engine assesses with the newest."""

    version: str
    content_hash: str
    published: str
    title: Mapping[str, str]
    indicators: Mapping[str, Indicator]  # in file order
    assessment_rules: Rules | None
    format_version: int = 2

    @property
    def rules(self) -> Rules:
        if self.assessment_rules is None:
            raise CatalogueError(
                f"{self.version}/catalogue.json", "rules", "catalogue.problem.rules_superseded"
            )
        return self.assessment_rules

    def get(self, indicator_id: str) -> Indicator | None:
        return self.indicators.get(indicator_id)

    def for_form(self, form: str) -> list[Indicator]:
        return [item for item in self.indicators.values() if form in item.forms]

    def search(self, text: str, lang: str) -> list[Indicator]:
        """Indicators whose id, label, prompt or keywords (in either language) contain every
        word of ``text``; for filter-as-you-type."""
        words = [word for word in text.casefold().split() if word]
        if not words:
            return list(self.indicators.values())
        other = "en" if lang == "nl" else "nl"
        found = []
        for item in self.indicators.values():
            haystack = (item.text(lang) + " " + item.text(other)).casefold()
            if all(word in haystack for word in words):
                found.append(item)
        return found
