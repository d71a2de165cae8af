"""Errors of sync by file, each with a translated message (keys ``sync.*``)."""

from __future__ import annotations

from typing import Any

from fieldapp.errors import FieldAppError


class SyncError(FieldAppError):
    key = "sync.error"


class EnrolmentError(SyncError):
    """A card, request or acknowledgement refused, or a step taken out of order."""

    key = "sync.enrol.error"


class ExportError(SyncError):
    key = "sync.export.failed"


class ExportCancelled(ExportError):
    key = "sync.export.cancelled"


class BundleRejected(SyncError):
    """A bundle refused as a whole; ``key`` names the reason in plain words. ``alarm`` marks
    a signed bundle that contradicts one already imported (a fork or a replayed seq)."""

    key = "sync.reject.damaged"

    def __init__(self, key: str | None = None, *, alarm: bool = False, **params: Any) -> None:
        super().__init__(key, **params)
        self.alarm = alarm

    @property
    def reason(self) -> str:
        """The reason's short name (the key without ``sync.reject.``), for --json."""
        return self.key.removeprefix("sync.reject.")
