"""Practice mode (issue 17): the case format's checks name the line of every problem, a
trainee's record is debriefed against the model answer, the command line never shows a
traceback, and every shipped case validates and is its own perfect answer.

The example case (tests/fixtures/practice/2000.1/example-car-wash.json) is written for these
tests only; the shipped cases are in resources/practice/<set>/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.errors import ValidationError
from fieldapp.practice import loader
from fieldapp.practice.debrief import check_answers
from fieldapp.practice.expect import EXPECT_KEYS, differences
from fieldapp.practice.model import Expect, PracticeCase
from fieldapp.practice.person_case import assessed, model_case
from fieldapp.practice.positions import Position, Positions
from fieldapp.practice.render import debrief_to_json, debrief_to_text, scenario_json
from fieldapp.practice.validation import Problem, errors, validate_case
from fieldapp.schema import field_names
from tests.support import ROOT, ok, refused, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "practice"
EXAMPLE = FIXTURES / "2000.1" / "example-car-wash.json"
TEXT = EXAMPLE.read_text(encoding="utf-8")


def _line(text: str, fragment: str) -> int:
    """The line (from 1) of the one place ``fragment`` occurs in ``text``."""
    assert text.count(fragment) == 1, fragment
    return text[: text.index(fragment)].count("\n") + 1


def _column(text: str, fragment: str) -> int:
    start = text.index(fragment)
    return start - (text.rfind("\n", 0, start) + 1) + 1


def _changed(old: str, new: str, text: str = TEXT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _example() -> PracticeCase:
    _, case = loader.load_case("example-car-wash", root=FIXTURES)
    return case


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [(p.line, p.message("en")) for p in problems]
    return problems[0]


# -- the position finder -------------------------------------------------------------------

NESTED = """{
 "title": "a {tricky} \\"text\\" with [brackets], and é",
 "persons": [
  {"ref": "A", "model": {"signals": [{"indicator": "NLA-04"}]}},
  {
   "ref": "B",
   "model": {
    "signals": [
     {"indicator": "NLA-02"},
     {"indicator": 5}
    ]
   }
  }
 ],
 "n": -1.5e3
}"""


def test_the_position_of_a_key_deep_inside() -> None:
    positions = Positions(NESTED)
    assert positions.of(("persons", 1, "model", "signals", 1, "indicator")) == Position(
        _line(NESTED, '{"indicator": 5}'), _column(NESTED, '"indicator": 5')
    )
    assert positions.of(("persons", 0, "model", "signals", 0, "indicator")) == Position(
        4, _column(NESTED, '"indicator": "NLA-04"')
    )
    assert positions.of(("n",)) == Position(_line(NESTED, '"n"'), 2)


def test_a_list_item_points_at_its_value_and_a_missing_key_at_its_object() -> None:
    positions = Positions(NESTED)
    assert positions.of(("persons", 1)) == Position(5, 3)  # the "{" of B
    # B has no "label": the place to add it is B's object.
    assert positions.of(("persons", 1, "label")) == Position(5, 3)
    assert positions.of(("persons", 1, "model", "debrief")) == Position(7, 4)  # "model" key
    assert positions.of(()) == Position(1, 1)
    assert positions.value_of(("persons", 1, "model")) == Position(7, 13)
    assert positions.value_of(("nothing",)) is None


def test_strings_are_read_as_the_parser_reads_them() -> None:
    """Brackets, quotes and escapes inside a string open nothing; a column counts
    characters, as json.JSONDecodeError's does (é is one)."""
    positions = Positions(NESTED)
    assert positions.of(("persons",)) == Position(3, 2)
    text = '{"a": "é", "b": 1}'
    assert Positions(text).of(("b",)) == Position(1, 12)


def test_a_key_given_twice_is_found_where_it_is_given_again() -> None:
    text = '{\n "a": 1,\n "b": {"c": 1,\n   "c": 2}\n}'
    positions = Positions(text)
    assert [(d.path, d.position) for d in positions.duplicates] == [(("b", "c"), Position(4, 4))]
    assert positions.of(("b", "c")) == Position(4, 4)  # the value json.loads keeps


# -- validation: every problem on its line ---------------------------------------------------


def test_the_example_case_is_valid() -> None:
    assert validate_case(EXAMPLE) == []
    assert validate_case(TEXT.encode()) == []


