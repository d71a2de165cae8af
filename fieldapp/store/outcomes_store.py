"""SQL of the per-person outcome table (``person_outcomes``) and its to-do list
(``outcomes_stale``): what the coordinator's filters and statistics read instead of running
the engine over a million observations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fieldapp.vault.connection import Connection, transaction

OutcomeRow = tuple[str, str, str, int, int, str, str]
"""(person_uuid, form, outcome, outcome_rank, acute, catalogue_version, computed_at)"""


def mark_stale(conn: Connection, visit_uuids: Iterable[str]) -> None:
    """Call inside the transaction that changes a visit's persons or observations."""
    conn.executemany(
        "INSERT OR IGNORE INTO outcomes_stale (visit_uuid) VALUES (?)",
        ((visit_uuid,) for visit_uuid in visit_uuids),
    )


def stale_visits(conn: Connection) -> list[str]:
    """Visits marked stale, and visits with a live person that has no outcome yet (data from
    before schema v6)."""
    rows = conn.execute(
        "SELECT visit_uuid FROM outcomes_stale"
        " UNION SELECT p.visit_uuid FROM persons AS p WHERE p.deleted = 0"
        " AND NOT EXISTS (SELECT 1 FROM person_outcomes AS o WHERE o.person_uuid = p.uuid)"
    )
    return [visit_uuid for (visit_uuid,) in rows]


def replace_outcomes(conn: Connection, outcomes: dict[str, Sequence[OutcomeRow]]) -> None:
    """Per visit, its outcomes, all at once in one transaction; its persons that are gone
    lose theirs and it leaves the to-do list."""
    with transaction(conn):
        for visit_uuid, rows in outcomes.items():
            conn.execute(
                "DELETE FROM person_outcomes WHERE person_uuid IN"
                " (SELECT uuid FROM persons WHERE visit_uuid = ?)",
                (visit_uuid,),
            )
            conn.executemany(
                "INSERT INTO person_outcomes (person_uuid, form, outcome, outcome_rank, acute,"
                " catalogue_version, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("DELETE FROM outcomes_stale WHERE visit_uuid = ?", (visit_uuid,))
