"""Issue 12, the input side: one sanitising of text for every input path (visit JSON, the
desktop's field checks, the case JSON of ``fieldapp assess``), lone surrogates and duplicate
JSON keys refused with a message, tight phone, plate and handle lists, and indicator ids
checked against the catalogue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fieldapp import validate as v
from fieldapp.assessment.case_json import parse_case_json
from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.errors import ValidationError
from fieldapp.visit_json import parse_visit_json, person_input
from tests.support import refused, run_cli
from tests.support.sample_visit import sample_visit

# What no stored text may hold: C0 controls but tab and newline, DEL, C1 controls, and the
# bidi embeddings, overrides and isolates (Trojan Source).
UNSAFE = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]


def _refusal(call, *args: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- one sanitising, in validate.string ------------------------------------------------------


@pytest.mark.parametrize("char", UNSAFE, ids=[f"U+{ord(c):04X}" for c in UNSAFE])
def test_control_and_direction_characters_are_removed_from_text(char: str) -> None:
    assert v.string(f"Kwe{char}kerij", "site.name") == "Kwekerij"
    assert v.text(f"regel 1\nregel\t2{char}", "visit.notes") == "regel 1\nregel\t2"


def test_terminal_escape_sequences_lose_their_escape() -> None:
    assert v.string("\x1b]0;pwned\x07Kwekerij", "site.name") == "]0;pwnedKwekerij"
    assert v.string("\x1b[31mrood\x1b[0m", "site.name") == "[31mrood[0m"


def test_line_ends_are_kept_as_newlines_and_marks_stay() -> None:
    assert v.text("a\r\nb\rc", "visit.notes") == "a\nb\nc"
    # Left- and right-to-left marks reorder nothing beyond themselves; mixed Arabic or Hebrew
    # text needs them, so they stay.
    assert v.string("Ahmad \u200fأحمد\u200e", "persons[0].label") == "Ahmad \u200fأحمد\u200e"


def test_text_that_is_only_controls_is_empty() -> None:
    assert v.string("\x1b\x07", "site.trade_name") is None
    assert _refusal(v.string, "\u202e", "site.name", required=True).problem == (
        "validation.required"
    )


def test_a_lone_surrogate_is_refused_with_a_message() -> None:
    error = _refusal(v.string, "ab\ud800", "site.name")
    assert error.problem == "validation.surrogate"
    assert "site.name" in error.message("en")
    assert error.message("nl") != error.message("en")


# -- the visit JSON ---------------------------------------------------------------------------


def _visit_json(**changes: Any) -> bytes:
    data = sample_visit()
    for path, value in changes.items():
        target = data
        steps = path.split(".")
        for step in steps[:-1]:
            target = target[int(step)] if step.isdigit() else target[step]
        target[steps[-1]] = value
    return json.dumps(data).encode()


def test_visit_json_text_is_sanitised() -> None:
    new = parse_visit_json(
        _visit_json(
            **{"site.name": "\x1b]0;x\x07De \u202eHoek", "persons.0.label": "A\u2066B\u2069"}
        )
    )
    assert new.site.name == "]0;xDe Hoek"
    assert new.persons[0][1].label == "AB"


def test_visit_json_with_a_lone_surrogate_is_refused_not_a_crash() -> None:
    raw = _visit_json(**{"site.name": "PLACEHOLDER"}).replace(b"PLACEHOLDER", b"x\\ud800")
    error = _refusal(parse_visit_json, raw)
    assert (error.field, error.problem) == ("site.name", "validation.surrogate")
    error = _refusal(parse_visit_json, b'{"\\udc00": 1}')
    assert error.problem == "validation.surrogate"
    error.message("en").encode("utf-8")  # the message itself can be printed


def test_visit_json_cli_with_a_lone_surrogate_says_what_is_wrong(tmp_path) -> None:
    raw = _visit_json(**{"visit.notes": "PLACEHOLDER"}).replace(b"PLACEHOLDER", b"\\ud83d")
    path = tmp_path / "visit.json"
    path.write_bytes(raw)
    result = run_cli("visit", "add", "--json", str(path), "--vault", str(tmp_path / "nowhere"))
    assert "Internal error" not in result.stderr and "Interne fout" not in result.stderr
    refused(result, "visit.notes")


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b'{"site": {}, "site": {}, "visit": {}}', "site"),
        (b'{"site": {"name": "A", "name": "B", "sector": "other"}, "visit": {}}', "name"),
    ],
)
def test_visit_json_duplicate_keys_are_refused_naming_the_key(raw: bytes, key: str) -> None:
    error = _refusal(parse_visit_json, raw)
    assert error.problem == "validation.duplicate_key"
    assert f"'{key}'" in error.message("nl") and f"'{key}'" in error.message("en")


def test_duplicate_keys_name_an_unprintable_key_safely() -> None:
    error = _refusal(parse_visit_json, b'{"a\\u001b": 1, "a\\u001b": 2}')
    assert "\x1b" not in error.message("en")
    assert "\\x1b" in error.message("en")


LIST_CASES = [
    ("phones", ["06 1234 5678"] * 11, "site.phones", "validation.too_many"),
    ("phones", ["9" * 40], "site.phones[0]", "validation.phone"),
    ("phones", ["bel me maar"], "site.phones[0]", "validation.phone"),
    ("phones", ["+31 6 12+345678"], "site.phones[0]", "validation.phone"),
    ("plates", ["XK-123-B"] * 11, "site.plates", "validation.too_many"),
    ("plates", ["XK-123-B; DROP"], "site.plates[0]", "validation.plate"),
    ("plates", ["X" * 17], "site.plates[0]", "validation.plate"),
    ("handles", ["@a"] * 11, "site.handles", "validation.too_many"),
    ("handles", ["two words"], "site.handles[0]", "validation.handle"),
    ("handles", ["h" * 121], "site.handles[0]", "validation.handle"),
]


@pytest.mark.parametrize(("key", "items", "field", "problem"), LIST_CASES)
def test_phone_plate_and_handle_lists_are_tight(
    key: str, items: list[str], field: str, problem: str
) -> None:
    error = _refusal(parse_visit_json, _visit_json(**{f"site.{key}": items}))
    assert (error.field, error.problem) == (field, problem)
    assert error.message("nl") != error.message("en")


def test_fifty_long_phone_numbers_are_refused() -> None:
    """The issue's case: 50 free-text phone numbers of 200 characters each."""
    error = _refusal(parse_visit_json, _visit_json(**{"site.phones": ["1" * 200] * 50}))
    assert error.field == "site.phones"


