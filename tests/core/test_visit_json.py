"""The visit JSON reader refuses bad input as a whole, naming the field, in Dutch and English."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fieldapp.domain import Consent, ObservationStatus, Sector
from fieldapp.errors import ValidationError
from fieldapp.visit_json import MAX_JSON_BYTES, parse_visit_json, visit_from_dict
from tests.support.sample_visit import sample_visit


def test_sample_visit_parses_into_typed_input() -> None:
    new = parse_visit_json(json.dumps(sample_visit()))
    assert new.site.sector is Sector.AGRICULTURE
    assert new.site.address.postcode == "2675 AB"
    assert new.visit.started_at == "2026-11-20T08:30:00Z"  # stored as UTC
    ref, person = new.persons[0]
    assert ref == "A"
    assert person.consent is Consent.NOT_ASKED
    assert person.minor is False
    assert [o.person_ref for o in new.observations] == ["A", None]
    assert new.observations[0].status is ObservationStatus.OBSERVED


def test_values_are_normalised() -> None:
    data = sample_visit()
    data["site"]["address"]["postcode"] = "2675ab"
    data["site"]["kvk"] = "1234 5678"
    data["persons"][0]["nationality"] = "bg"
    data["persons"][0]["minor"] = None
    data["visit"]["started_at"] = "2026-07-01T10:00:00"  # no offset: Dutch summer time
    new = visit_from_dict(data)
    assert new.site.address.postcode == "2675 AB"
    assert new.site.kvk == "12345678"
    assert new.persons[0][1].nationality == "BG"
    assert new.persons[0][1].minor is False  # derived from age 24
    assert new.visit.started_at == "2026-07-01T08:00:00Z"


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


BAD_INPUTS = [
    ("kvk seven digits", _set(("site", "kvk"), "1234567"), "site.kvk"),
    ("kvk letters", _set(("site", "kvk"), "1234567A"), "site.kvk"),
    ("postcode", _set(("site", "address", "postcode"), "12345"), "site.address.postcode"),
    ("postcode SS", _set(("site", "address", "postcode"), "1234 SS"), "site.address.postcode"),
    (
        "impossible date",
        _set(("visit", "started_at"), "2026-02-30T10:00:00+01:00"),
        "visit.started_at",
    ),
    (
        "date too old",
        _set(("visit", "started_at"), "1899-01-01T10:00:00+01:00"),
        "visit.started_at",
    ),
    (
        "date in future",
        _set(("visit", "started_at"), "2999-01-01T10:00:00+01:00"),
        "visit.started_at",
    ),
    (
        "end before start",
        _set(("visit", "ended_at"), "2026-11-20T08:00:00+01:00"),
        "visit.ended_at",
    ),
    ("unknown top key", _set(("extra",), 1), "$.extra"),
    ("unknown site key", _set(("site", "colour"), "red"), "site.colour"),
    ("unknown person key", _set(("persons", 0, "sexx"), "f"), "persons[0].sexx"),
    ("sector", _set(("site", "sector"), "mining"), "site.sector"),
    ("visit type", _set(("visit", "type"), "raid"), "visit.type"),
    ("age text", _set(("persons", 0, "age"), "24"), "persons[0].age"),
    ("age too high", _set(("persons", 0, "age"), 130), "persons[0].age"),
    ("age boolean", _set(("persons", 0, "age"), True), "persons[0].age"),
    ("minor contradicts age", _set(("persons", 0, "minor"), True), "persons[0].minor"),
    ("nationality", _set(("persons", 0, "nationality"), "XX"), "persons[0].nationality"),
    ("language", _set(("persons", 0, "languages"), ["bg", "zz"]), "persons[0].languages[1]"),
    ("consent", _set(("persons", 0, "consent"), "maybe"), "persons[0].consent"),
    ("missing label", _set(("persons", 0, "label"), None), "persons[0].label"),
    ("unknown person", _set(("observations", 0, "person"), "Z"), "observations[0].person"),
    ("status", _set(("observations", 0, "status"), "yes"), "observations[0].status"),
    ("evidence", _set(("observations", 0, "evidence"), "rumour"), "observations[0].evidence"),
    (
        "indicator id",
        _set(("observations", 0, "indicator"), "DROP TABLE;"),
        "observations[0].indicator",
    ),
    ("name not text", _set(("site", "name"), 12), "site.name"),
    ("missing site name", _set(("site", "name"), ""), "site.name"),
    ("persons not list", _set(("persons",), {"ref": "A"}), "persons"),
    # Control characters are removed, not refused (tests/core/test_input_hardening.py); a lone
    # surrogate cannot be text at all.
    ("lone surrogate", _set(("visit", "notes"), "a\ud800b"), "visit.notes"),
    ("phone list too long", _set(("site", "phones"), ["1" * 200] * 50), "site.phones"),
    ("phone with letters", _set(("site", "phones"), ["bel me"]), "site.phones[0]"),
    ("huge note", _set(("visit", "notes"), "x" * 20_001), "visit.notes"),
]


@pytest.mark.parametrize(
    ("change", "field"), [(c, f) for _, c, f in BAD_INPUTS], ids=[name for name, _, _ in BAD_INPUTS]
)
def test_bad_input_is_refused_naming_the_field(change, field: str) -> None:
    data = sample_visit()
    change(data)
    with pytest.raises(ValidationError) as caught:
        parse_visit_json(json.dumps(data))
    assert caught.value.field == field
    dutch, english = caught.value.message("nl"), caught.value.message("en")
    assert field in dutch
    assert field in english
    assert "Er is niets opgeslagen" in dutch
    assert "Nothing was saved" in english
    assert dutch != english


def test_duplicate_person_ref_and_observation() -> None:
    data = sample_visit()
    data["persons"].append(dict(data["persons"][0]))
    with pytest.raises(ValidationError) as caught:
        visit_from_dict(data)
    assert caught.value.field == "persons[1].ref"
    data = sample_visit()
    data["observations"].append(dict(data["observations"][0]))
    with pytest.raises(ValidationError) as caught:
        visit_from_dict(data)
    assert caught.value.field == "observations[2]"


@pytest.mark.parametrize("raw", [b"", b"{", b"[1, 2]", b"null", b"\xff\xfe", b'"text"'])
def test_malformed_json_is_refused(raw: bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_visit_json(raw)
    assert caught.value.field == "$"


def test_deeply_nested_json_is_refused_without_a_crash() -> None:
    with pytest.raises(ValidationError):
        parse_visit_json("[" * 100_000 + "]" * 100_000)


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_visit_json(b" " * (MAX_JSON_BYTES + 1))
    assert "5" in caught.value.message("en")


def test_suspicion_judgement_past_and_the_reflection_period_are_read_and_stored(store) -> None:
    data = sample_visit()
    person = data["persons"][0]
    person.update(
        suspected_forms=["sexual", "labour"],
        professional_indication=True,
        b83_status="offered",
        b83_date="2026-11-20",
        b83_by="NLA",
    )
    data["observations"][0]["past"] = True
    new = visit_from_dict(data)
    _, typed = new.persons[0]
    assert typed.suspected_forms == ("labour", "sexual")  # in the catalogue's order
    assert typed.professional_indication is True
    assert new.observations[0].past is True and new.observations[1].past is False
    detail = store.visit_detail(store.record_visit(new))
    stored = detail.persons[0]
    assert stored.suspected_forms == ("labour", "sexual") and stored.professional_indication
    assert stored.b83_status.value == "offered" and stored.b83_by == "NLA"
    assert [o.past for o in detail.observations if o.person_uuid] == [True]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["persons"][0].update(suspected_forms=["slavery"]), "suspected_forms[0]"),
        (lambda d: d["persons"][0].update(suspected_forms="sexual"), "suspected_forms"),
        (lambda d: d["persons"][0].update(professional_indication="ja"), "professional_indication"),
        (lambda d: d["observations"][0].update(past="yes"), "observations[0].past"),
    ],
)
def test_bad_suspicion_judgement_or_past_is_refused(change, field: str) -> None:
    data = sample_visit()
    change(data)
    with pytest.raises(ValidationError) as caught:
        visit_from_dict(data)
    assert field in caught.value.message("en")


def test_what_partners_need_is_read_and_stored(store) -> None:
    """Schema 8: the person's safe contact, whereabouts, safety, care, report to the police and
    CoMensha's identifiers; the site's intermediary and housing address."""
    data = sample_visit()
    data["persons"][0].update(
        initials="a.b.",
        birth_date="1998-02-28",
        safe_contact="via de tolk, alleen overdag",
        whereabouts="opvang in Venlo",
        safety="bedreigd door de voorman",
        care_needs="onderdak vannacht",
        police_report="not_made",
    )
    data["site"]["intermediary"] = {"name": "Flex Uitzend B.V.", "kvk": "8765.4321"}
    data["site"]["housing_address"] = {"street": "Kerkstraat", "number": "3", "postcode": "5911aa"}
    detail = store.visit_detail(store.record_visit(visit_from_dict(data)))
    person = detail.persons[0]
    assert (person.initials, person.birth_date) == ("a.b.", "1998-02-28")
    assert (person.safe_contact, person.whereabouts) == (
        "via de tolk, alleen overdag",
        "opvang in Venlo",
    )
    assert (person.safety, person.care_needs) == ("bedreigd door de voorman", "onderdak vannacht")
    assert person.police_report.value == "not_made"
    assert (detail.site.intermediary_name, detail.site.intermediary_kvk) == (
        "Flex Uitzend B.V.",
        "87654321",
    )
    assert detail.site.housing.one_line() == "Kerkstraat 3, 5911 AA"


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (
            lambda d: d["persons"][0].update(birth_date="2001-02-30"),
            "persons[0].birth_date",
            "date",
        ),
        (
            lambda d: d["persons"][0].update(birth_date="2999-01-01"),
            "persons[0].birth_date",
            "birth_date_range",
        ),
        (
            lambda d: d["persons"][0].update(birth_date="1850-01-01"),
            "persons[0].birth_date",
            "birth_date_range",
        ),
        (lambda d: d["persons"][0].update(initials="12"), "persons[0].initials", "initials"),
        (lambda d: d["persons"][0].update(initials="Ana Pop"), "persons[0].initials", "initials"),
        (lambda d: d["persons"][0].update(initials="A. " * 5), "persons[0].initials", "too_long"),
        (
            lambda d: d["persons"][0].update(initials="Ionela Popescu"),
            "persons[0].initials",
            "initials",
        ),
        (
            lambda d: d["persons"][0].update(police_report="yes"),
            "persons[0].police_report",
            "choice",
        ),
        (lambda d: d["site"].update(intermediary={"kvk": "123"}), "site.intermediary.kvk", "kvk"),
        (
            lambda d: d["site"].update(intermediary={"phone": "1"}),
            "site.intermediary.phone",
            "unknown_key",
        ),
        (
            lambda d: d["site"].update(housing_address={"postcode": "AB 1234"}),
            "site.housing_address.postcode",
            "postcode",
        ),
    ],
)
def test_bad_partner_fields_are_refused_naming_the_field(change, field: str, problem: str) -> None:
    data = sample_visit()
    change(data)
    with pytest.raises(ValidationError) as caught:
        visit_from_dict(data)
    assert caught.value.field == field
    assert caught.value.problem.endswith(problem)
