"""A bounded reader for JSON from a USB stick, and canonical JSON (what is signed and hashed;
its owner is :mod:`fieldapp.canonical`, re-exported here for the sync modules)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fieldapp.canonical import canonical_bytes
from fieldapp.sync.errors import BundleRejected

__all__ = ["canonical_bytes", "json_depth", "load_bounded"]

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """Deepest nesting of arrays and objects, counted without parsing (strings skipped)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _no_float(text: str) -> Any:
    raise ValueError("numbers must be whole")


def load_bounded(
    raw: bytes,
    *,
    max_bytes: int,
    max_depth: int | None,
    reject: Callable[..., Exception] = BundleRejected,
) -> Any:
    """Parse JSON only after its size and depth are within bounds; duplicate keys, floats,
    NaN and invalid UTF-8 are refused. ``reject`` is raised with the reason's message key.

    ``max_depth=None`` skips the depth scan (it costs more than the parse on megabytes of
    records): the caller then checks the parsed value's exact shape, and the C parser itself
    stops nesting beyond the interpreter's recursion limit (refused as too deep)."""
    if len(raw) > max_bytes:
        raise reject("sync.reject.json_too_large", size=len(raw), limit=max_bytes)
    if max_depth is not None and json_depth(raw) > max_depth:
        raise reject("sync.reject.json_too_deep", limit=max_depth)
    try:
        return json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    except RecursionError as exc:
        raise reject("sync.reject.json_too_deep", limit=max_depth or 3) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise reject("sync.reject.json_invalid") from exc
