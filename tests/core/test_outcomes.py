"""The per-person outcome table agrees with the engine and follows every change."""

from __future__ import annotations

from pathlib import Path

from fieldapp.assessment import assess
from fieldapp.assessment.from_store import case_for_person
from fieldapp.assessment.outcomes import refresh_outcomes
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from tests.support.sync import enrol, make_coordinator, make_field


def _table(vault: Vault) -> dict[tuple[str, str], tuple[str, bool]]:
    return {
        (person, form): (outcome, bool(indication))
        for person, form, outcome, indication in vault.conn.execute(
            "SELECT person_uuid, form, outcome, indication FROM person_outcomes"
        )
    }


def _engine(store: Store) -> dict[tuple[str, str], tuple[str, bool]]:
    """Possible victims only, and only the forms in context: what the engine assesses."""
    expected = {}
    for summary in store.list_visits(1000):
        for person in store.visit_detail(summary.uuid).persons:
            case = case_for_person(store, summary.uuid, person.label)
            for form, result in assess(case, assessment_catalogue()).forms.items():
                expected[(person.meta.uuid, form)] = (result.outcome, result.indication)
    return expected


def test_outcomes_equal_the_engine_and_follow_an_edit(store: Store, vault: Vault) -> None:
    store.record_visits(demo_visits(8, seed=5))
    assert refresh_outcomes(vault) == 8
    assert _table(vault) == _engine(store)
    assert {v[0] for v in _table(vault).values()} - {"no_signals"}, "the demo data has signals"
    assert refresh_outcomes(vault) == 0  # nothing stale: nothing done

    # Setting every observation of one visit to absent: its outcomes drop, nothing else moves.
    visit = store.list_visits(1)[0].uuid
    before = _table(vault)
    detail = store.visit_detail(visit)
    for observation in detail.observations:
        store.delete("observation", observation.meta.uuid)
    assert refresh_outcomes(vault) == 1
    after = _table(vault)
    assert after == _engine(store)
    persons = {p.meta.uuid for p in detail.persons}
    assert {k: v for k, v in after.items() if k[0] not in persons} == {
        k: v for k, v in before.items() if k[0] not in persons
    }
    assert {v for k, v in after.items() if k[0] in persons} <= {("no_signals", False)}


def test_imported_visits_are_assessed_on_the_coordinator(tmp_path: Path) -> None:
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    Store(field).record_visits(demo_visits(4, seed=9))
    result = export_bundle(field, tmp_path)
    assert result is not None
    assert import_file(coordinator.vault, result.path).status == "imported"
    assert refresh_outcomes(coordinator.vault) == 4
    assert _table(coordinator.vault) == _engine(Store(coordinator.vault))
    assert {v[0] for v in _table(coordinator.vault).values()} - {"no_signals"}
