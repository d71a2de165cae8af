"""The engine's outcome per person and form, kept in ``person_outcomes`` for the coordinator's
filters, statistics and exports: a million observations are assessed once, when they change,
not on every screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fieldapp.assessment.engine import assess
from fieldapp.assessment.from_store import case_from_detail
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.catalogue.model import Catalogue
from fieldapp.clock import now_iso
from fieldapp.errors import NotFound
from fieldapp.store import outcomes_store
from fieldapp.store.store import Store
from fieldapp.vault.vault import VaultLike

VISITS_PER_COMMIT = 200

Progress = Callable[[int, int], None]


def refresh_outcomes(vault: VaultLike, progress: Progress | None = None) -> int:
    """Assess every person of every visit marked stale; returns the number of visits done."""
    store = Store(vault)
    conn = vault.conn
    visits = outcomes_store.stale_visits(conn)
    catalogue = assessment_catalogue()
    profile = store.setting("profile", {}) or {}
    pending: dict[str, Sequence[outcomes_store.OutcomeRow]] = {}
    for done, visit_uuid in enumerate(visits, start=1):
        pending[visit_uuid] = _visit_outcomes(store, visit_uuid, profile, catalogue)
        if len(pending) >= VISITS_PER_COMMIT or done == len(visits):
            outcomes_store.replace_outcomes(conn, pending)
            pending = {}
            if progress is not None:
                progress(done, len(visits))
    return len(visits)


def _visit_outcomes(
    store: Store, visit_uuid: str, profile: dict[str, Any], catalogue: Catalogue
) -> list[outcomes_store.OutcomeRow]:
    """One row per possible victim and form in context: a witness or an employer has no
    victim outcome, and a form nothing points to is not a finding about anyone."""
    try:
        detail = store.visit_detail(visit_uuid)
    except NotFound:  # deleted since: its persons' outcomes go with it
        return []
    computed_at = now_iso()
    rows: list[outcomes_store.OutcomeRow] = []
    for person in detail.persons:
        if person.meta.deleted:
            continue
        result = assess(case_from_detail(detail, person, profile), catalogue)
        rank = catalogue.rules.rank
        rows.extend(
            (
                person.meta.uuid,
                form,
                form_result.outcome,
                rank(form_result.outcome),
                int(result.acute),
                result.catalogue_version,
                computed_at,
                int(form_result.indication),
            )
            for form, form_result in result.forms.items()
        )
    return rows
