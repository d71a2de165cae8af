"""Building a :class:`Case` from what the vault holds for one person at one visit."""

from __future__ import annotations

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


def reporting_agency(profile: dict, detail: VisitDetail) -> str | None:
    """Who reports: the inspector's own agency from the profile (``store.setting("profile")``),
    else the visit's first listed agency. The assessment and every referral use this answer."""
    if profile.get("agency"):
        return str(profile["agency"])
    return detail.visit.agencies[0] if detail.visit.agencies else None


def case_for_person(store: Store, visit_uuid: str, ref: str) -> tuple[Case, str | None]:
    """The person's case and the catalogue version to read it with: the newest installed
    version its observations were made with (None: the newest installed). The reporter is the
    first agency listed for the visit."""
    detail = store.visit_detail(visit_uuid)
    person = find_person(list(detail.persons), ref)
    return case_from_detail(detail, person, store.setting("profile", {}) or {})


def case_from_detail(detail: VisitDetail, person: Person, profile: dict) -> tuple[Case, str | None]:
    """The case of one person of a visit already read (one read serves every person)."""
    observations = [
        o for o in detail.observations if o.person_uuid == person.meta.uuid or o.person_uuid is None
    ]
    versions = sorted(
        {o.catalogue_version for o in observations},
        key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()),
    )
    case = Case(
        observations=tuple(
            CaseObservation(o.indicator_id, o.status, o.evidence, visit_level=o.person_uuid is None)
            for o in observations
        ),
        age=person.age,
        minor=person.minor,
        nationality=person.nationality,
        reporter_agency=reporting_agency(profile, detail),
        consent=person.consent,
        b83_status=person.b83_status,
    )
    return case, (versions[-1] if versions else None)
