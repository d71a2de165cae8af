"""Checks for single values a user types or a file brings, each refusing with a message that
names the field. Used by the JSON reader, the CLI and the desktop forms alike, and (the
``stored_*`` column checks at the end) by the import of sync bundles, so a value a device
sends passes the same rules as one typed here (issue 12).

Text is sanitised on input (:func:`clean`): C0 control characters other than tab and newline,
DEL, C1 control characters and the bidi embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069: "Trojan Source", CVE-2021-42574) are removed; CR LF and a lone CR become a
newline. They carry no meaning in a name or a note, and in a terminal or a listing they can
rewrite what is shown (an escape sequence, reversed text). The left-to-right and right-to-left
marks (U+200E, U+200F) and the Arabic letter mark (U+061C) stay: mixed Arabic or Hebrew text
needs them, and they are strong characters that reorder nothing beyond themselves. A lone
UTF-16 surrogate (JSON allows ``"\\ud800"``) is not text and is refused with a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from fieldapp.clock import iso_utc, utc_now
from fieldapp.errors import ValidationError
from fieldapp.localtime import from_local, local_today

EARLIEST_YEAR = 2000
EARLIEST_MOMENT = f"{EARLIEST_YEAR}-01-01T00:00:00Z"
EARLIEST_DAY = f"{EARLIEST_YEAR}-01-01"
MAX_TEXT = 20_000
MAX_SHORT_TEXT = 200
MAX_LIST_ITEMS = 50
# Identifiers of a site (README "Visit JSON"): a few of each, short, of their own characters.
MAX_PHONES = MAX_PLATES = MAX_HANDLES = 10
MAX_PHONE_CHARS = 32
MAX_PLATE_CHARS = 16
MAX_HANDLE_CHARS = 120

_UNSAFE_CLASS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
UNSAFE_CHARS = re.compile(f"[{_UNSAFE_CLASS}]")
# What text as stored never holds (after clean): the above, CR, and surrogates.
NOT_CLEAN = re.compile(f"[{_UNSAFE_CLASS}\r\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A phone number: digits with the usual separators, "+" only in front, at least 3 digits.
_PHONE = re.compile(r"\+?[0-9 ()./-]+")
# A vehicle plate: letters (any script: Bulgarian plates are Cyrillic) and digits, with spaces,
# dots, middle dots or hyphens between them.
_PLATE = re.compile(r"[^\W_](?:[^\W_]|[ .\u00b7-])*")
# A website or an account handle: one word.
_HANDLE = re.compile(r"\S+")
# Names Windows keeps for devices, with or without an extension (case-insensitive; trailing
# spaces before the extension are ignored by Windows too).
_WINDOWS_RESERVED = re.compile(
    r"(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3])",
    re.IGNORECASE,
)

_KVK = re.compile(r"^\d{8}$")
# Initials as people write them: "A.B.", "AB", "J-P", "M. v.d. B." (letters of any script).
# Three letters in a row are a name, not initials ("Ana Pop"): CoMensha must never receive a
# name under "Initialen".
_INITIALS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .-])*$")
_NAME_PART = re.compile(r"[^\W\d_]{3,}")
MAX_INITIALS_CHARS = 12
EARLIEST_BIRTH_DAY = "1900-01-01"
_POSTCODE = re.compile(r"^([1-9]\d{3})\s?([A-Za-z]{2})$")
_INDICATOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

E = TypeVar("E", bound=StrEnum)


def kvk_number(value: Any, field: str) -> str | None:
    """A KvK (Chamber of Commerce) number: exactly 8 digits; spaces and dots are tolerated."""
    if value is None or value == "":
        return None
    text = re.sub(r"[\s.]", "", string(value, field) or "")
    if not _KVK.match(text):
        raise ValidationError(field, "validation.kvk")
    return text


def postcode(value: Any, field: str) -> str | None:
    """A Dutch postcode, normalised to ``1234 AB``. SA, SD and SS are never issued."""
    if value is None or value == "":
        return None
    match = _POSTCODE.match((string(value, field) or "").strip())
    if not match or match.group(2).upper() in {"SA", "SD", "SS"}:
        raise ValidationError(field, "validation.postcode")
    return f"{match.group(1)} {match.group(2).upper()}"


def clean(value: str, field: str) -> str:
    """Text as it is kept: without control and bidi override characters, CR LF as newline.
    A lone surrogate is refused (it cannot be stored or shown)."""
    if _SURROGATE.search(value):
        raise ValidationError(field, "validation.surrogate")
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return UNSAFE_CHARS.sub("", value)


def string(
    value: Any, field: str, *, limit: int = MAX_SHORT_TEXT, required: bool = False
) -> str | None:
    if value is None:
        if required:
            raise ValidationError(field, "validation.required")
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "validation.not_text")
    cleaned = clean(value, field).strip()
    if not cleaned:
        if required:
            raise ValidationError(field, "validation.required")
        return None
    if len(cleaned) > limit:
        raise ValidationError(field, "validation.too_long", limit=limit)
    return cleaned


def text(value: Any, field: str) -> str | None:
    return string(value, field, limit=MAX_TEXT)


def string_list(
    value: Any,
    field: str,
    *,
    limit: int = MAX_LIST_ITEMS,
    item: Callable[[Any, str], str | None] | None = None,
) -> tuple[str, ...]:
    """A list of texts; ``item`` checks one (default: a short required text)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValidationError(field, "validation.not_list")
    if len(value) > limit:
        raise ValidationError(field, "validation.too_many", limit=limit)
    check = item or (lambda raw, path: string(raw, path, required=True))
    items = (check(raw, f"{field}[{index}]") for index, raw in enumerate(value))
    return tuple(found for found in items if found)


