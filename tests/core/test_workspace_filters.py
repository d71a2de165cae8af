"""The merged picture's filters (``VisitFilter`` -> ``Store.visit_ids``) on data from three
devices and two agencies: each narrows to exactly what plain SQL (or, for follow-up, a
computation in Python from the raw rows) says, alone and combined, in the list's order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from fieldapp import followup
from fieldapp.catalogue import FORMS, load_catalogue
from fieldapp.clock import fixed_clock
from fieldapp.domain import Sector
from fieldapp.store.filters import VisitFilter
from fieldapp.store.merged_store import visit_provenance
from fieldapp.store.store import Store
from tests.support.workspace import Workspace, build_workspace

TODAY = followup.local_today()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    built = build_workspace(tmp_path_factory.mktemp("workspace"))
    # Some follow-up, as a coordinator records it.
    vault = built.vault
    by_recipient = {f.recipient: f for f in followup.followups(vault, followup.referral_ids(vault))}
    followup.update(vault, by_recipient["riec"].referral_uuid, status="investigating")
    comensha = by_recipient["comensha"]
    followup.update(
        vault, comensha.referral_uuid, status="closed", outcome="registered", due_date=None
    )
    yield built
    built.vault.lock()


@pytest.fixture(scope="module")
def store(workspace: Workspace) -> Store:
    return Store(workspace.vault)


def raw_ids(store: Store, where: str = "1", params: tuple = ()) -> list[str]:
    """Live visits matching ``where`` (on ``v``), newest first: the list's default order."""
    return [
        row[0]
        for row in store.conn.execute(
            f"SELECT v.uuid FROM visits AS v WHERE v.deleted = 0 AND ({where})"
            " ORDER BY v.started_at DESC, v.uuid DESC",
            params,
        )
    ]


def test_every_imported_visit_is_listed_with_its_provenance(workspace: Workspace, store: Store):
    every = store.visit_ids()
    assert len(every) == sum(len(ids) for ids in workspace.visits_by_device.values())
    provenance = visit_provenance(store.conn, every)
    for device_id, visit_ids in workspace.visits_by_device.items():
        for visit_id in visit_ids:
            assert provenance[visit_id].device_id == device_id
            assert provenance[visit_id].imported
    inspectors = {p.inspector for p in provenance.values()}
    assert inspectors == {"Inspecteur Jansen", "Agent de Vries", "Handhaver Bakker"}


def test_device_filter_narrows_to_that_device(workspace: Workspace, store: Store) -> None:
    for device_id in workspace.device_ids:
        found = store.visit_ids(VisitFilter(device=device_id))
        assert found == raw_ids(store, "v.origin_device = ?", (device_id,))
        assert set(found) == set(workspace.visits_by_device[device_id])
    assert store.visit_ids(VisitFilter(device="no-such-device")) == []


def test_agency_filter_matches_the_enrolled_agency_in_any_case(
    workspace: Workspace, store: Store
) -> None:
    nla = store.visit_ids(VisitFilter(agency="nla"))
    expected = raw_ids(
        store,
        "v.origin_device IN (SELECT device_id FROM sync_devices WHERE lower(agency) = 'nla')",
    )
    assert nla == expected
    # Two devices wrote "NLA" and "nla": both count.
    assert set(nla) == set(workspace.visits_by_device[workspace.device_ids[0]]) | set(
        workspace.visits_by_device[workspace.device_ids[2]]
    )
    assert store.visit_ids(VisitFilter(agency="NLA")) == nla
    police = store.visit_ids(VisitFilter(agency="Politie"))
    assert set(police) == set(workspace.visits_by_device[workspace.device_ids[1]])


def test_agency_filter_matches_the_enrolled_agency_by_any_of_its_names(store: Store) -> None:
    """fieldapp.agencies decides: "Nederlandse Arbeidsinspectie" is the "NLA" and "nla" the
    devices were enrolled as, "police" is "Politie"; an unknown agency matches nothing."""
    nla = store.visit_ids(VisitFilter(agency="nla"))
    assert store.visit_ids(VisitFilter(agency="Nederlandse Arbeidsinspectie")) == nla
    assert store.visit_ids(VisitFilter(agency="police")) == store.visit_ids(
        VisitFilter(agency="Politie")
    )
    assert store.visit_ids(VisitFilter(agency="Douane")) == []


@pytest.mark.parametrize("form", FORMS)
def test_form_alone_means_signals_of_that_form(store: Store, form: str) -> None:
    found = store.visit_ids(VisitFilter(form=form))
    expected = raw_ids(
        store,
        "v.uuid IN (SELECT p.visit_uuid FROM persons p JOIN person_outcomes o"
        " ON o.person_uuid = p.uuid WHERE o.form = ? AND o.outcome != 'no_signals'"
        " AND p.deleted = 0)",
        (form,),
    )
    assert found == expected


@pytest.mark.parametrize("outcome", load_catalogue().rules.outcome_order)
def test_outcome_means_at_least_that_outcome_in_any_form(store: Store, outcome: str) -> None:
    order = load_catalogue().rules.outcome_order
    at_least = order[order.index(outcome) :]
    marks = ", ".join("?" for _ in at_least)
    expected = raw_ids(
        store,
        "v.uuid IN (SELECT p.visit_uuid FROM persons p JOIN person_outcomes o"
        f" ON o.person_uuid = p.uuid WHERE o.outcome IN ({marks}) AND p.deleted = 0)",
        tuple(at_least),
    )
    assert store.visit_ids(VisitFilter(outcome=outcome)) == expected