def test_a_missing_key_points_at_the_object_that_lacks_it() -> None:
    text = _changed('   "role": "employer_manager",\n', "")
    problem = _only(validate_case(text))
    assert problem.field == "persons[1].role"
    assert problem.problem == "validation.required"
    assert (problem.line, problem.column) == (_line(text, '"ref": "B"') - 1, 3)
    assert problem.message("nl") == "'persons[1].role': dit veld is verplicht."


def test_a_wrong_type_deep_inside_names_its_line() -> None:
    text = _changed('{"indicator": "NLA-04",', '{"indicator": 4,')
    problem = _only(validate_case(text))
    assert problem.field == "persons[0].model.signals[2].indicator"
    assert (problem.line, problem.column) == (
        _line(text, '"indicator": 4,'),
        _column(text, '"indicator": 4,'),
    )
    assert problem.message("en").endswith("this must be text.")


def test_every_shape_problem_is_reported_at_once_in_line_order() -> None:
    text = _changed('"level": "basic"', '"level": "expert", "colour": "red"')
    text = _changed('"age": 45', '"age": "45"', text)
    problems = validate_case(text)
    assert [(p.field, p.problem) for p in problems] == [
        ("level", "validation.choice"),
        ("colour", "validation.unknown_key"),
        ("persons[1].age", "validation.age"),
    ]
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert problems[2].line == _line(text, '"age": "45"')


def test_an_id_the_catalogue_does_not_hold() -> None:
    text = _changed('"indicator": "POL-1-04"', '"indicator": "POL-9-99"')
    problem = _only(validate_case(text))
    assert problem.problem == "validation.indicator_unknown"
    assert problem.params == {"version": "2026.2"}
    assert problem.line == _line(text, "POL-9-99")
    assert "indicatorenlijst 2026.2" in problem.message("nl")


def test_a_missing_or_empty_english_text() -> None:
    text = _changed('{"nl": "Bedrijfsleider", "en": "Manager"}', '{"nl": "Bedrijfsleider"}')
    problem = _only(validate_case(text))
    assert (problem.field, problem.problem) == ("persons[1].label.en", "validation.required")
    assert problem.line == _line(text, '"label": {"nl": "Bedrijfsleider"}')
    text = _changed('"en": "Manager"', '"en": "  "')
    problem = _only(validate_case(text))
    assert (problem.field, problem.line) == ("persons[1].label.en", _line(text, '"en": "  "'))


def test_scenario_paragraphs_come_in_both_languages() -> None:
    text = _changed(
        '   "Four men are washing cars. Behind the car wash is a container with two mattresses'
        ' and a hot plate.",\n',
        "",
    )
    problem = _only(validate_case(text))
    assert problem.problem == "practice.paragraphs_differ"
    assert problem.params == {"nl": 3, "en": 2}


def test_json_syntax_errors_name_line_and_column_in_dutch() -> None:
    text = _changed('"level": "basic",', '"level": "basic"')
    problem = _only(validate_case(text))
    assert problem.field is None
    assert problem.line == _line(text, '"sector": "car_wash"')
    assert problem.message("nl") == "hier ontbreekt een komma tussen twee onderdelen."
    text = _changed('"referrals_include": ["nla", "comensha"]', '"referrals_include": ["nla",]')
    problem = _only(validate_case(text))
    assert problem.problem == "practice.json.trailing_comma"
    assert (problem.line, problem.column) == (
        _line(text, '["nla",]'),
        _column(text, '["nla",]') + len('["nla"'),
    )
    problem = _only(validate_case(b"\xff{}"))
    assert (problem.problem, problem.line, problem.column) == ("practice.not_utf8", 1, 1)


def test_duplicate_refs_and_keys() -> None:
    text = _changed('"ref": "B"', '"ref": "A"')
    problem = _only(validate_case(text))
    assert (problem.field, problem.problem) == ("persons[1].ref", "validation.duplicate_ref")
    assert problem.line == _line(text, '"ref": "A",\n   "label": {"nl": "Bedrijfsleider"')
    text = _changed('"level": "basic",', '"level": "basic",\n "level": "basic",')
    problem = _only(validate_case(text))
    assert problem.problem == "validation.duplicate_key"
    assert problem.line == _line(TEXT, '"level"') + 1


def test_the_file_name_is_the_id(tmp_path: Path) -> None:
    copy = tmp_path / "another-name.json"
    copy.write_text(TEXT, encoding="utf-8")
    problem = _only(validate_case(copy))
    assert (problem.field, problem.problem) == ("id", "practice.id_not_file_name")
    assert problem.line == _line(TEXT, '"id": "example-car-wash"')


