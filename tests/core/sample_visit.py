"""The visit JSON example from the README, as a fresh dict per call."""

from __future__ import annotations

import copy
from typing import Any

SAMPLE_VISIT: dict[str, Any] = {
    "site": {
        "name": "Kwekerij De Hoek",
        "trade_name": None,
        "address": {
            "street": "Middelweg",
            "number": "12",
            "postcode": "2675 AB",
            "place": "Honselersdijk",
        },
        "municipality": "Westland",
        "kvk": "12345678",
        "sector": "agriculture",
        "phones": ["+31 6 12345678"],
        "plates": ["XK-123-B"],
        "handles": [],
    },
    "visit": {
        "started_at": "2026-11-20T09:30:00+01:00",
        "ended_at": None,
        "type": "inspection",
        "agencies": ["NLA"],
        "notes": "Slaapplaatsen in de kas.",
    },
    "persons": [
        {
            "ref": "A",
            "label": "Werknemer A",
            "role": "possible_victim",
            "sex": "f",
            "age": 24,
            "minor": False,
            "nationality": "BG",
            "languages": ["bg"],
            "interpreter": False,
            "consent": "not_asked",
            "notes": "Lijkt bang.",
        },
    ],
    "observations": [
        {
            "person": "A",
            "indicator": "ILO-CD-01",
            "status": "observed",
            "evidence": "seen",
            "note": "Paspoort bij de werkgever.",
        },
        {
            "person": None,
            "indicator": "ILO-EX-02",
            "status": "observed",
            "evidence": "seen",
            "note": None,
        },
    ],
}


def sample_visit() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE_VISIT)
