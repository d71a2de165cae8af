"""A practice vault (issue 17): marked so for good, and nothing leaves it: no bundle, no
enrolment, no reply, no referral file. Practice never mixes with real work."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.errors import PracticeOnly
from fieldapp.store.store import Store
from fieldapp.sync import cards
from fieldapp.sync.export import export_bundle
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE, run_cli
from tests.support.sync import make_coordinator


@pytest.fixture
def practice(tmp_path: Path):
    vault = Vault.create(
        tmp_path / "practice", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS, practice=True
    )
    Store(vault).record_visits(demo_visits(1, seed=2))
    yield vault
    if vault.is_open:
        vault.lock()


def test_a_practice_vault_says_so_after_every_unlock(practice: Vault, tmp_path: Path) -> None:
    assert practice.info.practice
    practice.lock()
    with Vault.unlock(tmp_path / "practice", PASSPHRASE) as reopened:
        assert reopened.info.practice
    with Vault.create(tmp_path / "real", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as real:
        assert not real.info.practice
        real.info.require_real()  # a real vault passes the guard
    with pytest.raises(ValueError):
        Vault.create(tmp_path / "c", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS, practice=True)


def test_nothing_leaves_a_practice_vault(practice: Vault, tmp_path: Path) -> None:
    coordinator = make_coordinator(tmp_path / "coordinator")
    try:
        with pytest.raises(PracticeOnly) as refused:
            cards.trust_coordinator(practice, coordinator.card_raw, coordinator.card.fingerprint)
        assert "oefenkluis" in refused.value.message()
        assert "practice vault" in refused.value.message("en")
        with pytest.raises(PracticeOnly):
            cards.make_request(practice, "Oefenaar", "nla")
        (tmp_path / "stick").mkdir()
        with pytest.raises(PracticeOnly):
            export_bundle(practice, tmp_path / "stick")
        assert list((tmp_path / "stick").iterdir()) == []
    finally:
        coordinator.vault.lock()


def test_the_command_line_writes_no_referral_file_from_a_practice_vault(
    practice: Vault, tmp_path: Path
) -> None:
    visit = Store(practice).list_visits(1)[0].uuid
    practice.lock()
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE}
    out = tmp_path / "verwijzing.pdf"
    made = run_cli(
        "--vault", str(tmp_path / "practice"), "referral", "make", "--visit", visit,
        "--to", "anonymous", "--draft", "--out", str(out), "--no-encrypt", env=env,
    )  # fmt: skip
    assert made.returncode == 1 and "oefenkluis" in made.stderr
    assert "Traceback" not in made.stderr and not out.exists()
    synced = run_cli(
        "--vault", str(tmp_path / "practice"), "sync", "export", "--out", str(tmp_path), env=env
    )
    assert synced.returncode == 1 and "oefenkluis" in synced.stderr
