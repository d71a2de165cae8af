"""The input schemas are defined once (msgspec Structs beside their readers) and everything else
is held to them: the README's key tables, values, defaults and examples, the bundle manifest's
field list. A shape error speaks our language: the field's path and one of our message keys,
never msgspec's own English."""

from __future__ import annotations

import copy
import json
import re
import types
import typing
from enum import Enum
from typing import Annotated, Any, Literal

import msgspec
import pytest

from fieldapp import schema
from fieldapp.assessment.case_json import CaseDocument, CaseObservationJson, parse_case_json
from fieldapp.canonical import canonical_bytes
from fieldapp.catalogue.model import FORMS
from fieldapp.domain import B83Status, PersonRole
from fieldapp.errors import ValidationError
from fieldapp.sync import bundle
from fieldapp.sync.errors import BundleRejected
from fieldapp.visit_json import (
    AddressJson,
    IntermediaryJson,
    ObservationJson,
    PersonFields,
    PersonJson,
    SiteJson,
    VisitDocument,
    VisitJson,
    parse_visit_json,
    person_input,
    visit_from_dict,
)
from tests.support import ROOT
from tests.support.sample_visit import sample_visit

README = (ROOT / "README.md").read_text(encoding="utf-8")
VISIT_OBJECTS: dict[str, type[msgspec.Struct]] = {
    "top level": VisitDocument,
    "`site`": SiteJson,
    "`site.address`": AddressJson,
    "`site.intermediary`": IntermediaryJson,
    "`site.housing_address`": AddressJson,
    "`visit`": VisitJson,
    "`persons[]`": PersonJson,
    "`observations[]`": ObservationJson,
}
CASE_OBJECTS: dict[str, type[msgspec.Struct]] = {
    "top level": CaseDocument,
    "`observations[]`": CaseObservationJson,
}


def _section(start: str, end: str) -> str:
    return README[README.index(start) : README.index(end, README.index(start))]


def _table(text: str, header: str) -> list[tuple[str, str]]:
    """The rows (first cell, second cell) of the table under ``header`` in ``text``."""
    lines = text[text.index(header) :].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        first, second = (cell.strip() for cell in line.strip("|").split("|", 1))
        rows.append((first, second.rstrip("|").strip()))
    return rows


def _key_table(text: str) -> dict[str, tuple[list[str], set[str]]]:
    """Per object: its keys in order, and the required (bold) ones."""
    return {
        name: (re.findall(r"`([^`]+)`", keys), set(re.findall(r"\*\*`([^`]+)`\*\*", keys)))
        for name, keys in _table(text, "| object | keys |")
    }


VISIT_SECTION = _section("## Visit JSON", "\n## ")
CASE_SECTION = _section("Assessment input for `fieldapp assess`", "The output holds")


@pytest.mark.parametrize(
    ("section", "objects"), [(VISIT_SECTION, VISIT_OBJECTS), (CASE_SECTION, CASE_OBJECTS)]
)
def test_the_readme_key_tables_are_the_structs(section: str, objects: dict[str, Any]) -> None:
    table = _key_table(section)
    assert set(table) == set(objects)
    for name, struct in objects.items():
        keys, required = table[name]
        assert sorted(keys) == sorted(schema.field_names(struct)), name
        assert len(keys) == len(set(keys)), name
        assert required == set(schema.required_names(struct)), name


def _field_type(struct: type[msgspec.Struct], name: str) -> Any:
    """The field's type without ``Annotated`` and ``| None``."""
    hint = typing.get_type_hints(struct)[name]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (hint,) = (member for member in typing.get_args(hint) if member is not type(None))
    return hint


def _default(struct: type[msgspec.Struct], name: str) -> Any:
    (field,) = (field for field in msgspec.structs.fields(struct) if field.name == name)
    return field.default