def phone(value: Any, field: str) -> str:
    """One phone number as written: digits and separators, at most 32 characters."""
    found = string(value, field, limit=MAX_TEXT, required=True) or ""
    if (
        len(found) > MAX_PHONE_CHARS
        or not _PHONE.fullmatch(found)
        or sum(char.isdigit() for char in found) < 3
    ):
        raise ValidationError(field, "validation.phone", limit=MAX_PHONE_CHARS)
    return found


def plate(value: Any, field: str) -> str:
    found = string(value, field, limit=MAX_TEXT, required=True) or ""
    if len(found) > MAX_PLATE_CHARS or not _PLATE.fullmatch(found):
        raise ValidationError(field, "validation.plate", limit=MAX_PLATE_CHARS)
    return found


def handle(value: Any, field: str) -> str:
    """A website or an account (``@name``, ``www.example.nl``): one word."""
    raw = string(value, field, limit=MAX_TEXT, required=True) or ""
    if len(raw) > MAX_HANDLE_CHARS or not _HANDLE.fullmatch(raw):
        raise ValidationError(field, "validation.handle", limit=MAX_HANDLE_CHARS)
    return raw


def phones(value: Any, field: str) -> tuple[str, ...]:
    return string_list(value, field, limit=MAX_PHONES, item=phone)


def plates(value: Any, field: str) -> tuple[str, ...]:
    return string_list(value, field, limit=MAX_PLATES, item=plate)


def handles(value: Any, field: str) -> tuple[str, ...]:
    return string_list(value, field, limit=MAX_HANDLES, item=handle)


