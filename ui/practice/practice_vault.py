"""The practice vault behind the desktop's practice mode (issue 17), without Qt.

Practice runs in a vault of its own, beside the real one (``<vault folder>-oefenen``), made
with ``practice=True`` so the core refuses anything leaving it (``VaultInfo.require_real``).
The trainee never types its passphrase: a random one is kept in the *real* vault's settings,
which are encrypted, so the practice vault opens exactly when the real one is open, and a
stolen laptop yields neither. Resetting deletes the folder and starts a new vault with a new
passphrase: nothing of earlier practice survives, also not in the per-user rollback record.

What the trainee did lives in the practice vault's own settings, never in the real one: which
visit records which case (and which recorded person is which case person), and the scores.

Threads: :meth:`PracticeVault.open_job` returns the slow half (Argon2id, and on first use the
vault's creation) for a worker; it touches no open connection. Everything else runs on the GUI
thread, which owns both connections.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, NotFound
from fieldapp.i18n import current_language
from fieldapp.inputs import (
    NewVisit,
    ObservationInput,
    PersonInput,
    SiteInput,
    VisitInput,
)
from fieldapp.practice.debrief import Score
from fieldapp.practice.model import PracticeCase
from fieldapp.vault.layout import vault_exists
from ui.session import VaultSession

if TYPE_CHECKING:
    from fieldapp.store.store import Store
    from fieldapp.vault.keyfile import KdfParams
    from fieldapp.vault.vault import UnlockKeys

# The folder's name is fixed, not translated: a vault must be found again whatever the
# language is today.
FOLDER_SUFFIX = "-oefenen"
PASSPHRASE_SETTING = "practice_vault_passphrase"  # noqa: S105 - a setting's name, in the real vault
VISITS_SETTING = "practice_visits"  # in the practice vault: case id -> visit and refs
SCORES_SETTING = "practice_scores"  # in the practice vault: case id -> best and last


def practice_folder(real_folder: Path) -> Path:
    """The practice vault's folder: a sibling of the real one, never inside it (a backup or a
    sync of the real vault's folder must not carry practice along)."""
    real = Path(real_folder)
    return real.with_name(real.name + FOLDER_SUFFIX)


@dataclass(frozen=True, slots=True)
class CaseScore:
    """Counts of one attempt (:class:`fieldapp.practice.debrief.Score`), as kept."""

    signals: int
    spotted: int
    missed: int
    over_read: int

    @classmethod
    def of(cls, score: Score) -> CaseScore:
        return cls(score.signals, score.spotted, score.missed, score.over_read)

    @classmethod
    def read(cls, raw: object) -> CaseScore | None:
        """A kept score, or None for anything else (a setting written by a later version)."""
        if not isinstance(raw, Mapping):
            return None
        values: list[int] = []
        for name in ("signals", "spotted", "missed", "over_read"):
            value = raw.get(name)
            if not isinstance(value, int) or isinstance(value, bool):
                return None
            values.append(value)
        return cls(*values)

    def as_dict(self) -> dict[str, int]:
        return {
            "signals": self.signals,
            "spotted": self.spotted,
            "missed": self.missed,
            "over_read": self.over_read,
        }

    def rank(self) -> tuple[int, int, int]:
        """Better is more spotted, then fewer over-read, then fewer missed."""
        return (self.spotted, -self.over_read, -self.missed)


@dataclass(frozen=True, slots=True)
class Scores:
    best: CaseScore | None
    last: CaseScore | None


