"""The key chain: passphrase -> Argon2id -> KEK, which unwraps the random database key (DEK).

The key file holds no secret in clear. Its parameters and vault id are the AEAD's associated
data, so a key file edited to weaker parameters or another vault id does not unwrap.

Format versions: 1 (the first release) and 2, which adds ``checksum``, a SHA-256 over every
other field. The checksum tells damage (a flipped bit in the wrapped key, the salt or the
nonce) from a wrong passphrase before any key derivation; it is no protection against someone
who edits the file on purpose (they can recompute it), which the AEAD and the parameter bounds
below are. The AEAD's associated data is the same for both versions (its own ``version`` is
fixed at 1), so a version-1 file is upgraded by adding the checksum, without the passphrase.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from fieldapp.atomic import write_atomic
from fieldapp.canonical import canonical_bytes
from fieldapp.errors import VaultDamaged, WrongPassphrase, storage_error
from fieldapp.vault.memory import wipe

KEY_FILE_FORMAT = "fieldapp-vault-key"
KEY_FILE_VERSION = 2
READABLE_VERSIONS = (1, 2)
AD_VERSION = 1  # the "version" inside the AEAD's associated data, for every file version
DEK_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
MAX_KEY_FILE_BYTES = 64 * 1024
MIN_MEMORY_KIB = 64 * 1024  # never below 64 MiB (docs/SECURITY.md)
# Upper bounds, checked before any derivation: a key file edited to a 4 GiB cost once took 28 s
# to fail. The default (t=3, 256 MiB, p=4) takes ~0.5 s on the 2-core machine; the bounds allow
# raising it fourfold (measured: t=3, 1 GiB -> 2.4 s), never more.
MAX_MEMORY_KIB = 1024 * 1024
MAX_TIME_COST = 16
MAX_PARALLELISM = 16
MAX_WORK_KIB_PASSES = 3 * MAX_MEMORY_KIB  # memory x passes: t=3 at 1 GiB, or t=12 at 256 MiB


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost. The default takes about 0.4 s on a 2-core machine (measured: t=3, 256 MiB,
    p=4 -> 0.41 s); ``FAST_FOR_TESTS`` is the floor the format accepts."""

    time_cost: int = 3
    memory_kib: int = 256 * 1024
    parallelism: int = 4

    def validate(self) -> None:
        if not (1 <= self.time_cost <= MAX_TIME_COST):
            raise VaultDamaged("vault.check.keyfile_params")
        if not (MIN_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB):
            raise VaultDamaged("vault.check.keyfile_params")
        if not (1 <= self.parallelism <= MAX_PARALLELISM):
            raise VaultDamaged("vault.check.keyfile_params")
        if self.memory_kib * self.time_cost > MAX_WORK_KIB_PASSES:
            raise VaultDamaged("vault.check.keyfile_params")


FAST_FOR_TESTS = KdfParams(time_cost=1, memory_kib=MIN_MEMORY_KIB, parallelism=1)


