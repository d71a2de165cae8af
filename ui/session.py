"""The logic behind the vault screens, without Qt: which screen to show, judging a new
passphrase, creating, unlocking and locking the vault, and the inspector profile.

The widgets in ``ui/views`` only collect input and show what this module returns, so tests can
drive the whole flow without a window.

Threads: :meth:`VaultSession.derive_keys` and :meth:`VaultSession.create_and_derive` do the
slow Argon2id work and touch no open connection, so the window runs them on a worker
(``ui.runner``). :meth:`VaultSession.open_with_keys` opens the SQLCipher connection and must
run on the GUI thread, which is then the only thread that uses it (``check_same_thread``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, VaultLocked
from fieldapp.i18n import t
from fieldapp.vault.layout import vault_exists
from fieldapp.vault.passphrase import passphrase_problem

if TYPE_CHECKING:
    from fieldapp.store.store import Store
    from fieldapp.vault import Vault
    from fieldapp.vault.keyfile import KdfParams
    from fieldapp.vault.vault import UnlockKeys

# The store, the vault's cryptography and zxcvbn load on first use, not at start-up: the
# unlock window is on screen before any of them is needed (PERFORMANCE.md start-up target).

# zxcvbn scores 0..4; 3 is "safely unguessable" (about 10^10 guesses) and our minimum.
MIN_STRENGTH_SCORE = 3
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the rest can only add strength
# zxcvbn knows English dictionaries only: these Dutch and app words count as guessable too.
GUESSABLE_WORDS = (
    "fieldapp",
    "kluis",
    "wachtwoord",
    "geheim",
    "welkom",
    "hallo",
    "inloggen",
    "zomer",
    "winter",
    "lente",
    "herfst",
    "inspectie",
    "arbeidsinspectie",
    "nederlandse",
    "gemeente",
    "politie",
    "marechaussee",
    "handhaving",
    "nederland",
    "holland",
    "amsterdam",
    "rotterdam",
    "utrecht",
    "ajax",
    "feyenoord",
    "oranje",
    "veldwerk",
    "coordinatie",
)
# zxcvbn's English feedback (it has no Dutch catalogue) -> our message keys.
ZXCVBN_FEEDBACK = {
    "Straight rows of keys are easy to guess.": "ui.strength.keyboard_row",
    "Short keyboard patterns are easy to guess.": "ui.strength.keyboard_pattern",
    'Repeats like "aaa" are easy to guess.': "ui.strength.repeats",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': "ui.strength.repeats",
    'Sequences like "abc" or "6543" are easy to guess.': "ui.strength.sequence",
    "Recent years are easy to guess.": "ui.strength.years",
    "Dates are often easy to guess.": "ui.strength.dates",
    "This is a top-10 common password.": "ui.strength.common",
    "This is a top-100 common password.": "ui.strength.common",
    "This is a very common password.": "ui.strength.common",
    "This is similar to a commonly used password.": "ui.strength.similar_common",
    "A word by itself is easy to guess.": "ui.strength.single_word",
    "Names and surnames by themselves are easy to guess.": "ui.strength.names",
    "Common names and surnames are easy to guess.": "ui.strength.names",
}
STRENGTH_LABELS = (
    "ui.strength.very_weak",
    "ui.strength.weak",
    "ui.strength.fair",
    "ui.strength.good",
    "ui.strength.strong",
)

AGENCIES = ("nla", "gemeente", "politie", "kmar", "other")
AGENCY_CODES = {"nla": "NLA", "gemeente": "Gemeente", "politie": "Politie", "kmar": "KMar"}


class Screen(StrEnum):
    CREATE = "create"
    UNLOCK = "unlock"
    OVERVIEW = "overview"  # the visits list
    VISIT = "visit"  # one visit in the editor


@dataclass(frozen=True, slots=True)
class Profile:
    """The inspector using this device; kept inside the vault (setting ``profile``)."""

    name: str = ""
    agency: str = "nla"  # one of AGENCIES
    employee_number: str = ""
    region: str = ""

    def as_setting(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_setting(cls, value: Any) -> Profile:
        if not isinstance(value, dict):
            return cls()
        fields = {
            name: str(value.get(name) or "") for name in ("name", "employee_number", "region")
        }
        agency = value.get("agency")
        return cls(agency=agency if agency in AGENCIES else "other", **fields)

    @property
    def agency_code(self) -> str:
        """How visits name the agency (``visit.agencies``); "other" has no fixed code."""
        return AGENCY_CODES.get(self.agency, "")


def profile_problem(profile: Profile) -> str | None:
    if not profile.name.strip():
        return t("ui.profile.name_required")
    return None


@dataclass(frozen=True, slots=True)
class PassphraseStrength:
    score: int  # 0..4
    reason_key: str | None  # why it is weak, when it is (a message key)

    @property
    def acceptable(self) -> bool:
        return self.score >= MIN_STRENGTH_SCORE

    @property
    def label(self) -> str:
        """ "zwak", "sterk", ... in the current language."""
        return t(STRENGTH_LABELS[self.score])

    @property
    def reason(self) -> str | None:
        return t(self.reason_key) if self.reason_key else None


def passphrase_strength(passphrase: str, user_inputs: tuple[str, ...] = ()) -> PassphraseStrength:
    """zxcvbn's estimate, with its reason in our words (Dutch or English)."""
    if not passphrase:
        return PassphraseStrength(0, None)
    words = [*GUESSABLE_WORDS, *(word for word in user_inputs if word)]
    from zxcvbn import zxcvbn  # noqa: PLC0415 - see the note at the imports

    result = zxcvbn(passphrase[:ZXCVBN_MAX_LENGTH], user_inputs=words)
    score = int(result["score"])
    reason = None
    if score < MIN_STRENGTH_SCORE:
        feedback = result.get("feedback") or {}
        reason = ZXCVBN_FEEDBACK.get(feedback.get("warning") or "", "ui.strength.too_guessable")
    return PassphraseStrength(score, reason)


