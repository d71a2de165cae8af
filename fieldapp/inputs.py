"""Validated input for new or changed records, before the store gives them ids and times."""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldapp.domain import (
    Address,
    AgeBand,
    B83Status,
    Consent,
    Evidence,
    ObservationStatus,
    PersonRole,
    PoliceReport,
    Sector,
    Sex,
    VisitStatus,
    VisitType,
)


@dataclass(frozen=True, slots=True)
class SiteInput:
    name: str
    sector: Sector
    trade_name: str | None = None
    address: Address = field(default_factory=Address)
    municipality: str | None = None
    kvk: str | None = None
    phones: tuple[str, ...] = ()
    plates: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    intermediary_name: str | None = None
    intermediary_kvk: str | None = None
    housing: Address = field(default_factory=Address)


@dataclass(frozen=True, slots=True)
class VisitInput:
    started_at: str
    type: VisitType = VisitType.INSPECTION
    ended_at: str | None = None
    agencies: tuple[str, ...] = ()
    inspector: str | None = None
    status: VisitStatus = VisitStatus.OPEN
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class PersonInput:
    label: str
    role: PersonRole = PersonRole.POSSIBLE_VICTIM
    sex: Sex = Sex.UNKNOWN
    age: int | None = None
    age_band: AgeBand | None = None
    minor: bool | None = None
    nationality: str | None = None
    languages: tuple[str, ...] = ()
    interpreter: bool = False
    residence_status: str | None = None
    consent: Consent = Consent.NOT_ASKED
    consent_date: str | None = None
    notes: str | None = None
    b83_status: B83Status = B83Status.NOT_RECORDED
    b83_date: str | None = None
    b83_by: str | None = None
    suspected_forms: tuple[str, ...] = ()
    professional_indication: bool = False
    initials: str | None = None
    birth_date: str | None = None
    safe_contact: str | None = None
    whereabouts: str | None = None
    safety: str | None = None
    care_needs: str | None = None
    police_report: PoliceReport = PoliceReport.UNKNOWN


@dataclass(frozen=True, slots=True)
class ObservationInput:
    indicator_id: str
    status: ObservationStatus
    evidence: Evidence | None = None
    note: str | None = None
    person_ref: str | None = None  # the person's ``ref`` in a new visit; None = everyone
    observed_at: str | None = None
    past: bool = False


@dataclass(frozen=True, slots=True)
class NewVisit:
    """A whole visit as one unit: stored in one transaction or not at all."""

    site: SiteInput
    visit: VisitInput
    persons: tuple[tuple[str, PersonInput], ...] = ()  # (ref, person)
    observations: tuple[ObservationInput, ...] = ()