def test_an_engine_disagreement_is_an_error_on_the_expectation() -> None:
    text = _changed('"b83": "duty"', '"b83": "note"')
    problem = _only(validate_case(text))
    assert not problem.note
    assert problem.problem == "practice.engine_differs"
    assert problem.field == "persons[0].model.expect.b83"
    assert problem.line == _line(text, '"b83": "note"')
    assert problem.params["wanted"] == '"note"' and problem.params["got"] == '"duty"'
    assert "persoon A" in problem.message("nl")


def test_an_engine_disagreement_explained_by_an_engine_note_is_a_note() -> None:
    note = (
        '"engine_note": {"nl": "De bedenktijd wordt hier bewust anders gelezen.", '
        '"en": "The reflection period is read differently here on purpose."},\n    '
    )
    text = _changed('"b83": "duty"', '"b83": "note"')
    text = _changed(
        '"debrief": {\n     "nl": "Uitbuitende',
        note + '"debrief": {\n     "nl": "Uitbuitende',
        text,
    )
    problem = _only(validate_case(text))
    assert problem.note and errors([problem]) == []
    assert problem.field == "persons[0].model.expect.b83"
    # A note that explains nothing any more is pointed out, still as a note.
    text = _changed(
        '"debrief": {\n     "nl": "Uitbuitende', note + '"debrief": {\n     "nl": "Uitbuitende'
    )
    problem = _only(validate_case(text))
    assert problem.note and problem.problem == "practice.engine_note_unneeded"
    assert problem.line == _line(text, '"engine_note"')


def test_a_missed_signal_in_the_model_is_caught_by_the_engine() -> None:
    """Take the held passport out of the model: the expected indication no longer follows."""
    text = _changed(
        '     {"indicator": "NLA-04", "evidence": "told", "why": {"nl": "De baas houdt zijn'
        ' paspoort: geen zeggenschap over zijn eigen ID.", "en": "The boss keeps his passport:'
        ' no control over his own ID."}},\n',
        "",
    )
    fields = {p.field for p in errors(validate_case(text))}
    assert "persons[0].model.expect.trafficking_indication" in fields
    assert "persons[0].model.expect.outcome.labour" in fields


def test_expectation_values_must_exist() -> None:
    text = _changed(
        '"referrals_include": ["nla", "comensha"]', '"referrals_include": ["nla", "ngo"]'
    )
    problem = _only(validate_case(text))
    assert (problem.field, problem.problem) == (
        "persons[0].model.expect.referrals_include[1]",
        "validation.choice",
    )


# -- the one comparison ------------------------------------------------------------------------


def test_the_expectation_keys_are_the_structs() -> None:
    assert field_names(Expect) == EXPECT_KEYS


def test_differences_compare_ranges_and_lists() -> None:
    case = _example()
    result = assessed(model_case(case, case.persons[0]))
    rules = assessment_catalogue().rules
    assert differences({"outcome": {"labour": {"min": "exploited"}}}, result, rules) == []
    found = differences(
        {
            "outcome": {"labour": {"max": "exploited"}},
            "referrals_exclude": ["comensha"],
            "max_urgency": "normal",
            "forms_not_assessed": ["labour"],
        },
        result,
        rules,
    )
    assert [d.what for d in found] == [
        "outcome[labour]",
        "forms_not_assessed",
        "referrals_exclude",
    ]
    assert found[0].got == "trafficking_indicated" and found[0].dutch_law is not None


# -- the debrief -------------------------------------------------------------------------------


def _model_record(case: PracticeCase, label_lang: str = "nl") -> dict[str, Any]:
    """The model answer written as a trainee's record: a perfect answer."""
    persons, observations = [], []
    for person in case.persons:
        persons.append(
            {
                "ref": person.ref,
                "label": getattr(person.label, label_lang),
                "role": person.role.value,
                "age": person.age,
                "age_band": None if person.age_band is None else person.age_band.value,
                "minor": person.minor,
                "nationality": person.nationality,
            }
        )
        for signal in person.model.signals:
            observations.append(
                {
                    "person": person.ref,
                    "indicator": signal.indicator,
                    "status": "observed",
                    "evidence": None if signal.evidence is None else signal.evidence.value,
                    "past": signal.past,
                }
            )
    return {"persons": persons, "observations": observations}


