"""An indicator as the JSON the command line prints (the keys documented in the README)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fieldapp.catalogue.model import Indicator


def indicator_to_json(item: Indicator) -> dict[str, Any]:
    return {
        "id": item.id,
        "framework": item.framework,
        "forms": list(item.forms),
        "dimension": item.dimension,
        "grades": {
            profile: {k: v for k, v in asdict(grade).items() if v is not None or k == "grade"}
            for profile, grade in item.grades.items()
        },
        "acute": item.acute,
        "acute_reason": dict(item.acute_reason) if item.acute_reason else None,
        "label": dict(item.label),
        "prompt": dict(item.prompt),
        "keywords": {lang: list(words) for lang, words in item.keywords.items()},
        "evidence": list(item.evidence),
        "ctdc": list(item.ctdc),
        "maps_to": list(item.maps_to),
        "mapping_note": item.mapping_note,
        "routes_to": list(item.routes_to),
        "source": item.source,
    }