def test_plausible_lists_pass() -> None:
    new = parse_visit_json(
        _visit_json(
            **{
                "site.phones": ["+31 6 12345678", "(010) 123-4567", "0031.6.1234.5678"],
                "site.plates": ["XK-123-B", "WGM 12345", "СА 1234 АВ", "B·AB 123"],
                "site.handles": ["@Lotus_Massage", "https://www.kinky.nl/advertentie/12345"],
            }
        )
    )
    assert len(new.site.phones) == 3 and len(new.site.plates) == 4 and len(new.site.handles) == 2


def test_visit_json_indicator_ids_in_lower_case_are_read_as_the_catalogue_spells_them() -> None:
    catalogue = load_catalogue()
    new = parse_visit_json(_visit_json(**{"observations.0.indicator": "ilo-cd-01"}), catalogue)
    assert new.observations[0].indicator_id == "ILO-CD-01"
    error = _refusal(
        parse_visit_json, _visit_json(**{"observations.0.indicator": "NOPE-99"}), catalogue
    )
    assert error.problem == "validation.indicator_unknown"


# -- the desktop's field checks go through the same functions -------------------------------


def test_the_desktop_site_and_person_fields_are_sanitised_the_same_way() -> None:
    from ui.visit.controller import site_value  # the desktop's own entry point, loaded late

    assert site_value("name", "De \u202eHoek\x1b") == "De Hoek"
    assert site_value("place", "Honselers\x85dijk") == "Honselersdijk"
    person = person_input({"label": "B\x1b[2J", "notes": "x\u2067y"}, "persons[B]")
    assert (person.label, person.notes) == ("B[2J", "xy")
    assert _refusal(site_value, "name", "\ud800").problem == "validation.surrogate"


# -- the case JSON of `fieldapp assess` ---------------------------------------------------------


def _case(*indicators: str) -> bytes:
    return json.dumps(
        {"observations": [{"indicator": i, "status": "observed"} for i in indicators]}
    ).encode()


def test_case_json_refuses_an_unknown_indicator() -> None:
    error = _refusal(parse_case_json, _case("ILO-CD-01", "NOPE-99"))
    assert (error.field, error.problem) == (
        "observations[1].indicator",
        "validation.indicator_unknown",
    )
    assert assessment_catalogue().version in error.message("en")


def test_case_json_reads_a_lower_case_id_as_the_catalogue_spells_it() -> None:
    case = parse_case_json(_case("ilo-cd-01"))
    assert case.observations[0].indicator_id == "ILO-CD-01"


def test_assess_cli_no_longer_answers_no_signals_for_an_unknown_id() -> None:
    refused(run_cli("assess", stdin=_case("NOPE-99")), "observations[0].indicator")
    result = run_cli("assess", stdin=_case("ilo-cd-01"))
    assert result.returncode == 0, result.stderr
    assert "ILO-CD-01" in result.stdout


def test_case_json_duplicate_keys_and_surrogates_are_refused() -> None:
    error = _refusal(parse_case_json, b'{"age": 30, "age": 12}')
    assert (error.problem, error.params["name"]) == ("validation.duplicate_key", "age")
    error = _refusal(parse_case_json, b'{"reporter_agency": "nla\\udfff"}')
    assert (error.field, error.problem) == ("reporter_agency", "validation.surrogate")
    result = run_cli("assess", stdin=b'{"reporter_agency": "\\ud800"}')
    assert "Internal error" not in result.stderr and "Interne fout" not in result.stderr
    refused(result, "reporter_agency")
