"""Typed catalogue entries and rules. Built only by the loader, after validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldapp.errors import FieldAppError
from fieldapp.i18n import t

FORMS = ("labour", "sexual", "criminal", "organ_removal")
DIMENSIONS = ("DEC_REC", "COE_REC", "VUL_REC", "EXPL", "COE_DEST", "VUL_DEST")
CONTEXT = "CONTEXT"
PROFILES = ("adult_labour", "adult_sexual", "child_labour", "child_sexual")
GRADES = ("S", "M", "W")
GRADE_STATUSES = ("confirmed", "secondary", "disputed", "missing")
FRAMEWORKS = ("ILO2009", "NLA", "NL_POLICE", "VENUE", "YOUTH_CRIMINAL", "ORGAN", "LOCAL")
RECIPIENTS = ("police", "nla", "comensha", "zorgcoordinator", "riec", "anonymous")
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
    to: str
    when: Mapping[str, Any]
    urgency: str
    reason: Mapping[str, str]
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
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def rank(self, outcome: str) -> int:
        return self.outcome_order.index(outcome)


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: str
    content_hash: str
    published: str
    title: Mapping[str, str]
    indicators: Mapping[str, Indicator]  # in file order
    rules: Rules

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
