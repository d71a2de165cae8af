"""Reading one person's case for ``fieldapp assess`` (README: "Assessment input"). Refused as
a whole, naming the field: unknown keys, a key twice in one object, and indicator ids the
assessment catalogue does not hold (an unknown id would silently count for nothing).
Indicator ids are read as the catalogue spells them (``ilo-cd-01`` is ``ILO-CD-01``)."""

from __future__ import annotations

from typing import Any

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

MAX_CASE_BYTES = 1024 * 1024
MAX_CASE_OBSERVATIONS = 2000
CASE_KEYS = {
    "age",
    "age_band",
    "minor",
    "nationality",
    "reporter_agency",
    "consent",
    "observations",
    "b83_status",
    "role",
    "sector",
    "suspected_forms",
    "professional_indication",
}
OBSERVATION_KEYS = {"indicator", "status", "evidence", "visit_level", "note", "past"}


def parse_case_json(raw: bytes | str) -> Case:
    if len(raw) > MAX_CASE_BYTES:
        raise ValidationError("$", "validation.too_large", limit=1)
    return case_from_dict(v.load_json(raw))


def case_from_dict(document: Any) -> Case:
    catalogue = assessment_catalogue()
    if not isinstance(document, dict):
        raise ValidationError("$", "validation.not_object")
    for key in document:
        if key not in CASE_KEYS:
            raise ValidationError(f"$.{v.shown_key(key)}", "validation.unknown_key")
    age = v.age(document.get("age"), "age")
    minor = v.boolean(document.get("minor"), "minor")
    if age is not None and minor is not None and minor != (age < 18):
        raise ValidationError("minor", "validation.minor_mismatch")
    age_band = document.get("age_band")
    raw_observations = document.get("observations") or []
    if not isinstance(raw_observations, list):
        raise ValidationError("observations", "validation.not_list")
    if len(raw_observations) > MAX_CASE_OBSERVATIONS:
        raise ValidationError("observations", "validation.too_many", limit=MAX_CASE_OBSERVATIONS)
    observations = []
    for index, raw in enumerate(raw_observations):
        path = f"observations[{index}]"
        if not isinstance(raw, dict):
            raise ValidationError(path, "validation.not_object")
        for key in raw:
            if key not in OBSERVATION_KEYS:
                raise ValidationError(f"{path}.{v.shown_key(key)}", "validation.unknown_key")
        evidence = raw.get("evidence")
        observation = CaseObservation(
            indicator_id=v.indicator_id(raw.get("indicator"), f"{path}.indicator"),
            status=v.choice(raw.get("status"), f"{path}.status", ObservationStatus),
            evidence=None if evidence is None else v.choice(evidence, f"{path}.evidence", Evidence),
            visit_level=bool(
                v.boolean(raw.get("visit_level"), f"{path}.visit_level", default=False)
            ),
            past=bool(v.boolean(raw.get("past"), f"{path}.past", default=False)),
        )
        v.known_indicator(observation.indicator_id, f"{path}.indicator", catalogue)
        observations.append(observation)
    sector = document.get("sector")
    return Case(
        observations=tuple(observations),
        age=age,
        minor=minor,
        nationality=v.country(document.get("nationality"), "nationality"),
        reporter_agency=v.string(document.get("reporter_agency"), "reporter_agency", limit=40),
        consent=v.choice(document.get("consent"), "consent", Consent, default=Consent.NOT_ASKED),
        b83_status=v.choice(
            document.get("b83_status"), "b83_status", B83Status, default=B83Status.NOT_RECORDED
        ),
        role=v.choice(document.get("role"), "role", PersonRole, default=PersonRole.POSSIBLE_VICTIM),
        sector=None if sector is None else v.choice(sector, "sector", Sector).value,
        suspected_forms=v.choice_list(document.get("suspected_forms"), "suspected_forms", FORMS),
        professional_indication=bool(
            v.boolean(
                document.get("professional_indication"), "professional_indication", default=False
            )
        ),
        age_band=None if age_band is None else v.choice(age_band, "age_band", AgeBand),
    )