def test_a_perfect_record() -> None:
    case = _example()
    debrief = check_answers(case, json.dumps(_model_record(case)))
    assert [p.spotted for p in debrief.persons] == [
        ("NLA-02", "NLA-03", "NLA-04", "POL-1-05", "POL-1-04"),
        (),
    ]
    assert all(not p.missed and not p.over_read for p in debrief.persons)
    assert all(p.trainee == p.model for p in debrief.persons)
    assert (debrief.score.spotted, debrief.score.missed, debrief.score.over_read) == (5, 0, 0)
    assert debrief.extra_persons == ()


def test_a_missed_and_an_over_read_signal() -> None:
    case = _example()
    record = _model_record(case)
    record["observations"] = [o for o in record["observations"] if o["indicator"] != "NLA-04"]
    record["observations"] += [
        {"person": "A", "indicator": "NLA-01", "status": "observed"},  # tempting, with its why
        {"person": "A", "indicator": "NLA-10", "status": "observed"},  # no reason given
        {"person": "A", "indicator": "NLA-06", "status": "not_observed"},  # not a record of it
    ]
    debrief = check_answers(case, json.dumps(record))
    washer = debrief.persons[0]
    assert washer.missed == ("NLA-04",)
    assert [o.indicator for o in washer.over_read] == ["NLA-01", "NLA-10"]
    assert washer.over_read[0].why is not None and washer.over_read[1].why is None
    # Without the held passport, the trainee's record gives no indication; the model's does.
    assert washer.trainee is not None
    assert washer.trainee["trafficking_indication"] is False
    assert washer.model["trafficking_indication"] is True
    document = debrief_to_json(debrief, "nl")
    assert document["missed"] == {"A": ["NLA-04"], "B": []}
    assert document["over_read"] == {"A": ["NLA-01", "NLA-10"], "B": []}
    explained = document["explanation"]["persons"]["A"]
    assert explained["missed"][0]["why"].startswith("De baas houdt zijn paspoort")
    assert explained["over_read"][0]["why"].startswith("Er zijn handschoenen")
    assert explained["over_read"][1]["why"].startswith("Het model legt dit niet vast")
    assert document["score"] == {"signals": 5, "spotted": 4, "missed": 1, "over_read": 2}
    text = debrief_to_text(debrief, "nl")
    assert "Score: 4 van 5 signalen gezien, 1 gemist, 2 te veel vastgelegd." in text
    assert "≠ Aanwijzing mensenhandel: nee | ja" in text


def test_an_id_of_the_same_meaning_counts_as_spotted() -> None:
    """The desktop records the ILO item of a meaning group; a case may name the NLA's."""
    case = _example()
    record = _model_record(case)
    for observation in record["observations"]:
        if observation["indicator"] == "NLA-02":
            observation["indicator"] = "ILO-EX-01"
    washer = check_answers(case, json.dumps(record)).persons[0]
    assert "NLA-02" in washer.spotted and washer.over_read == ()
    assert washer.recorded_as == {"NLA-02": "ILO-EX-01"}


def test_an_id_the_case_accepts_for_a_signal_counts_as_spotted() -> None:
    """Another list's id for the same fact (the NLA's own-address signal where the window
    brothel's model names the venue list's) is no miss plus an over-read."""
    _, case = loader.load_case("window-brothel")
    record = _model_record(case)
    for observation in record["observations"]:
        if observation["indicator"] == "VEN-06":
            observation["indicator"] = "NLA-11"
    woman = check_answers(case, json.dumps(record)).persons[0]
    assert "VEN-06" in woman.spotted and woman.over_read == () and woman.missed == ()
    assert woman.recorded_as["VEN-06"] == "NLA-11"


def test_a_person_missing_from_the_record_and_one_matched_by_label() -> None:
    case = _example()
    record = _model_record(case, label_lang="en")
    record["persons"] = [dict(record["persons"][0], ref="W1", label=" washer  (EGYPT) ")]
    for observation in record["observations"]:
        observation["person"] = "W1"
    record["persons"].append({"ref": "C", "label": "Klant"})
    debrief = check_answers(case, json.dumps(record))
    washer, manager = debrief.persons
    assert washer.matched_by == "label" and not washer.missed
    assert manager.matched_by is None and manager.trainee is None
    assert debrief.extra_persons == ("C",)
    document = debrief_to_json(debrief, "en")
    assert document["assessment"]["B"] == {"trainee": None, "model": manager.model}
    assert document["persons"][1] == {
        "ref": "B",
        "label": "Manager",
        "recorded": False,
        "matched_by": None,
    }
    assert "You did not record this person" in debrief_to_text(debrief, "en")


