"""Reading the visit JSON format (README: "Visit JSON"). The file is refused as a whole, with
a message naming the first bad field; unknown keys are refused so typos never vanish, and so is
a key given twice in one object.

:data:`STORED_RULES` holds the same rules for the stored columns of each kind of record: what
the import of a sync bundle checks, so a device's records pass the rules of local input."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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
    Sector,
    Sex,
    VisitStatus,
    VisitType,
)
from fieldapp.errors import ValidationError
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput

MAX_JSON_BYTES = 5 * 1024 * 1024
MAX_PERSONS = 200
MAX_OBSERVATIONS = 5000
# Shorter limits than validate.MAX_SHORT_TEXT, for input and stored columns alike.
NUMBER_CHARS = 20
LABEL_CHARS = 60
REF_CHARS = 20
B83_BY_CHARS = 40

TOP_KEYS = {"site", "visit", "persons", "observations"}
SITE_KEYS = {
    "name",
    "trade_name",
    "address",
    "municipality",
    "kvk",
    "sector",
    "phones",
    "plates",
    "handles",
}
ADDRESS_KEYS = {"street", "number", "postcode", "place"}
VISIT_KEYS = {"started_at", "ended_at", "type", "agencies", "notes", "inspector", "status"}
PERSON_KEYS = {
    "ref",
    "label",
    "role",
    "sex",
    "age",
    "age_band",
    "minor",
    "nationality",
    "languages",
    "interpreter",
    "residence_status",
    "consent",
    "consent_date",
    "notes",
    "b83_status",
    "b83_date",
    "b83_by",
    "suspected_forms",
    "professional_indication",
}
OBSERVATION_KEYS = {"person", "indicator", "status", "evidence", "note", "observed_at", "past"}


def parse_visit_json(raw: bytes | str, catalogue: Catalogue | None = None) -> NewVisit:
    if len(raw) > MAX_JSON_BYTES:
        raise ValidationError("$", "validation.too_large", limit=MAX_JSON_BYTES // 1024 // 1024)
    return visit_from_dict(v.load_json(raw), catalogue)


def visit_from_dict(document: Any, catalogue: Catalogue | None = None) -> NewVisit:
    """``catalogue``: when given, every indicator id must be in it."""
    _object(document, "$", TOP_KEYS, required={"site", "visit"})
    site = _site(document["site"], "site")
    visit = _visit(document["visit"], "visit")
    persons = _list(document.get("persons"), "persons", MAX_PERSONS)
    refs: dict[str, PersonInput] = {}
    for index, raw_person in enumerate(persons):
        ref, person = _person(raw_person, f"persons[{index}]")
        if ref in refs:
            raise ValidationError(f"persons[{index}].ref", "validation.duplicate_ref")
        refs[ref] = person
    observations = []
    seen: set[tuple[str | None, str]] = set()
    for index, raw in enumerate(
        _list(document.get("observations"), "observations", MAX_OBSERVATIONS)
    ):
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


def _object(value: Any, path: str, allowed: set[str], required: set[str] = frozenset()) -> None:
    if not isinstance(value, dict):
        raise ValidationError(path, "validation.not_object")
    for key in value:
        if key not in allowed:
            raise ValidationError(f"{path}.{v.shown_key(key)}", "validation.unknown_key")
    for key in sorted(required):
        if value.get(key) is None:
            raise ValidationError(f"{path}.{key}", "validation.required")


def _list(value: Any, path: str, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(path, "validation.not_list")
    if len(value) > limit:
        raise ValidationError(path, "validation.too_many", limit=limit)
    return value


def _site(raw: Any, path: str) -> SiteInput:
    _object(raw, path, SITE_KEYS, required={"name", "sector"})
    address = raw.get("address") or {}
    _object(address, f"{path}.address", ADDRESS_KEYS)
    return SiteInput(
        name=v.string(raw["name"], f"{path}.name", required=True) or "",
        trade_name=v.string(raw.get("trade_name"), f"{path}.trade_name"),
        address=Address(
            street=v.string(address.get("street"), f"{path}.address.street"),
            number=v.string(address.get("number"), f"{path}.address.number", limit=NUMBER_CHARS),
            postcode=v.postcode(address.get("postcode"), f"{path}.address.postcode"),
            place=v.string(address.get("place"), f"{path}.address.place"),
        ),
        municipality=v.string(raw.get("municipality"), f"{path}.municipality"),
        kvk=v.kvk_number(raw.get("kvk"), f"{path}.kvk"),
        sector=v.choice(raw["sector"], f"{path}.sector", Sector),
        phones=v.phones(raw.get("phones"), f"{path}.phones"),
        plates=v.plates(raw.get("plates"), f"{path}.plates"),
        handles=v.handles(raw.get("handles"), f"{path}.handles"),
    )


def _visit(raw: Any, path: str) -> VisitInput:
    _object(raw, path, VISIT_KEYS, required={"started_at"})
    started = v.moment(raw["started_at"], f"{path}.started_at", required=True) or ""
    ended = v.moment(raw.get("ended_at"), f"{path}.ended_at")
    if ended is not None and ended < started:
        raise ValidationError(f"{path}.ended_at", "validation.end_before_start")
    return VisitInput(
        started_at=started,
        ended_at=ended,
        type=v.choice(raw.get("type"), f"{path}.type", VisitType, default=VisitType.INSPECTION),
        agencies=v.string_list(raw.get("agencies"), f"{path}.agencies"),
        inspector=v.string(raw.get("inspector"), f"{path}.inspector"),
        status=v.choice(raw.get("status"), f"{path}.status", VisitStatus, default=VisitStatus.OPEN),
        notes=v.text(raw.get("notes"), f"{path}.notes"),
    )


def person_input(raw: dict[str, Any], path: str) -> PersonInput:
    """Shared by the JSON reader and the desktop form: age and minor flag must agree."""
    age = v.age(raw.get("age"), f"{path}.age")
    minor = v.boolean(raw.get("minor"), f"{path}.minor")
    if age is not None:
        if minor is not None and minor != (age < 18):
            raise ValidationError(f"{path}.minor", "validation.minor_mismatch")
        minor = age < 18
    languages = tuple(
        v.language(code, f"{path}.languages[{index}]")
        for index, code in enumerate(v.string_list(raw.get("languages"), f"{path}.languages"))
    )
    age_band = raw.get("age_band")
    return PersonInput(
        label=v.string(raw.get("label"), f"{path}.label", limit=LABEL_CHARS, required=True) or "",
        role=v.choice(
            raw.get("role"), f"{path}.role", PersonRole, default=PersonRole.POSSIBLE_VICTIM
        ),
        sex=v.choice(raw.get("sex"), f"{path}.sex", Sex, default=Sex.UNKNOWN),
        age=age,
        age_band=None if age_band is None else v.choice(age_band, f"{path}.age_band", AgeBand),
        minor=minor,
        nationality=v.country(raw.get("nationality"), f"{path}.nationality"),
        languages=languages,
        interpreter=bool(v.boolean(raw.get("interpreter"), f"{path}.interpreter", default=False)),
        residence_status=v.string(raw.get("residence_status"), f"{path}.residence_status"),
        consent=v.choice(raw.get("consent"), f"{path}.consent", Consent, default=Consent.NOT_ASKED),
        consent_date=v.day(raw.get("consent_date"), f"{path}.consent_date"),
        notes=v.text(raw.get("notes"), f"{path}.notes"),
        b83_status=v.choice(
            raw.get("b83_status"), f"{path}.b83_status", B83Status, default=B83Status.NOT_RECORDED
        ),
        b83_date=v.day(raw.get("b83_date"), f"{path}.b83_date"),
        b83_by=v.string(raw.get("b83_by"), f"{path}.b83_by", limit=B83_BY_CHARS),
        suspected_forms=v.choice_list(raw.get("suspected_forms"), f"{path}.suspected_forms", FORMS),
        professional_indication=bool(
            v.boolean(
                raw.get("professional_indication"),
                f"{path}.professional_indication",
                default=False,
            )
        ),
    )


def _person(raw: Any, path: str) -> tuple[str, PersonInput]:
    _object(raw, path, PERSON_KEYS, required={"ref", "label"})
    ref = v.string(raw["ref"], f"{path}.ref", limit=REF_CHARS, required=True) or ""
    return ref, person_input(raw, path)


def _observation(raw: Any, path: str, refs: dict[str, PersonInput]) -> ObservationInput:
    _object(raw, path, OBSERVATION_KEYS, required={"indicator", "status"})
    person_ref = raw.get("person")
    if person_ref is not None and person_ref not in refs:
        raise ValidationError(f"{path}.person", "validation.unknown_person")
    evidence = raw.get("evidence")
    return ObservationInput(
        indicator_id=v.indicator_id(raw["indicator"], f"{path}.indicator"),
        status=v.choice(raw["status"], f"{path}.status", ObservationStatus),
        evidence=None if evidence is None else v.choice(evidence, f"{path}.evidence", Evidence),
        note=v.text(raw.get("note"), f"{path}.note"),
        person_ref=person_ref,
        observed_at=v.moment(raw.get("observed_at"), f"{path}.observed_at"),
        past=bool(v.boolean(raw.get("past"), f"{path}.past", default=False)),
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
        return value

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
