"""Retention: the policy and its limits, a dry run that writes nothing and counts exactly what
the purge then erases, sentinel text gone from every decrypted page of the vault and from
every table and search-index shadow table, open follow-ups and unexported field work kept,
and the command line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from fieldapp import followup
from fieldapp.assessment.outcomes import refresh_outcomes
from fieldapp.catalogue import load_catalogue
from fieldapp.demo import demo_visits
from fieldapp.domain import Evidence, ObservationStatus, PersonRole, Role, Sector
from fieldapp.errors import FieldAppError
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.retention.policy import DEFAULT_DAYS, RULES, load_policy, save_policy
from fieldapp.retention.purge import plan_purge, run_purge, today_utc
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync.export import export_bundle
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE, run_cli
from tests.support.sync import enrol, make_coordinator, make_field, table_dump
from tests.support.vault import plaintext_pages, tables_holding, text_variants

TODAY = date(2026, 6, 1)
STEM = "qzxsentinel"  # in every text of the visit that goes
KEEP = "wvkeepmarker"  # in the visit that stays


@pytest.fixture
def coordinator_vault(vault_dir: Path) -> Iterator[Vault]:
    opened = Vault.create(vault_dir, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    yield opened
    opened.lock()


def _signal() -> str:
    return next(iter(load_catalogue().for_form("labour"))).id


def _visit(
    started: str,
    *,
    name: str = "Kwekerij De Hoek",
    notes: str | None = None,
    person_notes: str | None = None,
    signal_note: str | None = None,
    signal: bool = False,
) -> NewVisit:
    observations = ()
    if signal:
        observations = (
            ObservationInput(
                _signal(),
                ObservationStatus.OBSERVED,
                Evidence.SEEN,
                note=signal_note,
                person_ref="A",
            ),
        )
    return NewVisit(
        site=SiteInput(name=name, sector=Sector.AGRICULTURE, municipality="Westland"),
        visit=VisitInput(started_at=started, notes=notes),
        persons=(("A", PersonInput("A", role=PersonRole.POSSIBLE_VICTIM, notes=person_notes)),),
        observations=observations,
    )


# -- the policy ------------------------------------------------------------------------------


def test_policy_defaults_changes_and_limits(vault: Vault) -> None:
    policy = load_policy(vault)
    assert dict(policy.days) == dict(DEFAULT_DAYS)
    assert all(policy.updated_at[rule] is None for rule in RULES)
    assert DEFAULT_DAYS["visits_without_signals"] < DEFAULT_DAYS["signals_without_referral"]
    assert DEFAULT_DAYS["signals_without_referral"] < DEFAULT_DAYS["referrals"]
    changed = save_policy(vault, {"referrals": 3650})
    assert changed.days["referrals"] == 3650 and changed.updated_at["referrals"]
    assert changed.cutoff("referrals", TODAY) == TODAY - timedelta(days=3650)
    for bad in ({"referrals": 29}, {"referrals": 36501}, {"referrals": "90"}, {"referrals": True}):
        with pytest.raises(FieldAppError) as refused:
            save_policy(vault, bad)
        assert refused.value.key == "retention.bad_days"
    with pytest.raises(FieldAppError) as unknown:
        save_policy(vault, {"visits_without_signals": 400, "everything": 31})
    assert unknown.value.key == "retention.unknown_rule"
    assert load_policy(vault).days == changed.days  # nothing of a refused change was stored


# -- dry run and purge ---------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_counts_exactly_what_the_purge_erases(
    coordinator_vault: Vault,
) -> None:
    vault = coordinator_vault
    store = Store(vault)
    ids = store.record_visits(demo_visits(40, seed=3))
    store.add_attachment("visit", ids[0], "foto.png", "image/png", b"\x89PNG fake")
    first_person = store.visit_detail(ids[1]).persons[0].meta.uuid
    store.add_attachment("person", first_person, "id.pdf", "application/pdf", b"%PDF-1.7 x")
    SyncStore(vault).add_note("visit", ids[2], "let op")
    refresh_outcomes(vault)
    before_dump, before_changes = table_dump(vault), vault.conn.total_changes

    plan = plan_purge(vault, TODAY)
    assert table_dump(vault) == before_dump and vault.conn.total_changes == before_changes
    assert not plan.empty and not plan.field_device
    due = {uuid for rule in RULES for uuid in plan.visits[rule]}
    visits_before = vault.conn.execute("SELECT count(*) FROM visits").fetchone()[0]

    result = run_purge(vault, plan)
    assert dict(result.counts) == dict(plan.counts)
    assert result.rows() == plan.rows()
    remaining = {uuid for (uuid,) in vault.conn.execute("SELECT uuid FROM visits")}
    assert not remaining & due
    assert len(remaining) == visits_before - result.total("visit")
    for table, column in (
        ("persons", "visit_uuid"),
        ("observations", "visit_uuid"),
        ("outcomes_stale", "visit_uuid"),
        ("search_index", "visit_uuid"),
    ):
        left = {uuid for (uuid,) in vault.conn.execute(f"SELECT {column} FROM {table}")}
        assert not left & due, table
    orphans = vault.conn.execute(
        "SELECT count(*) FROM person_outcomes WHERE person_uuid NOT IN (SELECT uuid FROM persons)"
    ).fetchone()[0]
    assert orphans == 0
    logged = vault.conn.execute(
        "SELECT rule, record_kind, erased FROM deletion_log ORDER BY id"
    ).fetchall()
    assert [tuple(row) for row in logged] == result.rows()
    last = vault.conn.execute(
        "SELECT action, record_kind, record_uuid FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert tuple(last) == ("purge", "retention", None)
    assert vault.check().ok
    assert plan_purge(vault, TODAY).empty


def test_a_confirmed_plan_never_erases_more_than_it_showed(coordinator_vault: Vault) -> None:
    vault = coordinator_vault
    store = Store(vault)
    shown = store.record_visit(_visit("2024-02-01T09:00:00Z"))
    signalled = store.record_visit(_visit("2024-02-01T09:00:00Z", signal=True))
    plan = plan_purge(vault, TODAY)
    assert plan.visits["visits_without_signals"] == (shown,)
    assert plan.visits["signals_without_referral"] == (signalled,)
    added_later = store.record_visit(_visit("2024-03-01T09:00:00Z"))
    save_policy(vault, {"signals_without_referral": 3650})  # kept longer since the preview
    result = run_purge(vault, plan)
    assert result.total("visit") == 1
    left = {uuid for (uuid,) in vault.conn.execute("SELECT uuid FROM visits")}
    assert left == {signalled, added_later}


def test_an_open_follow_up_keeps_its_referral(coordinator_vault: Vault) -> None:
    vault = coordinator_vault
    store = Store(vault)
    visit_uuid = store.record_visit(_visit("2024-01-10T09:00:00Z", signal=True))
    referral = store.add_referral(
        visit_uuid,
        (),
        "police",
        document=b"%PDF-1.7 referral",
        document_id="FA-TEST-0001",
        content_hash="0" * 64,
        lang="nl",
        urgency="normal",
    )
    save_policy(vault, {"referrals": 30})
    later = today_utc() + timedelta(days=31)
    followup.update(vault, referral.meta.uuid, status="investigating")
    held = plan_purge(vault, later)
    assert held.empty and held.held_open_followup == 1
    followup.update(vault, referral.meta.uuid, status="closed", outcome="action_taken")
    due = plan_purge(vault, later)
    assert due.visits["referrals"] == (visit_uuid,)
    assert due.counts[("referrals", "referral")] == 1
    assert due.counts[("referrals", "attachment")] == 1  # the PDF
    run_purge(vault, due)
    assert vault.conn.execute("SELECT count(*) FROM referral_followup").fetchone()[0] == 0
    assert vault.conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0


# -- really erased -----------------------------------------------------------------------------


def test_the_purge_erases_sentinel_text_from_every_page_and_the_index(
    coordinator_vault: Vault,
) -> None:
    vault = coordinator_vault
    store = Store(vault)
    assert vault.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    gone = store.record_visit(
        _visit(
            "2024-01-10T09:00:00Z",
            name=f"{STEM}site Kwekerij",
            notes=f"Notitie {STEM}visit bij de kas",
            person_notes=f"Vertelt over {STEM}person en de schuld",
            signal_note=f"Paspoort {STEM}signal ingehouden",
            signal=True,
        )
    )
    detail = store.visit_detail(gone)
    person = detail.persons[0].meta.uuid
    store.add_attachment("person", person, "foto.png", "image/png", f"PNG {STEM}photo".encode())
    store.add_referral(
        gone,
        (person,),
        "police",
        document=f"%PDF-1.7 {STEM}referral".encode(),
        document_id="FA-TEST-0002",
        content_hash=hashlib.sha256(b"x").hexdigest(),
        lang="nl",
        urgency="normal",
    )
    SyncStore(vault).add_note("visit", gone, f"Bellen over {STEM}note")
    vault.conn.execute(
        "INSERT INTO sync_conflicts (record_kind, record_uuid, device_id, bundle_id, seq,"
        " local_revision, field_revision, field_record, detected_at)"
        " VALUES ('person', ?, 'device', 'bundle', 1, 2, 2, ?, '2024-02-01T00:00:00Z')",
        (person, json.dumps({"notes": f"{STEM}conflict"})),
    )
    vault.conn.execute(
        "INSERT INTO link_keys (link_type, link_key, record_kind, record_uuid)"
        " VALUES ('kvk', ?, 'site', ?)",
        (b"\x01" * 32, detail.site.meta.uuid),
    )
    kept = store.record_visit(
        _visit(today_utc().isoformat() + "T08:00:00Z", notes=f"Blijft {KEEP} staan")
    )
    refresh_outcomes(vault)
    save_policy(vault, {"referrals": 30})
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    before = plaintext_pages(vault).lower()
    assert STEM.encode() in before and KEEP.encode() in before  # the pages are readable
    assert tables_holding(vault, STEM)

    result = run_purge(vault, today_utc() + timedelta(days=31))
    assert result.total("visit") == 1 and result.total("coordinator_note") == 1
    assert result.total("sync_conflict") == 1 and result.total("attachment") == 2
    assert (vault.folder / "vault.db-wal").stat().st_size == 0  # checkpointed and emptied
    after = plaintext_pages(vault)
    for variant in text_variants(STEM):
        assert variant not in after and variant not in after.lower()
    assert KEEP.encode() in after.lower()
    assert tables_holding(vault, STEM) == []
    assert tables_holding(vault, KEEP)
    assert store.search_notes(STEM) == [] and store.search_notes(KEEP)
    assert vault.conn.execute("SELECT count(*) FROM link_keys").fetchone()[0] == 0
    assert {uuid for (uuid,) in vault.conn.execute("SELECT uuid FROM visits")} == {kept}
    assert vault.check().ok


# -- field devices ---------------------------------------------------------------------------------


def test_a_field_device_erases_only_what_a_bundle_carried(tmp_path: Path) -> None:
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    try:
        store = Store(field)
        exported = store.record_visit(_visit("2024-01-10T09:00:00Z", notes="verstuurd"))
        edited = store.record_visit(_visit("2024-01-11T09:00:00Z", notes="voor de export"))
        assert plan_purge(field, TODAY).empty  # not enrolled, nothing exported: nothing goes
        enrol(field, coordinator)
        (tmp_path / "stick").mkdir()
        assert export_bundle(field, tmp_path / "stick") is not None
        store.update_visit(edited, notes="na de export gewijzigd")
        unexported = store.record_visit(_visit("2024-01-12T09:00:00Z", notes="nooit verstuurd"))

        plan = plan_purge(field, TODAY)
        assert plan.field_device
        assert plan.visits["visits_without_signals"] == (exported,)
        assert plan.held_unexported == 2
        run_purge(field, plan)
        left = {uuid for (uuid,) in field.conn.execute("SELECT uuid FROM visits")}
        assert left == {edited, unexported}
        assert store.visit_detail(edited).visit.notes == "na de export gewijzigd"
        assert store.visit_detail(unexported).visit.notes == "nooit verstuurd"
        # The next bundle still carries the unsent work.
        assert SyncStore(field).pending_changes() >= 2
        assert field.check().ok
    finally:
        field.lock()
        coordinator.vault.lock()


# -- command line --------------------------------------------------------------------------------


def test_the_command_line_previews_then_erases(
    vault_dir: Path, coordinator_vault: Vault, passphrase_file: Path
) -> None:
    store = Store(coordinator_vault)
    old = store.record_visit(_visit("2020-01-10T09:00:00Z"))
    store.record_visit(_visit(today_utc().isoformat() + "T08:00:00Z"))
    coordinator_vault.lock()
    common = ("--vault", str(vault_dir), "--passphrase-file", str(passphrase_file))
    preview = run_cli("retention", "run", "--dry-run", "--json", *common, lang="en")
    assert preview.returncode == 0, preview.stderr
    document = json.loads(preview.stdout)
    assert document["dry_run"] is True
    assert {"rule": "visits_without_signals", "kind": "visit", "count": 1} in document["due"]
    text = run_cli("retention", "run", "--dry-run", *common, lang="en")
    assert "Dry run: nothing was erased" in text.stdout
    done = run_cli("retention", "run", *common, lang="en")
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "Erased: 1 visit with everything that belongs to it." in done.stdout
    with Vault.unlock(vault_dir, PASSPHRASE) as vault:
        uuids = [uuid for (uuid,) in vault.conn.execute("SELECT uuid FROM visits")]
        assert old not in uuids and len(uuids) == 1
        assert vault.conn.execute("SELECT count(*) FROM deletion_log").fetchone()[0] >= 1
