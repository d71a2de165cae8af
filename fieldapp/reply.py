"""Replies, ``fieldapp-reply-v1``: what a coordinator tells one field device (docs/SECURITY.md
section 2b). A reply file is an age v1 file to the device's own reply key (only that device
reads it), with the bundle's plaintext layout::

    MAGIC | u32 len | manifest (canonical JSON) | u32 len | payload (JSON) | Ed25519 signature

    signature = Ed25519(coordinator key, "fieldapp-reply-v1\\0" || SHA-256(manifest))

Every reply is complete, not a change since the one before: it acknowledges every bundle and
record the coordinator holds from the device, and carries the whole follow-up and revocation
list. A reply lost on the way is therefore made good by the next one, so a device accepts any
reply newer than the last it imported and refuses an older one (a replay) or another reply
under a number it already imported.

The device checks, before anything is written: the file's size; the age header; decryption
with its reply identity (a reply for another device fails here); the layout; the manifest's
form; the signature with the coordinator key it trusts (never a key the reply brings); that
the reply names this device and its reply key; the payload's length and hash; the seq; the
payload's form (ids, revisions, statuses); and that every bundle acknowledged is one this
device exported, hash for hash. Then one transaction (:meth:`ReplyStore.apply_reply`).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import pyrage
from pyrage import x25519

from fieldapp.atomic import write_atomic
from fieldapp.catalogue import loader
from fieldapp.catalogue.model import CatalogueError
from fieldapp.clock import now_iso
from fieldapp.domain import Role, Sector
from fieldapp.errors import FieldAppError
from fieldapp.followup import OUTCOMES, STATUSES
from fieldapp.ids import new_id
from fieldapp.retention.policy import MAX_DAYS, load_policy
from fieldapp.stats.regions import UNKNOWN, load_regions
from fieldapp.store.reply_store import (
    PRIVATE_SECTORS,
    Holdings,
    InstalledCatalogue,
    KnownSite,
    ReplyLedgerRow,
    ReplyStore,
)
from fieldapp.store.sync_store import TABLES, Renewal, SyncStore
from fieldapp.sync import bundle, cards, keys
from fieldapp.sync.canonical import canonical_bytes, load_bounded
from fieldapp.sync.errors import BundleRejected, EnrolmentError, SyncError
from fieldapp.sync.import_ import open_regular
from fieldapp.vault.vault import Vault

FORMAT = "fieldapp-reply-v1"
MAGIC = b"FIELDAPP-RPLY-1\n"
SIGNATURE_CONTEXT = b"fieldapp-reply-v1\x00"
REPLY_SUFFIX = ".far"
# A reply for 100k records is about 5 MB; these leave room for years of a busy device.
MAX_REPLY_BYTES = 128 * 1024 * 1024
MAX_PAYLOAD_BYTES = 120 * 1024 * 1024
MAX_CATALOGUE_FILES = 32
MAX_KNOWN_SITES = 20_000  # a RIEC region's registered businesses met so far, with room
MAX_CATALOGUE_FILE_CHARS = 4 * 1024 * 1024  # the largest file of 2026.2 is 124 KB

_UuidText = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\Z")]
_Hex64Text = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{64}\Z")]
_UtcText = Annotated[str, msgspec.Meta(pattern=r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")]
_FingerprintText = Annotated[str, msgspec.Meta(pattern=r"\A\d{5}( \d{5}){11}\Z")]
_Number = Annotated[int, msgspec.Meta(ge=1, lt=2**32)]
_Count = Annotated[int, msgspec.Meta(ge=0, lt=2**32)]
_Revision = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
_Status = Literal["sent", "acknowledged", "investigating", "closed"]
_Outcome = Literal[
    "action_taken", "victim_supported", "registered", "referred_on", "no_action", "no_response"
]
_SiteText = Annotated[str, msgspec.Meta(max_length=200, pattern=r"\A[^\x00-\x1f\x7f]*\Z")]
_Kvk = Annotated[str, msgspec.Meta(pattern=r"\A\d{8}\Z")]
_SectorText = Annotated[str, msgspec.Meta(pattern=r"\A[a-z_]{1,40}\Z")]
_Signature = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{128}\Z")]
_Kind = Literal["site", "visit", "person", "attachment", "observation", "referral"]


class ReplyCounts(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    bundles: _Count
    records: _Count
    followup: _Count
    revoked: _Count


class ReplyManifest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """What a reply says about itself, signed; every field required."""

    format: str
    reply_id: _UuidText
    coordinator: _FingerprintText  # the fingerprint of the coordinator's card
    device_id: _UuidText
    seq: _Number  # per device, rising; a reply lost on the way leaves a gap
    created_utc: _UtcText
    recipient: _FingerprintText  # of the device's reply key
    payload_sha256: _Hex64Text
    payload_bytes: _Count
    acknowledged_through: _Count  # every bundle up to this seq arrived
    counts: ReplyCounts


_FileName = Annotated[str, msgspec.Meta(pattern=r"\A[a-z0-9_]{1,40}\.json\Z")]
_FileText = Annotated[str, msgspec.Meta(max_length=MAX_CATALOGUE_FILE_CHARS)]


class ReplyCatalogue(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A catalogue version the coordinator published: every file, and the content hash the
    loader computes over them (the device computes it again)."""

    version: Annotated[str, msgspec.Meta(pattern=r"\A\d{4}\.\d{1,4}\Z")]
    content_hash: _Hex64Text
    files: Annotated[dict[_FileName, _FileText], msgspec.Meta(max_length=MAX_CATALOGUE_FILES)]


