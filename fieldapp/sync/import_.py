"""Coordinator side: import bundles from a file or a folder (a USB stick of many devices).

Each bundle passes every check before anything is written, in this order:

1. the file: a regular file of at most ``MAX_BUNDLE_BYTES`` whose name is no Windows device
   name (``CON``, ``nul.fab``, ...), read once through one handle (what is checked is what
   is decrypted, byte for byte as many as its size said);
2. the age header, parsed by us from the first ``MAX_HEADER_BYTES``: its shape, at most
   ``MAX_STANZAS`` recipient stanzas (at most ``MAX_X25519_STANZAS`` X25519 ones), canonical
   base64, and the plaintext size the file holds (``MAX_PLAINTEXT_BYTES``), all before the
   rest of the file is read;
3. decryption with this coordinator's identity, streamed from the file into one buffer of that
   plaintext size (a bundle for another coordinator fails here); age's header MAC and STREAM
   tags reject any changed, missing or added byte. The file is never held in memory, and the
   plaintext only once: peak memory is about the plaintext (issue 12: a 500 MB age file took
   1.5 GB before);
4. the plaintext layout and the manifest, checked as soon as the first chunks are decrypted
   (so an age file that is no bundle, or one from a device not enrolled here, is refused
   without decrypting the rest): canonical JSON within size and depth limits, every field of
   its form (ids, hashes, fingerprints);
5. the device: enrolled here and not revoked;
6. the Ed25519 signature over the manifest, with that device's key;
7. this coordinator's fingerprint among the signed recipients;
8. the payload's length and SHA-256; the schema version;
9. every frame and record: JSON size and depth, kinds and column names, value types and
   forms, the rules of local input per column (texts cleaned), indicator ids known to the
   installed catalogue, attachment names and contents, counts as the manifest says;
10. the ledger: the same bundle again changes nothing; the same seq with other content, or a
    bundle that does not chain onto the one before it, is an alarm; missing seqs are a
    warning; the device's audit entries must chain.

Then one transaction per bundle (:meth:`SyncStore.apply_bundle`), which first checks that
every parent a record names is the device's own (or in the bundle).
"""

from __future__ import annotations

import hashlib
import io
import json
import mmap
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage
import sqlcipher3
from pyrage import x25519

