"""Reading the visit JSON format (README: "Visit JSON"). The file is refused as a whole, with
a message naming the first bad field; unknown keys are refused so typos never vanish, and so is
a key given twice in one object.

The format's shape is written once, as the Structs below (:mod:`fieldapp.schema`: keys,
required keys, types, defaults; the README's key table is tested against them); the values
pass :mod:`fieldapp.validate`, the same checks the desktop's forms use.

:data:`STORED_RULES` holds the same rules for the stored columns of each kind of record: what
the import of a sync bundle checks, so a device's records pass the rules of local input."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from fieldapp import validate as v
from fieldapp.catalogue.model import FORMS, Catalogue
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
from fieldapp.errors import ValidationError
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.schema import Age, Shape, field_names, read, without_nulls

MAX_JSON_BYTES = 5 * 1024 * 1024
MAX_PERSONS = 200
MAX_OBSERVATIONS = 5000
# Shorter limits than validate.MAX_SHORT_TEXT, for input and stored columns alike.
NUMBER_CHARS = 20
LABEL_CHARS = 60
REF_CHARS = 20
B83_BY_CHARS = 40


class AddressJson(Shape):
    street: str | None = None
    number: str | None = None
    postcode: str | None = None
    place: str | None = None


class IntermediaryJson(Shape):
    """Who placed the workers: an uitzendbureau or another intermediary."""

    name: str | None = None
    kvk: str | None = None


class SiteJson(Shape, kw_only=True):
    name: str
    trade_name: str | None = None
    address: AddressJson = msgspec.field(default_factory=AddressJson)
    municipality: str | None = None
    kvk: str | None = None
    sector: Sector
    phones: list[str] = msgspec.field(default_factory=list)
    plates: list[str] = msgspec.field(default_factory=list)
    handles: list[str] = msgspec.field(default_factory=list)
    intermediary: IntermediaryJson = msgspec.field(default_factory=IntermediaryJson)
    housing_address: AddressJson = msgspec.field(default_factory=AddressJson)


class VisitJson(Shape):
    started_at: str
    ended_at: str | None = None
    type: VisitType = VisitType.INSPECTION
    agencies: list[str] = msgspec.field(default_factory=list)
    notes: str | None = None
    inspector: str | None = None
    status: VisitStatus = VisitStatus.OPEN


class PersonFields(Shape):
    """A person as the JSON and the desktop's form give one (the form has no ``ref``)."""

    label: str
    role: PersonRole = PersonRole.POSSIBLE_VICTIM
    sex: Sex = Sex.UNKNOWN
    age: Age | None = None
    age_band: AgeBand | None = None
    minor: bool | None = None
    nationality: str | None = None
    languages: list[str] = msgspec.field(default_factory=list)
    interpreter: bool = False
    residence_status: str | None = None
    consent: Consent = Consent.NOT_ASKED
    consent_date: str | None = None
    notes: str | None = None
    b83_status: B83Status = B83Status.NOT_RECORDED
    b83_date: str | None = None
    b83_by: str | None = None
    suspected_forms: list[str] = msgspec.field(default_factory=list)
    professional_indication: bool = False
    initials: str | None = None
    birth_date: str | None = None
    safe_contact: str | None = None
    whereabouts: str | None = None
    safety: str | None = None
    care_needs: str | None = None
    police_report: PoliceReport = PoliceReport.UNKNOWN


class PersonJson(PersonFields, kw_only=True):
    ref: str


_PERSON_KEYS = frozenset(field_names(PersonFields))


class ObservationJson(Shape, kw_only=True):
    person: str | None = None
    indicator: str
    status: ObservationStatus
    evidence: Evidence | None = None
    note: str | None = None
    observed_at: str | None = None
    past: bool = False


class VisitDocument(Shape):
    """The whole file. Its lists are bounded here, so a flood is refused before any of it is
    read; the file's size is checked before it is parsed (MAX_JSON_BYTES)."""

    site: SiteJson
    visit: VisitJson
    persons: Annotated[list[PersonJson], Meta(max_length=MAX_PERSONS)] = msgspec.field(
        default_factory=list
    )
    observations: Annotated[list[ObservationJson], Meta(max_length=MAX_OBSERVATIONS)] = (
        msgspec.field(default_factory=list)
    )