class ReplyPayload(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    bundles: list[tuple[_Number, _Hex64Text]]  # (seq, bundle_sha256) of every bundle imported
    records: dict[_Kind, list[tuple[_UuidText, _Revision]]]  # held, in the revision sent
    followup: list[tuple[_UuidText, _Status, _Outcome | None, _UtcText]]
    revoked: list[tuple[_UuidText, _UtcText]]  # the coordinator's revocation list
    field_retention_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_DAYS)]
    catalogue: ReplyCatalogue | None = None  # the newest version the coordinator published
    # Key renewals from the card the device trusts to the coordinator's current one: each the
    # new card (canonical JSON) and the previous key's signature over it (hex).
    renewals: Annotated[
        list[tuple[Annotated[str, msgspec.Meta(max_length=4096)], _Signature]],
        msgspec.Meta(max_length=64),
    ] = []
    # Registered businesses in the device's RIEC regions (name, KvK, address, sector); never
    # persons, private households or unlicensed addresses.
    known_sites: Annotated[
        list[
            tuple[
                _SiteText,
                _Kvk,
                _SiteText | None,
                _SiteText | None,
                _SiteText | None,
                _SiteText | None,
                _SiteText | None,
                _SectorText,
            ]
        ],
        msgspec.Meta(max_length=MAX_KNOWN_SITES),
    ] = []


_PAYLOAD_DECODER = msgspec.json.Decoder(ReplyPayload)
_ENCODER = msgspec.json.Encoder()
assert set(STATUSES) == set(_Status.__args__)  # type: ignore[attr-defined]
assert set(OUTCOMES) == set(_Outcome.__args__)  # type: ignore[attr-defined]
assert set(TABLES) == set(_Kind.__args__)  # type: ignore[attr-defined]


class ReplyError(SyncError):
    """A reply that cannot be written (coordinator side)."""

    key = "sync.reply.error"


class ReplyRejected(SyncError):
    """A reply refused as a whole, the vault unchanged; ``key`` names the reason."""

    key = "sync.reply.reject.damaged"


# What the shared checks of bundles say, as the words for a reply.
_SHARED_REASONS = {
    "sync.reject.unreadable": "sync.reject.unreadable",
    "sync.reject.file_too_large": "sync.reject.file_too_large",
    "sync.reject.reserved_name": "sync.reject.reserved_name",
    "sync.reject.json_too_large": "sync.reject.json_too_large",
    "sync.reject.format": "sync.reply.reject.format",
    "sync.reject.armored": "sync.reply.reject.format",
    "sync.reject.not_age": "sync.reply.reject.format",
}


def signed_message(manifest_bytes: bytes) -> bytes:
    return SIGNATURE_CONTEXT + hashlib.sha256(manifest_bytes).digest()


def random_file_name() -> str:
    return bundle.random_file_name().removesuffix(bundle.BUNDLE_SUFFIX) + REPLY_SUFFIX


# -- the coordinator writes ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WrittenReply:
    device_id: str
    seq: int
    path: Path
    size: int
    acknowledged_through: int
    counts: ReplyCounts


