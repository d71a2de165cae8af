"""A practice person as the engine's input, for the model answer and for the trainee's record.

Both sides are assessed with the same context: the case's sector (the trainee meets the
person at that place, whatever they typed as the site) and the agency the trainee plays
(``reporter_agency``). What differs is what each side recorded: the model's signals and the
person's facts as the case states them, or the trainee's observations and the person as the
trainee recorded them (role, age, nationality, suspicion, consent).

The model's case is built as a case JSON and read by
:func:`fieldapp.assessment.case_json.case_from_dict`, as the engine's realistic cases are, so a
model answer passes the same value checks as ``fieldapp assess`` input.
"""

from __future__ import annotations

from typing import Any

from fieldapp.assessment import Case, CaseObservation, assess, assessment_to_json
from fieldapp.assessment.case_json import case_from_dict
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.domain import ObservationStatus
from fieldapp.inputs import ObservationInput, PersonInput
from fieldapp.practice.model import Person, PracticeCase


def model_case_document(case: PracticeCase, person: Person) -> dict[str, Any]:
    """The case JSON of the model answer for ``person``: every model signal as observed."""
    document: dict[str, Any] = {
        "role": person.role.value,
        "age": person.age,
        "age_band": None if person.age_band is None else person.age_band.value,
        "minor": person.minor,
        "nationality": person.nationality,
        "sector": case.sector.value,
        "reporter_agency": case.reporter_agency,
        "observations": [
            {
                "indicator": signal.indicator,
                "status": ObservationStatus.OBSERVED.value,
                "evidence": None if signal.evidence is None else signal.evidence.value,
                "past": signal.past,
            }
            for signal in person.model.signals
        ],
    }
    return document


def model_case(case: PracticeCase, person: Person) -> Case:
    return case_from_dict(model_case_document(case, person))


def trainee_case(
    case: PracticeCase,
    person: PersonInput,
    observations: list[tuple[ObservationInput, bool]],
) -> Case:
    """The trainee's record of one person: ``observations`` with, for each, whether it was
    recorded for everyone at the visit (``person`` absent in the visit JSON)."""
    return Case(
        observations=tuple(
            CaseObservation(
                observation.indicator_id,
                observation.status,
                observation.evidence,
                visit_level=visit_level,
                past=observation.past,
            )
            for observation, visit_level in observations
        ),
        age=person.age,
        minor=person.minor,
        nationality=person.nationality,
        reporter_agency=case.reporter_agency,
        consent=person.consent,
        b83_status=person.b83_status,
        role=person.role,
        sector=case.sector.value,
        suspected_forms=person.suspected_forms,
        professional_indication=person.professional_indication,
        age_band=person.age_band,
    )


def assessed(case: Case, lang: str = "en") -> dict[str, Any]:
    """The engine's answer as JSON (:func:`fieldapp.assessment.assessment_to_json`), with the
    catalogue the engine always assesses with: the newest installed."""
    return assessment_to_json(assess(case, assessment_catalogue()), lang)
