"""All SQL of the coordinator's exports (fieldapp/exports): the possible victims with an
indication and what was recorded about them for the CTDC export, and one row per visit for the
coordinator's own table.

Reads only; every query is narrow and indexed (persons by visit, observations by person and by
visit, person_outcomes by person), and rows are streamed, never loaded whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from fieldapp.store.rows import fetch_each
from fieldapp.vault.connection import Connection
from fieldapp.vault.vault import VaultLike

# SQLite's limit on host parameters is far higher, but smaller batches keep each query cheap.
_BATCH = 500


@dataclass(frozen=True, slots=True)
class VictimRow:
    """What the CTDC export needs about one identified victim (nothing that names anyone)."""

    person_uuid: str
    visit_started_at: str
    sector: str | None
    sex: str
    age: int | None
    age_band: str | None
    minor: bool | None
    nationality: str | None


@dataclass(frozen=True, slots=True)
class VisitRow:
    """One visit as the coordinator's table export shows it."""

    uuid: str
    started_at: str
    site_name: str
    place: str | None
    municipality: str | None
    sector: str
    type: str
    status: str
    agencies: tuple[str, ...]
    inspector: str | None
    origin_device: str
    device_inspector: str | None
    device_agency: str | None
    persons: int
    possible_victims: int
    signals_observed: int
    signals_unknown: int
    highest_outcome: str | None


class ExportStore:
    def __init__(self, vault: VaultLike) -> None:
        self.vault = vault

    @property
    def conn(self) -> Connection:
        return self.vault.conn

    # -- CTDC -----------------------------------------------------------------------------

    def indicated_victims(self) -> Iterator[VictimRow]:
        """Every live possible victim at a live visit with an indication of trafficking: the
        engine found one for a form (``person_outcomes.indication``, which already carries the
        professional's own judgement for the forms it concerns) or the professional judged
        there is one (``persons.professional_indication``). CTDC counts identified victims,
        so a person with signals but no indication is not one of them."""
        for row in fetch_each(
            self.conn,
            _VictimColumns,
            "SELECT p.uuid AS person_uuid, v.started_at AS visit_started_at,"
            " v.sort_sector AS sector, p.sex, p.age, p.age_band, p.minor, p.nationality"
            " FROM persons p JOIN visits v ON v.uuid = p.visit_uuid"
            " WHERE p.deleted = 0 AND v.deleted = 0 AND p.role = 'possible_victim'"
            " AND (p.professional_indication = 1 OR EXISTS (SELECT 1 FROM person_outcomes po"
            " WHERE po.person_uuid = p.uuid AND po.indication = 1))"
            " ORDER BY p.uuid",
        ):
            yield VictimRow(
                person_uuid=row.person_uuid,
                visit_started_at=row.visit_started_at,
                sector=row.sector,
                sex=row.sex,
                age=row.age,
                age_band=row.age_band,
                minor=None if row.minor is None else bool(row.minor),
                nationality=row.nationality,
            )

    def observed_indicators(self) -> Iterator[ObservedIndicator]:
        """(person uuid, catalogue version, indicator id) of every signal observed for a
        possible victim: recorded for the person, or for everyone at the visit unless the
        person has a record of their own for that indicator (which then overrides it, as in
        the assessment)."""
        yield from fetch_each(
            self.conn,
            ObservedIndicator,
            "SELECT p.uuid AS person_uuid, o.catalogue_version, o.indicator_id FROM persons p"
            " JOIN visits v ON v.uuid = p.visit_uuid"
            " JOIN observations o ON o.person_uuid = p.uuid"
            " WHERE p.deleted = 0 AND v.deleted = 0 AND p.role = 'possible_victim'"
            " AND o.deleted = 0 AND o.status = 'observed'"
            " UNION ALL"
            " SELECT p.uuid, o.catalogue_version, o.indicator_id FROM persons p"
            " JOIN visits v ON v.uuid = p.visit_uuid"
            " JOIN observations o ON o.visit_uuid = p.visit_uuid AND o.person_uuid IS NULL"
            " WHERE p.deleted = 0 AND v.deleted = 0 AND p.role = 'possible_victim'"
            " AND o.deleted = 0 AND o.status = 'observed'"
            " AND NOT EXISTS (SELECT 1 FROM observations own WHERE own.person_uuid = p.uuid"
            " AND own.indicator_id = o.indicator_id AND own.deleted = 0)",
        )

    def person_forms(self) -> Iterator[PersonForm]:
        """(person uuid, form, outcome, indication) of every live possible victim's assessed
        form (person_outcomes, filled by the assessment)."""
        yield from fetch_each(
            self.conn,
            PersonForm,
            "SELECT po.person_uuid, po.form, po.outcome, po.indication FROM person_outcomes po"
            " JOIN persons p ON p.uuid = po.person_uuid"
            " WHERE p.deleted = 0 AND p.role = 'possible_victim'",
        )

    # -- the coordinator's own table ------------------------------------------------------

    def visit_rows(
        self, visit_uuids: Sequence[str], outcome_order: Sequence[str]
    ) -> list[VisitRow]:
        """Rows for the given live visits, in the given order (missing ids are left out).
        ``outcome_order`` ranks the outcomes, lowest first, for the highest one per visit."""
        found: dict[str, VisitRow] = {}
        rank_case = " ".join(f"WHEN ? THEN {index}" for index in range(len(outcome_order)))
        for start in range(0, len(visit_uuids), _BATCH):
            batch = list(visit_uuids[start : start + _BATCH])
            marks = ",".join("?" for _ in batch)
            rows = fetch_each(
                self.conn,
                _VisitColumns,
                "SELECT v.uuid, v.started_at, s.name AS site_name, s.place, s.municipality,"
                " s.sector, v.type, v.status, v.agencies, v.inspector, v.origin_device,"
                " d.inspector AS device_inspector, d.agency AS device_agency,"
                " (SELECT count(*) FROM persons p WHERE p.visit_uuid = v.uuid AND p.deleted = 0)"
                "  AS persons,"
                " (SELECT count(*) FROM persons p WHERE p.visit_uuid = v.uuid AND p.deleted = 0"
                "  AND p.role = 'possible_victim') AS possible_victims,"
                " (SELECT count(*) FROM observations o WHERE o.visit_uuid = v.uuid"
                "  AND o.deleted = 0 AND o.status = 'observed') AS signals_observed,"
                " (SELECT count(*) FROM observations o WHERE o.visit_uuid = v.uuid"
                "  AND o.deleted = 0 AND o.status = 'unknown') AS signals_unknown,"
                " (SELECT po.outcome FROM person_outcomes po JOIN persons p"
                "  ON p.uuid = po.person_uuid WHERE p.visit_uuid = v.uuid AND p.deleted = 0"
                f"  ORDER BY CASE po.outcome {rank_case} ELSE -1 END DESC LIMIT 1)"
                "  AS highest_outcome"
                " FROM visits v JOIN sites s ON s.uuid = v.site_uuid"
                " LEFT JOIN sync_devices d ON d.device_id = v.origin_device"
                f" WHERE v.deleted = 0 AND v.uuid IN ({marks})",
                (*outcome_order, *batch),
            )
            for row in rows:
                found[row.uuid] = _visit_row(row)
        return [found[uuid] for uuid in visit_uuids if uuid in found]


