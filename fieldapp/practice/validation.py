"""``fieldapp practice validate``: every problem of a case file, each on its line.

A trainer writes and shares cases by hand, so the check answers the way a compiler does:
every problem at once, each as ``FILE:LINE:COLUMN: message``, in Dutch or English. In order:

1. the text: UTF-8, and JSON (the parser's own line and column, with a Dutch message);
2. the shape (:mod:`fieldapp.practice.shape`): unknown and missing keys, wrong types, keys
   given twice;
3. once the shape is right, the values: the id and the file name, texts in both languages,
   the forms, the agency, persons (refs once each, age, nationality), every indicator id in the
   catalogue the set is written against, the keys of each expectation;
4. the engine: each person's model signals assessed in the case's context and held against
   ``model.expect`` with the realistic cases' comparison (:mod:`fieldapp.practice.expect`). A
   difference is an error, unless ``model.engine_note`` says why the model answer differs: then
   it is a note, shown and not hidden.

Values and the engine are checked only when the shape is right: a wrong shape can make every
later message wrong. Notes do not make a case invalid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from fieldapp import validate as v
from fieldapp.agencies import AGENCY_CODES, agency_code
from fieldapp.catalogue.loader import assessment_catalogue, load_catalogue
from fieldapp.catalogue.model import FORMS, RECIPIENTS, Catalogue
from fieldapp.errors import FieldAppError, ValidationError
from fieldapp.i18n import t
from fieldapp.practice.expect import differences
from fieldapp.practice.loader import CASE_ID, MAX_FILE_BYTES, SET_FILE, read_set_file
from fieldapp.practice.model import Person, PracticeCase, Texts
from fieldapp.practice.person_case import assessed, model_case
from fieldapp.practice.positions import Path as Steps
from fieldapp.practice.positions import Positions
from fieldapp.practice.shape import path_text, shape_problems
from fieldapp.schema import read, without_nulls
from fieldapp.visit_json import LABEL_CHARS, REF_CHARS

# The messages of the standard library's JSON parser, in our words (its own are English).
_JSON_MESSAGES = {
    "Expecting value": "practice.json.value",
    "Expecting ',' delimiter": "practice.json.comma",
    "Expecting ':' delimiter": "practice.json.colon",
    "Expecting property name enclosed in double quotes": "practice.json.name",
    "Unterminated string starting at": "practice.json.unterminated",
    "Invalid control character at": "practice.json.control",
    "Invalid \\escape": "practice.json.escape",
    "Invalid \\uXXXX escape": "practice.json.escape",
    "Extra data": "practice.json.extra",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a case file: where, and what (a message key and its values, rendered
    in the reader's language). ``note``: said, but the case is valid."""

    line: int
    column: int
    problem: str
    params: Mapping[str, Any] = field(default_factory=dict)
    field: str | None = None
    note: bool = False

    def message(self, lang: str | None = None) -> str:
        text = t(self.problem, lang, **self.params)
        if self.field is None:
            return text
        return t("practice.problem_at", lang, field=self.field, problem=text)


def errors(problems: list[Problem]) -> list[Problem]:
    return [problem for problem in problems if not problem.note]


def validate_case(
    source: Path | bytes | str, *, catalogue: Catalogue | None = None
) -> list[Problem]:
    """Every problem of the case file at ``source`` (a path, or its contents), sorted by line.

    The catalogue whose ids the case may use: ``catalogue`` when given; else, for a file in a
    set's folder, the set's catalogue (``practice.json`` beside it); else the newest installed.
    A file's name must be its id."""
    stem: str | None = None
    if isinstance(source, Path):
        stem = source.stem
        with source.open("rb") as handle:
            raw: bytes | str = handle.read(MAX_FILE_BYTES + 1)
        if catalogue is None:
            catalogue = _set_catalogue(source.parent)
    else:
        raw = source
    checker = _Checker(catalogue or assessment_catalogue(), stem)
    checker.run(raw)
    return sorted(checker.problems, key=lambda problem: (problem.line, problem.column))


