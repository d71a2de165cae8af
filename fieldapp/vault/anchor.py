"""Local rollback evidence: the newest audit entry a vault had, kept outside its database.

A record ("anchor") holds the vault id, the sequence number and hash of the newest audit entry,
and when it was taken, authenticated by HMAC-SHA256 with a key derived from the database key
(HKDF, its own label). It is kept in two places, both written atomically:

- ``vault.anchor`` in the vault folder: catches an older ``vault.db`` put back next to the
  current key file, and a ``-wal`` deleted after a crash (see :class:`WalWatch`);
- one file per vault folder in the user's data folder (``anchors/``): catches the whole vault
  folder (``vault.db`` *and* ``vault.key``) put back from an older copy.

At unlock the database must still hold that entry with that hash; if it ends before it, or
holds another entry there, the vault is older than it was (or has forked), and unlock says so
until the user accepts it. Limits (docs/SECURITY.md): someone who puts back an older copy and
also deletes or puts back the per-user record is not detected, nor is a vault copied to another
computer or user account, nor anything an attacker with the passphrase does on purpose.

A record with a MAC that does not verify under the current key still counts (it was made
under another key, e.g. before a passphrase change, or was edited): the message says so. The
MAC lets FieldApp tell a record it made itself from one it did not; it cannot stop a record
from being deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fieldapp.atomic import write_atomic
from fieldapp.canonical import canonical_bytes
from fieldapp.paths import APP_NAME
from fieldapp.vault.connection import Connection
from fieldapp.vault.layout import ANCHOR_FILE, DB_FILE

ANCHOR_FORMAT = "fieldapp-vault-anchor"
ANCHOR_VERSION = 1
MAC_LABEL = b"fieldapp-vault-anchor-v1"
MAX_ANCHOR_BYTES = 16 * 1024
ANCHORS_DIR = "anchors"
WAL_HEADER_BYTES = 32


@dataclass(frozen=True, slots=True)
class Anchor:
    vault_id: str
    seq: int
    head: bytes  # the audit entry's hash
    at: str
    macs: tuple[bytes, ...] = ()

    def payload(self) -> bytes:
        document = {
            "format": ANCHOR_FORMAT,
            "version": ANCHOR_VERSION,
            "vault_id": self.vault_id,
            "seq": self.seq,
            "head": self.head.hex(),
            "at": self.at,
        }
        return canonical_bytes(document, ascii_only=True)

    def sealed(self, deks: Iterable[bytes | bytearray]) -> Anchor:
        payload = self.payload()
        macs = tuple(hmac.new(_mac_key(dek), payload, hashlib.sha256).digest() for dek in deks)
        return Anchor(self.vault_id, self.seq, self.head, self.at, macs)

    def verifies(self, dek: bytes | bytearray) -> bool:
        expected = hmac.new(_mac_key(dek), self.payload(), hashlib.sha256).digest()
        return any(hmac.compare_digest(expected, mac) for mac in self.macs)

    def to_bytes(self) -> bytes:
        document = json.loads(self.payload())
        document["macs"] = [mac.hex() for mac in self.macs]
        return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Anchor | None:
        """The record, or ``None`` for anything that is not one (treated as absent: deleting
        the file has the same effect, so a garbled one must not block the vault)."""
        try:
            document = json.loads(raw.decode("utf-8"))
            if document["format"] != ANCHOR_FORMAT or document["version"] != ANCHOR_VERSION:
                return None
            seq = document["seq"]
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
                return None
            return cls(
                vault_id=str(document["vault_id"]),
                seq=seq,
                head=bytes.fromhex(document["head"]),
                at=str(document["at"]),
                macs=tuple(bytes.fromhex(mac) for mac in document["macs"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            return None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why the database is older than a record said: ``older`` (it ends before the recorded
    entry) or ``diverged`` (it holds another entry there)."""

    reason: str
    expected: int
    found: int
    seen_at: str
    authenticated: bool
    where: str  # "folder" (vault.anchor) or "computer" (the per-user record)