# -- the rows these queries read -------------------------------------------------------------


class ObservedIndicator(NamedTuple):
    person_uuid: str
    catalogue_version: str
    indicator_id: str


class PersonForm(NamedTuple):
    person_uuid: str
    form: str
    outcome: str
    indication: int


class _VictimColumns(NamedTuple):
    person_uuid: str
    visit_started_at: str
    sector: str | None
    sex: str
    age: int | None
    age_band: str | None
    minor: int | None
    nationality: str | None


class _VisitColumns(NamedTuple):
    uuid: str
    started_at: str
    site_name: str
    place: str | None
    municipality: str | None
    sector: str
    type: str
    status: str
    agencies: str
    inspector: str | None
    origin_device: str
    device_inspector: str | None
    device_agency: str | None
    persons: int
    possible_victims: int
    signals_observed: int
    signals_unknown: int
    highest_outcome: str | None


def _visit_row(row: _VisitColumns) -> VisitRow:
    return VisitRow(
        uuid=row.uuid,
        started_at=row.started_at,
        site_name=row.site_name,
        place=row.place,
        municipality=row.municipality,
        sector=row.sector,
        type=row.type,
        status=row.status,
        agencies=tuple(json.loads(row.agencies)),
        inspector=row.inspector,
        origin_device=row.origin_device,
        device_inspector=row.device_inspector,
        device_agency=row.device_agency,
        persons=row.persons,
        possible_victims=row.possible_victims,
        signals_observed=row.signals_observed,
        signals_unknown=row.signals_unknown,
        highest_outcome=row.highest_outcome,
    )
