"""The logic behind the vault screens, without Qt: which screen to show, judging a new
passphrase, creating, unlocking and locking the vault. The inspector profile is the core's
(``fieldapp.profile``, shared with the command line); its names are importable from here too.

The widgets in ``ui/views`` only collect input and show what this module returns, so tests can
drive the whole flow without a window.

Threads: :meth:`VaultSession.derive_keys` and :meth:`VaultSession.create_and_derive` do the
slow Argon2id work and touch no open connection, so the window runs them on a worker
(``ui.runner``). :meth:`VaultSession.open_with_keys` opens the SQLCipher connection and must
run on the GUI thread, which is then the only thread that uses it (``check_same_thread``).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.agencies import PROFILE_CHOICES
from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, VaultLocked
from fieldapp.i18n import t
from fieldapp.profile import PROFILE_TEXT_LIMIT, Profile, profile_problem, profile_problem_at
from fieldapp.vault.layout import vault_exists
from fieldapp.vault.passphrase import (
    MIN_STRENGTH_SCORE,
    PassphraseStrength,
    passphrase_strength,
    secret_problem,
)

# Importable from here: the strength names, as before, and the profile's, where the desktop's
# modules found them before the profile moved to the core (fieldapp.profile).
__all__ = [
    "AGENCIES",
    "MIN_STRENGTH_SCORE",
    "PROFILE_TEXT_LIMIT",
    "PassphraseStrength",
    "Profile",
    "Screen",
    "VaultSession",
    "describe_error",
    "new_passphrase_problem",
    "passphrase_strength",
    "profile_problem",
    "profile_problem_at",
    "secret_problem",
]

if TYPE_CHECKING:
    from fieldapp.store.store import Store
    from fieldapp.vault import Vault
    from fieldapp.vault.keyfile import KdfParams
    from fieldapp.vault.vault import UnlockKeys

# The store and the vault's cryptography load on first use, not at start-up: the unlock window
# is on screen before either is needed (docs/PERFORMANCE.md start-up target). The strength rule is
# the core's (fieldapp.vault.passphrase), shared with the command line; zxcvbn loads there when
# a passphrase is first judged.

AGENCIES = PROFILE_CHOICES  # agency codes (fieldapp.agencies), as the profile offers them


class Screen(StrEnum):
    CREATE = "create"
    UNLOCK = "unlock"
    OVERVIEW = "overview"  # the visits list
    VISIT = "visit"  # one visit in the editor


def new_passphrase_problem(
    passphrase: str, repeat: str, user_inputs: tuple[str, ...] = ()
) -> FieldAppError | None:
    """The core's one rule for a new secret: length, typed twice alike, then strength (a score
    under 3 is refused with its reason)."""
    return secret_problem(passphrase, repeat, user_inputs=user_inputs)


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
        self.kdf = kdf
        self._vault: Vault | None = None
        self._store: Store | None = None

    @property
    def vault(self) -> Vault | None:
        return self._vault

    @property
    def store(self) -> Store:
        if self._store is None or not self.is_open:
            raise VaultLocked()
        return self._store

    @property
    def is_open(self) -> bool:
        return self._vault is not None and self._vault.is_open

    def screen(self) -> Screen:
        if self.is_open:
            return Screen.OVERVIEW
        return Screen.UNLOCK if vault_exists(self.folder) else Screen.CREATE

    # -- the slow halves: safe on a worker thread ----------------------------------------

    def derive_keys(self, passphrase: str) -> UnlockKeys:
        """Argon2id and the key unwrap. Raises ``WrongPassphrase``, ``VaultDamaged``, ..."""
        from fieldapp.vault import derive_unlock_keys  # noqa: PLC0415 - keep start-up light: the unlock window imports this module; the vault code (SQLCipher, Argon2) loads at unlock

        return derive_unlock_keys(self.folder, passphrase)

    def create_and_derive(self, role: Role, passphrase: str) -> UnlockKeys:
        """Make the vault and close it again on this thread, then derive the keys to open it on
        the GUI thread. ``Vault.create`` wraps the key and opens the database in one call, so
        creating off the GUI thread costs a second key derivation (once, on first run)."""
        from fieldapp.vault import Vault, derive_unlock_keys  # noqa: PLC0415 - keep start-up light: the vault code loads when a vault opens

        Vault.create(self.folder, passphrase, role, self.kdf).lock()
        return derive_unlock_keys(self.folder, passphrase)

    # -- the fast half: on the GUI thread ------------------------------------------------

    def open_with_keys(self, keys: UnlockKeys, *, accept_older: bool = False) -> Store:
        """``accept_older``: the user confirmed that an older state of the vault is deliberate
        (``VaultRolledBack`` otherwise)."""
        if self.is_open:
            keys.wipe()
            return self.store
        from fieldapp.store.store import Store  # noqa: PLC0415 - keep start-up light: the store loads when a vault opens
        from fieldapp.vault import Vault  # noqa: PLC0415 - keep start-up light: the vault code loads when a vault opens

        self._vault = Vault.open_with_keys(self.folder, keys, accept_older=accept_older)
        self._store = Store(self._vault)
        self._forget_arrived(self._vault)
        return self._store

    @staticmethod
    def _forget_arrived(vault: Vault) -> None:
        """A field device erases, at each opening, what the coordinator confirmed holding and
        is past the field retention (issue 16). A vault opened for reading on a full disk
        keeps it until the next opening; that is no reason to refuse the vault."""
        from fieldapp.retention.purge import forget_arrived  # noqa: PLC0415 - keep start-up light: loads when a vault opens
        from fieldapp.vault.connection import DatabaseError  # noqa: PLC0415 - as above

        try:
            forget_arrived(vault)
        except (FieldAppError, OSError, DatabaseError):
            vault.notices.append(FieldAppError("vault.notice.forget_postponed"))

    # -- all at once (tests, tools) ------------------------------------------------------

    def create(self, role: Role, passphrase: str, repeat: str) -> Store:
        """Make the vault and leave it open. Raises ``FieldAppError`` (or ``OSError``)."""
        problem = new_passphrase_problem(passphrase, repeat)
        if problem is not None:
            raise problem
        from fieldapp.store.store import Store  # noqa: PLC0415 - keep start-up light: the store loads when a vault opens
        from fieldapp.vault import Vault  # noqa: PLC0415 - keep start-up light: the vault code loads when a vault opens

        self._vault = Vault.create(self.folder, passphrase, role, self.kdf)
        self._store = Store(self._vault)
        return self._store

    def unlock(self, passphrase: str) -> Store:
        if self.is_open:
            return self.store
        return self.open_with_keys(self.derive_keys(passphrase))

    def lock(self) -> None:
        """Close the vault (the core zeroes its key); safe to call when already locked."""
        vault, self._vault, self._store = self._vault, None, None
        if vault is not None:
            vault.lock()