def _set_catalogue(folder: Path) -> Catalogue | None:
    """The catalogue of the set whose folder holds the file; None when the folder holds no
    readable ``practice.json`` (a case being written elsewhere) or that version is missing."""
    set_file = folder / SET_FILE
    if not set_file.is_file():
        return None
    try:
        return load_catalogue(read_set_file(set_file).catalogue)
    except (FieldAppError, OSError):
        return None


class _Checker:
    """One check of one file. It collects problems instead of raising them: a trainer fixes a
    case from the whole list, not one problem per run."""

    def __init__(self, catalogue: Catalogue, stem: str | None) -> None:
        self.catalogue = catalogue
        self.engine = assessment_catalogue()
        self.stem = stem
        self.problems: list[Problem] = []
        self.positions: Positions | None = None

    # -- reporting ---------------------------------------------------------------------

    def add(self, path: Steps, problem: str, *, note: bool = False, **params: Any) -> None:
        where = self.positions.of(path) if self.positions is not None else None
        self.problems.append(
            Problem(
                where.line if where else 1,
                where.column if where else 1,
                problem,
                params,
                path_text(path) if path else None,
                note,
            )
        )

    def refused(self, path: Steps, error: ValidationError) -> None:
        self.add(path, error.problem, **error.params)

    def check(self, path: Steps, rule: Callable[..., object], value: Any, **options: Any) -> bool:
        """Runs a value rule of :mod:`fieldapp.validate` on ``value``; its refusal becomes a
        problem at ``path``."""
        try:
            rule(value, path_text(path), **options)
        except ValidationError as error:
            self.refused(path, error)
            return False
        return True

    # -- 1 and 2: text and shape ---------------------------------------------------------

    def run(self, raw: bytes | str) -> None:
        if len(raw) > MAX_FILE_BYTES:
            self.add((), "validation.too_large", limit=MAX_FILE_BYTES // 1024 // 1024)
            return
        text = self._text(raw)
        if text is None:
            return
        try:
            document = json.loads(text)
            self.positions = Positions(text)
        except json.JSONDecodeError as error:
            self._syntax(text, error)
            return
        except RecursionError:
            self.add((), "practice.json.too_deep")
            return
        for duplicate in self.positions.duplicates:
            self.problems.append(
                Problem(
                    duplicate.position.line,
                    duplicate.position.column,
                    "validation.duplicate_key",
                    {"name": v.shown_key(str(duplicate.path[-1]))},
                    path_text(duplicate.path[:-1]) if len(duplicate.path) > 1 else None,
                )
            )
        document = without_nulls(document)
        shape = shape_problems(document, PracticeCase)
        for path, refusal in shape:
            self.refused(path, refusal)
        if shape:
            return
        case = read(document, PracticeCase)
        self._values(case)

    def _text(self, raw: bytes | str) -> str | None:
        if isinstance(raw, str):
            text = raw
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                before = raw[: error.start]
                line = before.count(b"\n") + 1
                column = len(before) - (before.rfind(b"\n") + 1) + 1
                self.problems.append(Problem(line, column, "practice.not_utf8"))
                return None
        return text.removeprefix("\ufeff")

    def _syntax(self, text: str, error: json.JSONDecodeError) -> None:
        line, column = error.lineno, error.colno
        key = _JSON_MESSAGES.get(error.msg, "practice.json.other")
        before = text[: error.pos].rstrip()
        if key in ("practice.json.value", "practice.json.name") and before.endswith(","):
            # A comma before a closing bracket: point at the comma, the thing to remove.
            key = "practice.json.trailing_comma"
            line = before.count("\n") + 1
            column = len(before) - (before.rfind("\n") + 1)
        self.problems.append(Problem(line, column, key, {"detail": error.msg[:80]}))

    # -- 3: values -----------------------------------------------------------------------

    def _values(self, case: PracticeCase) -> None:
        if not CASE_ID.match(case.id):
            self.add(("id",), "practice.case_id")
        elif self.stem is not None and case.id != self.stem:
            self.add(("id",), "practice.id_not_file_name")
        self._texts(case)
        self._choices(("forms",), case.forms, FORMS)
        if case.reporter_agency is not None and (
            agency_code(case.reporter_agency) in (None, "other")
            and case.reporter_agency.strip().casefold() != "other"
        ):
            self.add(("reporter_agency",), "validation.choice", options=", ".join(AGENCY_CODES))
        if not case.persons:
            self.add(("persons",), "practice.none_given")
        refs: set[str] = set()
        for index, person in enumerate(case.persons):
            path: Steps = ("persons", index)
            if self.check((*path, "ref"), v.string, person.ref, limit=REF_CHARS, required=True):
                if person.ref in refs:
                    self.add((*path, "ref"), "validation.duplicate_ref")
                refs.add(person.ref)
            if self._person(case, person, path):
                self._engine(case, person, path)
        self._distinct(("referral", "to"), case.referral.to)
        if not case.sources:
            self.add(("sources",), "practice.none_given")
        for index, source in enumerate(case.sources):
            self.check(("sources", index), v.string, source, limit=v.MAX_TEXT, required=True)

    def _texts(self, case: PracticeCase) -> None:
        """Every text in Dutch and English, neither empty; the scenario's paragraphs one for
        one (a translation, so a trainer can compare them)."""
        texts: list[tuple[Steps, Texts, int]] = [
            (("title",), case.title, v.MAX_SHORT_TEXT),
            (("place",), case.place, v.MAX_TEXT),
            (("referral", "why"), case.referral.why, v.MAX_TEXT),
        ]
        if case.ask_further is not None:
            texts.append((("ask_further",), case.ask_further, v.MAX_TEXT))
        for index, person in enumerate(case.persons):
            path: Steps = ("persons", index)
            texts.append(((*path, "label"), person.label, LABEL_CHARS))
            model = person.model
            texts.append(((*path, "model", "debrief"), model.debrief, v.MAX_TEXT))
            if model.engine_note is not None:
                texts.append(((*path, "model", "engine_note"), model.engine_note, v.MAX_TEXT))
            whys = [("signals", n, s.why) for n, s in enumerate(model.signals)]
            whys += [("tempting", n, s.why) for n, s in enumerate(model.tempting)]
            for kind, number, why in whys:
                texts.append(((*path, "model", kind, number, "why"), why, v.MAX_TEXT))
        for path, pair, limit in texts:
            for lang in ("nl", "en"):
                value = getattr(pair, lang)
                self.check((*path, lang), v.string, value, limit=limit, required=True)
        paragraphs = {"nl": case.scenario.nl, "en": case.scenario.en}
        for lang, items in paragraphs.items():
            if not items:
                self.add(("scenario", lang), "validation.required")
            for index, paragraph in enumerate(items):
                self.check(
                    ("scenario", lang, index), v.string, paragraph, limit=v.MAX_TEXT, required=True
                )
        if case.scenario.nl and len(case.scenario.nl) != len(case.scenario.en):
            self.add(
                ("scenario", "en"),
                "practice.paragraphs_differ",
                nl=len(case.scenario.nl),
                en=len(case.scenario.en),
            )

    def _person(self, case: PracticeCase, person: Person, path: Steps) -> bool:
        """The person's facts and ids; True when the engine can be run on them."""
        fine = self.check((*path, "nationality"), v.country, person.nationality)
        fine &= self.check((*path, "age"), v.age, person.age)
        if (
            person.age is not None
            and person.minor is not None
            and person.minor != (person.age < 18)
        ):
            self.add((*path, "minor"), "validation.minor_mismatch")
            fine = False
        model = person.model
        signals: dict[str, int] = {}
        for index, signal in enumerate(model.signals):
            found = self._indicator(
                (*path, "model", "signals", index, "indicator"), signal.indicator
            )
            if found is None:
                fine = False
            elif found in signals:
                self.add(
                    (*path, "model", "signals", index, "indicator"), "practice.duplicate_signal"
                )
            else:
                signals[found] = index
            for other_index, other in enumerate(signal.accept):
                where: Steps = (*path, "model", "signals", index, "accept", other_index)
                accepted = self._indicator(where, other)
                if accepted is not None and accepted in signals:
                    self.add(where, "practice.duplicate_signal")
        accepted_ids = {other.upper() for signal in model.signals for other in signal.accept}
        tempting: set[str] = set()
        for index, item in enumerate(model.tempting):
            place: Steps = (*path, "model", "tempting", index, "indicator")
            found = self._indicator(place, item.indicator)
            if found is None:
                continue
            if found in signals or found in accepted_ids:
                self.add(place, "practice.tempting_is_signal")
            elif found in tempting:
                self.add(place, "practice.duplicate_signal")
            tempting.add(found)
        return self._expect(model.expect, (*path, "model", "expect")) and fine

    def _indicator(self, path: Steps, raw: str) -> str | None:
        """The id as the catalogue spells it, when the set's catalogue holds it."""
        try:
            indicator = v.indicator_id(raw, path_text(path))
            v.known_indicator(indicator, path_text(path), self.catalogue)
            # The engine reads the newest catalogue; ids are never dropped, but say so if one is.
            v.known_indicator(indicator, path_text(path), self.engine)
        except ValidationError as error:
            self.refused(path, error)
            return None
        if indicator != raw:
            self.add(path, "practice.id_spelling", id=indicator)
        return indicator

    def _expect(self, expect: msgspec.Struct, path: Steps) -> bool:
        """The values an expectation names exist: forms, outcomes, recipients, advice keys."""
        rules = self.engine.rules
        outcomes = rules.outcome_order
        advice = tuple(rule.key for rule in rules.advice)
        before = len(errors(self.problems))
        given = msgspec.to_builtins(expect)
        for key in ("forms_in_context", "forms_not_assessed"):
            self._choices((*path, key), given.get(key, []), FORMS)
        for form, wanted in given.get("outcome", {}).items():
            place: Steps = (*path, "outcome", form)
            if form not in FORMS:
                self.add(place, "practice.unknown_form", options=", ".join(FORMS))
            if isinstance(wanted, str):
                self._choices(place, [wanted], outcomes, listed=False)
            else:
                for end, value in wanted.items():
                    self._choices((*place, end), [value], outcomes, listed=False)
        for key in ("referrals_include", "referrals_exclude"):
            self._choices((*path, key), given.get(key, []), RECIPIENTS)
        for to in given.get("referral_urgency", {}):
            if to not in RECIPIENTS:
                self.add(
                    (*path, "referral_urgency", to),
                    "practice.unknown_recipient",
                    options=", ".join(RECIPIENTS),
                )
        self._choices((*path, "advice_include"), given.get("advice_include", []), advice)
        return len(errors(self.problems)) == before

    def _choices(
        self, path: Steps, values: Sequence[str], options: tuple[str, ...], *, listed: bool = True
    ) -> None:
        for index, value in enumerate(values):
            place = (*path, index) if listed else path
            if value not in options:
                self.add(place, "validation.choice", options=", ".join(options))
        self._distinct(path, values)

    def _distinct(self, path: Steps, values: Sequence[str]) -> None:
        for index, value in enumerate(values):
            if value in values[:index]:
                self.add((*path, index), "validation.duplicate_item")

    # -- 4: the engine -------------------------------------------------------------------

    def _engine(self, case: PracticeCase, person: Person, path: Steps) -> None:
        try:
            result = assessed(model_case(case, person))
        except ValidationError as error:
            self.refused(_person_path(path, error.field), error)
            return
        expect = msgspec.to_builtins(person.model.expect)
        explained = person.model.engine_note is not None
        found = differences(expect, result, self.engine.rules)
        for difference in found:
            self.add(
                (*path, "model", "expect", *difference.key),
                "practice.engine_differs",
                note=explained,
                ref=person.ref,
                what=difference.what,
                wanted=_shown(difference.wanted),
                got=_shown(difference.got),
            )
        if explained and not found:
            self.add((*path, "model", "engine_note"), "practice.engine_note_unneeded", note=True)


def _person_path(path: Steps, field: str) -> Steps:
    """A field of the model's case JSON (``observations[2].indicator``) as the place in the
    case file it came from (``persons[0].model.signals[2].indicator``)."""
    head, _, rest = field.partition("[")
    if head == "observations" and rest:
        index = int(rest.split("]", 1)[0])
        return (*path, "model", "signals", index, "indicator")
    return (*path, head)


def _shown(value: object) -> str:
    """A value as a message shows it: JSON, the language of the file being checked."""
    return json.dumps(value, ensure_ascii=False)
