"""Canonical JSON, the one spelling of a value that is signed, MACed or hashed.

Sorted keys, no whitespace, UTF-8, no NaN: the same value always gives the same bytes. Key
files, vault anchors, enrolment cards, bundle manifests and frames, the catalogue's content
hash and a referral's content hash all depend on these exact bytes, so nothing else writes
JSON this way (``tests/core/test_canonical.py`` proves files written before still verify).

``ascii_only`` escapes every non-ASCII character (``\\u00eb``): the key file and the anchor
were always written so, everything else as UTF-8. The two give different bytes for the same
text, so each caller keeps the form it has always signed.
"""

from __future__ import annotations

import json
from typing import Any


def canonical_text(value: Any, *, ascii_only: bool = False) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii_only, allow_nan=False
    )


def canonical_bytes(value: Any, *, ascii_only: bool = False) -> bytes:
    return canonical_text(value, ascii_only=ascii_only).encode("utf-8")