def _acknowledged_through(seqs: Sequence[int]) -> int:
    """The highest seq up to which every bundle arrived."""
    through = 0
    for seq in seqs:
        if seq != through + 1:
            break
        through = seq
    return through


def write_reply(vault: Vault, device_id: str, out_dir: Path) -> WrittenReply:
    """One reply to ``device_id`` in ``out_dir`` (written atomically under a random name)."""
    if vault.info.role is not Role.COORDINATOR:
        raise EnrolmentError("sync.enrol.coordinator_only")
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ReplyError("sync.export.no_folder", path=str(out_dir))
    found = SyncStore(vault).find_devices(device_id)  # its id, or its last 6+ characters
    if len(found) != 1:
        raise ReplyError("sync.reply.unknown_device", device=device_id)
    device = found[0]
    device_id = device.device_id
    if device.reply_recipient is None:
        raise ReplyError("sync.reply.no_reply_key", device=device_id)
    # A revoked device (left the organisation, lost, seized) learns that it is revoked and
    # what arrived, so it can forget; nothing more: no follow-up, catalogue or known sites,
    # which its holder may no longer see.
    revoked = device.revoked_at is not None
    # The renewals travel even then: only public keys, and a device that already moved to the
    # new card needs them to check a reply signed with the key the coordinator last saw it use.
    signer, renewals = _signer_for(vault, device.coordinator_fingerprint)
    store = ReplyStore(vault)
    bundles = store.bundles_from(device_id)
    records = store.records_from(device_id)
    payload_value = ReplyPayload(
        bundles=bundles,
        records={kind: rows for kind, rows in records.items() if rows},  # type: ignore[misc]
        followup=[] if revoked else store.followup_for(device_id),  # type: ignore[arg-type]
        revoked=store.revoked_devices(),
        field_retention_days=load_policy(vault).days["field_arrived"],
        catalogue=None if revoked else _published(store),
        renewals=[(renewal.card, renewal.signature) for renewal in renewals],
        known_sites=[] if revoked else _known_sites(store, device_id),  # type: ignore[arg-type]
    )
    payload = _ENCODER.encode(payload_value)
    counts = ReplyCounts(
        bundles=len(bundles),
        records=sum(len(rows) for rows in records.values()),
        followup=len(payload_value.followup),
        revoked=len(payload_value.revoked),
    )
    through = _acknowledged_through([seq for seq, _ in bundles])
    reply_id = new_id()
    path = out_dir / random_file_name()
    seq = store.reserve_reply(device_id, reply_id, path.name, through, msgspec.to_builtins(counts))
    try:
        manifest = ReplyManifest(
            format=FORMAT,
            reply_id=reply_id,
            coordinator=signer.fingerprint,
            device_id=device_id,
            seq=seq,
            created_utc=now_iso(),
            recipient=keys.recipient_fingerprint(device.reply_recipient),
            payload_sha256=hashlib.sha256(payload).hexdigest(),
            payload_bytes=len(payload),
            acknowledged_through=through,
            counts=counts,
        )
        manifest_bytes = canonical_bytes(msgspec.to_builtins(manifest))
        signature = signer.signing.sign(signed_message(manifest_bytes))
        plaintext = b"".join(
            (
                MAGIC,
                len(manifest_bytes).to_bytes(4, "big"),
                manifest_bytes,
                len(payload).to_bytes(4, "big"),
                payload,
                signature,
            )
        )
        recipient = x25519.Recipient.from_str(device.reply_recipient)
        encrypted = pyrage.encrypt(plaintext, [recipient])
        write_atomic(path, encrypted)
    except BaseException:
        store.drop_reply(device_id, seq)
        raise
    store.finish_reply(device_id, seq, hashlib.sha256(manifest_bytes).hexdigest())
    return WrittenReply(device_id, seq, path, len(encrypted), through, counts)


def _signer_for(vault: Vault, trusted: str | None) -> tuple[keys.OwnKeys, list[Renewal]]:
    """The key a device trusts (the card its newest bundle named, or it enrolled with), and
    the renewals from that card to the current one. A device from before fingerprints were
    kept trusts the card of before the first renewal."""
    every = keys.coordinator_keys(vault)
    current = next(iter(every.values()))
    renewals = SyncStore(vault).renewals()
    if trusted is None:
        trusted = renewals[0].old_fingerprint if renewals else current.fingerprint
    chain: list[Renewal] = []
    for renewal in renewals:
        if renewal.old_fingerprint == trusted or chain:
            chain.append(renewal)
    signer = every.get(trusted)
    if signer is None:  # a card this vault no longer holds keys for: answer with the current
        return current, []
    return signer, chain