from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, StorageError
from fieldapp.i18n import t, tn
from fieldapp.localtime import datetime_text
from fieldapp.store.sync_store import ApplyCounts, Device, ForeignParent, ForeignRecord, SyncStore
from fieldapp.sync import bundle, keys
from fieldapp.sync.errors import BundleRejected, EnrolmentError
from fieldapp.validate import windows_reserved
from fieldapp.vault.migrations import SCHEMA_VERSION
from fieldapp.vault.vault import Vault

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What checking a bundle needs from the vault, read once (so opening a bundle, the slow
    part, touches no connection). After a key renewal the old keys still open and accept
    bundles from devices that have not moved to the new card yet."""

    identities: tuple[x25519.Identity, ...]
    recipient_fingerprints: frozenset[str]
    coordinator_fingerprints: frozenset[str]
    devices: dict[str, Device]

    @classmethod
    def from_vault(cls, vault: Vault) -> ImportContext:
        if vault.info.role is not Role.COORDINATOR:
            raise EnrolmentError("sync.enrol.coordinator_only")
        own = keys.own_keys(vault)
        if own.age_identity is None or own.age_recipient is None:
            raise EnrolmentError("sync.enrol.no_recovery_key")
        every = keys.coordinator_keys(vault)  # the current keys first
        return cls(
            identities=tuple(k.age_identity for k in every.values() if k.age_identity),
            recipient_fingerprints=frozenset(
                keys.recipient_fingerprint(k.age_recipient)
                for k in every.values()
                if k.age_recipient
            ),
            coordinator_fingerprints=frozenset(every),
            devices={device.device_id: device for device in SyncStore(vault).devices()},
        )


@dataclass(slots=True)
class ImportWarning:
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    count: int | None = None  # set: a counted text, ``key.one`` / ``key.other`` (``tn``)

    def message(self, lang: str | None = None) -> str:
        if self.count is not None:
            return tn(self.key, self.count, lang, **self.params)
        return t(self.key, lang, **self.params)


@dataclass(slots=True)
class BundleReport:
    """The outcome for one file: ``imported``, ``duplicate`` (already imported: nothing
    changed) or ``rejected`` (with the reason; ``alarm`` for a contradiction)."""

    source: str
    status: str
    device_id: str | None = None
    inspector: str | None = None
    agency: str | None = None
    seq: int | None = None
    bundle_id: str | None = None
    counts: ApplyCounts | None = None
    warnings: list[ImportWarning] = field(default_factory=list)
    rejection: BundleRejected | None = None

    @property
    def alarm(self) -> bool:
        return self.rejection is not None and self.rejection.alarm

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        counts = self.counts or ApplyCounts.empty()
        return {
            "file": self.source,
            "status": self.status,
            "device_id": self.device_id,
            "inspector": self.inspector,
            "agency": self.agency,
            "seq": self.seq,
            "bundle_id": self.bundle_id,
            "imported": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "conflicts": counts.conflicts,
            "audit_entries": counts.audit_entries,
            "warnings": [
                {"code": w.key.removeprefix("sync.warn."), "message": w.message(lang)}
                for w in self.warnings
            ],
            "rejection": None
            if self.rejection is None
            else {
                "code": self.rejection.reason,
                "message": self.rejection.message(lang),
                "alarm": self.rejection.alarm,
            },
        }


# -- opening one bundle (no vault) --------------------------------------------------------


def _refuse_reserved(path: Path) -> None:
    if windows_reserved(path.name):
        raise BundleRejected("sync.reject.reserved_name", name=path.name)


def open_regular(path: Path, limit: int = bundle.MAX_BUNDLE_BYTES) -> tuple[io.BufferedReader, int]:
    """The file opened once, if it is a regular file within the size limit: (handle, size).
    Bundles and replies both come in through here."""
    _refuse_reserved(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise BundleRejected("sync.reject.unreadable") from exc
    try:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise BundleRejected("sync.reject.unreadable")
        if info.st_size > limit:
            raise BundleRejected(
                "sync.reject.file_too_large",
                size=info.st_size // (1024 * 1024),
                limit=limit // (1024 * 1024),
            )
    except BaseException:
        handle.close()
        raise
    return handle, info.st_size


class _FileStream(io.RawIOBase):
    """The file's bytes for pyrage: first the header already read and checked, then the rest
    from the same handle; never more than the size the file had when it was checked."""

    def __init__(self, head: bytes, handle: io.BufferedReader, size: int) -> None:
        self._head = memoryview(head)
        self._handle = handle
        self.left = size - len(head)
        self.failure: BaseException | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        if self.left <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self.left)]
        try:
            count = self._handle.readinto(view) or 0
        except OSError as exc:
            self.failure = BundleRejected("sync.reject.unreadable")
            raise self.failure from exc
        self.left -= count
        return count


class _PlaintextSink(io.RawIOBase):
    """Where pyrage writes the plaintext: one buffer of exactly the size the file holds (an
    anonymous mapping: pages are only taken as they are written). ``check_head`` is called
    once the magic, the manifest and the payload length have arrived; it refuses what is no
    bundle for us before the rest is decrypted."""

    def __init__(self, size: int, check_head: Callable[[memoryview], None]) -> None:
        self.buffer = mmap.mmap(-1, max(size, 1))
        self.size = size
        self.written = 0
        self._check_head = check_head
        self._head_needed: int | None = len(bundle.MAGIC) + 4
        self.failure: BaseException | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        try:
            count = len(data)
            if self.written + count > self.size:
                raise BundleRejected("sync.reject.damaged")
            self.buffer[self.written : self.written + count] = data
            self.written += count
            if self._head_needed is not None and self.written >= self._head_needed:
                self._advance_head()
            return count
        except BaseException as exc:
            if self.failure is None:
                self.failure = exc
            raise

    def _advance_head(self) -> None:
        view = memoryview(self.buffer)
        magic = len(bundle.MAGIC)
        if self._head_needed == magic + 4:
            if bytes(view[:magic]) != bundle.MAGIC:
                raise BundleRejected("sync.reject.format")
            manifest_length = int.from_bytes(view[magic : magic + 4], "big")
            if manifest_length > bundle.MAX_MANIFEST_BYTES:
                raise BundleRejected(
                    "sync.reject.json_too_large",
                    size=manifest_length,
                    limit=bundle.MAX_MANIFEST_BYTES,
                )
            self._head_needed = magic + 4 + manifest_length + 4
            if self.written < self._head_needed:
                return
        self._head_needed = None
        self._check_head(view[: self.written])

    def plaintext(self) -> memoryview:
        if self.written != self.size:
            raise BundleRejected("sync.reject.damaged")
        return memoryview(self.buffer)[: self.size]


def decrypt_file(path: Path, ctx: ImportContext) -> tuple[memoryview, int]:
    """(plaintext, file size): the age header checked from the first bytes, then decrypted in
    a stream into one buffer of the plaintext size, the head checked as it arrives."""
    if path.suffix.lower() == ".far":  # fieldapp.reply.REPLY_SUFFIX: a device's, not ours
        raise BundleRejected("sync.reject.is_reply")
    handle, size = open_regular(path)
    with handle:
        try:
            head = handle.read(min(size, bundle.MAX_HEADER_BYTES))
        except OSError as exc:
            raise BundleRejected("sync.reject.unreadable") from exc
        header = bundle.parse_age_header(head)
        plaintext_size = bundle.max_plaintext_size(size, header.length)
        if plaintext_size > bundle.MAX_PLAINTEXT_BYTES:
            raise BundleRejected(
                "sync.reject.plaintext_too_large",
                limit=bundle.MAX_PLAINTEXT_BYTES // (1024 * 1024),
            )
        source = _FileStream(head, handle, size)
        sink = _PlaintextSink(plaintext_size, lambda view: _check_head(view, ctx))
        try:
            pyrage.decrypt_io(source, sink, list(ctx.identities))
        except BaseException as exc:
            failure = source.failure or sink.failure
            if isinstance(failure, BundleRejected):
                raise failure from exc
            if isinstance(exc, pyrage.DecryptError) and "no matching keys" in str(exc).lower():
                raise BundleRejected("sync.reject.not_for_us") from exc
            if isinstance(exc, pyrage.DecryptError | OSError | ValueError):
                raise BundleRejected("sync.reject.damaged") from exc
            raise
        if source.left != 0 or handle.read(1):
            raise BundleRejected("sync.reject.damaged")  # the file changed while read
        return sink.plaintext(), size


def _check_head(head: memoryview, ctx: ImportContext) -> None:
    """The checks of :func:`_authenticate` that need only the start of the plaintext: the
    layout up to the payload length, the manifest, the device."""
    magic = len(bundle.MAGIC)
    manifest_length = int.from_bytes(head[magic : magic + 4], "big")
    manifest = bundle.parse_manifest(bytes(head[magic + 4 : magic + 4 + manifest_length]))
    _device(manifest, ctx)


@dataclass(frozen=True, slots=True)
class _Authentic:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    payload: memoryview
    device: Device


def _device(manifest: dict[str, Any], ctx: ImportContext) -> Device:
    device_id = manifest["device_id"]
    device = ctx.devices.get(device_id)
    if device is None:
        raise BundleRejected("sync.reject.unknown_device", device=device_id)
    if device.revoked_at is not None:
        raise BundleRejected(
            "sync.reject.revoked_device",
            device=device_id,
            revoked_at=datetime_text(device.revoked_at),
        )
    return device


def _authenticate(plaintext: bytes | memoryview, ctx: ImportContext) -> _Authentic:
    opened = bundle.split_plaintext(plaintext)
    manifest = bundle.parse_manifest(opened.manifest_bytes)
    device = _device(manifest, ctx)
    device_id = device.device_id
    if not keys.verify(
        device.signing_key, opened.signature, bundle.signed_message(opened.manifest_bytes)
    ):
        raise BundleRejected("sync.reject.bad_signature", device=device_id)
    if (
        not ctx.recipient_fingerprints.intersection(manifest["recipients"])
        or manifest["coordinator"] not in ctx.coordinator_fingerprints
    ):
        raise BundleRejected("sync.reject.not_a_recipient")
    return _Authentic(manifest, opened.manifest_bytes, opened.payload, device)


def peek_bundle(path: Path, ctx: ImportContext) -> tuple[str, int]:
    """(device_id, seq) of an authentic bundle, to import a folder in order."""
    authentic = _authenticate(decrypt_file(path, ctx)[0], ctx)
    return authentic.manifest["device_id"], authentic.manifest["seq"]


def open_bundle(path: Path, ctx: ImportContext) -> bundle.VerifiedBundle:
    """Every check that needs no ledger (steps 1-9 above); raises BundleRejected."""
    plaintext, file_size = decrypt_file(path, ctx)
    authentic = _authenticate(plaintext, ctx)
    manifest = authentic.manifest
    payload = authentic.payload
    if (
        len(payload) != manifest["payload_bytes"]
        or hashlib.sha256(payload).hexdigest() != manifest["payload_sha256"]
    ):
        raise BundleRejected("sync.reject.payload_hash")
    if manifest["schema_version"] > SCHEMA_VERSION:
        raise BundleRejected(
            "sync.reject.schema_newer", found=manifest["schema_version"], supported=SCHEMA_VERSION
        )
    decoded = bundle.decode_payload(payload, manifest["device_id"], manifest["schema_version"])
    if decoded.counts != manifest["counts"]:
        raise BundleRejected("sync.reject.counts")
    return bundle.VerifiedBundle(
        manifest=manifest,
        bundle_sha256=bundle.bundle_sha256(authentic.manifest_bytes),
        records=decoded.records,
        contents=decoded.contents,
        file_size=file_size,
        sanitised=decoded.sanitised,
    )


# -- importing ---------------------------------------------------------------------------


def bundle_files(paths: Iterable[Path]) -> list[Path]:
    """Files given by name as they are; in a folder, its ``*.fab`` files (not recursive). A
    path named like a Windows device is kept as it is, to be refused by name."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if windows_reserved(path.name):
            found.append(path)  # refused by name when imported, never read
        elif path.is_dir():
            found.extend(
                sorted(
                    entry
                    for entry in path.iterdir()
                    if entry.name.endswith(bundle.BUNDLE_SUFFIX)
                    and not entry.name.startswith(".")
                    and entry.is_file()
                )
            )
        else:
            found.append(path)
    return found


