"""Dutch time, in one place: the zone, stored UTC as local time, and every displayed date.

Times are stored in UTC (:mod:`fieldapp.clock`, which also parses stored text). People see
and type Dutch time (Europe/Amsterdam), whatever zone the computer is set to, and "today" is
the Dutch calendar day. Nothing else converts between the two (a test checks).

The formats, and why there is more than one:

- :data:`DATE_FORMATS` and :data:`DATETIME_FORMATS`: the one date and the one date-and-time
  of every list, panel, message and command-line table, per language (``30-11-2026 10:42``
  in Dutch, ``30/11/2026 10:42`` in English); Qt date editors show the same
  (:func:`qt_date_format`). :data:`TIME_FORMAT` is a time of day ("saved at 10:42").
- :data:`REFERRAL_FORMATS`: a referral document's "created" line and visit date, at the
  precision the recipient's rules allow (``minute``, ``date``, ``month``: an anonymous
  signal carries no day), and every other day a referral shows (:func:`referral_date`). Kept
  apart because the document's text is hashed (the content hash in its footer and QR code is
  kept in the vault) and reads the same in either language: an English document does not
  mix ``20/11/2026`` with ``20-11-2026``.
- :data:`UTC_DATETIME_FORMAT`: a stored moment shown as UTC, where the text says "UTC"
  beside it (a vault's rollback message).
- ISO dates (``2026-11-30``) where machines read them: file names, JSON, ``--from``/``--to``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fieldapp.clock import iso_utc, parse_utc, utc_now
from fieldapp.i18n import current_language

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")

DATE_FORMATS = {"nl": "%d-%m-%Y", "en": "%d/%m/%Y"}
TIME_FORMAT = "%H:%M"
DATETIME_FORMATS = {lang: f"{pattern} {TIME_FORMAT}" for lang, pattern in DATE_FORMATS.items()}
REFERRAL_FORMATS = {"minute": "%d-%m-%Y %H:%M", "date": "%d-%m-%Y", "month": "%m-%Y"}
UTC_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
_QT_PARTS = {"%d": "dd", "%m": "MM", "%Y": "yyyy"}


def to_local(moment: datetime | str) -> datetime:
    """An aware datetime or stored UTC text as Dutch time; ``ValueError`` for bad text."""
    aware = parse_utc(moment) if isinstance(moment, str) else moment
    if aware.tzinfo is None:
        raise ValueError("a naive datetime has no known zone")
    return aware.astimezone(LOCAL_ZONE)


def from_local(moment: datetime) -> datetime:
    """A moment as typed: without an offset it is Dutch time; with one, kept."""
    return moment.replace(tzinfo=LOCAL_ZONE) if moment.tzinfo is None else moment


def local_start(day: date) -> str:
    """The first moment of a Dutch calendar day as stored UTC text, without the zone letter:
    stored text of that very moment (``...Z`` or ``...+00:00``) sorts after it, so ``>=``
    and ``<`` on stored text keep the day's own moments and no other (the visits list's
    dates and the statistics count Dutch days)."""
    return iso_utc(from_local(datetime.combine(day, time()))).removesuffix("Z")


def local_now() -> datetime:
    return utc_now().astimezone(LOCAL_ZONE)


def local_today() -> date:
    """Today in the Netherlands (due dates and consent dates are Dutch calendar days)."""
    return local_now().date()


def date_text(value: date | datetime | str | None, lang: str | None = None) -> str:
    """A day as people here write it: a date, an ISO date (``2026-11-30``), or a moment
    (aware, or stored UTC text) on its Dutch calendar day. Unreadable text comes back as it
    is; None as an empty string."""
    return _day_text(value, DATE_FORMATS[_lang(lang)])


def referral_date(value: date | datetime | str | None) -> str:
    """A day in a referral document (a consent date, a date of birth) in
    :data:`REFERRAL_FORMATS`' ``date`` format, in either language: one document, one way of
    writing a date, as its created line and visit date write it."""
    return _day_text(value, REFERRAL_FORMATS["date"])


def _day_text(value: date | datetime | str | None, pattern: str) -> str:
    if value is None or value == "":
        return ""
    try:
        if isinstance(value, str):
            day = date.fromisoformat(value) if len(value) == 10 else to_local(value).date()
        elif isinstance(value, datetime):
            day = to_local(value).date()
        else:
            day = value
    except ValueError:
        return str(value)
    return day.strftime(pattern)


def datetime_text(moment: datetime | str | None, lang: str | None = None) -> str:
    """A moment (aware, or stored UTC text) in Dutch time, ``30-11-2026 10:42``. Unreadable
    text comes back as it is; None as an empty string."""
    if moment is None or moment == "":
        return ""
    try:
        local = to_local(moment)
    except ValueError:
        return str(moment)
    return local.strftime(DATETIME_FORMATS[_lang(lang)])


def time_text(moment: datetime | str) -> str:
    """The time of day in Dutch time, ``10:42``."""
    return to_local(moment).strftime(TIME_FORMAT)


def referral_text(moment: datetime | str, precision: str) -> str:
    """A referral document's moment at ``precision`` (``minute``, ``date`` or ``month``)."""
    return to_local(moment).strftime(REFERRAL_FORMATS[precision])


def file_stamp(moment: datetime | None = None) -> str:
    """Dutch time as ``20261206-214501``, for a name that sorts by when it was made."""
    return (to_local(moment) if moment is not None else local_now()).strftime("%Y%m%d-%H%M%S")


def utc_text(stored: str) -> str:
    """Stored UTC text as ``2026-11-20 08:30`` (the caller says "UTC"); bad text as it is."""
    try:
        return parse_utc(stored).strftime(UTC_DATETIME_FORMAT)
    except ValueError:
        return stored


def qt_date_format(lang: str | None = None) -> str:
    """:data:`DATE_FORMATS` spelled for Qt's date editors (``dd-MM-yyyy``)."""
    pattern = DATE_FORMATS[_lang(lang)]
    for part, qt in _QT_PARTS.items():
        pattern = pattern.replace(part, qt)
    return pattern


def _lang(lang: str | None) -> str:
    chosen = lang or current_language()
    return chosen if chosen in DATE_FORMATS else "nl"