def _known_sites(store: ReplyStore, device_id: str) -> list[KnownSite]:
    """The registered businesses in the RIEC regions where the device's own visits were: its
    working area, learned from its work (a device with no visit in a known region gets
    none)."""
    regions = load_regions()
    area = {regions.of(name)[1] for name in store.device_municipalities(device_id)}
    area.discard(UNKNOWN)
    if not area:
        return []
    return [
        site
        for site in store.registered_sites(limit=MAX_KNOWN_SITES * 10)
        if regions.of(site.municipality)[1] in area
    ][:MAX_KNOWN_SITES]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _published(store: ReplyStore) -> ReplyCatalogue | None:
    """The newest version the coordinator published, with its files."""
    versions = store.published_catalogues()
    if not versions:
        return None
    version = max(versions, key=_version_key)
    files = loader.catalogue_files(version)
    catalogue = loader.check_catalogue(version, files)
    return ReplyCatalogue(version=version, content_hash=catalogue.content_hash, files=files)


def publish_catalogue(vault: Vault, version: str, source: Path | None = None) -> str:
    """Coordinator: the next replies carry catalogue ``version`` to every device, which
    installs it; returns its content hash. ``source``: a folder holding the version's files
    (a corrected catalogue the program does not ship yet), validated and kept in the vault
    first. A version already known keeps its content: the same version with other content is
    refused (a released version never changes; a correction is a new version)."""
    if vault.info.role is not Role.COORDINATOR:
        raise EnrolmentError("sync.enrol.coordinator_only")
    if not re.fullmatch(r"\d{4}\.\d{1,4}", version):
        raise ReplyError("sync.reply.catalogue_unknown", version=version)
    store = ReplyStore(vault)
    published = store.published_catalogues()
    if published and _version_key(version) < max(map(_version_key, published)):
        # Replies carry the newest published version only: an older one would never travel.
        newest = max(published, key=_version_key)
        raise ReplyError("sync.reply.catalogue_older", version=version, newest=newest)
    installed: InstalledCatalogue | None = None
    if source is None:
        if version not in loader.available_versions():
            raise ReplyError("sync.reply.catalogue_unknown", version=version)
        catalogue = loader.load_catalogue(version)
    else:
        files = _read_catalogue_folder(Path(source))
        catalogue = loader.check_catalogue(version, files)
        kept = store.installed_catalogue(version)
        if kept is not None or loader.is_shipped(version):
            known = kept.content_hash if kept else loader.load_catalogue(version).content_hash
            if known != catalogue.content_hash:
                raise ReplyError("sync.reply.catalogue_changed", version=version)
        else:
            installed = _installed_row(catalogue.version, catalogue.content_hash, files, vault)
    store.publish_catalogue(version, installed)
    vault.register_catalogues()
    return catalogue.content_hash


