"""Building a :class:`Case` from what the vault holds for one person at one visit."""

from __future__ import annotations

from typing import Any

from fieldapp.assessment.engine import Case, CaseObservation
from fieldapp.domain import Person, VisitDetail
from fieldapp.errors import NotFound
from fieldapp.store.store import Store


def find_person(persons: list[Person], ref: str) -> Person:
    """By label ("B" or "Werknemer B": the pseudonym's last word), or by the id's end."""
    wanted = ref.strip().casefold()
    matches = [
        p
        for p in persons
        if p.label.casefold() == wanted
        or p.label.casefold().rsplit(" ", 1)[-1] == wanted
        or (len(wanted) >= 6 and p.meta.uuid.endswith(wanted))
    ]
    if len(matches) != 1:
        raise NotFound(kind="person", id=ref)
    return matches[0]


def reporting_agency(profile: dict[str, Any], detail: VisitDetail) -> str | None:
    """Who reports: the inspector's own agency from the profile (``store.setting("profile")``),
    else the visit's first listed agency. The assessment and every referral use this answer."""
    if profile.get("agency"):
        return str(profile["agency"])
    return detail.visit.agencies[0] if detail.visit.agencies else None


def case_for_person(store: Store, visit_uuid: str, ref: str) -> Case:
    """The person's case as the vault holds it. Assess it with the newest installed catalogue
    (``assessment_catalogue``); the case names the versions its observations were made with."""
    detail = store.visit_detail(visit_uuid)
    person = find_person(list(detail.persons), ref)
    return case_from_detail(detail, person, store.setting("profile", {}) or {})


def case_from_detail(detail: VisitDetail, person: Person, profile: dict[str, Any]) -> Case:
    """The case of one person of a visit already read (one read serves every person). The
    person was met at the visit's site: its sector is the context the engine reads."""
    observations = [
        o for o in detail.observations if o.person_uuid == person.meta.uuid or o.person_uuid is None
    ]
    return Case(
        observations=tuple(
            CaseObservation(
                o.indicator_id,
                o.status,
                o.evidence,
                visit_level=o.person_uuid is None,
                past=o.past,
            )
            for o in observations
        ),
        age=person.age,
        minor=person.minor,
        nationality=person.nationality,
        reporter_agency=reporting_agency(profile, detail),
        consent=person.consent,
        b83_status=person.b83_status,
        role=person.role,
        sector=detail.site.sector.value,
        suspected_forms=person.suspected_forms,
        professional_indication=person.professional_indication,
        age_band=person.age_band,
        observation_versions=tuple(sorted({o.catalogue_version for o in observations})),
    )
