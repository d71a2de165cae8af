"""The logic behind the vault window, without Qt: which screen to show, checking a new
passphrase, creating, unlocking and locking the vault, and what the overview shows.

The widgets in ``ui/views`` only collect input and show what this class returns, so tests can
drive the whole flow without a window. Everything here runs on the GUI thread: the SQLCipher
connection refuses use from any thread but the one that opened it (``check_same_thread``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from fieldapp.domain import Role, VisitSummary
from fieldapp.errors import FieldAppError, VaultLocked
from fieldapp.i18n import t
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import KdfParams
from fieldapp.vault.passphrase import passphrase_problem
from fieldapp.vault.vault import vault_exists

NEWEST_VISITS = 50


class Screen(StrEnum):
    CREATE = "create"
    UNLOCK = "unlock"
    OVERVIEW = "overview"


@dataclass(frozen=True, slots=True)
class Overview:
    """What the main view shows of an open vault."""

    role: Role
    device_id: str
    visit_count: int
    newest: tuple[VisitSummary, ...]


def describe_error(exc: BaseException) -> str:
    """The text to show for a failed create or unlock, in the current language."""
    if isinstance(exc, FieldAppError):
        return exc.message()
    if isinstance(exc, OSError):
        # Like the CLI: the kind of failure only, never a path or file content.
        return t("ui.error.os", detail=exc.strerror or type(exc).__name__)
    return t("error.generic")


class VaultSession:
    """One vault folder and, while unlocked, its open :class:`Vault`.

    ``kdf`` is the key-derivation cost for a new vault: the production default unless a test
    passes ``FAST_FOR_TESTS``. Unlocking always uses the cost stored in the key file.
    """

    def __init__(self, folder: Path, kdf: KdfParams | None = None) -> None:
        self.folder = Path(folder)
        self.kdf = kdf or KdfParams()
        self._vault: Vault | None = None

    @property
    def vault(self) -> Vault | None:
        return self._vault

    @property
    def is_open(self) -> bool:
        return self._vault is not None and self._vault.is_open

    def screen(self) -> Screen:
        if self.is_open:
            return Screen.OVERVIEW
        return Screen.UNLOCK if vault_exists(self.folder) else Screen.CREATE

    def create(self, role: Role, passphrase: str, repeat: str) -> Overview:
        """Make the vault and leave it open. Raises ``FieldAppError`` (or ``OSError``)."""
        problem = passphrase_problem(passphrase, repeat)
        if problem is not None:
            raise problem
        self._vault = Vault.create(self.folder, passphrase, role, self.kdf)
        return self.overview()

    def unlock(self, passphrase: str) -> Overview:
        """Open the vault. Raises ``WrongPassphrase``, ``VaultDamaged``, ``VaultInUse``, ..."""
        if self.is_open:
            return self.overview()
        self._vault = Vault.unlock(self.folder, passphrase)
        return self.overview()

    def overview(self) -> Overview:
        if self._vault is None:
            raise VaultLocked()
        store = Store(self._vault)
        return Overview(
            role=self._vault.info.role,
            device_id=self._vault.info.device_id,
            visit_count=store.count_visits(),
            newest=tuple(store.list_visits(NEWEST_VISITS)),
        )

    def lock(self) -> None:
        """Close the vault; safe to call when it is already locked."""
        vault, self._vault = self._vault, None
        if vault is not None:
            vault.lock()
