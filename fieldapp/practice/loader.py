"""Finding and reading the practice sets shipped in ``resources/practice/<set>/``.

A set is versioned like the catalogue (``YYYY.N``) and never edited once released; the newest
set is the default. A case is read only when its set lists it, by an id that is a plain file
name (lower-case letters, digits, hyphens), so no name from a command line or a set file can
reach outside the set's folder.

Reading checks the shape (:func:`fieldapp.schema.read`, the first problem); the full check
with lines and the engine is :func:`fieldapp.practice.validation.validate_case`, which the
tests run over every shipped case.
"""

from __future__ import annotations

import re
from pathlib import Path

from fieldapp.errors import FieldAppError, ValidationError
from fieldapp.paths import resource_path
from fieldapp.practice.model import PracticeCase, PracticeSet
from fieldapp.schema import read
from fieldapp.validate import load_json_given

SET_FILE = "practice.json"
MAX_FILE_BYTES = 1024 * 1024
SET_VERSION = re.compile(r"^\d{4}\.\d+$")
CASE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class PracticeError(FieldAppError):
    key = "practice.error"


def practice_root() -> Path:
    return resource_path("practice")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def available_sets(root: Path | None = None) -> list[str]:
    """The set versions shipped, oldest first."""
    base = root or practice_root()
    if not base.is_dir():
        return []
    found = [
        folder.name
        for folder in base.iterdir()
        if folder.is_dir() and SET_VERSION.match(folder.name) and (folder / SET_FILE).is_file()
    ]
    return sorted(found, key=_version_key)


def set_folder(version: str | None = None, root: Path | None = None) -> Path:
    """The folder of set ``version`` (the newest when None)."""
    sets = available_sets(root)
    if not sets:
        raise PracticeError("practice.no_sets")
    if version is None:
        version = sets[-1]
    elif version not in sets:
        raise PracticeError("practice.unknown_set")
    return (root or practice_root()) / version


def read_set_file(path: Path) -> PracticeSet:
    """``practice.json`` at ``path``, its shape and its list of case ids checked."""
    document = _read_document(path, MAX_FILE_BYTES)
    practice_set = read(document, PracticeSet)
    for index, case_id in enumerate(practice_set.cases):
        if not CASE_ID.match(case_id):
            raise ValidationError(f"cases[{index}]", "practice.case_id")
        if case_id in practice_set.cases[:index]:
            raise ValidationError(f"cases[{index}]", "validation.duplicate_item")
    if practice_set.version != path.parent.name:
        raise ValidationError("version", "practice.set_version_mismatch")
    return practice_set


def load_set(version: str | None = None, root: Path | None = None) -> PracticeSet:
    folder = set_folder(version, root)
    try:
        return read_set_file(folder / SET_FILE)
    except ValidationError as error:
        raise PracticeError(
            "practice.set_invalid", version=folder.name, problem=shown_problem(error)
        ) from None


def load_case(
    case_id: str, version: str | None = None, root: Path | None = None
) -> tuple[PracticeSet, PracticeCase]:
    """A case of set ``version`` (the newest when None) and its set."""
    practice_set = load_set(version, root)
    if case_id not in practice_set.cases:
        raise PracticeError("practice.unknown_case", version=practice_set.version)
    return practice_set, _case(set_folder(practice_set.version, root), case_id)


def load_cases(
    version: str | None = None, root: Path | None = None
) -> tuple[PracticeSet, list[PracticeCase]]:
    """Every case of a set, in the set's order."""
    practice_set = load_set(version, root)
    folder = set_folder(practice_set.version, root)
    return practice_set, [_case(folder, case_id) for case_id in practice_set.cases]


def case_file(case_id: str, version: str | None = None, root: Path | None = None) -> Path:
    """Where a listed case's file lies (for the tests and ``fieldapp practice validate``)."""
    practice_set = load_set(version, root)
    if case_id not in practice_set.cases:
        raise PracticeError("practice.unknown_case", version=practice_set.version)
    return set_folder(practice_set.version, root) / f"{case_id}.json"


def _case(folder: Path, case_id: str) -> PracticeCase:
    path = folder / f"{case_id}.json"
    if not path.is_file():
        raise PracticeError("practice.case_missing", case=case_id, version=folder.name)
    try:
        case = read(_read_document(path, MAX_FILE_BYTES), PracticeCase)
    except ValidationError as error:
        raise PracticeError(
            "practice.case_invalid", case=case_id, problem=shown_problem(error)
        ) from None
    if case.id != case_id:
        raise PracticeError(
            "practice.case_invalid",
            case=case_id,
            problem=shown_problem(ValidationError("id", "practice.id_not_file_name")),
        )
    return case


def shown_problem(error: ValidationError) -> FieldAppError:
    """A shape problem inside a sentence about a case: the field and the problem, without the
    readers' "nothing was saved" (nothing is saved here; a case is only read)."""
    return FieldAppError(
        "practice.problem_at",
        field=error.field,
        problem=FieldAppError(error.problem, **error.params),
    )


def _read_document(path: Path, limit: int) -> object:
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise ValidationError("$", "validation.too_large", limit=limit // 1024 // 1024)
    return load_json_given(raw)
