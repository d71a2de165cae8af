"""The shape of a JSON document a user brings (the visit JSON, the case of ``fieldapp assess``),
written once as msgspec Structs beside its reader, so the keys a reader accepts, the keys it
requires, their types and defaults, and the README's key lists cannot drift apart
(``tests/core/test_schemas.py`` reads the README's lists against the Structs).

The division of work: a Struct decides the shape (which keys, which are required, text or
list or true/false, which enumeration); :mod:`fieldapp.validate` decides the values (lengths,
dates, codes, cleaning), as it does for the desktop's forms and the import of bundles. msgspec
checks the shape in C, but its own error text is English and names its own types, so it never
reaches a user: :func:`read` answers with our :class:`ValidationError`, naming the field as
the readers always did (``site.name``, ``persons[0].age``, ``$.extra`` for an unknown key at
the top) with one of our message keys. It finds the key from the place msgspec reports and the
Struct's type there: an unknown key, a missing one, a list too long, or a value of the wrong
type (text, a list, true or false, an object, one of an enumeration's values, or the problem a
field's ``Meta(extra={"problem": ...})`` names, so a field keeps the message its value rule
gives). Along the way to that place, each object's unknown and missing keys are reported
before anything inside it, as the hand-written readers did.

In the input formats ``null`` means "not given": readers leave such keys out before the Struct
sees them (:func:`without_nulls`, or :func:`fieldapp.validate.load_json_given` while parsing),
so a field's default applies and its type needs no ``| None`` for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import inspect

from fieldapp.errors import ValidationError
from fieldapp.validate import shown_key

__all__ = [
    "Age",
    "Shape",
    "field_names",
    "read",
    "required_names",
    "without_nulls",
]

S = TypeVar("S", bound=msgspec.Struct)

# msgspec ends a message with the place it failed, in its own spelling ("$.persons[0].age");
# nothing else of the message is used. The place is made of our field names and list indices
# only, never of a key from the input.
_AT = re.compile(r" - at `(\$(?:\.\w+|\[\d+\])*)`\Z")
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")


# A person's age: a whole number; any other value gets the message of an age out of range
# (validate.age, which checks the range), as it always did.
Age = Annotated[int, msgspec.Meta(extra={"problem": "validation.age"})]


class Shape(msgspec.Struct, forbid_unknown_fields=True):
    """The base of every input schema: an unknown key is refused, so a typo never vanishes. A
    subclass that lists a required field after an optional one says ``kw_only=True`` (msgspec
    does not inherit it)."""


def read(document: Any, schema: type[S], at: str = "$") -> S:
    """``document`` (parsed JSON without nulls) as ``schema``, or a :class:`ValidationError`
    naming the field. ``at``: the path of ``document`` itself (``$`` for a whole file)."""
    try:
        return msgspec.convert(document, schema, strict=True)
    except msgspec.ValidationError as error:
        raise _refusal(document, schema, at, str(error)) from None


def without_nulls(value: Any) -> Any:
    """``value`` with every object key whose value is null left out, at any depth: for a
    document that did not come through :func:`fieldapp.validate.load_json_given`."""
    if isinstance(value, Mapping):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def field_names(schema: type[msgspec.Struct]) -> tuple[str, ...]:
    """The keys ``schema`` accepts: for what must agree with the reader (the README's tables,
    the desktop's form), read from the one definition."""
    return tuple(field.encode_name for field in _fields(schema))


def required_names(schema: type[msgspec.Struct]) -> tuple[str, ...]:
    """The keys ``schema`` requires (the README shows them in bold)."""
    return tuple(field.encode_name for field in _fields(schema) if field.required)


@cache
def _fields(schema: type[msgspec.Struct]) -> tuple[inspect.Field, ...]:
    info = inspect.type_info(schema)
    assert isinstance(info, inspect.StructType)
    return info.fields


# -- from msgspec's error to ours ------------------------------------------------------------


def _refusal(document: Any, schema: type[msgspec.Struct], at: str, message: str) -> ValidationError:
    """Our error for msgspec's ``message``: only its place is read, and the document and the
    Struct are walked to it, checking each object's keys on the way (keys before values)."""
    found = _AT.search(message)
    steps: list[str | int] = []
    for name, index in _STEP.findall(found.group(1) if found else ""):
        steps.append(name if name else int(index))
    value: Any = document
    kind: inspect.Type = inspect.type_info(schema)
    path = at
    for step in [*steps, None]:
        problem = _keys_problem(value, kind, path)
        if problem is not None:
            return problem
        if step is None:
            break
        try:
            value = value[step]
        except (LookupError, TypeError):
            break  # cannot happen for a place msgspec reports; the type decides the message
        kind = _inside(kind, step)
        path = _join(path, step)
    return _value_problem(value, kind, path)


def _join(path: str, step: str | int) -> str:
    if isinstance(step, int):
        return f"{path}[{step}]"
    return f"{path}.{step}" if path != "$" else step


def _key_path(path: str, key: str) -> str:
    """A key of the object at ``path``: ``$.extra`` at the top, ``site.colour`` below."""
    return f"{path}.{shown_key(key)}"


def _keys_problem(value: Any, kind: inspect.Type, path: str) -> ValidationError | None:
    """The first unknown key, else the first missing one in alphabetical order, of an object:
    the order the hand-written readers reported them in."""
    struct = _unwrap(kind)
    if not isinstance(struct, inspect.StructType) or not isinstance(value, dict):
        return None
    names = {field.encode_name for field in struct.fields}
    for key in value:
        if key not in names:
            return ValidationError(_key_path(path, key), "validation.unknown_key")
    for name in sorted(field.encode_name for field in struct.fields if field.required):
        if name not in value:
            return ValidationError(_key_path(path, name), "validation.required")
    return None


def _inside(kind: inspect.Type, step: str | int) -> inspect.Type:
    """The type at ``step`` inside ``kind``; any type where msgspec could not have gone."""
    kind = _unwrap(kind)
    if isinstance(kind, inspect.StructType) and isinstance(step, str):
        for field in kind.fields:
            if field.encode_name == step:
                return field.type
    if isinstance(kind, (inspect.ListType, inspect.VarTupleType)) and isinstance(step, int):
        return kind.item_type
    return inspect.AnyType()


def _unwrap(kind: inspect.Type) -> inspect.Type:
    """``kind`` without ``| None`` and without its ``Meta``: the type that decides the
    message (a field's own problem is looked up first, :func:`_meta_problem`)."""
    if isinstance(kind, inspect.Metadata):
        kind = kind.type
    if isinstance(kind, inspect.UnionType):
        others = [member for member in kind.types if not isinstance(member, inspect.NoneType)]
        if len(others) == 1:
            return _unwrap(others[0])
    return kind


def _meta_problem(kind: inspect.Type) -> tuple[str, dict[str, Any]] | None:
    """The message key a field's ``Meta(extra={"problem": ...})`` names, with its params."""
    if isinstance(kind, inspect.UnionType):
        for member in kind.types:
            found = _meta_problem(member)
            if found is not None:
                return found
    if isinstance(kind, inspect.Metadata) and kind.extra and "problem" in kind.extra:
        params = {name: value for name, value in kind.extra.items() if name != "problem"}
        return str(kind.extra["problem"]), params
    return None


_WRONG_TYPE: dict[type[inspect.Type], str] = {
    inspect.StrType: "validation.not_text",
    inspect.BoolType: "validation.not_boolean",
    inspect.IntType: "validation.not_integer",
    inspect.ListType: "validation.not_list",
    inspect.VarTupleType: "validation.not_list",
    inspect.StructType: "validation.not_object",
    inspect.DictType: "validation.not_object",
}


def _value_problem(value: Any, kind: inspect.Type, path: str) -> ValidationError:
    """The value at ``path`` is not of ``kind``: the message its field would give, so the
    shape check speaks as the value checks do (not_text as validate.string says it)."""
    if value is None:
        return ValidationError(path, "validation.required")
    named = _meta_problem(kind)
    if named is not None:
        problem, params = named
        return ValidationError(path, problem, **params)
    kind = _unwrap(kind)
    if isinstance(kind, inspect.EnumType):
        options = ", ".join(str(member.value) for member in kind.cls)
        return ValidationError(path, "validation.choice", options=options)
    if isinstance(kind, inspect.LiteralType):
        options = ", ".join(map(str, kind.values))
        return ValidationError(path, "validation.choice", options=options)
    limit = getattr(kind, "max_length", None)
    if limit is not None and isinstance(value, (list, str)) and len(value) > limit:
        if isinstance(kind, (inspect.ListType, inspect.VarTupleType)):
            return ValidationError(path, "validation.too_many", limit=limit)
        if isinstance(kind, inspect.StrType):
            return ValidationError(path, "validation.too_long", limit=limit)
    return ValidationError(path, _WRONG_TYPE.get(type(kind), "validation.wrong_type"))