def test_what_is_recorded_for_everyone_counts_for_every_person() -> None:
    case = _example()
    record = _model_record(case)
    record["observations"] = [
        dict(o, person=None) if o["indicator"] == "POL-1-05" else o for o in record["observations"]
    ]
    washer, manager = check_answers(case, json.dumps(record)).persons
    assert "POL-1-05" in washer.spotted
    assert [o.indicator for o in manager.over_read] == ["POL-1-05"]


def test_a_full_visit_json_is_a_record_too() -> None:
    case = _example()
    record = _model_record(case)
    record["site"] = {"name": "Wasstraat", "sector": "car_wash"}
    record["visit"] = {"started_at": "2026-03-02T10:00:00+01:00"}
    assert check_answers(case, json.dumps(record)).score.missed == 0


@pytest.mark.parametrize(
    ("answers", "field", "problem"),
    [
        (b"{not json", "$", "validation.json"),
        (b"[]", "$", "validation.not_object"),
        (
            b'{"persons": [{"ref": "A", "label": "x", "colour": "red"}]}',
            "persons[0].colour",
            "validation.unknown_key",
        ),
        (
            b'{"observations": [{"indicator": "XX-99", "status": "observed"}]}',
            "observations[0].indicator",
            "validation.indicator_unknown",
        ),
        (
            b'{"observations": [{"person": "Z", "indicator": "NLA-01", "status": "observed"}]}',
            "observations[0].person",
            "validation.unknown_person",
        ),
    ],
)
def test_bad_answers_get_the_visit_readers_messages(
    answers: bytes, field: str, problem: str
) -> None:
    with pytest.raises(ValidationError) as refusal:
        check_answers(_example(), answers)
    assert (refusal.value.field, refusal.value.problem) == (field, problem)
    assert refusal.value.message("nl").startswith("Ongeldige invoer bij")


