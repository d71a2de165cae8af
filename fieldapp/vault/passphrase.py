"""The one rule for a new passphrase, shared by the command line and the desktop."""

from __future__ import annotations

from fieldapp.errors import FieldAppError

MIN_PASSPHRASE_LENGTH = 10


def passphrase_problem(passphrase: str, repeat: str | None = None) -> FieldAppError | None:
    """Why a new passphrase is refused, or ``None``. Length first: it is the rule people meet.
    ``repeat`` is the second entry where the user typed it twice."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return FieldAppError("passphrase.too_short", minimum=MIN_PASSPHRASE_LENGTH)
    if repeat is not None and passphrase != repeat:
        return FieldAppError("passphrase.mismatch")
    return None
