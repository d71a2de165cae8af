"""Field side: one bundle with everything changed since the last successful export.

Three steps, so the desktop can run the slow middle one on a worker thread (the vault's
connection stays on the thread that opened it):

1. :func:`prepare_export` (vault): in one transaction, reserve the next ``seq`` and read the
   current state of every record changed since the last exported bundle (sites, visits,
   persons, attachments with content, observations, referrals with their PDFs, tombstones)
   and the audit entries since then; build, hash and sign the manifest. The reservation
   records the bundle's future path.
2. :func:`write_bundle` (no vault): stream the age encryption into ``NAME.tmp`` in the target
   folder, fsync, ``os.replace`` to ``NAME``, fsync the folder, read the file back and compare
   its SHA-256 with what was written. Progress and cancel are checked per 64 KiB.
3. :func:`finish_export` (vault) marks the bundle exported; :func:`abandon_export` drops the
   reservation after a failure or cancel, so nothing is marked and ``seq`` stays gapless.

A process killed between the rename and step 3 leaves a complete bundle (it was fsynced
before the rename) and a reservation naming it: the next export adopts that file as exported,
so its ``seq`` is never reused for other content. Killed earlier, the reservation and any
``.tmp`` file are removed and the ``seq`` is reused.

A visit that holds nothing (an empty draft: ``fieldapp/store/drafts_store.py``) and was never
exported stays out of the bundle, with its blank site, and so does the tombstone of one that was
deleted before it ever left (:func:`_held_back`). The drafts a bundle left out are kept in the
vault (``HeldBack``); the first bundle after one gains content carries its visit and site, so
a person or signal never arrives without them. Their audit entries travel as always: the chain
stays whole.

A bundle that would exceed ``MAX_PAYLOAD_BYTES`` is cut at a change: what is left stays
pending for the next export (``ExportResult.remaining``). A lost bundle is sent again with
``resend=(seq, ...)``: a new bundle (next ``seq``) with the current state of every record the
lost ones carried, whose signed manifest names them, so the coordinator stops reporting them
missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import msgspec
import pyrage
from pyrage import x25519

from fieldapp.atomic import fsync_dir
from fieldapp.clock import now_iso
from fieldapp.domain import Role
from fieldapp.store import drafts_store
from fieldapp.store.drafts_store import HeldBack
from fieldapp.store.store import META_COLUMNS
from fieldapp.store.sync_store import RECORD_COLUMNS, RECORD_KINDS, Outgoing, SyncStore
from fieldapp.sync import bundle, cards
from fieldapp.sync.errors import BundleRejected, EnrolmentError, ExportCancelled, ExportError
from fieldapp.sync.keys import own_keys, reply_identity
from fieldapp.validate import windows_reserved
from fieldapp.vault.connection import transaction
from fieldapp.vault.migrations import SCHEMA_VERSION
from fieldapp.vault.vault import Vault

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]
READ_BACK_CHUNK = 1024 * 1024
_UUID_AT = META_COLUMNS.index("uuid")


@dataclass(frozen=True, slots=True)
class PreparedExport:
    seq: int
    bundle_id: str
    path: Path
    manifest_bytes: bytes
    bundle_sha256: str
    payload: bundle.PayloadBuilder
    signature: bytes
    recipients: tuple[str, ...]
    counts: dict[str, int]
    resends: tuple[int, ...]
    remaining: int

    @property
    def plaintext_size(self) -> int:
        return bundle.plaintext_size(self.manifest_bytes, self.payload)


@dataclass(frozen=True, slots=True)
class WrittenBundle:
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    seq: int
    bundle_id: str
    counts: dict[str, int]
    resends: tuple[int, ...]
    remaining: int  # changes left for the next export (the bundle was cut at the size limit)
    size: int


def export_bundle(
    vault: Vault,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    resend: Sequence[int] = (),
) -> ExportResult | None:
    """All three steps; None when nothing changed since the last export."""
    prepared = prepare_export(vault, out_dir, resend=resend)
    if prepared is None:
        return None
    try:
        written = write_bundle(prepared, progress=progress, cancel=cancel)
    except BaseException:
        abandon_export(vault, prepared)
        raise
    return finish_export(vault, prepared, written)


def parse_resend_range(text: str) -> tuple[int, ...]:
    """ "3" or "3-5" (as an import warning names lost bundles) as the seqs to send again."""
    first, _, last = text.strip().partition("-")
    try:
        low, high = int(first), int(last or first)
    except ValueError:
        raise ExportError("sync.export.bad_range_text", value=text) from None
    if not 1 <= low <= high or high - low > 10_000:
        raise ExportError("sync.export.bad_range_text", value=text)
    return tuple(range(low, high + 1))


def prepare_export(
    vault: Vault,
    out_dir: Path,
    *,
    resend: Sequence[int] = (),
    max_payload: int = bundle.MAX_PAYLOAD_BYTES,
) -> PreparedExport | None:
    if vault.info.role is not Role.FIELD:
        raise EnrolmentError("sync.enrol.field_only")
    vault.info.require_real()
    out_dir = Path(out_dir)
    if windows_reserved(out_dir.name):
        # On Windows that is a device, not a folder; a stick carried there must not hold one.
        raise ExportError("sync.export.reserved_name", path=str(out_dir))
    if not out_dir.is_dir():
        raise ExportError("sync.export.no_folder", path=str(out_dir))
    sync = SyncStore(vault)
    trusted = sync.trusted_coordinator()
    if trusted is None:
        raise EnrolmentError("sync.enrol.not_trusted")
    if trusted.enrolled_at is None:
        raise EnrolmentError("sync.enrol.not_enrolled")
    card = cards.parse_card(trusted.card.encode("utf-8"))
    signing = own_keys(vault).signing
    # Made here the first time (its own transaction, before the reservation's): the recipient
    # travels in every manifest, so the coordinator always holds the device's current one.
    reply_recipient = str(reply_identity(vault).to_public())
    _recover_interrupted(sync)
    resend = tuple(sorted(set(resend)))
    if resend:
        exported = {row.seq for row in sync.outgoing("exported")}
        missing = [seq for seq in resend if seq not in exported]
        if missing:
            raise ExportError("sync.export.bad_range", seqs=", ".join(map(str, missing)))
    path = out_dir / bundle.random_file_name()
    with sync.begin():
        reserved = sync.reserve(resend)
        change_to = _cut(sync, reserved, max_payload)
        if change_to != reserved.change_to:
            sync.cut_reservation(reserved.seq, change_to, reserved.audit_to)
        payload = bundle.PayloadBuilder()
        changed = {
            kind: list(sync.changed_records(kind, reserved.change_from, change_to))
            for kind in RECORD_KINDS
        }
        held = _held_back(vault, changed)
        for kind in RECORD_KINDS:
            rows = changed[kind]
            if kind == "attachment":
                payload.add_rows(kind, _checked(kind, [row[:-1] for row in rows], vault))
                for row in rows:
                    if not row[5]:  # live: its content follows
                        payload.add_content(row[0], bytes(row[-1]))
            elif rows:
                payload.add_rows(kind, _checked(kind, rows, vault))
        if not any(payload.counts[kind] for kind in RECORD_KINDS):
            sync.drop_reservation_in_transaction(reserved.seq)
            return None
        audit_rows = [
            [*row[:6], bytes(row[6]).hex()]
            for row in sync.audit_rows(reserved.audit_from, reserved.audit_to)
        ]
        if audit_rows:
            payload.add_rows("audit", audit_rows)
        remaining = 0 if resend else sync.count_changes_after(change_to)
        recipients = (card.age_recipient, card.recovery_recipient)
        manifest = bundle.Manifest(
            format=bundle.FORMAT,
            bundle_id=reserved.bundle_id,
            device_id=vault.info.device_id,
            seq=reserved.seq,
            prev_bundle_sha256=reserved.prev_bundle_sha256,
            created_utc=now_iso(),
            recipients=bundle.fingerprints_for(recipients),
            coordinator=card.fingerprint,
            payload_sha256=payload.sha256,
            payload_bytes=payload.size,
            schema_version=SCHEMA_VERSION,
            counts=msgspec.convert(payload.counts, bundle.ManifestCounts),
            resends=list(resend),
            reply_recipient=reply_recipient,
        )
        manifest_bytes = bundle.encode_manifest(manifest)
        bundle_sha256 = bundle.bundle_sha256(manifest_bytes)
        sync.describe_reservation(reserved.seq, str(path), bundle_sha256, payload.counts)
        held.write_pending(vault.conn, reserved.seq)
    signature = signing.sign(bundle.signed_message(manifest_bytes))
    return PreparedExport(
        seq=reserved.seq,
        bundle_id=reserved.bundle_id,
        path=path,
        manifest_bytes=manifest_bytes,
        bundle_sha256=bundle_sha256,
        payload=payload,
        signature=signature,
        recipients=recipients,
        counts=dict(payload.counts),
        resends=resend,
        remaining=remaining,
    )


def _held_back(vault: Vault, changed: dict[str, list[tuple[Any, ...]]]) -> HeldBack:
    """Take the drafts out of ``changed`` and put back those held earlier that now hold
    something; returns what this bundle leaves out (kept when it is exported)."""
    conn = vault.conn
    before = HeldBack.read(conn)
    in_range = {kind: {row[_UUID_AT] for row in changed[kind]} for kind in ("visit", "site")}
    visits = in_range["visit"] | before.visits
    never_sent = visits - drafts_store.ever_exported(conn, visits, before.visits)
    held_visits = drafts_store.holding_nothing(conn, never_sent)
    site_of = drafts_store.sites_of(conn, visits)
    sites = in_range["site"] | before.sites | set(site_of.values())
    unsent_sites = sites - drafts_store.ever_exported(conn, sites, before.sites)
    users = drafts_store.visits_at(conn, unsent_sites)
    blank = drafts_store.blank_sites(conn, unsent_sites)
    # A blank site never sent stays out while every visit there stays out (or none is left).
    held_sites = {site for site in blank if users.get(site, set()) <= held_visits}
    # Earlier drafts that now hold something travel now, with their sites, whatever changed.
    wanted = {
        "visit": (before.visits - held_visits) - in_range["visit"],
        "site": (before.sites - held_sites) - in_range["site"],
    }
    for kind, extra in wanted.items():
        keep = held_visits if kind == "visit" else held_sites
        rows = [row for row in changed[kind] if row[_UUID_AT] not in keep]
        if extra:
            rows += list(drafts_store.record_rows(conn, kind, extra, RECORD_COLUMNS[kind]))
        changed[kind] = rows
    return HeldBack(frozenset(held_visits), frozenset(held_sites))


def _checked(kind: str, rows: list[Any], vault: Vault) -> list[list[Any]]:
    """The import's own checks, here first: a value recorded before a check existed (15
    phone numbers, a date now out of range) stops the export on this device, where it can be
    mended, instead of the coordinator refusing every bundle that carries it."""
    if not rows:
        return []
    try:
        return bundle.check_outgoing(kind, rows, vault.info.device_id)
    except BundleRejected as rejected:
        if rejected.key != "sync.reject.invalid_value":
            raise  # not a value this device can mend: a fault, reported as such
        raise ExportError("sync.export.invalid_value", **rejected.params) from None


def _cut(sync: SyncStore, reserved: Outgoing, max_payload: int) -> int:
    """The last change the bundle carries: all of them unless that is over ``max_payload``."""
    if sync.estimated_size(reserved.change_from, reserved.change_to) <= max_payload:
        return reserved.change_to
    total, last = 0, reserved.change_from
    for change_no, size in sync.change_sizes(reserved.change_from, reserved.change_to):
        total += size
        if total > max_payload and last > reserved.change_from:
            break
        last = change_no
    return last


def _recover_interrupted(sync: SyncStore) -> None:
    """A reservation left by a killed export: adopt its bundle if it reached its final name
    (it was complete and fsynced before the rename), else remove it and its temp file."""
    for stale in sync.outgoing("reserved"):
        if stale.file_name and stale.bundle_sha256:
            final = Path(stale.file_name)
            with contextlib.suppress(OSError):
                _temp_path(final).unlink(missing_ok=True)
            if final.is_file():
                _mark_exported(sync, stale.seq, stale.bundle_sha256, stale.counts)
                continue
        sync.drop_reservation(stale.seq)


def _mark_exported(sync: SyncStore, seq: int, bundle_sha256: str, counts: dict[str, int]) -> None:
    """Mark the bundle exported, then make the drafts it held back the current set (killed in
    between, the earlier set stays: a draft it named travels again, which the coordinator takes
    as an update, never the other way round)."""
    sync.mark_exported(seq, bundle_sha256, counts)
    with transaction(sync.conn):
        drafts_store.promote_pending(sync.conn, seq)


def _temp_path(final: Path) -> Path:
    return final.with_name(final.name + ".tmp")


class _PlaintextReader(io.RawIOBase):
    """The plaintext parts as one readable stream, for pyrage.encrypt_io."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts = parts
        self._current = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._current:
            part = next(self._parts, None)
            if part is None:
                return 0
            self._current = memoryview(part)
        count = min(len(buffer), len(self._current))
        buffer[:count] = self._current[:count]
        self._current = self._current[count:]
        return count


