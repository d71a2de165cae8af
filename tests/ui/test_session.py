"""The window's logic without a window: screens, passphrase rules and strength, errors, the
split unlock, the profile."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import pytest

from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, VaultLocked, WrongPassphrase
from fieldapp.vault.keyfile import FAST_FOR_TESTS, KdfParams, KeyFile
from fieldapp.vault.passphrase import MIN_PASSPHRASE_LENGTH, passphrase_problem
from fieldapp.vault.vault import KEY_FILE
from tests.support import PASSPHRASE
from ui.session import (
    Profile,
    Screen,
    VaultSession,
    describe_error,
    new_passphrase_problem,
    passphrase_strength,
)


def test_passphrase_rules() -> None:
    just_long_enough = "x" * MIN_PASSPHRASE_LENGTH
    assert passphrase_problem(just_long_enough, just_long_enough) is None
    too_short = passphrase_problem(just_long_enough[1:], just_long_enough[1:])
    assert too_short is not None and too_short.key == "passphrase.too_short"
    assert "10" in too_short.message("en")
    mismatch = passphrase_problem(just_long_enough, just_long_enough + "y")
    assert mismatch is not None and mismatch.key == "passphrase.mismatch"


def test_weak_passphrases_are_refused_with_a_dutch_reason() -> None:
    common = new_passphrase_problem("password1234", "password1234")
    assert common is not None and common.key == "ui.strength.refused"
    assert common.message() == (
        "Dit wachtwoord is te makkelijk te raden: dit wachtwoord wordt veel gebruikt."
        " Voeg een paar ongewone woorden toe."
    )
    assert "very common" in common.message("en")

    sequence = new_passphrase_problem("abcdefghijkl", "abcdefghijkl")
    assert sequence is not None and "reeksen" in sequence.message()
    # Dutch words zxcvbn does not know are guessable too, as are the inspector's own details.
    assert new_passphrase_problem("wachtwoord2026", "wachtwoord2026") is not None
    with_profile = passphrase_strength("westland12345", ("westland",))
    assert with_profile.score < passphrase_strength("westland12345").score
    # Length is checked first: it is the rule people meet.
    assert new_passphrase_problem("kort", "kort").key == "passphrase.too_short"  # type: ignore[union-attr]
    assert new_passphrase_problem(PASSPHRASE, PASSPHRASE) is None


def test_strength_labels_follow_the_score() -> None:
    assert passphrase_strength("").score == 0
    weak = passphrase_strength("aaaaaaaaaaaa")
    assert (weak.score, weak.label, weak.reason) == (
        0,
        "zeer zwak",
        "herhalingen zijn makkelijk te raden.",
    )
    strong = passphrase_strength(PASSPHRASE)
    assert strong.acceptable and strong.label == "sterk" and strong.reason is None
    assert passphrase_strength("x" * 500).score >= 0  # zxcvbn's 72-character limit is handled


def test_errors_are_described_without_paths() -> None:
    assert describe_error(WrongPassphrase()) == WrongPassphrase().message()
    text = describe_error(OSError(errno.ENOSPC, "No space left on device", "/secret/path"))
    assert "No space left on device" in text and "/secret" not in text
    assert describe_error(RuntimeError("boom")) == "Er ging iets mis."


def test_profile_round_trip_and_unknown_values() -> None:
    profile = Profile("Jan Jansen", "kmar", "12345", "Zuid")
    assert Profile.from_setting(profile.as_setting()) == profile
    police = Profile("Jan Jansen", "police")
    assert police.as_setting()["agency"] == "politie"  # the stored spelling, as before
    assert Profile.from_setting({"agency": "politie"}).agency == "police"
    assert Profile.from_setting({"agency": "Gemeente"}).agency == "municipality"
    assert Profile.from_setting({"name": "X", "agency": "FBI"}).agency == "other"
    assert Profile.from_setting(None) == Profile()


def test_screens_follow_the_vault(vault_dir: Path) -> None:
    session = VaultSession(vault_dir, FAST_FOR_TESTS)
    assert session.screen() is Screen.CREATE
    with pytest.raises(VaultLocked):
        _ = session.store
    with pytest.raises(FieldAppError):
        session.create(Role.FIELD, "password1234", "password1234")

    store = session.create(Role.FIELD, PASSPHRASE, PASSPHRASE)
    assert session.screen() is Screen.OVERVIEW
    assert store.count_visits() == 0
    device_id = store.device_id
    assert KeyFile.read(vault_dir / KEY_FILE).kdf == FAST_FOR_TESTS

    session.lock()
    session.lock()  # twice is harmless
    assert session.screen() is Screen.UNLOCK
    with pytest.raises(WrongPassphrase):
        session.unlock("not the passphrase")
    assert session.unlock(PASSPHRASE).device_id == device_id
    session.lock()


def test_slow_halves_run_on_another_thread(vault_dir: Path) -> None:
    """Create and derive off the GUI thread, open on this one: the connection is ours."""
    session = VaultSession(vault_dir, FAST_FOR_TESTS)
    result: dict[str, object] = {}

    def work() -> None:
        result["keys"] = session.create_and_derive(Role.COORDINATOR, PASSPHRASE)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    store = session.open_with_keys(result["keys"])  # type: ignore[arg-type]
    assert store.vault.info.role is Role.COORDINATOR
    assert store.count_visits() == 0  # usable from this thread
    session.lock()

    keys = session.derive_keys(PASSPHRASE)
    assert session.open_with_keys(keys).device_id == store.device_id
    session.lock()
    assert not any(keys.dek)  # wiped on lock


def test_production_cost_is_the_default(vault_dir: Path) -> None:
    """No cost given: the vault gets the production Argon2id cost (Vault.create's default)."""
    from fieldapp.domain import Role
    from fieldapp.vault.keyfile import KeyFile

    session = VaultSession(vault_dir)
    assert session.kdf is None
    session.create(Role.FIELD, "a long enough passphrase 42", "a long enough passphrase 42")
    session.lock()
    assert KeyFile.read(vault_dir / KEY_FILE).kdf == KdfParams()


def test_opening_a_field_vault_forgets_what_arrived_long_enough_ago(tmp_path: Path) -> None:
    """What the coordinator confirmed more than the field retention ago goes at the next
    opening, without anyone running a purge (issue 16)."""
    from fieldapp import reply
    from fieldapp.clock import fixed_clock
    from fieldapp.demo import demo_visits
    from fieldapp.sync.export import export_bundle
    from fieldapp.sync.import_ import import_file
    from tests.support.sync import enrol, make_coordinator

    coordinator = make_coordinator(tmp_path / "coordinator")
    session = VaultSession(tmp_path / "field", FAST_FOR_TESTS)
    store = session.create(Role.FIELD, PASSPHRASE, PASSPHRASE)
    vault = session.vault
    assert vault is not None
    enrol(vault, coordinator)
    store.record_visits(demo_visits(2, seed=3))
    (tmp_path / "stick").mkdir()
    exported = export_bundle(vault, tmp_path / "stick")
    assert exported is not None
    import_file(coordinator.vault, exported.path)
    written = reply.write_reply(coordinator.vault, vault.info.device_id, tmp_path / "stick")
    reply.import_reply(vault, written.path)
    coordinator.vault.lock()
    session.lock()
    with fixed_clock("2099-01-01T08:00:00Z"):
        reopened = session.unlock(PASSPHRASE)
    assert reopened.list_visits(10) == []
    session.lock()
