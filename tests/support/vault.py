"""A vault seen from outside: its files, its SQLCipher pages decrypted by hand, every record
row, and damage done on purpose. For the tests that prove what a crash, a flipped byte or a
restore leaves behind."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from fieldapp.vault import Vault

DEMO_VISITS = 80


# SQLCipher 4 page layout (defaults, pinned by cipher_compatibility = 4).
PAGE_SIZE = 4096


RESERVE = 80  # 16-byte IV + 64-byte HMAC-SHA512 at the end of every page


SALT_SIZE = 16
WAL_HEADER, FRAME_HEADER = 32, 24


def folder_state(folder: Path) -> dict[str, str]:
    """Name -> SHA-256 of every file in a folder: compared before and after a refused open."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def _mac_key(raw: bytes | bytearray, dek: bytes) -> bytes:
    salt = bytes(raw[:SALT_SIZE])
    return hashlib.pbkdf2_hmac("sha512", dek, bytes(b ^ 0x3A for b in salt), 2, 32)


def _page_mac(mac_key: bytes, ciphertext: bytes, iv: bytes, number: int) -> bytes:
    return hmac.new(
        mac_key, ciphertext + iv + number.to_bytes(4, "little"), hashlib.sha512
    ).digest()


def sqlcipher_pages(raw: bytes, dek: bytes) -> tuple[bytes, list[int]]:
    """Decrypt a SQLCipher 4 file (raw 256-bit key) page by page, independently of SQLCipher:
    AES-256-CBC with the page's IV, HMAC-SHA512 over ciphertext + IV + page number, HMAC key
    from PBKDF2-HMAC-SHA512(key, salt XOR 0x3a, 2 rounds). Returns the plaintext of every page
    and the numbers of pages whose HMAC does not verify with this key."""
    assert len(raw) % PAGE_SIZE == 0, len(raw)
    mac_key = _mac_key(raw, dek)
    plaintext = bytearray()
    bad_pages = []
    for number in range(1, len(raw) // PAGE_SIZE + 1):
        page = raw[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        body = page[SALT_SIZE if number == 1 else 0 : PAGE_SIZE - RESERVE]
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        mac = page[PAGE_SIZE - RESERVE + 16 :]
        if not hmac.compare_digest(_page_mac(mac_key, body, iv, number), mac):
            bad_pages.append(number)
            continue
        decryptor = Cipher(algorithms.AES(dek), modes.CBC(iv)).decryptor()
        plaintext += decryptor.update(body) + decryptor.finalize()
    return bytes(plaintext), bad_pages


def rewrite_page(raw: bytearray, dek: bytes, number: int, body: bytes) -> None:
    """Encrypt ``body`` as page ``number`` (not page 1) with a fresh IV and a valid HMAC."""
    assert number > 1 and len(body) == PAGE_SIZE - RESERVE
    iv = secrets.token_bytes(16)
    encryptor = Cipher(algorithms.AES(dek), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(body) + encryptor.finalize()
    page = ciphertext + iv + _page_mac(_mac_key(raw, dek), ciphertext, iv, number)
    raw[(number - 1) * PAGE_SIZE : number * PAGE_SIZE] = page


RECORD_TABLES = (
    "meta",
    "sites",
    "visits",
    "persons",
    "observations",
    "attachments",
    "referrals",
    "search_rows",
)


def dump(vault: Vault) -> dict[str, Any]:
    """Every record row, the search index, and the audit log: what a round trip must keep."""
    conn = vault.conn
    tables: dict[str, Any] = {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in RECORD_TABLES
    }
    tables["search_index"] = conn.execute(
        "SELECT rowid, body, visit_uuid, record_kind, record_uuid FROM search_index ORDER BY rowid"
    ).fetchall()
    tables["audit_log"] = conn.execute("SELECT * FROM audit_log ORDER BY seq").fetchall()
    return tables


def assert_same_records(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert len(before["visits"]) > 0
    for table, rows in before.items():
        if table == "audit_log":
            # Unlock, lock, backup and the like add entries; none may change or vanish.
            assert after[table][: len(rows)] == rows
        else:
            assert after[table] == rows, table


def add_demo(vault: Vault, count: int = DEMO_VISITS) -> None:
    Store(vault).record_visits(demo_visits(count, seed=7))


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        old = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([old[0] ^ 0x5A]))


# -- sentinel scans: text that must be gone from every page ---------------------------------


def _decrypt_page(key: bytes, page: bytes, first: bool) -> bytes:
    iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[16 if first else 0 : PAGE_SIZE - RESERVE]) + decryptor.finalize()


def plaintext_pages(vault: Vault) -> bytes:
    """Every page of the database file and the WAL, decrypted with the vault's key (SQLCipher
    4 with a raw key: AES-256-CBC, the IV in each page's reserved tail; page 1 starts after
    the 16-byte salt)."""
    assert vault.conn.execute("PRAGMA cipher_page_size").fetchone()[0] in (
        PAGE_SIZE,
        str(PAGE_SIZE),
    )
    key = bytes(vault.key_buffer)
    database = (vault.folder / "vault.db").read_bytes()
    first = _decrypt_page(key, database[:PAGE_SIZE], True)
    assert first[:2] == PAGE_SIZE.to_bytes(2, "big")  # the header's page size: the key is right
    pages = [first] + [
        _decrypt_page(key, database[offset : offset + PAGE_SIZE], False)
        for offset in range(PAGE_SIZE, len(database), PAGE_SIZE)
    ]
    wal_path = vault.folder / "vault.db-wal"
    wal = wal_path.read_bytes() if wal_path.exists() else b""
    for offset in range(
        WAL_HEADER, len(wal) - FRAME_HEADER - PAGE_SIZE + 1, FRAME_HEADER + PAGE_SIZE
    ):
        number = int.from_bytes(wal[offset : offset + 4], "big")
        frame = wal[offset + FRAME_HEADER : offset + FRAME_HEADER + PAGE_SIZE]
        pages.append(_decrypt_page(key, frame, number == 1))
    return b"".join(pages)


def text_variants(text: str) -> list[bytes]:
    return [text.encode(), text.upper().encode(), text.encode("utf-16-le")]


def tables_holding(vault: Vault, text: str) -> list[str]:
    """Every table (FTS5 shadow tables included) with a value containing ``text``."""
    found = []
    names = [
        name for (name,) in vault.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
    ]
    for name in names:
        for row in vault.conn.execute(f'SELECT * FROM "{name}"'):
            for value in row:
                blob = value if isinstance(value, bytes) else str(value).encode()
                if any(variant in blob.lower() for variant in (text.encode(), _utf16(text))):
                    found.append(name)
                    break
            else:
                continue
            break
    return found


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")