def _values_rows() -> list[tuple[type[msgspec.Struct], list[str], str]]:
    """The value table's rows as (Struct, field names, values cell): ``visit.started_at``,
    ``ended_at`` names two fields of the visit; a path without a dot continues the last one."""
    owners = {
        "site": SiteJson,
        "site.address": AddressJson,
        "site.intermediary": IntermediaryJson,
        "site.housing_address": AddressJson,
        "visit": VisitJson,
        "persons[]": PersonJson,
        "observations[]": ObservationJson,
    }
    rows = []
    for keys, values in _table(VISIT_SECTION, "| key | values |"):
        named: dict[type[msgspec.Struct], list[str]] = {}
        owner: type[msgspec.Struct] | None = None
        for key in re.findall(r"`([^`]+)`", keys):
            if "." in key:
                path, key = key.rsplit(".", 1)
                owner = owners[path]
            assert owner is not None, keys
            named.setdefault(owner, []).append(key)
        rows.extend((struct, names, values) for struct, names in named.items())
    return rows


def test_the_readme_values_and_defaults_are_the_structs() -> None:
    """Every key the value table names is read; an enumeration's values are the ones listed;
    the value marked (default) is the Struct's default, and only a default is so marked."""
    rows = _values_rows()
    assert len(rows) >= 20
    for struct, names, values in rows:
        for name in names:
            assert name in schema.field_names(struct), (struct.__name__, name)
        if len(names) != 1:
            continue
        kind = _field_type(struct, names[0])
        listed = re.findall(r"`([^`]+)`", values)
        defaults = re.findall(r"`([^`]+)` \(default\)", values)
        default = _default(struct, names[0])
        if isinstance(kind, type) and issubclass(kind, Enum):
            assert listed == [member.value for member in kind], names
        if names == ["suspected_forms"]:
            assert tuple(listed) == FORMS
        expected = (
            [json.dumps(default)]
            if isinstance(default, bool)
            else [default.value]
            if isinstance(default, Enum)
            else []
        )
        assert defaults == expected, names


def _json_block(section: str) -> Any:
    return json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])


def test_the_readme_examples_are_read() -> None:
    example = _json_block(VISIT_SECTION)
    new = parse_visit_json(json.dumps(example))
    assert new.site.name == example["site"]["name"]
    assert len(new.persons) == len(example["persons"])
    case = parse_case_json(json.dumps(_json_block(CASE_SECTION)))
    assert case.b83_status is B83Status.OFFERED
    assert case.observations[0].indicator_id == "ILO-CD-01"


def test_the_readme_manifest_is_the_struct() -> None:
    block = _section("**The bundle format**", "\n\nA bundle's identity")
    listed = block.split("manifest  =", 1)[1].split("payload   =", 1)[0]
    names = [part.strip() for part in re.sub(r"\([^)]*\)", "", listed).split(",")]
    assert names == list(schema.field_names(bundle.Manifest))
    assert schema.field_names(bundle.ManifestCounts) == bundle.COUNT_KEYS


# -- the reflection period (b83) keys the README lists ------------------------------------------


def test_the_b83_keys_are_read_from_the_visit_json_and_the_case() -> None:
    data = sample_visit()
    data["persons"][0].update(b83_status="declined", b83_date="2026-11-20", b83_by=" NLA ")
    _, person = parse_visit_json(json.dumps(data)).persons[0]
    assert (person.b83_status, person.b83_date, person.b83_by) == (
        B83Status.DECLINED,
        "2026-11-20",
        "NLA",
    )
    _, person = visit_from_dict(sample_visit()).persons[0]
    assert (person.b83_status, person.b83_date, person.b83_by) == (
        B83Status.NOT_RECORDED,
        None,
        None,
    )
    assert parse_case_json(b'{"b83_status": "not_offered"}').b83_status is B83Status.NOT_OFFERED


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("b83_status", "maybe", "validation.choice"),
        ("b83_status", 1, "validation.choice"),
        ("b83_date", "2026-02-30", "validation.date"),
        ("b83_date", 20261120, "validation.not_text"),
        ("b83_by", "x" * 41, "validation.too_long"),
    ],
)
def test_bad_b83_values_are_refused_naming_the_field(key: str, value: Any, problem: str) -> None:
    data = sample_visit()
    data["persons"][0][key] = value
    error = _refusal(parse_visit_json, json.dumps(data))
    assert (error.field, error.problem) == (f"persons[0].{key}", problem)


# -- shape errors in our words ------------------------------------------------------------------