class ImportRun:
    """Importing a set of files one bundle at a time, so a desktop can lock or redraw between
    bundles (never inside one bundle's transaction). :func:`import_paths` runs it to the end.

    Order: by device, then seq, so a folder holding several bundles of one device imports in
    order; a bundle whose parents came in a later one gets one more try at the end."""

    def __init__(self, vault: Vault, paths: Sequence[Path]) -> None:
        self.vault = vault
        self.ctx = ImportContext.from_vault(vault)
        files = bundle_files(paths)
        self.total = len(files)
        self.reports: list[BundleReport] = []
        ordered: list[tuple[str, int, Path]] = []
        if len(files) > 1:
            for path in files:
                try:
                    device_id, seq = peek_bundle(path, self.ctx)
                except BundleRejected as rejection:
                    self.reports.append(BundleReport(str(path), "rejected", rejection=rejection))
                    continue
                ordered.append((device_id, seq, path))
            ordered.sort()
        else:
            ordered = [("", 0, path) for path in files]
        self._queue = [path for _, _, path in ordered]
        self.current: Path | None = None  # the bundle being (or last) imported

    @property
    def done(self) -> bool:
        return not self._queue

    def step(self) -> BundleReport:
        """Import the next bundle (one transaction) and return its report."""
        self.current = self._queue.pop(0)
        report = import_file(self.vault, self.current, self.ctx)
        self.reports.append(report)
        return report

    def retry_missing_parents(self) -> list[int]:
        """One more try for bundles refused for missing parents when a later bundle was
        imported; returns the indexes of the reports that changed."""
        changed = []
        for index, report in enumerate(self.reports):
            later = self.reports[index + 1 :]
            if (
                report.rejection is not None
                and report.rejection.reason == "missing_parents"
                and any(other.status == "imported" for other in later)
            ):
                retried = import_file(self.vault, Path(report.source), self.ctx)
                if retried.status == "imported":
                    self.reports[index] = retried
                    changed.append(index)
        return changed