def test_the_scenario_never_shows_the_model_answer() -> None:
    shown = json.dumps(scenario_json(_example(), "nl"))
    for hidden in ("NLA-", "POL-", "possible_victim", "employer_manager", "trafficking", "signals"):
        assert hidden not in shown
    assert json.loads(shown)["persons"] == [
        {"ref": "A", "label": "Wasser (Egypte)"},
        {"ref": "B", "label": "Bedrijfsleider"},
    ]


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line in this process, on the test set: no process hardening for the test
    runner, and the practice cases of tests/fixtures/practice."""
    monkeypatch.setattr("fieldapp.hygiene.harden_process", lambda: None)
    monkeypatch.setattr(loader, "practice_root", lambda: FIXTURES)


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from fieldapp.cli import main

    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


@pytest.mark.usefixtures("in_process")
def test_cli_list_show_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main(capsys, "practice", "list", "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "id": "example-car-wash",
            "title": "Wasstraat aan de rondweg",
            "forms": ["labour"],
            "sector": "car_wash",
            "level": "basic",
        }
    ]
    code, out, _ = _main(capsys, "practice", "list")
    assert code == 0 and "example-car-wash" in out and "Set 2000.1: Testset" in out
    code, out, _ = _main(capsys, "practice", "show", "example-car-wash")
    assert code == 0 and "A: Wasser (Egypte)" in out and "NLA-" not in out
    code, out, _ = _main(capsys, "practice", "show", "example-car-wash", "--json")
    assert set(json.loads(out)) == {
        "id",
        "title",
        "level",
        "sector",
        "place",
        "scenario",
        "persons",
    }

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(_model_record(_example())), encoding="utf-8")
    code, out, _ = _main(
        capsys, "practice", "check", "example-car-wash", "--answers", str(answers), "--json"
    )
    assert code == 0
    document = json.loads(out)
    assert {"spotted", "missed", "over_read", "assessment", "explanation"} <= set(document)
    assert set(document["assessment"]["A"]) == {"trainee", "model"}
    assert document["missed"] == {"A": [], "B": []}
    code, out, _ = _main(capsys, "practice", "check", "example-car-wash", "--answers", str(answers))
    assert code == 0
    assert out.startswith("Nabespreking: Wasstraat aan de rondweg (example-car-wash)")
    assert "Bronnen:" in out


@pytest.mark.usefixtures("in_process")
def test_cli_refusals_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _main(capsys, "practice", "show", "no-such-case")
    assert code == 1 and "staat niet in set 2000.1" in err
    bad = tmp_path / "answers.json"
    bad.write_text('{"persons": [{"ref": "A"}]}', encoding="utf-8")
    code, _, err = _main(capsys, "practice", "check", "example-car-wash", "--answers", str(bad))
    assert code == 1 and "Ongeldige invoer bij 'persons[0].label'" in err
    code, _, err = _main(
        capsys, "practice", "check", "example-car-wash", "--answers", str(tmp_path / "gone.json")
    )
    assert code == 1 and "gone.json" not in err
    code, _, err = _main(capsys, "practice", "check", "example-car-wash")
    assert code == 2 and "--answers" in err


def test_cli_validate(tmp_path: Path) -> None:
    valid = run_cli("practice", "validate", str(EXAMPLE))
    assert ok(valid) == "" and "In orde" in valid.stderr
    broken = tmp_path / "example-car-wash.json"
    text = _changed('"indicator": "POL-1-04"', '"indicator": "POL-9-99"')
    text = _changed('"age": 45', '"age": 450', text)
    broken.write_text(text, encoding="utf-8")
    result = run_cli("practice", "validate", str(broken))
    refused(result, "2 fouten gevonden")
    unknown, age = '"indicator": "POL-9-99"', '"age": 450'
    assert result.stdout.strip().splitlines() == [
        f"{broken}:{_line(text, unknown)}:{_column(text, unknown)}: "
        "'persons[0].model.signals[4].indicator': deze indicator staat niet in "
        "indicatorenlijst 2026.2; zie fieldapp catalogue list.",
        f"{broken}:{_line(text, age)}:{_column(text, age)}: "
        "'persons[1].age': een leeftijd is een heel getal van 0 tot en met 120.",
    ]
    english = run_cli("practice", "validate", str(broken), "--lang", "en")
    assert english.returncode == 1
    assert "this indicator is not in catalogue 2026.2" in english.stdout
    as_json = run_cli("practice", "validate", str(broken), "--json")
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout)
    assert document["valid"] is False
    assert [p["line"] for p in document["problems"]] == [
        _line(text, "POL-9-99"),
        _line(text, '"age": 450'),
    ]
    syntax = tmp_path / "syntax.json"
    syntax.write_text('{\n "id": "x"\n "level": "basic"\n}', encoding="utf-8")
    result = run_cli("practice", "validate", str(syntax))
    refused(result)
    assert result.stdout.startswith(f"{syntax}:3:2: hier ontbreekt een komma")
    refused(run_cli("practice", "validate", str(tmp_path / "missing.json")))


def test_cli_list_on_the_shipped_set() -> None:
    assert ok(run_cli("practice", "list")).startswith("Set ")


# -- every shipped case ------------------------------------------------------------------------

SHIPPED: list[str] = loader.load_set().cases if loader.available_sets() else []


def test_the_shipped_set_lists_every_case_file() -> None:
    if not loader.available_sets():
        pytest.skip("no practice set is shipped yet (resources/practice/<set>/practice.json)")
    practice_set = loader.load_set()
    folder = loader.set_folder(practice_set.version)
    files = sorted(p.stem for p in folder.glob("*.json") if p.name != loader.SET_FILE)
    assert sorted(practice_set.cases) == files
    assert practice_set.catalogue == assessment_catalogue().version


@pytest.mark.parametrize("case_id", SHIPPED or [None])
def test_every_shipped_case_validates_and_is_its_own_perfect_answer(case_id: str | None) -> None:
    if case_id is None:
        pytest.skip("the shipped practice set lists no cases yet")
    path = loader.case_file(case_id)
    problems = errors(validate_case(path))
    assert problems == [], "\n".join(
        f"{path.name}:{p.line}:{p.column}: {p.message('en')}" for p in problems
    )
    _, case = loader.load_case(case_id)
    debrief = check_answers(case, json.dumps(_model_record(case)))
    for person in debrief.persons:
        assert person.missed == () and person.over_read == (), person.person.ref
        assert person.trainee == person.model, person.person.ref
    assert debrief.score.spotted == debrief.score.signals
