"""The shape of a practice set and a practice case (resources/practice/FORMAT.md), written once
as msgspec Structs, as every JSON input of FieldApp is (:mod:`fieldapp.schema`).

The Structs decide the shape (keys, required keys, types, enumerations); the values (ids in the
catalogue, texts in both languages, the engine's agreement with the model answer) are checked
by :mod:`fieldapp.practice.validation`, which reports every problem with its line.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from fieldapp.domain import AgeBand, Evidence, PersonRole, Sector, Sex
from fieldapp.schema import Age, Shape

CASE_FORMAT = "fieldapp-practice-case"
SET_FORMAT = "fieldapp-practice-set"
FORMAT_VERSION = 1

Level = Literal["basic", "advanced"]
Urgency = Literal["normal", "high", "immediate"]
Registration = Literal[
    "mandatory", "with_consent", "anonymous_signal_only", "consider", "not_applicable"
]
B83 = Literal["duty", "note", "none"]
# Who a professional refers to: the six recipients of referral documents, and the two a
# reporter contacts directly for a minor (fieldapp.catalogue.model.RECIPIENTS).
Recipient = Literal[
    "police", "nla", "comensha", "zorgcoordinator", "riec", "anonymous", "veilig_thuis", "nidos"
]


class Texts(Shape):
    """A text a trainee reads, in Dutch and English."""

    nl: str
    en: str


class Paragraphs(Shape):
    """The scenario: paragraphs in Dutch and the same paragraphs in English."""

    nl: list[str]
    en: list[str]


class Signal(Shape, kw_only=True):
    """A signal a trained professional records for the person."""

    indicator: str
    evidence: Evidence | None = None
    past: bool = False
    why: Texts
    # Ids of other lists that record the same fact here (the NLA's own-address signal where
    # the model names the venue list's): recorded instead, they count as this signal.
    accept: Annotated[list[str], Meta(max_length=8)] = msgspec.field(default_factory=list)


class Tempting(Shape):
    """An id a trainee may be tempted to record, and why it is no signal here."""

    indicator: str
    why: Texts


class OutcomeRange(Shape, omit_defaults=True):
    min: str | None = None
    max: str | None = None


class Expect(Shape, omit_defaults=True):
    """What the assessment of the model signals must give; only the keys given are compared
    (:mod:`fieldapp.practice.expect`, the same comparison the engine's realistic cases use)."""

    forms_in_context: list[str] | None = None
    outcome: dict[str, str | OutcomeRange] | None = None
    forms_not_assessed: list[str] | None = None
    trafficking_indication: bool | None = None
    registration: Registration | None = None
    b83: B83 | None = None
    acute: bool | None = None
    referrals_include: list[str] | None = None
    referrals_exclude: list[str] | None = None
    advice_include: list[str] | None = None
    assessed_as_victim: bool | None = None
    referral_urgency: dict[str, Urgency] | None = None
    max_urgency: Urgency | None = None


class Model(Shape, kw_only=True):
    """The model answer for one person."""

    signals: list[Signal]
    tempting: list[Tempting] = msgspec.field(default_factory=list)
    expect: Expect
    debrief: Texts
    engine_note: Texts | None = None


class Person(Shape, kw_only=True):
    ref: str
    label: Texts
    role: PersonRole
    age: Age | None = None
    age_band: AgeBand | None = None
    minor: bool | None = None
    nationality: str | None = None
    sex: Sex = Sex.UNKNOWN
    model: Model


class Referral(Shape):
    to: list[Recipient]
    why: Texts


class PracticeCase(Shape, kw_only=True):
    """One case file: the scenario as the trainee meets it and the model answer."""

    format: Literal["fieldapp-practice-case"]
    format_version: Literal[1]
    id: str
    level: Level
    sector: Sector
    forms: list[str]
    reporter_agency: str | None = None
    title: Texts
    place: Texts
    scenario: Paragraphs
    persons: list[Person]
    referral: Referral
    ask_further: Texts | None = None
    sources: list[str]


class PracticeSet(Shape):
    """``practice.json``: a released set of cases and the catalogue they are written against."""

    format: Literal["fieldapp-practice-set"]
    format_version: Literal[1]
    version: str
    catalogue: str
    title: Texts
    cases: list[str]