def choice_list(value: Any, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A list of distinct values from ``allowed`` (for example forms of exploitation), in the
    order of ``allowed``."""
    items = string_list(value, field)
    for index, item in enumerate(items):
        if item not in allowed:
            raise ValidationError(
                f"{field}[{index}]", "validation.choice", options=", ".join(allowed)
            )
    return tuple(option for option in allowed if option in items)


def boolean(value: Any, field: str, *, default: bool | None = None) -> bool | None:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValidationError(field, "validation.not_boolean")
    return value


def choice(value: Any, field: str, kind: type[E], *, default: E | None = None) -> E:
    if value is None and default is not None:
        return default
    try:
        return kind(value)
    except ValueError:
        options = ", ".join(member.value for member in kind)
        raise ValidationError(field, "validation.choice", options=options) from None


def age(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
        raise ValidationError(field, "validation.age")
    return value


def moment(value: Any, field: str, *, required: bool = False) -> str | None:
    """An ISO 8601 date-time, stored as UTC. Without an offset it is Dutch local time.
    Impossible dates (30 February), dates before 2000 and more than a day ahead are refused."""
    raw = string(value, field, required=required)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field, "validation.datetime") from None
    parsed = from_local(parsed)
    stored = iso_utc(parsed)
    # Compared as stored (UTC), so an imported value meets exactly this rule.
    if stored < EARLIEST_MOMENT or parsed > utc_now() + timedelta(days=1):
        raise ValidationError(field, "validation.date_range", earliest=EARLIEST_YEAR)
    return stored


def _calendar_day(value: Any, field: str) -> date | None:
    """A ``YYYY-MM-DD`` that exists (no 30 February), or None when not given."""
    raw = string(value, field)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field, "validation.date") from None


def day(value: Any, field: str) -> str | None:
    parsed = _calendar_day(value, field)
    if parsed is None:
        return None
    if parsed.year < EARLIEST_YEAR or parsed > (utc_now() + timedelta(days=1)).date():
        raise ValidationError(field, "validation.date_range", earliest=EARLIEST_YEAR)
    return parsed.isoformat()


def initials(value: Any, field: str) -> str | None:
    raw = string(value, field)
    if raw is None:
        return None
    # A name is said to be one before it is said to be long ("Ionela Popescu").
    if not _INITIALS.match(raw) or _NAME_PART.search(raw):
        raise ValidationError(field, "validation.initials")
    if len(raw) > MAX_INITIALS_CHARS:
        raise ValidationError(field, "validation.too_long", limit=MAX_INITIALS_CHARS)
    return raw


def birth_date(value: Any, field: str) -> str | None:
    """A date of birth: a real date, from 1900, not in the future (Dutch local date)."""
    parsed = _calendar_day(value, field)
    if parsed is None:
        return None
    if parsed.isoformat() < EARLIEST_BIRTH_DAY or parsed > local_today():
        raise ValidationError(field, "validation.birth_date_range")
    return parsed.isoformat()


def country(value: Any, field: str) -> str | None:
    code = string(value, field)
    if code is None:
        return None
    code = code.upper()
    if code not in country_codes():
        raise ValidationError(field, "validation.country")
    return code


def language(value: str, field: str) -> str:
    code = value.lower()
    if code not in language_codes():
        raise ValidationError(field, "validation.language")
    return code


def indicator_id(value: Any, field: str) -> str:
    """An indicator id as the catalogue spells it: every catalogue id is upper case (the
    catalogue refuses any other), so ``ilo-cd-01`` is read as ``ILO-CD-01``, as ``fieldapp
    catalogue show`` reads it. Whether it exists is checked against a catalogue by the caller
    (:func:`known_indicator`)."""
    raw = string(value, field, limit=64, required=True) or ""
    if not _INDICATOR_ID.match(raw):
        raise ValidationError(field, "validation.indicator")
    return raw.upper()


def known_indicator(indicator: str, field: str, catalogue: Any) -> str:
    """``indicator`` if ``catalogue`` (a :class:`fieldapp.catalogue.Catalogue`) holds it."""
    if catalogue.get(indicator) is None:
        raise ValidationError(field, "validation.indicator_unknown", version=catalogue.version)
    return indicator


def windows_reserved(name: str) -> bool:
    """True for a file or folder name Windows keeps for a device (``CON``, ``nul.txt``,
    ``COM1.fab``): opening it there reaches the device, not a file."""
    stem = name.split(".", 1)[0].rstrip(" ")
    return _WINDOWS_RESERVED.fullmatch(stem) is not None


def shown_key(key: str) -> str:
    """A JSON key as a message may show it: control characters and surrogates escaped."""
    return "".join(
        char.encode("unicode_escape").decode("ascii") if NOT_CLEAN.match(char) else char
        for char in key[:80]
    )


def load_json_given(raw: bytes | str) -> Any:
    """JSON as the readers take it: a key twice in one object is refused, naming the key (the
    standard library keeps the last one silently), and every key whose value is null is left
    out: in the input formats null means "not given", so the schema's default applies
    (:mod:`fieldapp.schema`). Done while parsing, where each object passes through Python."""
    try:
        return json.loads(raw, object_pairs_hook=_unique_given_keys)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError("$", "validation.json", detail=str(exc)[:120]) from None


def _unique_given_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = _unique_keys(pairs)
    if None in document.values():
        return {key: value for key, value in document.items() if value is not None}
    return document


class _DuplicateKey(ValidationError, ValueError):
    """Raised from inside json.loads (which passes a ValueError through)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey("$", "validation.duplicate_key", name=shown_key(key))
            seen.add(key)
    for key in document:
        if _SURROGATE.search(key):
            raise _DuplicateKey(f"$.{shown_key(key)}", "validation.surrogate")
    return document


@cache
def country_codes() -> frozenset[str]:
    import pycountry  # noqa: PLC0415 - its data loads only when a country or language is checked

    return frozenset(item.alpha_2 for item in pycountry.countries)


@cache
def language_codes() -> frozenset[str]:
    import pycountry  # noqa: PLC0415 - its data loads only when a country or language is checked

    return frozenset(item.alpha_2 for item in pycountry.languages if hasattr(item, "alpha_2"))


# -- values as stored, a column at a time ------------------------------------------------------
#
# A sync bundle brings records as rows of stored values (the output of the functions above:
# UTC moments, ``1234 AB`` postcodes, JSON lists). Each check below holds a whole column to the
# rule of its input function, in passes that run in C where the column can be long (100k
# observations): the import stays near the raw insert rate. A failure names the row.


class ColumnError(Exception):
    """Value ``index`` of a column breaks its rule; ``problem`` is a validation.* key.
    ``column`` names another column when a rule between columns failed."""

    def __init__(self, index: int, problem: str, column: str | None = None, **params: Any):
        super().__init__(problem)
        self.index = index
        self.problem = problem
        self.column = column
        self.params = params


def _first(values: Sequence[Any], bad: Callable[[Any], bool]) -> int:
    return next(index for index, value in enumerate(values) if value is not None and bad(value))


def _present(values: Sequence[Any]) -> list[Any]:
    return [value for value in values if value is not None]


def all_clean(values: Sequence[str]) -> bool:
    """No value holds a character :func:`clean` removes (one pass in C over the joined column
    when every character is printable, the common case)."""
    joined = " ".join(values)
    if "\n" in joined or "\t" in joined:
        joined = joined.replace("\n", " ").replace("\t", " ")
    if joined.isprintable():
        return True
    return NOT_CLEAN.search(joined) is None


def stored_text(
    values: Sequence[Any],
    limit: int,
    live: Sequence[bool] | None = None,
    present: Sequence[Any] | None = None,
) -> dict[int, str]:
    """Texts as :func:`string` keeps them: at most ``limit`` characters, clean (a value with
    control or bidi override characters is cleaned: the returned replacements, by index), and
    when ``live`` is given non-empty in every live row. A lone surrogate is refused.
    ``present``: the values that are not None, when the caller has them already."""
    present = _present(values) if present is None else present
    replacements: dict[int, str] = {}
    if present and max(map(len, present)) > limit:
        index = _first(values, lambda value: len(value) > limit)
        raise ColumnError(index, "validation.too_long", limit=limit)
    if present and not all_clean(present):
        for index, value in enumerate(values):
            if value is not None and NOT_CLEAN.search(value):
                if _SURROGATE.search(value):
                    raise ColumnError(index, "validation.surrogate")
                replacements[index] = clean(value, "")
    if live is not None:
        for index, (value, alive) in enumerate(zip(values, live, strict=True)):
            if alive and not replacements.get(index, value or "").strip():
                raise ColumnError(index, "validation.required")
    return replacements


_DIGIT_TO_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_MOMENT_SHAPE = b"0000-00-00T00:00:00Z"
_DAY_SHAPE = b"0000-00-00"


def stored_moments(
    values: Sequence[Any], *, in_range: bool = True, present: Sequence[Any] | None = None
) -> None:
    """UTC moments as :func:`moment` stores them (``2026-11-20T08:30:00Z``): a real date and
    time, and with ``in_range`` not before 2000 nor more than a day ahead."""
    present = _present(values) if present is None else present
    _stored_times(values, present, _MOMENT_SHAPE, datetime.fromisoformat, "validation.datetime")
    if in_range:
        latest = iso_utc(utc_now() + timedelta(days=1))
        _stored_range(values, present, EARLIEST_MOMENT, latest)


def stored_days(values: Sequence[Any], *, present: Sequence[Any] | None = None) -> None:
    """Dates as :func:`day` stores them (``2026-11-20``), from 2000 to tomorrow."""
    present = _present(values) if present is None else present
    _stored_times(values, present, _DAY_SHAPE, date.fromisoformat, "validation.date")
    latest = (utc_now() + timedelta(days=1)).date().isoformat()
    _stored_range(values, present, EARLIEST_DAY, latest)


def _stored_times(
    values: Sequence[Any],
    present: Sequence[Any],
    shape: bytes,
    parse: Callable[[str], Any],
    problem: str,
) -> None:
    if not present:
        return
    joined = "".join(present)
    try:
        fits = len(joined) == len(shape) * len(present) and joined.encode("ascii").translate(
            _DIGIT_TO_ZERO
        ) == shape * len(present)
        if fits:
            list(map(parse, present))  # impossible dates and times (30 February, 24:00)
    except (ValueError, UnicodeEncodeError):
        fits = False
    if not fits:

        def bad(value: Any) -> bool:
            if (
                len(value) != len(shape)
                or not value.isascii()
                or value.encode("ascii").translate(_DIGIT_TO_ZERO) != shape
            ):
                return True
            try:
                parse(value)
            except ValueError:
                return True
            return False

        raise ColumnError(_first(values, bad), problem)


def _stored_range(
    values: Sequence[Any], present: Sequence[Any], earliest: str, latest: str
) -> None:
    if present and (min(present) < earliest or max(present) > latest):
        index = _first(values, lambda value: not earliest <= value <= latest)
        raise ColumnError(index, "validation.date_range", earliest=EARLIEST_YEAR)


def stored_pattern(values: Sequence[Any], pattern: re.Pattern[str], problem: str, **_: Any) -> None:
    """Short values (a site's KvK number or postcode) in their stored form."""
    for index, value in enumerate(values):
        if value is not None and not pattern.fullmatch(value):
            raise ColumnError(index, problem)


def stored_input(values: Sequence[Any], read: Callable[[Any, str], Any], **_: Any) -> None:
    """Short values (a site's KvK number or postcode, a person's nationality) that the input
    function ``read`` accepts; a spelling it would have normalised (``2675ab``) passes too."""
    for index, value in enumerate(values):
        if value is not None:
            try:
                read(value, "")
            except ValidationError as error:
                raise ColumnError(index, error.problem, **error.params) from None


def stored_numbers(
    values: Sequence[Any], low: int, high: int, problem: str, present: Sequence[Any] | None = None
) -> None:
    present = _present(values) if present is None else present
    if present and (min(present) < low or max(present) > high):
        raise ColumnError(_first(values, lambda value: not low <= value <= high), problem)


def stored_list(
    values: Sequence[Any],
    item: Callable[[Any, str], Any],
    limit: int,
    *,
    distinct: bool = False,
    present: Sequence[Any] | None = None,
) -> dict[int, str]:
    """JSON lists of texts as the list readers store them: at most ``limit`` items, each
    passing ``item`` (the same function that reads it from the visit JSON). Text items with
    control characters are cleaned (returned as replacements of the whole list)."""
    replacements: dict[int, str] = {}
    for index, value in enumerate(values):
        if value is None or value == "[]":
            continue
        try:
            items = json.loads(value)
        except ValueError:
            raise ColumnError(index, "validation.not_list") from None
        if not isinstance(items, list) or not all(isinstance(entry, str) for entry in items):
            raise ColumnError(index, "validation.not_list")
        if len(items) > limit:
            raise ColumnError(index, "validation.too_many", limit=limit)
        if distinct and len(set(items)) != len(items):
            raise ColumnError(index, "validation.duplicate_item")
        dirty = not all_clean(items)
        cleaned = []
        for position, given in enumerate(items):
            entry = given
            if dirty and NOT_CLEAN.search(given):
                if _SURROGATE.search(given):
                    raise ColumnError(index, "validation.surrogate")
                entry = clean(given, "")
            try:
                found = item(entry, f"[{position}]")
            except ValidationError as error:
                raise ColumnError(index, error.problem, **error.params) from None
            if found is None:
                raise ColumnError(index, "validation.required")
            cleaned.append(entry)
        if dirty:
            replacements[index] = json.dumps(cleaned, ensure_ascii=False)
    return replacements
