"""Small hand-built visits for statistics tests: each person and signal chosen, so every
table's figure is known."""

from __future__ import annotations

from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.model import FORMS
from fieldapp.domain import Evidence, ObservationStatus, Sector
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput


def stats_visit(
    started: str,
    sector: Sector,
    persons: tuple[tuple[str, PersonInput], ...],
    observations: tuple[tuple[str | None, str], ...],
    *,
    municipality: str | None = "Utrecht",
    agencies: tuple[str, ...] = ("NLA",),
) -> NewVisit:
    """A visit at ``started`` (stored UTC text) with these persons (ref, input) and
    observed signals (person ref or None for everyone, indicator id)."""
    return NewVisit(
        SiteInput(name="Locatie", sector=sector, municipality=municipality),
        VisitInput(started_at=started, agencies=agencies),
        persons,
        tuple(
            ObservationInput(
                indicator_id=indicator,
                status=ObservationStatus.OBSERVED,
                evidence=Evidence.SEEN,
                person_ref=ref,
            )
            for ref, indicator in observations
        ),
    )


def stats_person(label: str, **values: object) -> PersonInput:
    return PersonInput(label=label, **values)  # type: ignore[arg-type]


def indicator_for(form: str | None) -> str:
    """A signal that points to ``form`` by itself (counts there only), or (None) a generic
    one, from the installed catalogue."""
    for item in load_catalogue().indicators.values():
        if item.acute or item.context_only or item.dimension == "CONTEXT":
            continue
        if form is None and not item.context_forms and set(item.forms) == set(FORMS):
            return item.id
        if form is not None and item.forms == item.context_forms == (form,):
            return item.id
    raise LookupError(form)