def _read_catalogue_folder(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        raise ReplyError("sync.export.no_folder", path=str(folder))
    files: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        if len(files) >= MAX_CATALOGUE_FILES or path.stat().st_size > MAX_CATALOGUE_FILE_CHARS:
            raise ReplyError("sync.reply.catalogue_too_large")
        try:
            files[path.name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReplyError("sync.reply.catalogue_unreadable", file=path.name) from exc
    return files


def _installed_row(
    version: str, content_hash: str, files: dict[str, str], vault: Vault
) -> InstalledCatalogue:
    return InstalledCatalogue(
        version=version,
        content_hash=content_hash,
        files=zlib.compress(canonical_bytes(files)),
        coordinator=keys.own_keys(vault).fingerprint,
        installed_at=now_iso(),
    )


def write_replies(
    vault: Vault,
    device_ids: Sequence[str],
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[WrittenReply], list[tuple[str, FieldAppError]]]:
    """One reply per device (each on its own: one device without a reply key does not stop
    the others); returns what was written and, per device, why not."""
    written: list[WrittenReply] = []
    failed: list[tuple[str, FieldAppError]] = []
    for done, device_id in enumerate(device_ids):
        if progress:
            progress(done, len(device_ids))
        try:
            written.append(write_reply(vault, device_id, out_dir))
        except ReplyError as error:
            failed.append((device_id, error))
    if progress:
        progress(len(device_ids), len(device_ids))
    return written, failed


# -- the device reads ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplyReport:
    """``imported`` or ``duplicate`` (this reply was imported before: nothing changed)."""

    status: str
    seq: int
    created_utc: str
    acknowledged_through: int
    arrived_now: int
    counts: ReplyCounts
    holdings: Holdings
    # A catalogue version this reply installed in the vault: the caller registers it on the
    # vault's own thread (``Vault.register_catalogues``) so new observations use it.
    installed_catalogue: str | None = None
    moved_to: str | None = None  # the fingerprint of the coordinator's renewed card
    known_sites: int = 0


@dataclass(frozen=True, slots=True)
class _Opened:
    manifest: ReplyManifest
    reply_sha256: str
    payload: memoryview
    signer: cards.Card  # the card whose key signed it
    trusted: cards.Card  # the card this device trusts now


def _shared(exc: BundleRejected) -> ReplyRejected:
    key = _SHARED_REASONS.get(exc.key, "sync.reply.reject.damaged")
    return ReplyRejected(key, **exc.params)


def _decrypt(path: Path, identity: x25519.Identity) -> bytes:
    handle, size = open_regular(path, MAX_REPLY_BYTES)
    with handle:
        try:
            data = handle.read(size + 1)
        except OSError as exc:
            raise ReplyRejected("sync.reject.unreadable") from exc
    if len(data) != size:
        raise ReplyRejected("sync.reply.reject.damaged")  # the file changed while read
    header = bundle.parse_age_header(data[: bundle.MAX_HEADER_BYTES])
    bundle.max_plaintext_size(size, header.length)
    try:
        plaintext: bytes = pyrage.decrypt(data, [identity])
        return plaintext
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise ReplyRejected("sync.reply.reject.not_for_us") from exc
        raise ReplyRejected("sync.reply.reject.damaged") from exc


def _parse_manifest(raw: bytes) -> ReplyManifest:
    try:
        value = load_bounded(raw, max_bytes=bundle.MAX_MANIFEST_BYTES, max_depth=2)
    except BundleRejected:
        raise ReplyRejected("sync.reply.reject.manifest") from None
    if canonical_bytes(value) != raw:
        raise ReplyRejected("sync.reply.reject.manifest")
    try:
        manifest = msgspec.convert(value, ReplyManifest, strict=True)
    except msgspec.ValidationError:
        raise ReplyRejected("sync.reply.reject.manifest") from None
    if manifest.format != FORMAT:
        raise ReplyRejected("sync.reply.reject.format")
    return manifest


def open_reply(path: Path, vault: Vault) -> _Opened:
    """Every check that needs no ledger; raises ReplyRejected (or EnrolmentError when this
    vault cannot take replies at all)."""
    if vault.info.role is not Role.FIELD:
        raise EnrolmentError("sync.enrol.field_only")
    vault.info.require_real()
    card = cards.trusted_card(vault)
    recipient = keys.reply_recipient(vault)
    if recipient is None:
        raise ReplyRejected("sync.reply.reject.no_reply_key")
    identity = keys.reply_identity(vault)
    if Path(path).suffix.lower() == bundle.BUNDLE_SUFFIX:
        raise ReplyRejected("sync.reply.reject.is_bundle")
    try:
        plaintext = _decrypt(Path(path), identity)
        opened = bundle.split_plaintext(plaintext, MAGIC)
    except BundleRejected as exc:
        raise _shared(exc) from None
    manifest = _parse_manifest(opened.manifest_bytes)
    signer = _signing_card(vault, card, manifest.coordinator)
    if signer is None:
        raise ReplyRejected("sync.reply.reject.untrusted_coordinator")
    if not keys.verify(signer.signing_key, opened.signature, signed_message(opened.manifest_bytes)):
        raise ReplyRejected("sync.reply.reject.bad_signature")
    if manifest.device_id != vault.info.device_id or manifest.recipient != (
        keys.recipient_fingerprint(recipient)
    ):
        raise ReplyRejected("sync.reply.reject.other_device")
    payload = opened.payload
    if (
        len(payload) != manifest.payload_bytes
        or hashlib.sha256(payload).hexdigest() != manifest.payload_sha256
    ):
        raise ReplyRejected("sync.reply.reject.damaged")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ReplyRejected("sync.reply.reject.damaged")
    return _Opened(
        manifest, hashlib.sha256(opened.manifest_bytes).hexdigest(), payload, signer, card
    )


def _signing_card(vault: Vault, trusted: cards.Card, fingerprint: str) -> cards.Card | None:
    """The card whose key must have signed a reply naming ``fingerprint``: the trusted one,
    or one this device moved away from (a reply written before the coordinator saw it
    move); None for any other."""
    if fingerprint == trusted.fingerprint:
        return trusted
    for renewal in SyncStore(vault).renewals():
        if renewal.old_fingerprint == fingerprint:
            return cards.parse_card(renewal.card.encode("utf-8"))
    return None


def _moves(opened: _Opened, payload: ReplyPayload) -> list[tuple[cards.Card, Renewal]]:
    """Walk the renewals from the card that signed the reply: each new card signed by the
    key before it, for the same coordinator. The chain must reach the card this device
    trusts; the cards after it are where the device moves to, each with the card it moves
    from (kept, to check replies written before the coordinator saw it move)."""
    current = opened.signer
    current_text = cards.card_bytes(current).decode("utf-8").strip()
    reached = current.fingerprint == opened.trusted.fingerprint
    moves: list[tuple[cards.Card, Renewal]] = []
    for card_text, signature in payload.renewals:
        if not keys.verify(
            current.signing_key, bytes.fromhex(signature), cards.renewal_message(card_text)
        ):
            raise ReplyRejected("sync.reply.reject.renewal")
        try:
            new = cards.parse_card(card_text.encode("utf-8"))
        except EnrolmentError:
            raise ReplyRejected("sync.reply.reject.renewal") from None
        if new.coordinator_id != current.coordinator_id:
            raise ReplyRejected("sync.reply.reject.renewal")
        if reached:
            renewal = Renewal(
                current.fingerprint, new.fingerprint, current_text, signature, now_iso()
            )
            moves.append((new, renewal))
        current, current_text = new, card_text
        reached = reached or current.fingerprint == opened.trusted.fingerprint
    if not reached:  # signed with an earlier key of our coordinator, without the way here
        raise ReplyRejected("sync.reply.reject.old_key")
    return moves


def _decode_payload(opened: _Opened) -> ReplyPayload:
    try:
        payload = _PAYLOAD_DECODER.decode(opened.payload)
    except msgspec.DecodeError:
        raise ReplyRejected("sync.reply.reject.payload") from None
    counts = opened.manifest.counts
    if (
        len(payload.bundles) != counts.bundles
        or sum(len(rows) for rows in payload.records.values()) != counts.records
        or len(payload.followup) != counts.followup
        or len(payload.revoked) != counts.revoked
    ):
        raise ReplyRejected("sync.reply.reject.payload")
    if any(
        (status == "closed") != (outcome is not None) for _, status, outcome, _ in payload.followup
    ):
        raise ReplyRejected("sync.reply.reject.payload")  # an outcome closes, and only closes
    # Checked again here: a register of businesses never holds a private household or an
    # unlicensed address, whatever the coordinator's program sends.
    sectors = {sector.value for sector in Sector} - set(PRIVATE_SECTORS)
    if any(site[7] not in sectors for site in payload.known_sites):
        raise ReplyRejected("sync.reply.reject.payload")
    seqs = [seq for seq, _ in payload.bundles]
    if seqs != sorted(set(seqs)) or _acknowledged_through(seqs) != (
        opened.manifest.acknowledged_through
    ):
        raise ReplyRejected("sync.reply.reject.payload")
    return payload


def import_reply(vault: Vault, path: Path) -> ReplyReport:
    """Check a reply completely, then record it in one transaction. A catalogue it installs
    is used once the caller registers it (``Vault.register_catalogues``)."""
    opened = open_reply(path, vault)
    manifest = opened.manifest
    store = ReplyStore(vault)
    last = store.last_reply()
    if last is not None and manifest.seq <= last.seq:
        if manifest.seq == last.seq and opened.reply_sha256 == last.reply_sha256:
            return _report("duplicate", manifest, 0, store)
        if manifest.seq == last.seq:
            raise ReplyRejected("sync.reply.reject.seq_taken", seq=manifest.seq)
        raise ReplyRejected("sync.reply.reject.older", seq=manifest.seq, last=last.seq)
    payload = _decode_payload(opened)
    exported = store.exported_bundles()
    for seq, sha in payload.bundles:
        if exported.get(seq) != sha:
            raise ReplyRejected("sync.reply.reject.unknown_bundle", seq=seq)
    moves = _moves(opened, payload)
    catalogue = _catalogue_to_install(payload.catalogue, manifest.coordinator, store)
    ledger = ReplyLedgerRow(
        seq=manifest.seq,
        reply_id=manifest.reply_id,
        reply_sha256=opened.reply_sha256,
        created_utc=manifest.created_utc,
        acknowledged_through=manifest.acknowledged_through,
        counts=msgspec.json.encode(manifest.counts).decode(),
        imported_at=now_iso(),
    )
    arrived = store.apply_reply(
        ledger,
        records=dict(payload.records),
        followup=payload.followup,
        revoked=payload.revoked,
        field_retention_days=payload.field_retention_days,
        catalogue=catalogue,
        known_sites=[KnownSite(*site) for site in payload.known_sites],
        moves=[
            (cards.card_bytes(card).decode("utf-8").strip(), card.fingerprint, renewal)
            for card, renewal in moves
        ],
    )
    return replace(
        _report("imported", manifest, arrived, store),
        installed_catalogue=None if catalogue is None else catalogue.version,
        moved_to=moves[-1][0].fingerprint if moves else None,
        known_sites=len(payload.known_sites),
    )


def _catalogue_to_install(
    sent: ReplyCatalogue | None, coordinator: str, store: ReplyStore
) -> InstalledCatalogue | None:
    """The version a reply brings, validated as the program validates its own; None when the
    device has it already. The same version with other content is refused."""
    if sent is None:
        return None
    try:
        catalogue = loader.check_catalogue(sent.version, sent.files)
    except CatalogueError as problem:
        raise ReplyRejected("sync.reply.reject.catalogue", problem=problem.message()) from None
    if catalogue.content_hash != sent.content_hash:
        raise ReplyRejected("sync.reply.reject.payload")
    kept = store.installed_catalogue(sent.version)
    if kept is not None or loader.is_shipped(sent.version):
        known = kept.content_hash if kept else loader.load_catalogue(sent.version).content_hash
        if known != catalogue.content_hash:
            raise ReplyRejected("sync.reply.reject.catalogue_changed", version=sent.version)
        return None
    return InstalledCatalogue(
        version=sent.version,
        content_hash=catalogue.content_hash,
        files=zlib.compress(canonical_bytes(dict(sent.files))),
        coordinator=coordinator,
        installed_at=now_iso(),
    )


def _report(status: str, manifest: ReplyManifest, arrived: int, store: ReplyStore) -> ReplyReport:
    return ReplyReport(
        status=status,
        seq=manifest.seq,
        created_utc=manifest.created_utc,
        acknowledged_through=manifest.acknowledged_through,
        arrived_now=arrived,
        counts=manifest.counts,
        holdings=store.holdings(),
    )


def is_quiet(refusal: ReplyRejected, several: bool) -> bool:
    """A refusal that is no fault: an older reply (a newer one holds all of it), or, among
    several files (a folder the coordinator filled for every device), one for another device.
    Still refused, nothing written; said in a neutral line, and no failure exit."""
    return refusal.key == "sync.reply.reject.older" or (
        several and refusal.key == "sync.reply.reject.not_for_us"
    )


def reply_files(vault: Vault, paths: Sequence[Path]) -> list[Path]:
    """The reply files named, a folder's ``*.far`` files included, oldest reply first (so a
    stick holding several imports them in order); one that cannot be opened comes last and is
    refused with its reason when imported."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() == REPLY_SUFFIX))
        else:
            files.append(path)
    if len(files) < 2:
        return files

    def order(path: Path) -> tuple[int, str]:
        try:
            return open_reply(path, vault).manifest.seq, path.name
        except SyncError:
            return 2**32, path.name

    return sorted(files, key=order)


def report_json(report: ReplyReport) -> dict[str, Any]:
    holdings = report.holdings
    return {
        "status": report.status,
        "seq": report.seq,
        "created_utc": report.created_utc,
        "acknowledged_through": report.acknowledged_through,
        "arrived_now": report.arrived_now,
        "counts": msgspec.to_builtins(report.counts),
        "arrived": holdings.arrived,
        "waiting": holdings.waiting,
        "oldest_waiting": holdings.oldest_waiting,
    }
