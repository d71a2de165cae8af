"""The visit JSON example from the README, as a fresh dict per call (the self-check's own)."""

from __future__ import annotations

import copy
from typing import Any

from fieldapp.selfcheck import SAMPLE_VISIT


def sample_visit() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE_VISIT)