class _CheckedWriter(io.RawIOBase):
    """Writes the ciphertext to the temp file, hashing it, reporting progress and checking
    cancel on every chunk. The first exception is kept: pyrage wraps it in its own error."""

    def __init__(
        self, target: BinaryIO, total: int, progress: Progress | None, cancel: Cancel | None
    ):
        self._target = target
        self._total = total
        self._progress = progress
        self._cancel = cancel
        self.hash = hashlib.sha256()
        self.size = 0
        self.failure: BaseException | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        try:
            if self._cancel is not None and self._cancel():
                raise ExportCancelled()
            view = memoryview(data)
            written = 0
            while written < len(view):
                written += self._target.write(view[written:]) or 0
            self.hash.update(view)
            self.size += len(view)
            if self._progress is not None:
                self._progress(min(self.size, self._total), self._total)
            return len(view)
        except BaseException as exc:
            if self.failure is None:
                self.failure = exc
            raise


def _open_output(path: Path) -> BinaryIO:
    """The temp file (a seam for tests that inject write failures)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    return os.fdopen(fd, "wb")


def write_bundle(
    prepared: PreparedExport, *, progress: Progress | None = None, cancel: Cancel | None = None
) -> WrittenBundle:
    """Encrypt and write atomically, then read back and verify. Touches no vault. On any
    failure or cancel no file is left under either name."""
    final = prepared.path
    temp = _temp_path(final)
    recipients = [x25519.Recipient.from_str(text) for text in prepared.recipients]
    total = prepared.plaintext_size
    try:
        with _open_output(temp) as handle:
            writer = _CheckedWriter(handle, total, progress, cancel)
            reader = _PlaintextReader(
                bundle.plaintext_parts(
                    prepared.manifest_bytes, prepared.payload, prepared.signature
                )
            )
            try:
                pyrage.encrypt_io(reader, writer, recipients)
            except BaseException as exc:
                raise writer.failure or exc from exc
            if cancel is not None and cancel():
                raise ExportCancelled()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
        fsync_dir(final.parent)
        _read_back(final, writer.size, writer.hash.hexdigest())
    except ExportCancelled:
        _remove(temp, final)
        raise
    except OSError as exc:
        _remove(temp, final)
        raise ExportError("sync.export.write_failed", detail=exc.strerror or str(exc)) from exc
    except BaseException:
        _remove(temp, final)
        raise
    if progress is not None:
        progress(total, total)
    return WrittenBundle(final, writer.size, writer.hash.hexdigest())


def _read_back(path: Path, size: int, sha256: str) -> None:
    """The file on the medium is byte for byte what was encrypted, and its age header is ours."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        head = handle.read(bundle.MAX_HEADER_BYTES)
        header = bundle.parse_age_header(head)
        if header.x25519 != 2:
            raise ExportError("sync.export.verify_failed")
        digest.update(head)
        while chunk := handle.read(READ_BACK_CHUNK):
            digest.update(chunk)
    if path.stat().st_size != size or digest.hexdigest() != sha256:
        raise ExportError("sync.export.verify_failed")


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    with contextlib.suppress(OSError):
        fsync_dir(paths[0].parent)


def finish_export(vault: Vault, prepared: PreparedExport, written: WrittenBundle) -> ExportResult:
    _mark_exported(SyncStore(vault), prepared.seq, prepared.bundle_sha256, prepared.counts)
    return ExportResult(
        path=written.path,
        seq=prepared.seq,
        bundle_id=prepared.bundle_id,
        counts=prepared.counts,
        resends=prepared.resends,
        remaining=prepared.remaining,
        size=written.size,
    )


def abandon_export(vault: Vault, prepared: PreparedExport) -> None:
    """After a failed or cancelled write: nothing is marked, and the seq is free again."""
    SyncStore(vault).drop_reservation(prepared.seq)
