"""Vaults written by earlier releases open, and an upgrade step is all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlcipher3

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.errors import VaultDamaged
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.connection import open_database
from fieldapp.vault.keyfile import FAST_FOR_TESTS, new_dek
from fieldapp.vault.migrations import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from tests.fixtures.make_fixture_vault import FIXTURE_PASSPHRASE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
def test_fixture_vault_of_each_release_opens_and_upgrades(version: int, tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    shutil.copytree(FIXTURES / f"vault-v{version}", folder)
    with Vault.unlock(folder, FIXTURE_PASSPHRASE) as vault:
        assert schema_version(vault.conn) == SCHEMA_VERSION
        store = Store(vault)
        visits = store.list_visits(10)
        assert len(visits) == 5
        detail = store.visit_detail(visits[0].uuid)
        assert detail.site.name
        assert vault.check().ok


def test_every_release_has_a_fixture() -> None:
    for version in range(1, SCHEMA_VERSION + 1):
        assert (FIXTURES / f"vault-v{version}" / "vault.key").is_file()


@pytest.fixture
def bare_connection(tmp_path: Path) -> sqlcipher3.Connection:
    conn = open_database(tmp_path / "bare.db", new_dek(), create=True)
    yield conn
    conn.close()


def test_migration_steps_run_in_order_and_set_user_version(bare_connection) -> None:
    steps = ("CREATE TABLE a (x INTEGER);", "ALTER TABLE a ADD COLUMN y TEXT;")
    assert migrate(bare_connection, steps) == 2
    columns = [row[1] for row in bare_connection.execute("PRAGMA table_info(a)")]
    assert columns == ["x", "y"]


def test_failed_step_rolls_back_to_last_completed_step(bare_connection) -> None:
    steps = (
        "CREATE TABLE a (x INTEGER);",
        "CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1);",
    )
    with pytest.raises(sqlcipher3.OperationalError):
        migrate(bare_connection, steps)
    assert schema_version(bare_connection) == 1
    tables = {row[0] for row in bare_connection.execute("SELECT name FROM sqlite_master")}
    assert "a" in tables
    assert "b" not in tables
    assert not bare_connection.in_transaction


def test_vault_newer_than_this_release_is_refused(bare_connection) -> None:
    migrate(bare_connection, MIGRATIONS)
    bare_connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(VaultDamaged) as caught:
        migrate(bare_connection)
    assert caught.value.check == "vault.check.schema_newer"


def _tracking_triggers(conn) -> set[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_track_%'"
    )
    return {name for (name,) in rows}


def test_a_field_vault_upgraded_from_v5_still_logs_every_change(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault-v5", folder)
    with Vault.unlock(folder, FIXTURE_PASSPHRASE) as vault:
        assert len(_tracking_triggers(vault.conn)) == 12
        sql = vault.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'sync_track_visits_insert'"
        ).fetchone()[0]
        assert "meta" not in sql  # the role is no longer asked per row
        before = vault.conn.execute("SELECT count(*) FROM sync_changes").fetchone()[0]
        store = Store(vault)
        store.delete("visit", store.list_visits(1)[0].uuid)
        after = vault.conn.execute("SELECT count(*) FROM sync_changes").fetchone()[0]
        assert after > before


def test_a_coordinator_vault_logs_no_changes(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    with Vault.create(folder, "a long passphrase", Role.COORDINATOR, FAST_FOR_TESTS) as vault:
        assert _tracking_triggers(vault.conn) == set()
        Store(vault).record_visits(demo_visits(2, seed=3))
        assert vault.conn.execute("SELECT count(*) FROM sync_changes").fetchone()[0] == 0


@pytest.mark.parametrize("version", [5, 6])
def test_visits_from_before_v7_are_assessed_again_after_the_upgrade(
    version: int, tmp_path: Path
) -> None:
    """Schema 7 comes with corrected rules (catalogue 2026.2): every visit is assessed again,
    and only possible victims get an outcome, for the forms in context."""
    from fieldapp.assessment.outcomes import refresh_outcomes

    folder = tmp_path / "vault"
    shutil.copytree(FIXTURES / f"vault-v{version}", folder)
    with Vault.unlock(folder, FIXTURE_PASSPHRASE) as vault:
        victims = vault.conn.execute(
            "SELECT count(*) FROM persons WHERE deleted = 0 AND role = 'possible_victim'"
        ).fetchone()
        assert refresh_outcomes(vault) == 5
        assessed = vault.conn.execute(
            "SELECT count(DISTINCT person_uuid) FROM person_outcomes"
        ).fetchone()
        assert assessed == victims
        versions = {
            v for (v,) in vault.conn.execute("SELECT catalogue_version FROM person_outcomes")
        }
        assert versions == {"2026.2"}
        # What earlier releases recorded reads with the new columns' defaults.
        store = Store(vault)
        for summary in store.list_visits(10):
            detail = store.visit_detail(summary.uuid)
            assert all(p.suspected_forms == () for p in detail.persons)
            assert not any(o.past for o in detail.observations)


def test_the_schema_7_fixture_keeps_suspicion_judgement_and_past(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault-v7", folder)
    with Vault.unlock(folder, FIXTURE_PASSPHRASE) as vault:
        store = Store(vault)
        details = [store.visit_detail(v.uuid) for v in store.list_visits(10)]
        persons = [p for d in details for p in d.persons]
        assert any(p.suspected_forms == ("sexual",) and p.professional_indication for p in persons)
        assert any(
            o.past and o.indicator_id == "ILO-CD-04" for d in details for o in d.observations
        )