class PracticeVault:
    """The practice vault that belongs to the open real vault ``real_store`` in
    ``real_folder``. ``kdf``: the cost for a new practice vault (the fast one only in tests,
    as for the real vault: :class:`ui.session.VaultSession`)."""

    def __init__(self, real_store: Store, real_folder: Path, kdf: KdfParams | None = None) -> None:
        self.real_store = real_store
        self.folder = practice_folder(real_folder)
        if self.folder.resolve() == Path(real_folder).resolve():
            raise ValueError("the practice vault is never the real vault")
        self.session = VaultSession(self.folder, kdf)

    @property
    def is_open(self) -> bool:
        return self.session.is_open

    @property
    def store(self) -> Store:
        return self.session.store

    # -- opening -------------------------------------------------------------------------

    def _passphrase(self) -> str:
        """The kept passphrase, or a new one when there is no practice vault yet. A folder
        holding a vault this real vault has no passphrase for is someone else's: refused,
        never overwritten or deleted."""
        kept = self.real_store.setting(PASSPHRASE_SETTING)
        if isinstance(kept, str) and kept:
            return kept
        if vault_exists(self.folder):
            raise FieldAppError("ui.practice.foreign_folder", folder=str(self.folder))
        passphrase = secrets.token_urlsafe(32)
        self.real_store.set_setting(PASSPHRASE_SETTING, passphrase)
        return passphrase

    def open_job(self) -> Callable[[], UnlockKeys]:
        """The slow half, for a worker: create the practice vault on first use, then derive
        the keys to open it. Reads the passphrase here, on the GUI thread."""
        passphrase = self._passphrase()
        folder, kdf = self.folder, self.session.kdf

        def job() -> UnlockKeys:
            from fieldapp.vault import Vault, derive_unlock_keys  # noqa: PLC0415 - work on a worker thread: the vault code loads there

            if not vault_exists(folder):
                Vault.create(folder, passphrase, Role.FIELD, kdf, practice=True).lock()
            return derive_unlock_keys(folder, passphrase)

        return job

    def finish_open(self, keys: UnlockKeys) -> Store:
        """The fast half, on the GUI thread. A vault at the practice folder that is not marked
        as practice is closed again and refused: practice never writes into real work."""
        store = self.session.open_with_keys(keys)
        vault = self.session.vault
        if vault is None or not vault.info.practice:
            self.session.lock()
            raise FieldAppError("ui.practice.not_practice", folder=str(self.folder))
        return store

    def lock(self) -> None:
        self.session.lock()

    # -- reset ---------------------------------------------------------------------------

    def can_reset(self) -> bool:
        """Only a folder this real vault made: open and marked practice, or its passphrase
        kept here (a practice vault that no longer opens)."""
        vault = self.session.vault
        if vault is not None and self.session.is_open:
            return vault.info.practice
        kept = self.real_store.setting(PASSPHRASE_SETTING)
        return isinstance(kept, str) and bool(kept)

    def reset(self) -> None:
        """Delete the practice vault's folder entirely and forget its passphrase; the next
        :meth:`open_job` makes a new one. Raises ``FieldAppError`` when the folder is not
        this vault's practice vault, ``OSError`` when it cannot be deleted."""
        if not self.can_reset():
            raise FieldAppError("ui.practice.foreign_folder", folder=str(self.folder))
        vault = self.session.vault
        vault_id = vault.info.vault_id if vault is not None else None
        self.session.lock()
        if vault_id is not None:
            from fieldapp.vault import anchor  # noqa: PLC0415 - keep start-up light: loaded already by the open vault

            with contextlib.suppress(OSError):
                anchor.forget(self.folder, vault_id)
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.real_store.set_setting(PASSPHRASE_SETTING, None)

    # -- the practice visits -------------------------------------------------------------

    def _visits(self) -> dict[str, Any]:
        kept = self.store.setting(VISITS_SETTING, {})
        return dict(kept) if isinstance(kept, Mapping) else {}

    def current_visit(self, case: PracticeCase) -> tuple[str, dict[str, str]] | None:
        """The visit the trainee is recording this case in, with person uuid -> case ref."""
        entry = self._visits().get(case.id)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("visit"), str):
            return None
        try:
            self.store.visit_detail(entry["visit"])
        except NotFound:
            return None
        refs = entry.get("refs")
        return entry["visit"], dict(refs) if isinstance(refs, Mapping) else {}

    def start_visit(self, case: PracticeCase, catalogue_version: str) -> tuple[str, dict[str, str]]:
        """A new visit at the case's place and sector, with the persons as the trainee meets
        them (the labels the scenario uses, everything else as a new person in the editor
        starts: what they are is for the trainee to record)."""
        lang = current_language()
        agencies = (case.reporter_agency,) if case.reporter_agency else ()
        persons = tuple(
            (person.ref, PersonInput(label=getattr(person.label, lang))) for person in case.persons
        )
        from fieldapp.clock import now_iso  # noqa: PLC0415 - keep start-up light: the clock loads with the practice window

        new = NewVisit(
            site=SiteInput(name=getattr(case.title, lang), sector=case.sector),
            visit=VisitInput(started_at=now_iso(), agencies=agencies),
            persons=persons,
        )
        visit_uuid = self.store.record_visit(new, catalogue_version)
        by_label = {getattr(person.label, lang): person.ref for person in case.persons}
        refs = {
            person.meta.uuid: by_label[person.label]
            for person in self.store.persons(visit_uuid)
            if person.label in by_label
        }
        visits = self._visits()
        visits[case.id] = {"visit": visit_uuid, "refs": refs}
        self.store.set_setting(VISITS_SETTING, visits)
        return visit_uuid, refs

    def forget_visit(self, case: PracticeCase) -> None:
        """The next opening of ``case`` starts a new visit (a new attempt)."""
        visits = self._visits()
        if visits.pop(case.id, None) is not None:
            self.store.set_setting(VISITS_SETTING, visits)

    # -- scores --------------------------------------------------------------------------

    def scores(self) -> dict[str, Scores]:
        kept = self.store.setting(SCORES_SETTING, {})
        if not isinstance(kept, Mapping):
            return {}
        found: dict[str, Scores] = {}
        for case_id, entry in kept.items():
            if isinstance(entry, Mapping):
                found[str(case_id)] = Scores(
                    CaseScore.read(entry.get("best")), CaseScore.read(entry.get("last"))
                )
        return found

    def keep_score(self, case: PracticeCase, score: Score) -> Scores:
        """Record an attempt: it is the last, and the best when no earlier one beat it."""
        last = CaseScore.of(score)
        earlier = self.scores().get(case.id)
        best = last
        if earlier is not None and earlier.best is not None and earlier.best.rank() >= last.rank():
            best = earlier.best
        kept = self.store.setting(SCORES_SETTING, {})
        stored = dict(kept) if isinstance(kept, Mapping) else {}
        stored[case.id] = {"best": best.as_dict(), "last": last.as_dict()}
        self.store.set_setting(SCORES_SETTING, stored)
        return Scores(best, last)


