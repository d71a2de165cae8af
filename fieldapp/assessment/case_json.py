"""Reading one person's case for ``fieldapp assess`` (README: "Assessment input"). Refused as
a whole, naming the field: unknown keys, a key twice in one object, and indicator ids the
assessment catalogue does not hold (an unknown id would silently count for nothing).
Indicator ids are read as the catalogue spells them (``ilo-cd-01`` is ``ILO-CD-01``).

The shape is written once, as the Structs below (:mod:`fieldapp.schema`; the README's key
table is tested against them); the values pass :mod:`fieldapp.validate`, as the visit JSON's
do."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

from fieldapp import validate as v
from fieldapp.assessment.engine import Case, CaseObservation
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.catalogue.model import FORMS
from fieldapp.domain import (
    AgeBand,
    B83Status,
    Consent,
    Evidence,
    ObservationStatus,
    PersonRole,
    Sector,
)
from fieldapp.errors import ValidationError
from fieldapp.schema import Age, Shape, read, without_nulls

MAX_CASE_BYTES = 1024 * 1024
MAX_CASE_OBSERVATIONS = 2000
REPORTER_AGENCY_CHARS = 40


class CaseObservationJson(Shape, kw_only=True):
    indicator: str
    status: ObservationStatus
    evidence: Evidence | None = None
    visit_level: bool = False
    note: str | None = None  # accepted, as in the visit JSON; the assessment does not read it
    past: bool = False


class CaseDocument(Shape):
    """The whole case."""

    age: Age | None = None
    age_band: AgeBand | None = None
    minor: bool | None = None
    nationality: str | None = None
    reporter_agency: str | None = None
    consent: Consent = Consent.NOT_ASKED
    observations: Annotated[list[CaseObservationJson], Meta(max_length=MAX_CASE_OBSERVATIONS)] = (
        msgspec.field(default_factory=list)
    )
    b83_status: B83Status = B83Status.NOT_RECORDED
    role: PersonRole = PersonRole.POSSIBLE_VICTIM
    sector: Sector | None = None
    suspected_forms: list[str] = msgspec.field(default_factory=list)
    professional_indication: bool = False


def parse_case_json(raw: bytes | str) -> Case:
    if len(raw) > MAX_CASE_BYTES:
        raise ValidationError("$", "validation.too_large", limit=1)
    return _case(read(v.load_json_given(raw), CaseDocument))


def case_from_dict(document: Any) -> Case:
    return _case(read(without_nulls(document), CaseDocument))


def _case(document: CaseDocument) -> Case:
    catalogue = assessment_catalogue()
    age = v.age(document.age, "age")
    minor = document.minor
    if age is not None and minor is not None and minor != (age < 18):
        raise ValidationError("minor", "validation.minor_mismatch")
    observations = []
    for index, raw in enumerate(document.observations):
        path = f"observations[{index}]"
        observation = CaseObservation(
            indicator_id=v.indicator_id(raw.indicator, f"{path}.indicator"),
            status=raw.status,
            evidence=raw.evidence,
            visit_level=raw.visit_level,
            past=raw.past,
        )
        v.known_indicator(observation.indicator_id, f"{path}.indicator", catalogue)
        observations.append(observation)
    return Case(
        observations=tuple(observations),
        age=age,
        minor=minor,
        nationality=v.country(document.nationality, "nationality"),
        reporter_agency=v.string(
            document.reporter_agency, "reporter_agency", limit=REPORTER_AGENCY_CHARS
        ),
        consent=document.consent,
        b83_status=document.b83_status,
        role=document.role,
        sector=None if document.sector is None else document.sector.value,
        suspected_forms=v.choice_list(document.suspected_forms, "suspected_forms", FORMS),
        professional_indication=document.professional_indication,
        age_band=document.age_band,
    )