def _refusal(function: Any, *args: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        function(*args)
    return caught.value


def _change(path: str, value: Any, *, remove: bool = False) -> dict[str, Any]:
    data = sample_visit()
    target: Any = data
    steps = [int(step) if step.isdigit() else step for step in path.split(".")]
    for step in steps[:-1]:
        target = target[step]
    if remove:
        del target[steps[-1]]
    else:
        target[steps[-1]] = value
    return data


SHAPES = [
    ("unknown top key", _change("colour", 1), "$.colour", "validation.unknown_key"),
    ("unknown address key", _change("site.address.city", "x"), "site.address.city", "unknown_key"),
    ("missing site", _change("site", None, remove=True), "$.site", "validation.required"),
    ("null visit", _change("visit", None), "$.visit", "validation.required"),
    ("missing label", _change("persons.0.label", 0, remove=True), "persons[0].label", "required"),
    (
        "missing status",
        _change("observations.1.status", 0, remove=True),
        "observations[1].status",
        "required",
    ),
    ("name a number", _change("site.name", 12), "site.name", "validation.not_text"),
    ("notes a list", _change("visit.notes", ["a"]), "visit.notes", "validation.not_text"),
    (
        "flag a string",
        _change("persons.0.interpreter", "ja"),
        "persons[0].interpreter",
        "not_boolean",
    ),
    ("minor a number", _change("persons.0.minor", 0), "persons[0].minor", "not_boolean"),
    ("agencies a string", _change("visit.agencies", "NLA"), "visit.agencies", "not_list"),
    ("null in a list", _change("site.phones", [None]), "site.phones[0]", "validation.required"),
    (
        "number in a list",
        _change("persons.0.languages", [1]),
        "persons[0].languages[0]",
        "not_text",
    ),
    ("site a list", _change("site", []), "site", "validation.not_object"),
    ("address a list", _change("site.address", []), "site.address", "validation.not_object"),
    ("observation a text", _change("observations.0", "x"), "observations[0]", "not_object"),
    ("sector a number", _change("site.sector", 3), "site.sector", "validation.choice"),
    ("role unknown", _change("persons.0.role", "boss"), "persons[0].role", "validation.choice"),
    ("age a float", _change("persons.0.age", 24.0), "persons[0].age", "validation.age"),
    ("age a list", _change("persons.0.age", [24]), "persons[0].age", "validation.age"),
    ("201 persons", _change("persons", [{}] * 201), "persons", "validation.too_many"),
    ("5001 observations", _change("observations", [1] * 5001), "observations", "too_many"),
]


@pytest.mark.parametrize(
    ("document", "field", "problem"),
    [(document, field, problem) for _, document, field, problem in SHAPES],
    ids=[name for name, *_ in SHAPES],
)
def test_a_shape_error_names_the_field_in_our_words(
    document: dict[str, Any], field: str, problem: str
) -> None:
    error = _refusal(parse_visit_json, json.dumps(document))
    assert error.field == field
    assert error.problem.removeprefix("validation.") == problem.removeprefix("validation.")
    same = _refusal(visit_from_dict, copy.deepcopy(document))
    assert (same.field, same.problem, same.params) == (error.field, error.problem, error.params)
    for lang in ("nl", "en"):
        text = error.message(lang)
        assert f"'{error.field}'" in text
        assert "`" not in text and "Expected" not in text and "Object" not in text
    assert error.message("nl") != error.message("en")


def test_limits_and_options_are_in_the_message() -> None:
    error = _refusal(parse_visit_json, json.dumps(_change("persons", [{}] * 201)))
    assert error.params == {"limit": 200}
    error = _refusal(parse_visit_json, json.dumps(_change("persons.0.sex", 1)))
    assert error.params == {"options": "f, m, x, unknown"}


def test_keys_are_checked_before_values_outside_in() -> None:
    """As the hand-written reader did: an object's unknown and missing keys come before the
    values inside it, so a typo is reported as a typo."""
    data = _change("site.sector", "mining")
    del data["site"]["name"]
    assert _refusal(visit_from_dict, data).field == "site.name"
    data = _change("persons.0.age", "old")
    data["persons"][0]["agee"] = 1
    assert _refusal(visit_from_dict, data).field == "persons[0].agee"
    data = _change("visit.type", "raid")
    data["extra"] = 1
    assert _refusal(visit_from_dict, data).field == "$.extra"


def test_an_unknown_key_is_shown_safely() -> None:
    error = _refusal(parse_visit_json, json.dumps(_change("site.na\x1bme", 1)))
    assert error.field == "site.na\\x1bme"
    assert "\x1b" not in error.message("en")


def test_null_means_not_given_and_the_default_applies() -> None:
    data = sample_visit()
    data["persons"][0].update(role=None, sex=None, interpreter=None, languages=None)
    data["site"]["address"] = None
    data["visit"]["type"] = None
    data["observations"][0]["past"] = None
    for new in (parse_visit_json(json.dumps(data)), visit_from_dict(data)):
        _, person = new.persons[0]
        assert person.role is PersonRole.POSSIBLE_VICTIM
        assert (person.sex.value, person.interpreter, person.languages) == ("unknown", False, ())
        assert new.site.address.street is None
        assert new.visit.type.value == "inspection"
        assert new.observations[0].past is False
    data = _change("persons", None)
    data["observations"] = None
    new = parse_visit_json(json.dumps(data))
    assert (new.persons, new.observations) == ((), ())


def test_a_key_twice_is_still_refused_when_one_is_null() -> None:
    error = _refusal(parse_visit_json, b'{"site": null, "site": {}, "visit": {}}')
    assert (error.problem, error.params) == ("validation.duplicate_key", {"name": "site"})
    error = _refusal(parse_case_json, b'{"observations": [{"note": null, "note": "x"}]}')
    assert error.problem == "validation.duplicate_key"


def test_the_case_json_speaks_the_same_way() -> None:
    cases = [
        (b'{"observations": [{"indicator": "ILO-CD-01"}]}', "observations[0].status", "required"),
        (b'{"observations": [{"status": "observed"}]}', "observations[0].indicator", "required"),
        (
            b'{"observations": [{"indicator": "X", "status": "1", "x": 1}]}',
            "observations[0].x",
            "unk",
        ),
        (b'{"observations": {}}', "observations", "not_list"),
        (b'{"observations": [[]]}', "observations[0]", "not_object"),
        (b'{"age": "30"}', "age", "age"),
        (b'{"minor": "no"}', "minor", "not_boolean"),
        (b'{"sector": 1}', "sector", "choice"),
        (b'{"reporter_agency": 7}', "reporter_agency", "not_text"),
        (b'{"role": null, "consent": null}', None, None),
        (b"[]", "$", "not_object"),
    ]
    for raw, field, problem in cases:
        if field is None:
            case = parse_case_json(raw)
            assert case.role is PersonRole.POSSIBLE_VICTIM and case.consent.value == "not_asked"
            continue
        error = _refusal(parse_case_json, raw)
        assert error.field == field, raw
        assert error.problem.startswith(f"validation.{problem}"), raw
    error = _refusal(parse_case_json, b'{"observations": [{"indicator": "X", "status": 1}]}')
    assert error.params == {"options": "observed, not_observed, unknown"}


def test_the_desktop_form_goes_through_the_same_schema() -> None:
    """``person_input`` takes the form's fields as a mapping: keys it does not know are left
    alone (the form has more), None is not given, and a wrong value gets the JSON's message."""
    person = person_input({"label": "B", "role": None, "colour": "red", "age": 12}, "persons[B]")
    assert (person.role, person.minor) == (PersonRole.POSSIBLE_VICTIM, True)
    error = _refusal(person_input, {"label": "B", "age": "twelve"}, "persons[B]")
    assert (error.field, error.problem) == ("persons[B].age", "validation.age")
    error = _refusal(person_input, {"label": None}, "persons[B]")
    assert (error.field, error.problem) == ("persons[B].label", "validation.required")
    error = _refusal(person_input, {"label": "B", "sex": "q"}, "persons[B]")
    assert (error.field, error.problem) == ("persons[B].sex", "validation.choice")
    assert isinstance(person_input(PersonFields(label="C"), "p").label, str)


class _Other(schema.Shape, kw_only=True):
    count: int
    pick: Literal["a", "b"] = "a"
    either: int | str = 0
    short: Annotated[str, msgspec.Meta(max_length=3)] = ""
    own: Annotated[str, msgspec.Meta(extra={"problem": "validation.kvk"})] = ""


@pytest.mark.parametrize(
    ("document", "field", "problem", "params"),
    [
        ({"count": "1"}, "count", "validation.not_integer", {}),
        ({"count": 1, "pick": "c"}, "pick", "validation.choice", {"options": "a, b"}),
        ({"count": 1, "either": []}, "either", "validation.wrong_type", {}),
        ({"count": 1, "short": "long"}, "short", "validation.too_long", {"limit": 3}),
        ({"count": 1, "own": 5}, "own", "validation.kvk", {}),
        ({"count": 1, "extra": 1}, "$.extra", "validation.unknown_key", {}),
        ({}, "$.count", "validation.required", {}),
    ],
)
def test_every_kind_of_shape_error_has_a_message_key(
    document: dict[str, Any], field: str, problem: str, params: dict[str, Any]
) -> None:
    error = _refusal(schema.read, document, _Other)
    assert (error.field, error.problem, error.params) == (field, problem, params)
    assert error.message("nl") != error.message("en")
    error = _refusal(schema.read, document, _Other, "persons[2]")
    assert error.field == f"persons[2].{field.removeprefix('$.')}"


# -- the bundle manifest ------------------------------------------------------------------------


def _manifest(**changes: Any) -> dict[str, Any]:
    manifest = {
        "format": bundle.FORMAT,
        "bundle_id": "01a00000-0000-7000-8000-000000000001",
        "device_id": "01a00000-0000-7000-8000-000000000002",
        "seq": 5,
        "prev_bundle_sha256": "0" * 64,
        "created_utc": "2026-11-28T10:00:00Z",
        "recipients": [" ".join(["12345"] * 12), " ".join(["54321"] * 12)],
        "coordinator": " ".join(["11111"] * 12),
        "payload_sha256": "a" * 64,
        "payload_bytes": 1234,
        "schema_version": 7,
        "counts": dict.fromkeys(bundle.COUNT_KEYS, 2),
        "resends": [1, 3],
    }
    manifest.update(changes)
    return manifest


def test_a_good_manifest_passes_and_its_signed_bytes_are_unchanged() -> None:
    manifest = _manifest()
    assert bundle.check_manifest(manifest) is manifest
    raw = canonical_bytes(manifest)
    assert bundle.parse_manifest(raw) == manifest
    typed = msgspec.convert(manifest, bundle.Manifest)
    assert bundle.encode_manifest(typed) == raw  # what an export signs, byte for byte


def _counts(**changes: Any) -> dict[str, Any]:
    return {**dict.fromkeys(bundle.COUNT_KEYS, 0), **changes}


BAD_MANIFESTS = [
    [],
    {key: value for key, value in _manifest().items() if key != "resends"},
    _manifest(extra=1),
    _manifest(bundle_id="01A00000-0000-7000-8000-000000000001"),
    _manifest(device_id="01a00000-0000-7000-8000-000000000002\n"),
    _manifest(prev_bundle_sha256="0" * 63),
    _manifest(created_utc="2026-11-28 10:00:00Z"),
    _manifest(coordinator="12345"),
    _manifest(seq=0),
    _manifest(seq=True),
    _manifest(seq=2**32),
    _manifest(payload_bytes="1234"),
    _manifest(schema_version=None),
    _manifest(recipients=[]),
    _manifest(recipients=[" ".join(["12345"] * 12)] * 5),
    _manifest(recipients=["12345"]),
    _manifest(counts={**_counts(), "extra": 0}),
    _manifest(counts={key: 0 for key in bundle.COUNT_KEYS[1:]}),
    _manifest(counts=_counts(site=-1)),
    _manifest(counts=_counts(site=True)),
    _manifest(resends=[3, 1]),
    _manifest(resends=[1, 1]),
    _manifest(resends=[0]),
    _manifest(resends=[5]),
    _manifest(resends=[True]),
]


@pytest.mark.parametrize("manifest", BAD_MANIFESTS)
def test_a_bad_manifest_is_refused(manifest: Any) -> None:
    with pytest.raises(BundleRejected) as caught:
        bundle.check_manifest(manifest)
    assert caught.value.reason == "manifest"


def test_another_format_has_its_own_reason() -> None:
    with pytest.raises(BundleRejected) as caught:
        bundle.check_manifest(_manifest(format="fieldapp-bundle-v2"))
    assert caught.value.reason == "format"
