"""``fieldapp practice check``: the trainee's record held against a case's model answer.

The trainee's record is what a real visit records: the visit JSON's ``persons`` and
``observations`` (README "Visit JSON"), read by :mod:`fieldapp.visit_json`, so a bad record gets
the same Dutch message as a bad visit JSON. ``site`` and ``visit`` may be left out (the case
gives the place); when given, they are read and checked like any visit JSON's, but the case's
sector stays the context of the assessment: the trainee was at that place.

Per case person, matched to a recorded person by ``ref``, else by label (Dutch or English,
case and spacing ignored):

- **spotted**, **missed**: the model's signals the trainee did or did not record as observed.
  An id of the same meaning counts (the catalogue's meaning groups: the desktop records the
  ILO item where a case may name the NLA's, :func:`fieldapp.catalogue.presentation.meaning_groups`);
- **over_read**: what the trainee recorded that the model does not, with the case's reason
  (``model.tempting``) where it gives one;
- the assessment of each side by the engine, side by side
  (:func:`fieldapp.practice.expect.summary`).

What was recorded for everyone at the visit (no ``person``) counts for every recorded person,
as the assessment reads it. A case person the trainee did not record has everything missed and
no assessment of their own; a recorded person the case does not know is named, not judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldapp import validate as v
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.catalogue.presentation import meaning_groups
from fieldapp.domain import ObservationStatus
from fieldapp.errors import ValidationError
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput
from fieldapp.practice.expect import summary
from fieldapp.practice.model import Person, PracticeCase, Texts
from fieldapp.practice.person_case import assessed, model_case, trainee_case
from fieldapp.visit_json import MAX_JSON_BYTES, visit_from_dict

BY_REF, BY_LABEL = "ref", "label"
# The visit a record without ``visit`` is read as: its time means nothing here, and the
# earliest moment the reader accepts can never be refused as being in the future.
_NO_VISIT = {"started_at": v.EARLIEST_MOMENT}


@dataclass(frozen=True, slots=True)
class OverRead:
    indicator: str  # as the trainee recorded it
    why: Texts | None  # the case's reason (model.tempting); None: the general sentence


@dataclass(frozen=True, slots=True)
class PersonDebrief:
    person: Person  # the case's person, with the model answer
    matched_by: str | None  # BY_REF, BY_LABEL, or None: the trainee did not record them
    spotted: tuple[str, ...]  # model ids
    missed: tuple[str, ...]  # model ids
    over_read: tuple[OverRead, ...]
    recorded_as: Mapping[str, str]  # model id -> the trainee's id of the same meaning
    trainee: Mapping[str, Any] | None  # summary of the trainee's assessment; None: no record
    model: Mapping[str, Any]  # summary of the model answer's assessment

    @property
    def recorded(self) -> bool:
        return self.matched_by is not None


@dataclass(frozen=True, slots=True)
class Score:
    """Counts, not a mark: what to look at again."""

    signals: int
    spotted: int
    missed: int
    over_read: int


@dataclass(frozen=True, slots=True)
class Debrief:
    case: PracticeCase
    persons: tuple[PersonDebrief, ...]
    extra_persons: tuple[str, ...]  # refs of recorded persons the case does not know
    score: Score
    catalogue_version: str


def read_answers(case: PracticeCase, raw: bytes | str) -> NewVisit:
    """The trainee's record, read as a visit JSON (same messages); ``site`` and ``visit`` are
    filled in from the case when left out."""
    if len(raw) > MAX_JSON_BYTES:
        raise ValidationError("$", "validation.too_large", limit=MAX_JSON_BYTES // 1024 // 1024)
    document = v.load_json_given(raw)
    if not isinstance(document, dict):
        raise ValidationError("$", "validation.not_object")
    document.setdefault("site", {"name": case.id, "sector": case.sector.value})
    document.setdefault("visit", dict(_NO_VISIT))
    return visit_from_dict(document, assessment_catalogue())


def check_answers(case: PracticeCase, answers: bytes | str | NewVisit) -> Debrief:
    """The debrief of ``answers`` (a visit JSON's text, or a record already read) against
    ``case``. Raises :class:`ValidationError` for a record the visit reader refuses."""
    record = answers if isinstance(answers, NewVisit) else read_answers(case, answers)
    catalogue = assessment_catalogue()
    same = _meanings(catalogue)
    matches = _match(case, record)
    everyone = [o for o in record.observations if o.person_ref is None]
    persons = []
    for person in case.persons:
        found = matches.get(person.ref)
        if found is None:
            persons.append(_unrecorded(case, person))
            continue
        ref, recorded, matched_by = found
        own = [o for o in record.observations if o.person_ref == ref]
        observations = [(o, False) for o in own] + [(o, True) for o in everyone]
        persons.append(
            _person(case, person, recorded, matched_by, observations=observations, same=same)
        )
    matched = {ref for ref, _, _ in matches.values()}
    extra = tuple(ref for ref, _ in record.persons if ref not in matched)
    score = Score(
        signals=sum(len(p.person.model.signals) for p in persons),
        spotted=sum(len(p.spotted) for p in persons),
        missed=sum(len(p.missed) for p in persons),
        over_read=sum(len(p.over_read) for p in persons),
    )
    return Debrief(case, tuple(persons), extra, score, catalogue.version)


def _meanings(catalogue: Any) -> dict[str, str]:
    """Each grouped id -> its group's lead: two ids of one meaning are one signal."""
    return {
        member: lead for lead, members in meaning_groups(catalogue).items() for member in members
    }


def _match(case: PracticeCase, record: NewVisit) -> dict[str, tuple[str, PersonInput, str]]:
    """Case ref -> (the trainee's ref, their record, how they were matched): by ref first,
    then by label among the records left, each record used once."""
    recorded = dict(record.persons)
    matches: dict[str, tuple[str, PersonInput, str]] = {}
    for person in case.persons:
        if person.ref in recorded:
            matches[person.ref] = (person.ref, recorded[person.ref], BY_REF)
    used = {ref for ref, _, _ in matches.values()}
    for person in case.persons:
        if person.ref in matches:
            continue
        labels = {_normal(person.label.nl), _normal(person.label.en)}
        for ref, found in record.persons:
            if ref not in used and _normal(found.label) in labels:
                matches[person.ref] = (ref, found, BY_LABEL)
                used.add(ref)
                break
    return matches


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _person(
    case: PracticeCase,
    person: Person,
    recorded: PersonInput,
    matched_by: str,
    *,
    observations: list[tuple[ObservationInput, bool]],
    same: Mapping[str, str],
) -> PersonDebrief:
    # The case's own equivalents: another list's id for the same fact counts as the signal.
    same = dict(same)
    for signal in person.model.signals:
        lead = same.get(signal.indicator.upper(), signal.indicator.upper())
        for other in signal.accept:
            same[other.upper()] = lead
    observed: list[str] = []
    for observation, _ in observations:
        if (
            observation.status is ObservationStatus.OBSERVED
            and observation.indicator_id not in observed
        ):
            observed.append(observation.indicator_id)
    by_meaning: dict[str, str] = {}
    for indicator in observed:
        by_meaning.setdefault(same.get(indicator, indicator), indicator)
    spotted: list[str] = []
    missed: list[str] = []
    recorded_as: dict[str, str] = {}
    model_meanings: set[str] = set()
    for signal in person.model.signals:
        indicator = signal.indicator.upper()
        meaning = same.get(indicator, indicator)
        model_meanings.add(meaning)
        if meaning in by_meaning:
            spotted.append(indicator)
            if by_meaning[meaning] != indicator:
                recorded_as[indicator] = by_meaning[meaning]
        else:
            missed.append(indicator)
    tempting: dict[str, Texts] = {}
    for item in person.model.tempting:
        indicator = item.indicator.upper()
        tempting.setdefault(same.get(indicator, indicator), item.why)
    over_read = tuple(
        OverRead(indicator, tempting.get(same.get(indicator, indicator)))
        for indicator in observed
        if same.get(indicator, indicator) not in model_meanings
    )
    trainee = summary(assessed(trainee_case(case, recorded, observations)))
    return PersonDebrief(
        person=person,
        matched_by=matched_by,
        spotted=tuple(spotted),
        missed=tuple(missed),
        over_read=over_read,
        recorded_as=recorded_as,
        trainee=trainee,
        model=summary(assessed(model_case(case, person))),
    )


def _unrecorded(case: PracticeCase, person: Person) -> PersonDebrief:
    return PersonDebrief(
        person=person,
        matched_by=None,
        spotted=(),
        missed=tuple(signal.indicator.upper() for signal in person.model.signals),
        over_read=(),
        recorded_as={},
        trainee=None,
        model=summary(assessed(model_case(case, person))),
    )