@dataclass(frozen=True, slots=True)
class KeyFile:
    vault_id: str
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped_dek: bytes
    version: int = KEY_FILE_VERSION  # the version it was read as; always written as the newest

    def associated_data(self) -> bytes:
        header = {
            "format": KEY_FILE_FORMAT,
            "version": AD_VERSION,
            "vault_id": self.vault_id,
            "kdf": {"name": "argon2id", **asdict(self.kdf)},
            "aead": "chacha20-poly1305",
        }
        return canonical_bytes(header, ascii_only=True)

    def to_bytes(self) -> bytes:
        """Always the newest version, with its checksum."""
        document: dict[str, object] = {
            "format": KEY_FILE_FORMAT,
            "version": KEY_FILE_VERSION,
            "vault_id": self.vault_id,
            "kdf": {"name": "argon2id", **asdict(self.kdf), "salt": _b64(self.salt)},
            "aead": "chacha20-poly1305",
            "nonce": _b64(self.nonce),
            "wrapped_dek": _b64(self.wrapped_dek),
        }
        document["checksum"] = _checksum(document)
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> KeyFile:
        """Parse and check a key file without deriving anything: format, checksum (version 2),
        then the KDF parameters' bounds. Each failure is ``VaultDamaged`` with its own check."""
        try:
            document = json.loads(raw.decode("utf-8"))
            if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
                raise VaultDamaged("vault.check.keyfile_format")
            version = document["version"]
            if version not in READABLE_VERSIONS or isinstance(version, bool):
                raise VaultDamaged("vault.check.keyfile_format")
            if version >= 2:
                claimed = document.pop("checksum")
                if not isinstance(claimed, str) or not hmac.compare_digest(
                    claimed, _checksum(document)
                ):
                    raise VaultDamaged("vault.check.keyfile_checksum")
            kdf = document["kdf"]
            if kdf["name"] != "argon2id" or document["aead"] != "chacha20-poly1305":
                raise VaultDamaged("vault.check.keyfile_format")
            params = KdfParams(
                time_cost=int(kdf["time_cost"]),
                memory_kib=int(kdf["memory_kib"]),
                parallelism=int(kdf["parallelism"]),
            )
            key_file = cls(
                vault_id=str(document["vault_id"]),
                kdf=params,
                salt=_unb64(kdf["salt"]),
                nonce=_unb64(document["nonce"]),
                wrapped_dek=_unb64(document["wrapped_dek"]),
                version=version,
            )
        except VaultDamaged:
            raise
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise VaultDamaged("vault.check.keyfile_format") from exc
        params.validate()
        if (
            len(key_file.salt) != SALT_BYTES
            or len(key_file.nonce) != NONCE_BYTES
            or len(key_file.wrapped_dek) != DEK_BYTES + 16
        ):
            raise VaultDamaged("vault.check.keyfile_format")
        return key_file

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        try:
            if path.stat().st_size > MAX_KEY_FILE_BYTES:
                raise VaultDamaged("vault.check.keyfile_format")
            raw = path.read_bytes()
        except OSError as exc:
            error = storage_error(exc, path, reading=True, shown=path)
            if error is not None:
                raise error from exc
            raise VaultDamaged("vault.check.keyfile_unreadable") from exc
        return cls.from_bytes(raw)

    def write(self, path: Path) -> None:
        """Atomically; a full disk or a read-only folder raises a ``StorageError`` and leaves
        the old file as it was."""
        try:
            write_atomic(path, self.to_bytes())
        except OSError as exc:
            error = storage_error(exc, path, shown=path.parent)
            if error is None:
                raise
            raise error from exc


def normalise_passphrase(passphrase: str) -> bytes:
    """NFC, so the same passphrase typed on another keyboard or OS gives the same bytes."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_kek(passphrase: str, salt: bytes, params: KdfParams) -> bytearray:
    secret = hash_secret_raw(
        normalise_passphrase(passphrase),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    return bytearray(secret)


def wrap_dek(vault_id: str, dek: bytes | bytearray, passphrase: str, params: KdfParams) -> KeyFile:
    params.validate()
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    unsealed = KeyFile(vault_id, params, salt, nonce, b"")
    kek = derive_kek(passphrase, salt, params)
    try:
        wrapped = ChaCha20Poly1305(bytes(kek)).encrypt(
            nonce, bytes(dek), unsealed.associated_data()
        )
    finally:
        wipe(kek)
    return KeyFile(vault_id, params, salt, nonce, wrapped)


def unwrap_dek(key_file: KeyFile, passphrase: str) -> bytearray:
    """The DEK, or ``WrongPassphrase``: the AEAD tag is the only test of the passphrase."""
    kek = derive_kek(passphrase, key_file.salt, key_file.kdf)
    try:
        dek = ChaCha20Poly1305(bytes(kek)).decrypt(
            key_file.nonce, key_file.wrapped_dek, key_file.associated_data()
        )
    except InvalidTag as exc:
        raise WrongPassphrase() from exc
    finally:
        wipe(kek)
    return bytearray(dek)


def new_dek() -> bytearray:
    return bytearray(os.urandom(DEK_BYTES))


def _checksum(document: dict[str, object]) -> str:
    """SHA-256 over the canonical JSON of every field but the checksum itself."""
    return hashlib.sha256(canonical_bytes(document, ascii_only=True)).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