def test_form_and_outcome_together_ask_for_that_form_at_that_level(store: Store) -> None:
    expected = raw_ids(
        store,
        "v.uuid IN (SELECT p.visit_uuid FROM persons p JOIN person_outcomes o"
        " ON o.person_uuid = p.uuid WHERE o.form = 'labour'"
        " AND o.outcome IN ('deceived_and_exploited', 'trafficking_indicated'))",
    )
    found = store.visit_ids(VisitFilter(form="labour", outcome="deceived_and_exploited"))
    assert found == expected
    assert 0 < len(found) < len(store.visit_ids(VisitFilter(form="labour")))


def _expected_status_visits(store: Store, status: str, today: str) -> set[str]:
    """From the raw rows, in Python: the latest made version of each referral, with its
    follow-up row or else 'sent' due the recipient's default days after it was made."""
    conn = store.conn
    rows = conn.execute(
        "SELECT uuid, visit_uuid, recipient, created_at, status, supersedes FROM referrals"
        " WHERE deleted = 0"
    ).fetchall()
    replaced = {row[5] for row in rows if row[5]}
    recorded = {
        row[0]: (row[1], row[2])
        for row in conn.execute("SELECT referral_uuid, status, due_date FROM referral_followup")
    }
    visits = set()
    for uuid, visit_uuid, recipient, created_at, state, _ in rows:
        if state == "draft" or uuid in replaced:
            continue
        if uuid in recorded:
            effective, due = recorded[uuid][0], recorded[uuid][1] or None
        else:
            days = followup.DEFAULT_DUE_DAYS[recipient]
            made = date.fromisoformat(created_at[:10])
            effective, due = "sent", None if days is None else str(made + timedelta(days=days))
        if status == "overdue":
            matches = effective != "closed" and due is not None and due < today
        elif status == "open":
            matches = effective != "closed"
        else:
            matches = effective == status
        if matches:
            visits.add(visit_uuid)
    return visits


@pytest.mark.parametrize("status", followup.STATUS_FILTERS)
def test_referral_status_filter_follows_the_follow_up(store: Store, status: str) -> None:
    found = store.visit_ids(VisitFilter(referral_status=status))
    expected = _expected_status_visits(store, status, TODAY)
    assert set(found) == expected
    assert found == [uuid for uuid in raw_ids(store) if uuid in expected]  # order kept
    if status in ("sent", "investigating", "closed", "overdue"):
        assert found, f"the crafted data has visits with {status} referrals"


def test_overdue_depends_on_today(store: Store) -> None:
    """Far in the future every open referral with a due date is overdue."""
    later = (date.fromisoformat(TODAY) + timedelta(days=400)).isoformat()
    with fixed_clock(f"{later}T12:00:00Z"):  # noon UTC: the same day in Dutch time
        found = set(store.visit_ids(VisitFilter(referral_status="overdue")))
    assert found == _expected_status_visits(store, "overdue", later)
    assert found > _expected_status_visits(store, "overdue", TODAY)


def test_filters_combine_as_an_intersection(workspace: Workspace, store: Store) -> None:
    device = workspace.device_ids[0]
    filters = [
        VisitFilter(device=device),
        VisitFilter(form="labour"),
        VisitFilter(referral_status="open"),
        VisitFilter(agency="nla"),
    ]
    sets = [set(store.visit_ids(where)) for where in filters]
    combined = store.visit_ids(
        VisitFilter(device=device, form="labour", referral_status="open", agency="nla")
    )
    assert set(combined) == set.intersection(*sets)
    # With the list's own filters and a search too.
    one_sector = store.visit_ids(VisitFilter(sector=Sector.AGRICULTURE, agency="nla"))
    expected = raw_ids(
        store,
        "v.sort_sector = 'agriculture' AND v.origin_device IN"
        " (SELECT device_id FROM sync_devices WHERE lower(agency) = 'nla')",
    )
    assert one_sector == expected
    word = "paspoorten"
    searched = set(store.visit_ids(VisitFilter(search=word)))
    assert set(store.visit_ids(VisitFilter(search=word, agency="Politie"))) == searched & set(
        store.visit_ids(VisitFilter(agency="Politie"))
    )


def test_sorting_still_applies_under_the_new_filters(store: Store) -> None:
    where = VisitFilter(form="sexual")
    by_site = store.visit_ids(where, sort="site", descending=False)
    assert sorted(by_site) == sorted(store.visit_ids(where))
    names = [summary.site_name.casefold() for summary in store.visit_summaries(by_site)]
    assert names == sorted(names)


def test_an_unknown_outcome_is_a_programming_error(store: Store) -> None:
    with pytest.raises(ValueError):
        store.visit_ids(VisitFilter(outcome="guilty"))


def test_filters_on_an_empty_vault_find_nothing(tmp_path: Path) -> None:
    from fieldapp.domain import Role
    from fieldapp.vault import Vault
    from fieldapp.vault.keyfile import FAST_FOR_TESTS
    from tests.support import PASSPHRASE

    with Vault.create(tmp_path / "v", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS) as vault:
        empty = Store(vault)
        for where in (
            VisitFilter(agency="nla"),
            VisitFilter(form="labour", outcome="exploited"),
            VisitFilter(referral_status="overdue"),
        ):
            assert empty.visit_ids(where) == []
