"""SQL of the per-person outcome table (``person_outcomes``) and its to-do list
(``outcomes_stale``): what the coordinator's filters and statistics read instead of running
the engine over a million observations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fieldapp.store.rows import fetch_values
from fieldapp.vault.connection import Connection, transaction

OutcomeRow = tuple[str, str, str, int, int, str, str, int]
"""(person_uuid, form, outcome, outcome_rank, acute, catalogue_version, computed_at,
indication): one row per possible victim and form in context."""


def mark_stale(conn: Connection, visit_uuids: Iterable[str]) -> None:
    """Call inside the transaction that changes a visit's persons or observations."""
    conn.executemany(
        "INSERT OR IGNORE INTO outcomes_stale (visit_uuid) VALUES (?)",
        ((visit_uuid,) for visit_uuid in visit_uuids),
    )


def stale_visits(conn: Connection) -> list[str]:
    """Visits marked stale: by every write to a visit's persons or observations, by imports,
    and (schema v6) every visit that had persons before outcomes were kept."""
    return fetch_values(conn, "SELECT visit_uuid FROM outcomes_stale")


def replace_outcomes(conn: Connection, outcomes: dict[str, Sequence[OutcomeRow]]) -> None:
    """Per visit, its outcomes, all at once in one transaction, and the highest per form for
    the visit (``visit_outcomes``); its persons that are gone lose theirs and it leaves the
    to-do list."""
    with transaction(conn):
        for visit_uuid, rows in outcomes.items():
            conn.execute(
                "DELETE FROM person_outcomes WHERE person_uuid IN"
                " (SELECT uuid FROM persons WHERE visit_uuid = ?)",
                (visit_uuid,),
            )
            conn.executemany(
                "INSERT INTO person_outcomes (person_uuid, form, outcome, outcome_rank, acute,"
                " catalogue_version, computed_at, indication) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("DELETE FROM visit_outcomes WHERE visit_uuid = ?", (visit_uuid,))
            conn.execute(
                "INSERT INTO visit_outcomes (visit_uuid, form, max_rank)"
                " SELECT ?, o.form, max(o.outcome_rank) FROM person_outcomes AS o"
                " JOIN persons AS p ON p.uuid = o.person_uuid"
                " WHERE p.visit_uuid = ? AND p.deleted = 0 GROUP BY o.form",
                (visit_uuid, visit_uuid),
            )
            conn.execute("DELETE FROM outcomes_stale WHERE visit_uuid = ?", (visit_uuid,))
