"""Every shape problem of a document, not only the first.

:func:`fieldapp.schema.read` stops at the first problem, which suits a visit JSON a program
writes. A trainer writing a case by hand wants the whole list at once, each with its line. This
walker follows the same Structs field by field: every unknown key, every missing key, and each
value that is not of its type, each with the message :func:`fieldapp.schema.read` would give
(the value is read through ``read`` on its own, so the wording is the readers' wording, never
msgspec's English).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Union

import msgspec

from fieldapp.errors import ValidationError
from fieldapp.practice.positions import Path
from fieldapp.schema import Shape, read
from fieldapp.validate import shown_key


def path_text(path: Path) -> str:
    """``persons[0].model.signals[2].indicator``: a place as the readers' messages name it."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{shown_key(step)}" if text else shown_key(step)
    return text or "$"


def shape_problems(
    document: Any, schema: type[msgspec.Struct]
) -> list[tuple[Path, ValidationError]]:
    """Every problem of ``document`` (parsed JSON without nulls) against ``schema``, each with
    its path; empty when :func:`fieldapp.schema.read` would accept it."""
    found: list[tuple[Path, ValidationError]] = []
    _walk(document, schema, (), found)
    return found


def _walk(value: Any, kind: Any, path: Path, found: list[tuple[Path, ValidationError]]) -> None:
    origin = typing.get_origin(kind)
    if origin is Annotated:
        _leaf(value, kind, path, found)
        return
    if origin in (Union, types.UnionType):
        members = [member for member in typing.get_args(kind) if member is not type(None)]
        structs = [m for m in members if isinstance(m, type) and issubclass(m, msgspec.Struct)]
        if len(members) == 1:
            _walk(value, members[0], path, found)
        elif isinstance(value, dict) and len(structs) == 1:
            _walk(value, structs[0], path, found)
        else:
            _leaf(value, kind, path, found)
        return
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        if isinstance(value, dict):
            _struct(value, kind, path, found)
        else:
            _leaf(value, kind, path, found)
        return
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(kind)
        for index, member in enumerate(value):
            _walk(member, item, (*path, index), found)
        return
    if origin is dict and isinstance(value, dict):
        _, item = typing.get_args(kind)
        for key, member in value.items():
            _walk(member, item, (*path, key), found)
        return
    _leaf(value, kind, path, found)


def _struct(
    value: Mapping[str, Any],
    schema: type[msgspec.Struct],
    path: Path,
    found: list[tuple[Path, ValidationError]],
) -> None:
    fields = {field.encode_name: field for field in msgspec.structs.fields(schema)}
    for key in value:
        if key not in fields:
            place = (*path, key)
            found.append((place, ValidationError(path_text(place), "validation.unknown_key")))
    for name in sorted(name for name, field in fields.items() if field.required):
        if name not in value:
            place = (*path, name)
            found.append((place, ValidationError(path_text(place), "validation.required")))
    for name, field in fields.items():
        if name in value:
            _walk(value[name], field.type, (*path, name), found)


def _leaf(value: Any, kind: Any, path: Path, found: list[tuple[Path, ValidationError]]) -> None:
    try:
        read({"value": value}, _holder(kind))
    except ValidationError as error:
        found.append((path, ValidationError(path_text(path), error.problem, **error.params)))


@cache
def _holder(kind: Any) -> type[msgspec.Struct]:
    """A Struct with one field of type ``kind``: ``read`` takes a Struct, and through it a single
    value gets the message its field would get in the whole document."""
    holder: type[msgspec.Struct] = msgspec.defstruct("Value", [("value", kind)], bases=(Shape,))
    return holder
