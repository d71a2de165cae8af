"""Shared fixtures. Vaults in tests use the cheapest KDF the format accepts (64 MiB, t=1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp import i18n
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test touches the real data folders, and every test starts in Dutch."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for name in (
        "FIELDAPP_VAULT",
        "FIELDAPP_PASSPHRASE",
        "FIELDAPP_NEW_PASSPHRASE",
        "FIELDAPP_LANG",
    ):
        monkeypatch.delenv(name, raising=False)
    i18n.set_language("nl")
    yield
    i18n.set_language("nl")


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def vault(vault_dir: Path) -> Iterator[Vault]:
    opened = Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)
    yield opened
    opened.lock()


@pytest.fixture
def store(vault: Vault) -> Store:
    return Store(vault)


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase.txt"
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return path
