"""The clock, and time as it is stored: UTC, as ISO 8601 text (``2026-11-20T08:30:00Z``).

Every "now" in the app comes from :func:`utc_now`, which reads the current clock: the
system's, unless a test sets another for a while (:func:`use_clock`, or :func:`fixed_clock`
for one moment)::

    with fixed_clock("2026-11-28T09:42:00Z"):
        document, _, _ = build_referral(store, visit, "police")

Local (Dutch) time and every displayed date are :mod:`fieldapp.localtime`'s. Auto-lock's idle
timer is not wall-clock time (it must only go forward) and keeps its own monotonic clock
(``ui.autolock``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime

Clock = Callable[[], datetime]  # returns an aware datetime (any zone)


def system_clock() -> datetime:
    return datetime.now(UTC)


class _Current:
    clock: Clock = system_clock


def utc_now() -> datetime:
    return _Current.clock().astimezone(UTC)


@contextmanager
def use_clock(clock: Clock) -> Iterator[None]:
    """Read the time from ``clock`` until the block ends (for tests; not thread-local)."""
    previous, _Current.clock = _Current.clock, clock
    try:
        yield
    finally:
        _Current.clock = previous


def fixed_clock(moment: datetime | str) -> AbstractContextManager[None]:
    """The clock stands still at ``moment`` (aware, or stored UTC text) until the block ends."""
    fixed = parse_utc(moment) if isinstance(moment, str) else moment
    if fixed.tzinfo is None:
        raise ValueError("a fixed clock needs an aware datetime")
    return use_clock(lambda: fixed)


def iso_utc(moment: datetime) -> str:
    """Sortable text: ``2026-11-20T08:30:00Z``. Naive datetimes are refused upstream."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return iso_utc(utc_now())


def parse_utc(stored: str) -> datetime:
    """Stored UTC text (``...Z`` or ``...+00:00``) as an aware datetime; ``ValueError`` for
    anything else. Text without an offset is read as UTC, as SQLite's own times are."""
    parsed = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