def parse_visit_json(raw: bytes | str, catalogue: Catalogue | None = None) -> NewVisit:
    if len(raw) > MAX_JSON_BYTES:
        raise ValidationError("$", "validation.too_large", limit=MAX_JSON_BYTES // 1024 // 1024)
    return _visit_from_document(read(v.load_json_given(raw), VisitDocument), catalogue)


def visit_from_dict(document: Any, catalogue: Catalogue | None = None) -> NewVisit:
    """``catalogue``: when given, every indicator id must be in it."""
    return _visit_from_document(read(without_nulls(document), VisitDocument), catalogue)


def _visit_from_document(document: VisitDocument, catalogue: Catalogue | None) -> NewVisit:
    site = _site(document.site, "site")
    visit = _visit(document.visit, "visit")
    refs: dict[str, PersonInput] = {}
    for index, raw_person in enumerate(document.persons):
        ref, person = _person(raw_person, f"persons[{index}]")
        if ref in refs:
            raise ValidationError(f"persons[{index}].ref", "validation.duplicate_ref")
        refs[ref] = person
    observations = []
    seen: set[tuple[str | None, str]] = set()
    for index, raw in enumerate(document.observations):
        observation = _observation(raw, f"observations[{index}]", refs)
        if catalogue is not None:
            v.known_indicator(
                observation.indicator_id, f"observations[{index}].indicator", catalogue
            )
        key = (observation.person_ref, observation.indicator_id)
        if key in seen:
            raise ValidationError(f"observations[{index}]", "validation.duplicate_observation")
        seen.add(key)
        observations.append(observation)
    return NewVisit(site, visit, tuple(refs.items()), tuple(observations))


def _address(address: AddressJson, path: str) -> Address:
    return Address(
        street=v.string(address.street, f"{path}.street"),
        number=v.string(address.number, f"{path}.number", limit=NUMBER_CHARS),
        postcode=v.postcode(address.postcode, f"{path}.postcode"),
        place=v.string(address.place, f"{path}.place"),
    )


def _site(raw: SiteJson, path: str) -> SiteInput:
    return SiteInput(
        name=v.string(raw.name, f"{path}.name", required=True) or "",
        trade_name=v.string(raw.trade_name, f"{path}.trade_name"),
        address=_address(raw.address, f"{path}.address"),
        municipality=v.string(raw.municipality, f"{path}.municipality"),
        kvk=v.kvk_number(raw.kvk, f"{path}.kvk"),
        sector=raw.sector,
        phones=v.phones(raw.phones, f"{path}.phones"),
        plates=v.plates(raw.plates, f"{path}.plates"),
        handles=v.handles(raw.handles, f"{path}.handles"),
        intermediary_name=v.string(raw.intermediary.name, f"{path}.intermediary.name"),
        intermediary_kvk=v.kvk_number(raw.intermediary.kvk, f"{path}.intermediary.kvk"),
        housing=_address(raw.housing_address, f"{path}.housing_address"),
    )


def _visit(raw: VisitJson, path: str) -> VisitInput:
    started = v.moment(raw.started_at, f"{path}.started_at", required=True) or ""
    ended = v.moment(raw.ended_at, f"{path}.ended_at")
    if ended is not None and ended < started:
        raise ValidationError(f"{path}.ended_at", "validation.end_before_start")
    return VisitInput(
        started_at=started,
        ended_at=ended,
        type=raw.type,
        agencies=v.string_list(raw.agencies, f"{path}.agencies"),
        inspector=v.string(raw.inspector, f"{path}.inspector"),
        status=raw.status,
        notes=v.text(raw.notes, f"{path}.notes"),
    )


def person_input(raw: Mapping[str, Any] | PersonFields, path: str) -> PersonInput:
    """Shared by the JSON reader and the desktop form (a mapping of the form's fields, keys
    it does not know ignored): age and minor flag must agree."""
    if not isinstance(raw, PersonFields):
        given = {
            key: value for key, value in raw.items() if key in _PERSON_KEYS and value is not None
        }
        raw = read(given, PersonFields, path)
    age = v.age(raw.age, f"{path}.age")
    minor = raw.minor
    if age is not None:
        if minor is not None and minor != (age < 18):
            raise ValidationError(f"{path}.minor", "validation.minor_mismatch")
        minor = age < 18
    languages = tuple(
        v.language(code, f"{path}.languages[{index}]")
        for index, code in enumerate(v.string_list(raw.languages, f"{path}.languages"))
    )
    return PersonInput(
        label=v.string(raw.label, f"{path}.label", limit=LABEL_CHARS, required=True) or "",
        role=raw.role,
        sex=raw.sex,
        age=age,
        age_band=raw.age_band,
        minor=minor,
        nationality=v.country(raw.nationality, f"{path}.nationality"),
        languages=languages,
        interpreter=raw.interpreter,
        residence_status=v.string(raw.residence_status, f"{path}.residence_status"),
        consent=raw.consent,
        consent_date=v.day(raw.consent_date, f"{path}.consent_date"),
        notes=v.text(raw.notes, f"{path}.notes"),
        b83_status=raw.b83_status,
        b83_date=v.day(raw.b83_date, f"{path}.b83_date"),
        b83_by=v.string(raw.b83_by, f"{path}.b83_by", limit=B83_BY_CHARS),
        suspected_forms=v.choice_list(raw.suspected_forms, f"{path}.suspected_forms", FORMS),
        professional_indication=raw.professional_indication,
        initials=v.initials(raw.initials, f"{path}.initials"),
        birth_date=v.birth_date(raw.birth_date, f"{path}.birth_date"),
        safe_contact=v.string(raw.safe_contact, f"{path}.safe_contact"),
        whereabouts=v.string(raw.whereabouts, f"{path}.whereabouts"),
        safety=v.text(raw.safety, f"{path}.safety"),
        care_needs=v.text(raw.care_needs, f"{path}.care_needs"),
        police_report=raw.police_report,
    )


def _person(raw: PersonJson, path: str) -> tuple[str, PersonInput]:
    ref = v.string(raw.ref, f"{path}.ref", limit=REF_CHARS, required=True) or ""
    return ref, person_input(raw, path)


def _observation(raw: ObservationJson, path: str, refs: dict[str, PersonInput]) -> ObservationInput:
    if raw.person is not None and raw.person not in refs:
        raise ValidationError(f"{path}.person", "validation.unknown_person")
    return ObservationInput(
        indicator_id=v.indicator_id(raw.indicator, f"{path}.indicator"),
        status=raw.status,
        evidence=raw.evidence,
        note=v.text(raw.note, f"{path}.note"),
        person_ref=raw.person,
        observed_at=v.moment(raw.observed_at, f"{path}.observed_at"),
        past=raw.past,
    )


# -- the same rules for stored columns (the import of sync bundles) ---------------------------

# A column check: (the column's values, whether each row is live, the values that are not
# None or None) -> cleaned texts by index.
ColumnCheck = Callable[[Sequence[Any], Sequence[bool], Sequence[Any] | None], dict[int, str] | None]


def _text(limit: int = v.MAX_SHORT_TEXT, *, required: bool = False) -> ColumnCheck:
    return lambda values, live, present: v.stored_text(
        values, limit, live if required else None, present
    )


def _check(function: Callable[..., Any], *args: Any, **kwargs: Any) -> ColumnCheck:
    return lambda values, live, present: function(values, *args, present=present, **kwargs)


def _choice_item(options: tuple[str, ...]) -> Callable[[Any, str], str]:
    def item(value: Any, field: str) -> str:
        if value not in options:
            raise ValidationError(field, "validation.choice", options=", ".join(options))
        return str(value)

    return item


# Per kind, per column: the rule of the input function that made the stored value. Columns
# not named here are enumerations, ids and flags, checked by the bundle format itself.
STORED_RULES: dict[str, dict[str, ColumnCheck]] = {
    "site": {
        "name": _text(required=True),
        "trade_name": _text(),
        "street": _text(),
        "number": _text(NUMBER_CHARS),
        "postcode": _check(v.stored_input, v.postcode),
        "place": _text(),
        "municipality": _text(),
        "kvk": _check(v.stored_input, v.kvk_number),
        "phones": _check(v.stored_list, v.phone, v.MAX_PHONES),
        "plates": _check(v.stored_list, v.plate, v.MAX_PLATES),
        "handles": _check(v.stored_list, v.handle, v.MAX_HANDLES),
        "intermediary_name": _text(),
        "intermediary_kvk": _check(v.stored_input, v.kvk_number),
        "housing_street": _text(),
        "housing_number": _text(NUMBER_CHARS),
        "housing_postcode": _check(v.stored_input, v.postcode),
        "housing_place": _text(),
    },
    "visit": {
        "started_at": _check(v.stored_moments),
        "ended_at": _check(v.stored_moments),
        "agencies": _check(v.stored_list, v.string, v.MAX_LIST_ITEMS),
        "inspector": _text(),
        "notes": _text(v.MAX_TEXT),
    },
    "person": {
        "label": _text(LABEL_CHARS, required=True),
        "age": _check(v.stored_numbers, 0, 120, "validation.age"),
        "nationality": _check(v.stored_input, v.country),
        "languages": _check(v.stored_list, v.language, v.MAX_LIST_ITEMS),
        "residence_status": _text(),
        "consent_date": _check(v.stored_days),
        "notes": _text(v.MAX_TEXT),
        "b83_date": _check(v.stored_days),
        "b83_by": _text(B83_BY_CHARS),
        "suspected_forms": _check(v.stored_list, _choice_item(FORMS), len(FORMS), distinct=True),
        "initials": _check(v.stored_input, v.initials),
        "birth_date": _check(v.stored_input, v.birth_date),
        "safe_contact": _text(),
        "whereabouts": _text(),
        "safety": _text(v.MAX_TEXT),
        "care_needs": _text(v.MAX_TEXT),
    },
    "referral": {
        "reason": _text(v.MAX_TEXT),
        "vital_interest": _text(v.MAX_TEXT),
    },
    "observation": {
        "note": _text(v.MAX_TEXT),
        "observed_at": _check(v.stored_moments),
        "recorded_by": _text(),
    },
}


def check_stored_rows(kind: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """The rules between columns of one record: a visit ends after it starts; a person's
    minor flag agrees with the age. Raises ``ColumnError`` naming the row and column."""
    if kind == "visit":
        started, ended = columns.index("started_at"), columns.index("ended_at")
        for index, row in enumerate(rows):
            if row[ended] is not None and row[ended] < row[started]:
                raise v.ColumnError(index, "validation.end_before_start", column="ended_at")
    elif kind == "person":
        age, minor = columns.index("age"), columns.index("minor")
        for index, row in enumerate(rows):
            if row[age] is not None and row[minor] is not None and row[minor] != (row[age] < 18):
                raise v.ColumnError(index, "validation.minor_mismatch", column="minor")