def import_paths(
    vault: Vault,
    paths: Sequence[Path],
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> list[BundleReport]:
    """Import every bundle found; one report per file, in the order they were applied."""
    run = ImportRun(vault, paths)
    if progress is not None:
        progress(len(run.reports), run.total)
    while not run.done:
        if cancel is not None and cancel():
            break
        run.step()
        if progress is not None:
            progress(len(run.reports), run.total)
    run.retry_missing_parents()
    return run.reports


def import_file(vault: Vault, path: Path, ctx: ImportContext | None = None) -> BundleReport:
    ctx = ctx or ImportContext.from_vault(vault)
    report = BundleReport(str(path), "rejected")
    try:
        verified = open_bundle(path, ctx)
        device = ctx.devices[verified.device_id]
        report.device_id, report.seq = verified.device_id, verified.seq
        report.bundle_id = verified.manifest["bundle_id"]
        report.inspector, report.agency = device.inspector, device.agency
        _apply(vault, verified, report)
    except BundleRejected as rejection:
        report.status = "rejected"
        report.rejection = rejection
    return report


def _apply(vault: Vault, verified: bundle.VerifiedBundle, report: BundleReport) -> None:
    sync = SyncStore(vault)
    manifest = verified.manifest
    device_id, seq = verified.device_id, verified.seq
    known = sync.incoming(device_id, seq)
    if known is not None:
        if known[0] == verified.bundle_sha256:
            report.status = "duplicate"
            return
        _alarm(sync, verified, "same_seq")
    before = sync.incoming(device_id, seq - 1) if seq > 1 else None
    if before is not None and before[0] != manifest["prev_bundle_sha256"]:
        _alarm(sync, verified, "chain")
    after = sync.next_prev_hash(device_id, seq + 1)
    if after is not None and after != verified.bundle_sha256:
        _alarm(sync, verified, "chain")
    audit_rows = verified.records.get("audit", [])
    if audit_rows:
        first = min(row[0] for row in audit_rows)
        if not bundle.verify_audit_chain(audit_rows, sync.field_audit_hash(device_id, first - 1)):
            raise BundleRejected("sync.reject.audit_chain")
    missing = [s for s in sync.missing_seqs(device_id, seq) if s not in manifest["resends"]]
    try:
        counts = sync.apply_bundle(verified)
    except ForeignRecord as exc:
        raise BundleRejected("sync.reject.foreign_record", kind=exc.kind) from exc
    except ForeignParent as exc:
        if exc.parent_kind is None:
            raise BundleRejected(
                "sync.reject.missing_parents", missing=_seq_list(missing) or "-"
            ) from exc
        raise BundleRejected(
            "sync.reject.foreign_parent",
            device=device_id,
            kind=exc.kind,
            kind_name=FieldAppError(f"sync.kind.{exc.kind}"),
            record=exc.record_uuid,
            parent_kind=exc.parent_kind,
            parent_name=FieldAppError(f"sync.kind.{exc.parent_kind}"),
            parent=exc.parent_uuid,
        ) from exc
    except StorageError:
        raise  # a full or read-only coordinator disk: the bundle is fine, the disk is not
    except sqlcipher3.IntegrityError as exc:
        if "FOREIGN KEY" in str(exc).upper():
            raise BundleRejected(
                "sync.reject.missing_parents", missing=_seq_list(missing) or "-"
            ) from exc
        raise BundleRejected("sync.reject.write_failed", detail=str(exc)) from exc
    except sqlcipher3.DatabaseError as exc:
        raise BundleRejected("sync.reject.write_failed", detail=str(exc)) from exc
    report.status = "imported"
    report.counts = counts
    if missing:
        report.warnings.append(
            ImportWarning("sync.warn.gap", {"missing": _seq_list(missing)}, len(missing))
        )
    conflicts = sum(counts.conflicts.values())
    if conflicts:
        report.warnings.append(ImportWarning("sync.warn.conflicts", count=conflicts))
    if verified.sanitised:
        report.warnings.append(ImportWarning("sync.warn.sanitised", count=verified.sanitised))


def _alarm(sync: SyncStore, verified: bundle.VerifiedBundle, kind: str) -> None:
    """Keep the alarm in the vault (it is shown until someone looks into it) and refuse."""
    sync.record_alarm(verified.device_id, verified.seq, kind, verified.bundle_sha256)
    key = "sync.reject.same_seq_other_content" if kind == "same_seq" else "sync.reject.chain_broken"
    raise BundleRejected(key, alarm=True, device=verified.device_id, seq=verified.seq)


def _seq_list(seqs: list[int]) -> str:
    """1, 2, 5-9: consecutive numbers as a range."""
    parts: list[str] = []
    start = previous = None
    for seq in [*sorted(seqs), None]:
        if seq is not None and previous is not None and seq == previous + 1:
            previous = seq
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = seq
    return ", ".join(parts)


def reports_json(reports: list[BundleReport], lang: str | None = None) -> str:
    return json.dumps([report.to_json(lang) for report in reports], indent=2, ensure_ascii=False)
