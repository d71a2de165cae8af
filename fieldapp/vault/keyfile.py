"""The key chain: passphrase -> Argon2id -> KEK, which unwraps the random database key (DEK).

The key file holds no secret in clear. Its parameters and vault id are the AEAD's associated
data, so a key file edited to weaker parameters or another vault id does not unwrap.
"""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from fieldapp.atomic import write_atomic
from fieldapp.errors import VaultDamaged, WrongPassphrase
from fieldapp.vault.memory import wipe

KEY_FILE_FORMAT = "fieldapp-vault-key"
KEY_FILE_VERSION = 1
DEK_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
MAX_KEY_FILE_BYTES = 64 * 1024
MIN_MEMORY_KIB = 64 * 1024  # never below 64 MiB (SECURITY.md)
MAX_MEMORY_KIB = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost. The default takes about 0.4 s on a 2-core machine (measured: t=3, 256 MiB,
    p=4 -> 0.41 s); ``FAST_FOR_TESTS`` is the floor the format accepts."""

    time_cost: int = 3
    memory_kib: int = 256 * 1024
    parallelism: int = 4

    def validate(self) -> None:
        if not (1 <= self.time_cost <= 64):
            raise VaultDamaged("vault.check.keyfile_params")
        if not (MIN_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB):
            raise VaultDamaged("vault.check.keyfile_params")
        if not (1 <= self.parallelism <= 64):
            raise VaultDamaged("vault.check.keyfile_params")


FAST_FOR_TESTS = KdfParams(time_cost=1, memory_kib=MIN_MEMORY_KIB, parallelism=1)


@dataclass(frozen=True, slots=True)
class KeyFile:
    vault_id: str
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped_dek: bytes

    def associated_data(self) -> bytes:
        header = {
            "format": KEY_FILE_FORMAT,
            "version": KEY_FILE_VERSION,
            "vault_id": self.vault_id,
            "kdf": {"name": "argon2id", **asdict(self.kdf)},
            "aead": "chacha20-poly1305",
        }
        return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()

    def to_bytes(self) -> bytes:
        document = {
            "format": KEY_FILE_FORMAT,
            "version": KEY_FILE_VERSION,
            "vault_id": self.vault_id,
            "kdf": {"name": "argon2id", **asdict(self.kdf), "salt": _b64(self.salt)},
            "aead": "chacha20-poly1305",
            "nonce": _b64(self.nonce),
            "wrapped_dek": _b64(self.wrapped_dek),
        }
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> KeyFile:
        try:
            document = json.loads(raw.decode("utf-8"))
            if document["format"] != KEY_FILE_FORMAT or document["version"] != KEY_FILE_VERSION:
                raise VaultDamaged("vault.check.keyfile_format")
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
            return cls.from_bytes(path.read_bytes())
        except OSError as exc:
            raise VaultDamaged("vault.check.keyfile_unreadable") from exc

    def write(self, path: Path) -> None:
        write_atomic(path, self.to_bytes())


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


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
