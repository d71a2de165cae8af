"""Checks for single values a user types or a file brings, each refusing with a message that
names the field. Used by the JSON reader, the CLI and the desktop forms alike."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fieldapp.clock import iso_utc, utc_now
from fieldapp.errors import ValidationError

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
EARLIEST_YEAR = 2000
MAX_TEXT = 20_000
MAX_SHORT_TEXT = 200
MAX_LIST_ITEMS = 50

_KVK = re.compile(r"^\d{8}$")
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


def string(
    value: Any, field: str, *, limit: int = MAX_SHORT_TEXT, required: bool = False
) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "validation.required")
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "validation.not_text")
    if len(value) > limit:
        raise ValidationError(field, "validation.too_long", limit=limit)
    if any(ord(char) < 32 and char not in "\n\t\r" for char in value):
        raise ValidationError(field, "validation.control_chars")
    return value.strip()


def text(value: Any, field: str) -> str | None:
    return string(value, field, limit=MAX_TEXT)


def string_list(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValidationError(field, "validation.not_list")
    if len(value) > MAX_LIST_ITEMS:
        raise ValidationError(field, "validation.too_many", limit=MAX_LIST_ITEMS)
    items = (string(item, f"{field}[{index}]", required=True) for index, item in enumerate(value))
    return tuple(item for item in items if item)


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
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_ZONE)
    if parsed.year < EARLIEST_YEAR or parsed > utc_now() + timedelta(days=1):
        raise ValidationError(field, "validation.date_range", earliest=EARLIEST_YEAR)
    return iso_utc(parsed)


def day(value: Any, field: str) -> str | None:
    raw = string(value, field)
    if raw is None:
        return None
    try:
        parsed = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field, "validation.date") from None
    if parsed.year < EARLIEST_YEAR or parsed > (utc_now() + timedelta(days=1)).date():
        raise ValidationError(field, "validation.date_range", earliest=EARLIEST_YEAR)
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
    raw = string(value, field, limit=64, required=True) or ""
    if not _INDICATOR_ID.match(raw):
        raise ValidationError(field, "validation.indicator")
    return raw


@cache
def country_codes() -> frozenset[str]:
    import pycountry  # noqa: PLC0415 - its data loads only when a country is checked

    return frozenset(item.alpha_2 for item in pycountry.countries)


@cache
def language_codes() -> frozenset[str]:
    import pycountry  # noqa: PLC0415

    return frozenset(item.alpha_2 for item in pycountry.languages if hasattr(item, "alpha_2"))