def new_passphrase_problem(
    passphrase: str, repeat: str, user_inputs: tuple[str, ...] = ()
) -> FieldAppError | None:
    """The core's rules (length, typed twice alike), then strength: a score under 3 is refused
    with its reason."""
    problem = passphrase_problem(passphrase, repeat)
    if problem is not None:
        return problem
    strength = passphrase_strength(passphrase, user_inputs)
    if not strength.acceptable:
        reason = FieldAppError(strength.reason_key or "ui.strength.too_guessable")
        return FieldAppError("ui.strength.refused", reason=reason)
    return None


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
        from fieldapp.vault import derive_unlock_keys  # noqa: PLC0415

        return derive_unlock_keys(self.folder, passphrase)

    def create_and_derive(self, role: Role, passphrase: str) -> UnlockKeys:
        """Make the vault and close it again on this thread, then derive the keys to open it on
        the GUI thread. ``Vault.create`` wraps the key and opens the database in one call, so
        creating off the GUI thread costs a second key derivation (once, on first run)."""
        from fieldapp.vault import Vault, derive_unlock_keys  # noqa: PLC0415

        Vault.create(self.folder, passphrase, role, self.kdf).lock()
        return derive_unlock_keys(self.folder, passphrase)

    # -- the fast half: on the GUI thread ------------------------------------------------

    def open_with_keys(self, keys: UnlockKeys) -> Store:
        if self.is_open:
            keys.wipe()
            return self.store
        from fieldapp.store.store import Store  # noqa: PLC0415
        from fieldapp.vault import Vault  # noqa: PLC0415

        self._vault = Vault.open_with_keys(self.folder, keys)
        self._store = Store(self._vault)
        return self._store

    # -- all at once (tests, tools) ------------------------------------------------------

    def create(self, role: Role, passphrase: str, repeat: str) -> Store:
        """Make the vault and leave it open. Raises ``FieldAppError`` (or ``OSError``)."""
        problem = new_passphrase_problem(passphrase, repeat)
        if problem is not None:
            raise problem
        from fieldapp.store.store import Store  # noqa: PLC0415
        from fieldapp.vault import Vault  # noqa: PLC0415

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