_PERSON_FIELDS = tuple(field.name for field in fields(PersonInput))


def trainee_record(store: Store, visit_uuid: str, refs: Mapping[str, str]) -> NewVisit:
    """The trainee's record as the visit JSON's ``persons`` and ``observations`` hold it: each
    recorded person under the case's ref where the practice visit made them, else under their
    label (the debrief then finds them by label); what was recorded for everyone, without a
    person."""
    detail = store.visit_detail(visit_uuid)
    person_refs: dict[str, str] = {}
    persons: list[tuple[str, PersonInput]] = []
    for person in detail.persons:
        ref = refs.get(person.meta.uuid) or person.label or person.meta.uuid
        if ref in person_refs.values():
            ref = person.meta.uuid
        person_refs[person.meta.uuid] = ref
        values = {name: getattr(person, name) for name in _PERSON_FIELDS}
        persons.append((ref, PersonInput(**values)))
    observations = tuple(
        ObservationInput(
            indicator_id=observation.indicator_id,
            status=observation.status,
            evidence=observation.evidence,
            note=observation.note,
            person_ref=(
                None if observation.person_uuid is None else person_refs[observation.person_uuid]
            ),
            past=observation.past,
        )
        for observation in detail.observations
        if observation.person_uuid is None or observation.person_uuid in person_refs
    )
    return NewVisit(
        site=SiteInput(name=detail.site.name, sector=detail.site.sector),
        visit=VisitInput(started_at=detail.visit.started_at),
        persons=tuple(persons),
        observations=observations,
    )
