"""SQL of the coordinator's merged picture beyond the visits list itself: where each visit came
from (its device, and the inspector and agency that device was enrolled with)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from fieldapp.agencies import agency_key
from fieldapp.store.rows import fetch_each, fetch_values
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
    rows = fetch_each(
        conn,
        _ProvenanceRow,
        "SELECT v.uuid, v.origin_device, v.sync_seq IS NOT NULL AS imported, d.inspector,"
        " d.agency FROM visits AS v LEFT JOIN sync_devices AS d ON d.device_id = v.origin_device"
        " WHERE v.uuid IN (SELECT value FROM json_each(?))",
        (json.dumps(list(visit_uuids)),),
    )
    return {
        row.uuid: Provenance(
            device_id=row.origin_device,
            imported=bool(row.imported),
            inspector=row.inspector,
            agency=row.agency,
        )
        for row in rows
    }


def device_agency_condition(conn: Connection, agency: str) -> tuple[str, list[str]]:
    """A condition on ``v.origin_device``: devices enrolled with ``agency`` under any of its
    names (``fieldapp.agencies.agency_key``: "NLA", "nla" and "Arbeidsinspectie" are one)."""
    wanted = agency_key(agency)
    names = [
        name
        for name in fetch_values(
            conn, "SELECT DISTINCT agency FROM sync_devices WHERE agency IS NOT NULL"
        )
        if agency_key(name) == wanted
    ]
    marks = ", ".join("?" for _ in names)
    return (
        f"v.origin_device IN (SELECT device_id FROM sync_devices WHERE agency IN ({marks}))",
        names,
    )


class _ProvenanceRow(NamedTuple):
    uuid: str
    origin_device: str
    imported: int
    inspector: str | None
    agency: str | None
