"""SQL of the coordinator's merged picture beyond the visits list itself: where each visit came
from (its device, and the inspector and agency that device was enrolled with)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from fieldapp.vault.connection import Connection


@dataclass(frozen=True, slots=True)
class Provenance:
    device_id: str
    imported: bool  # False: recorded on this vault itself
    inspector: str | None
    agency: str | None


def visit_provenance(conn: Connection, visit_uuids: Sequence[str]) -> dict[str, Provenance]:
    """Provenance of the given visits, by visit id (one query for a page of the list)."""
    if not visit_uuids:
        return {}
    rows = conn.execute(
        "SELECT v.uuid, v.origin_device, v.sync_seq IS NOT NULL, d.inspector, d.agency"
        " FROM visits AS v LEFT JOIN sync_devices AS d ON d.device_id = v.origin_device"
        " WHERE v.uuid IN (SELECT value FROM json_each(?))",
        (json.dumps(list(visit_uuids)),),
    )
    return {
        uuid: Provenance(device, bool(imported), inspector, agency)
        for uuid, device, imported, inspector, agency in rows
    }