def _mac_key(dek: bytes | bytearray) -> bytes:
    """HKDF-SHA256 (RFC 5869) with one output block: extract with a zero salt, expand with the
    label. Written out with hmac so this module needs no cryptography import."""
    prk = hmac.new(bytes(32), bytes(dek), hashlib.sha256).digest()
    return hmac.new(prk, MAC_LABEL + b"\x01", hashlib.sha256).digest()


def audit_head(conn: Connection) -> tuple[int, bytes] | None:
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))


def computer_record_path(folder: Path, vault_id: str) -> Path:
    """The per-user record of one vault folder: named by a hash of the vault id and the
    folder's full path, so it says nothing about either."""
    import platformdirs  # noqa: PLC0415 - only once a vault is open

    base = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / ANCHORS_DIR
    name = hashlib.sha256(f"{vault_id}\0{Path(folder).resolve()}".encode()).hexdigest()[:32]
    return base / f"{name}.json"


def read(path: Path) -> Anchor | None:
    try:
        if path.stat().st_size > MAX_ANCHOR_BYTES:
            return None
        return Anchor.from_bytes(path.read_bytes())
    except OSError:
        return None


def records(folder: Path, vault_id: str) -> list[tuple[str, Anchor]]:
    found = []
    for where, path in (
        ("folder", Path(folder) / ANCHOR_FILE),
        ("computer", computer_record_path(folder, vault_id)),
    ):
        record = read(path)
        if record is not None and record.vault_id == vault_id:
            found.append((where, record))
    return found


def evidence(
    conn: Connection, folder: Path, vault_id: str, dek: bytes | bytearray
) -> Evidence | None:
    """The first record the database does not live up to, or ``None``."""
    head = audit_head(conn)
    found = 0 if head is None else head[0]
    for where, record in records(folder, vault_id):
        row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (record.seq,)).fetchone()
        if row is not None and hmac.compare_digest(bytes(row[0]), record.head):
            continue
        return Evidence(
            reason="older" if row is None else "diverged",
            expected=record.seq,
            found=found,
            seen_at=record.at,
            authenticated=record.verifies(dek),
            where=where,
        )
    return None


def write(
    conn: Connection, folder: Path, vault_id: str, deks: Iterable[bytes | bytearray], at: str
) -> bool:
    """Record the database's newest audit entry in both places, sealed under each of ``deks``
    (two during a key change: whichever key the next unlock opens with verifies it). Returns
    False when there is nothing to record."""
    head = audit_head(conn)
    if head is None:
        return False
    record = Anchor(vault_id, head[0], head[1], at).sealed(deks)
    data = record.to_bytes()
    write_atomic(Path(folder) / ANCHOR_FILE, data)
    outside = computer_record_path(folder, vault_id)
    outside.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(outside, data)
    return True


def forget(folder: Path, vault_id: str) -> None:
    """Remove the per-user record of a vault folder (a throwaway vault, e.g. the self-check)."""
    with contextlib.suppress(OSError):
        computer_record_path(folder, vault_id).unlink()


class WalWatch:
    """Which generation the vault's ``-wal`` file is in (its header's checkpoint counter and
    salts change each time SQLite starts it over). The vault takes a new record at the first
    commit of each generation, so the record always names an entry that lives in the current
    ``-wal`` until the next checkpoint: deleting the ``-wal`` after a crash then loses that
    entry, and the next unlock sees it. The header is not encrypted by SQLCipher (it holds no
    page data); reading it costs one small read per commit."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / f"{DB_FILE}-wal"
        self.seen: bytes | None = None

    def current(self) -> bytes | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError:
            return None
        try:
            return os.read(fd, WAL_HEADER_BYTES)[12:24]
        except OSError:
            return None
        finally:
            os.close(fd)

    def changed(self) -> bool:
        now = self.current()
        return now is not None and now != self.seen

    def mark(self) -> None:
        self.seen = self.current()
