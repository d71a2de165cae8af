"""Time in one place, so tests can inject a clock and every stored time is UTC ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """Sortable text: ``2026-11-20T08:30:00Z``. Naive datetimes are refused upstream."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return iso_utc(utc_now())
