"""SQL of the coordinator's merged picture beyond the visits list itself: where each visit came
from (its device, and the inspector and agency that device was enrolled with), when it arrived,
and **the one name of a device** people read on screen (:func:`device_labels`): the inspector
and agency it was enrolled with, never its id, with a short code only where two devices would
otherwise read the same."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from fieldapp.agencies import agency_key, agency_name
from fieldapp.i18n import t
from fieldapp.store.rows import fetch_each, fetch_values, select_list
from fieldapp.vault.connection import Connection

# The code that tells two devices with the same inspector and agency apart: the start of the
# fingerprint read aloud at enrolment (the device's sync page shows it), one group of five
# digits, more only when those too are alike.
CODE_GROUP = 5


@dataclass(frozen=True, slots=True)
class Provenance:
    device_id: str
    imported: bool  # False: recorded on this vault itself
    inspector: str | None
    agency: str | None
    received_at: str | None = None  # UTC: when the bundle that brought this version came in
    device_label: str = ""  # the device as people know it (device_labels); "" for none


def visit_provenance(conn: Connection, visit_uuids: Sequence[str]) -> dict[str, Provenance]:
    """Provenance of the given visits, by visit id (one query for a page of the list, and one
    over the enrolled devices for their names)."""
    if not visit_uuids:
        return {}
    rows = list(
        fetch_each(
            conn,
            _ProvenanceRow,
            "SELECT v.uuid, v.origin_device, v.sync_seq IS NOT NULL AS imported, d.inspector,"
            " d.agency, i.imported_at FROM visits AS v"
            " LEFT JOIN sync_devices AS d ON d.device_id = v.origin_device"
            " LEFT JOIN sync_incoming AS i ON i.device_id = v.origin_device"
            " AND i.seq = v.sync_seq"
            " WHERE v.uuid IN (SELECT value FROM json_each(?))",
            (json.dumps(list(visit_uuids)),),
        )
    )
    labels = device_labels(conn) if any(row.imported for row in rows) else {}
    return {
        row.uuid: Provenance(
            device_id=row.origin_device,
            imported=bool(row.imported),
            inspector=row.inspector,
            agency=row.agency,
            received_at=row.imported_at,
            device_label=labels.get(row.origin_device, ""),
        )
        for row in rows
    }


@dataclass(frozen=True, slots=True)
class Enrolled:
    """What a device was enrolled with: all that its name on screen is made of."""

    device_id: str
    inspector: str | None
    agency: str | None
    fingerprint: str


def device_labels(conn: Connection, lang: str | None = None) -> dict[str, str]:
    """Every enrolled device by the name people know it by, by device id: the inspector and
    agency from its enrolment ("Inspecteur Jansen (Nederlandse Arbeidsinspectie)"). Ids are
    for audit trails, not for reading: nobody knows a device as ``0193f2c4``. The devices
    table is small (one row per tablet), so it is read whole each time: a name depends on
    the other devices."""
    return label_devices(
        [
            Enrolled(row.device_id, row.inspector, row.agency, row.fingerprint)
            for row in fetch_each(
                conn, _EnrolledRow, f"SELECT {select_list(_EnrolledRow)} FROM sync_devices"
            )
        ],
        lang,
    )


def label_devices(devices: Sequence[Enrolled], lang: str | None = None) -> dict[str, str]:
    """The names of :func:`device_labels`. Two devices that would read the same (one
    inspector with a tablet and a laptop) each get the start of their enrolment fingerprint,
    the code the inspector read aloud then and sees on the device's sync page."""
    plain = {device.device_id: _plain_label(device, lang) for device in devices}
    labels = dict(plain)
    alike: dict[str, list[Enrolled]] = {}
    for device in devices:
        alike.setdefault(plain[device.device_id].casefold(), []).append(device)
    for group in alike.values():
        if len(group) < 2:
            continue
        digits = {device.device_id: device.fingerprint.replace(" ", "") for device in group}
        length = CODE_GROUP
        while length < max(len(d) for d in digits.values()) and len(
            {d[:length] for d in digits.values()}
        ) < len(group):
            length += CODE_GROUP
        for device in group:
            labels[device.device_id] = t(
                "device.label_code",
                lang,
                label=plain[device.device_id],
                code=digits[device.device_id][:length],
            )
    return labels


def _plain_label(device: Enrolled, lang: str | None) -> str:
    inspector = (device.inspector or "").strip() or t("device.unknown_inspector", lang)
    agency = agency_name(device.agency, lang)
    if agency:
        return t("device.label", lang, inspector=inspector, agency=agency)
    return inspector


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
    imported_at: str | None


class _EnrolledRow(NamedTuple):
    device_id: str
    inspector: str | None
    agency: str | None
    fingerprint: str
