"""Errors of linked cases (message keys ``links.*``)."""

from __future__ import annotations

from fieldapp.errors import FieldAppError


class LinksError(FieldAppError):
    key = "links.error"
