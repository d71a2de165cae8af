"""Security and robustness of the vault (docs/SECURITY.md section 4, "Vault").

Where a test proves an absence (no sentinel on disk, no temp file, no erased term), it also shows
that the same probe finds the thing when it is there, so a broken probe cannot pass silently.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fieldapp.domain import (
    Address,
    Evidence,
    ObservationStatus,
    PersonRole,
    Role,
    Sector,
)
from fieldapp.errors import (
    VaultDamaged,
    VaultExists,
    VaultInUse,
    VaultLocked,
    VaultNotFound,
    WrongPassphrase,
)
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.store.store import Store
from fieldapp.vault import Vault, connection
from fieldapp.vault.connection import DatabaseError
from fieldapp.vault.keyfile import FAST_FOR_TESTS, KeyFile, new_dek, unwrap_dek, wrap_dek
from fieldapp.vault.vault import BACKUP_MAGIC, DB_FILE, KEY_FILE, LOCK_FILE, PENDING_KEY_FILE
from tests.support import PASSPHRASE, ROOT
from tests.support.children.vault import held_by_another_process
from tests.support.vault import (
    PAGE_SIZE,
    RESERVE,
    SALT_SIZE,
    add_demo,
    assert_same_records,
    dump,
    flip_byte,
    folder_state,
    rewrite_page,
    sqlcipher_pages,
)

NEW_PASSPHRASE = "a different passphrase, also long"
# Letters that are not hex digits, so a sentinel never matches a uuid or a hash by chance.
SENTINEL_ALPHABET = "ghjkmnpqrstvwxyz"
MAX_SCANNED_FILE = 256 * 1024 * 1024  # nothing this test writes comes near; skips huge strangers


DB_DAMAGE_CHECKS = {
    "vault.check.header",
    "vault.check.cipher_integrity",
    "vault.check.quick_check",
}


# -- helpers ------------------------------------------------------------------------------


def random_word(prefix: str) -> str:
    return prefix + "".join(secrets.choice(SENTINEL_ALPHABET) for _ in range(16))


def encodings_of(sentinel: str) -> dict[str, bytes]:
    """Every form in which a leaked sentinel could sit in a file."""
    forms = {}
    for label, text in (("as given", sentinel), ("lower-case", sentinel.lower())):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            forms[f"{label} {encoding}"] = text.encode(encoding)
    return forms


@dataclass(frozen=True)
class Leak:
    where: str
    sentinel: str
    form: str


def find_in_bytes(data: bytes, where: str, sentinels: Iterable[str]) -> list[Leak]:
    return [
        Leak(where, sentinel, form)
        for sentinel in sentinels
        for form, needle in encodings_of(sentinel).items()
        if needle in data
    ]


def regular_files(root: Path) -> Iterator[Path]:
    """Regular files under ``root`` (or ``root`` itself), never following links or opening
    FIFOs and sockets."""
    try:
        mode = root.lstat().st_mode
    except OSError:
        return
    if stat.S_ISREG(mode):
        yield root
    elif stat.S_ISDIR(mode):
        with contextlib.suppress(OSError):
            for child in sorted(root.iterdir()):
                yield from regular_files(child)


def scan_paths(roots: Iterable[Path], sentinels: list[str]) -> tuple[list[Leak], int]:
    leaks: list[Leak] = []
    scanned = 0
    for root in roots:
        for path in regular_files(root):
            try:
                if path.stat().st_size > MAX_SCANNED_FILE:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            scanned += 1
            leaks += find_in_bytes(data, str(path), sentinels)
    return leaks, scanned


def scan_deleted_open_files(sentinels: list[str]) -> list[Leak]:
    """Unlinked files this process still holds open (how SQLite keeps its temp files)."""
    leaks: list[Leak] = []
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return leaks
    for entry in list(fd_dir.iterdir()):
        try:
            target = os.readlink(entry)
            if not target.endswith(" (deleted)") or not stat.S_ISREG(entry.stat().st_mode):
                continue
            data = entry.read_bytes()
        except OSError:
            continue
        leaks += find_in_bytes(data, f"open unlinked file {target}", sentinels)
    return leaks


def top_level_state(folder: Path) -> dict[str, tuple[int, int]]:
    state = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                state[entry.name] = (info.st_ino, info.st_mtime_ns)
    return state


class SharedTempWatch:
    """Entries of the shared temp folders that appeared or changed since this was made: what
    the test could have left there. The working directory counts too (SQLite's last resort for
    temp files is "."), except for the repository's own .git and .venv."""

    SKIP = frozenset({".git", ".venv"})

    def __init__(self) -> None:
        folders = {Path(tempfile.gettempdir()).resolve(), Path("/var/tmp").resolve()}
        if Path.cwd().resolve() != Path("/"):
            folders.add(Path.cwd().resolve())
        self.folders = sorted(folders)
        self.before = {folder: top_level_state(folder) for folder in self.folders}

    def changed(self, exclude: Path) -> list[Path]:
        found = []
        for folder in self.folders:
            for name, state in top_level_state(folder).items():
                path = folder / name
                if (
                    name in self.SKIP
                    or self.before[folder].get(name) == state
                    or exclude.resolve().is_relative_to(path)
                ):
                    continue
                found.append(path)
        return found


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed vault holding demo visits, built once; tests get their own copy."""
    folder = tmp_path_factory.mktemp("template") / "vault"
    with Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        add_demo(vault)
    return folder


@pytest.fixture
def closed_vault(demo_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "closed"
    shutil.copytree(demo_template, folder)
    return folder


@dataclass(frozen=True)
class Sentinels:
    site_name: str
    street: str
    place: str
    visit_notes: str
    person_notes: str
    observation_note: str
    attachment_name: str
    pdf_content: str
    png_content: str

    def all(self) -> list[str]:
        return list(self.__dict__.values())


def make_sentinels() -> Sentinels:
    return Sentinels(
        *(
            random_word(f"Zq{name.title().replace('_', '')}")
            for name in Sentinels.__dataclass_fields__
        )
    )


def record_sentinels(store: Store, sentinels: Sentinels) -> str:
    visit_uuid = store.record_visit(
        NewVisit(
            site=SiteInput(
                name=sentinels.site_name,
                sector=Sector.AGRICULTURE,
                address=Address(street=sentinels.street, number="12", place=sentinels.place),
            ),
            visit=VisitInput(
                started_at="2026-03-02T09:00:00Z", notes=f"Gezien: {sentinels.visit_notes}."
            ),
            persons=(
                (
                    "A",
                    PersonInput(
                        label="A",
                        role=PersonRole.POSSIBLE_VICTIM,
                        notes=f"Vertelt over {sentinels.person_notes}",
                    ),
                ),
            ),
            observations=(
                ObservationInput(
                    indicator_id="ILO-CD-01",
                    status=ObservationStatus.OBSERVED,
                    evidence=Evidence.TOLD,
                    note=f"Paspoort bij {sentinels.observation_note}",
                    person_ref="A",
                ),
            ),
        )
    )
    pdf = b"%PDF-1.7\n1 0 obj\n(" + sentinels.pdf_content.encode() + b")\nendobj\n%%EOF\n"
    store.add_attachment(
        "visit", visit_uuid, f"{sentinels.attachment_name}.pdf", "application/pdf", pdf
    )
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"
        + sentinels.png_content.encode("utf-16-le")
        + b"tEXt"
        + sentinels.png_content.encode()
    )
    store.add_attachment("visit", visit_uuid, "foto.png", "image/png", png)
    return visit_uuid


# -- 1. sentinels never reach the disk in clear -----------------------------------------


def test_sentinel_scanner_finds_each_form(tmp_path: Path) -> None:
    """The scanner itself: a planted sentinel is found in every encoding, in a file and in an
    unlinked file that is still open."""
    sentinel = random_word("ZqPlanted")
    planted = tmp_path / "home" / "cache" / "deep"
    planted.mkdir(parents=True)
    for index, (form, needle) in enumerate(encodings_of(sentinel).items()):
        (planted / f"{index}.bin").write_bytes(b"\0junk" + needle + b"junk")
        leaks, _ = scan_paths([planted / f"{index}.bin"], [sentinel])
        assert form in {leak.form for leak in leaks}
    leaks, scanned = scan_paths([tmp_path], [sentinel])
    assert scanned >= 6
    assert {leak.form for leak in leaks} == set(encodings_of(sentinel))

    with tempfile.TemporaryFile(dir=tmp_path) as unlinked:
        unlinked.write(b"xx" + sentinel.lower().encode("utf-16-be"))
        unlinked.flush()
        assert any(
            leak.form == "lower-case utf-16-be" for leak in scan_deleted_open_files([sentinel])
        )


def test_sentinels_never_on_disk_in_clear(vault: Vault, vault_dir: Path, tmp_path: Path) -> None:
    watch = SharedTempWatch()
    store = Store(vault)
    add_demo(vault, 20)
    sentinels = make_sentinels()
    visit_uuid = record_sentinels(store, sentinels)

    # The data went in and is searchable (so the FTS index holds the words too).
    detail = store.visit_detail(visit_uuid)
    assert detail.site.name == sentinels.site_name
    assert sentinels.pdf_content.encode() in store.attachment_content(
        detail.attachments[0].meta.uuid
    )
    for word in (sentinels.visit_notes, sentinels.person_notes, sentinels.site_name):
        assert store.search_notes(word), word
    assert [summary.uuid for summary in store.search_visits(sentinels.place)] == [visit_uuid]

    def scan(moment: str) -> None:
        roots = [tmp_path, *watch.changed(exclude=tmp_path)]
        leaks, scanned = scan_paths(roots, sentinels.all())
        leaks += scan_deleted_open_files(sentinels.all())
        assert scanned >= 3
        assert not leaks, f"{moment}: {leaks}"

    # Open, committed, WAL in use: the database, -wal, -shm, key and lock files.
    files = {path.name for path in vault_dir.iterdir()}
    assert {DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", KEY_FILE, LOCK_FILE} <= files
    assert (vault_dir / f"{DB_FILE}-wal").stat().st_size > 0
    scan("while open")

    vault.lock()
    scan("after lock")


# -- 2. temp_store = MEMORY: a large sort opens no temporary file ---------------------------


SORT_KEY_BYTES = 1000
# A larger page cache is lowered to this for the test: the spill threshold is the cache size,
# where the spill goes is what the test is about, and a smaller sort keeps it quick.
MAX_SORT_CACHE_KIB = 8 * 1024
LARGE_SORT = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
    f" SELECT i FROM n ORDER BY randomblob({SORT_KEY_BYTES}) || i"
)


def page_cache_bytes(conn: connection.Connection) -> int:
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    return -cache * 1024 if cache < 0 else cache * page_size


def rows_to_spill(conn: connection.Connection) -> int:
    """Rows whose sort keys take 1.5 times the page cache: SQLite's sorter keeps up to one
    cache's worth in memory and then writes sorted runs to temporary storage."""
    return page_cache_bytes(conn) * 3 // 2 // SORT_KEY_BYTES + 1000


def temp_files_during(conn: connection.Connection, sql: str, *params: object) -> set[str]:
    """Run ``sql`` and return every SQLite temp file (``etilqs_*``) this process had open or
    the temp folders showed while it ran, checked from a progress handler."""
    folders = {Path(tempfile.gettempdir()), Path("/var/tmp")}
    seen: set[str] = set()

    def look() -> int:
        for entry in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/self/fd/{entry}")
                if "etilqs" in target:
                    seen.add(target)
        for folder in folders:
            with contextlib.suppress(OSError):
                seen.update(str(folder / n) for n in os.listdir(folder) if "etilqs" in n)
        return 0

    before = set()
    for folder in folders:
        with contextlib.suppress(OSError):
            before.update(str(folder / n) for n in os.listdir(folder) if "etilqs" in n)
    conn.set_progress_handler(look, 5_000)
    try:
        rows = conn.execute(sql, params).fetchall()
    finally:
        conn.set_progress_handler(None, 0)
    assert len(rows) == params[0]
    return seen - before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc/self/fd")
def test_temp_store_memory_and_large_sort_spills_nothing(vault: Vault) -> None:
    conn = vault.conn
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    original_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    if page_cache_bytes(conn) > MAX_SORT_CACHE_KIB * 1024:
        conn.execute(f"PRAGMA cache_size = -{MAX_SORT_CACHE_KIB}")
    try:
        rows = rows_to_spill(conn)
        assert temp_files_during(conn, LARGE_SORT, rows) == set()

        # The probe works and the sort is big enough: with temp_store = FILE the very same
        # sort spills into an (unencrypted) etilqs_* file and we see it.
        conn.execute("PRAGMA temp_store = FILE")
        try:
            spilled = temp_files_during(conn, LARGE_SORT, rows)
        finally:
            conn.execute("PRAGMA temp_store = MEMORY")
        assert spilled, f"control failed: {rows} rows did not spill with temp_store = FILE"
    finally:
        conn.execute(f"PRAGMA cache_size = {original_cache}")
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2


# -- 3. wrong passphrase vs damaged files: distinct, and nothing is written ----------------


def middle_page(path: Path) -> int:
    """1-based number of a page in the middle of the database."""
    return path.stat().st_size // PAGE_SIZE // 2 + 1


def damage_header(folder: Path) -> None:
    with open(folder / DB_FILE, "r+b") as handle:
        handle.write(secrets.token_bytes(PAGE_SIZE))


def damage_middle_page(folder: Path) -> None:
    db = folder / DB_FILE
    flip_byte(db, (middle_page(db) - 1) * PAGE_SIZE + 1234)


def damage_btree_keeping_macs(folder: Path) -> None:
    """Break a table b-tree page but encrypt it properly again: every page MAC verifies, so
    only the structure check can notice (damage from a bug, not from the disk)."""
    dek = bytes(unwrap_dek(KeyFile.read(folder / KEY_FILE), PASSPHRASE))
    db = folder / DB_FILE
    raw = bytearray(db.read_bytes())
    plaintext, bad = sqlcipher_pages(bytes(raw), dek)
    assert bad == []
    body_size = PAGE_SIZE - RESERVE
    count = len(raw) // PAGE_SIZE
    for number in range(count // 2, count + 1):
        start = (number - 1) * body_size - SALT_SIZE  # page 1's body is shorter by the salt
        body = bytearray(plaintext[start : start + body_size])
        if body[0] == 0x0D:  # a table b-tree leaf
            break
    else:
        raise AssertionError("no table leaf page in the second half of the file")
    body[3:5] = b"\xff\xff"  # a cell count far beyond what fits in the page
    rewrite_page(raw, dek, number, bytes(body))
    assert sqlcipher_pages(bytes(raw), dek)[1] == []
    db.write_bytes(raw)


def truncate_mid_page(folder: Path) -> None:
    db = folder / DB_FILE
    os.truncate(db, db.stat().st_size // 2 + 1000)


def truncate_at_page_boundary(folder: Path) -> None:
    db = folder / DB_FILE
    os.truncate(db, (middle_page(db) - 1) * PAGE_SIZE)


def truncate_last_page(folder: Path) -> None:
    db = folder / DB_FILE
    os.truncate(db, db.stat().st_size - PAGE_SIZE)


def truncate_to_empty(folder: Path) -> None:
    os.truncate(folder / DB_FILE, 0)


def wrong_messages() -> dict[str, str]:
    return {lang: WrongPassphrase().message(lang) for lang in ("nl", "en")}


def assert_clear_damage_message(exc: VaultDamaged) -> None:
    wrong = wrong_messages()
    for lang in ("nl", "en"):
        text = exc.message(lang)
        assert text.strip(), lang
        assert text != wrong[lang], lang
        assert "vault.check." not in text, f"untranslated check in {lang}: {text}"
    assert exc.message("nl") != exc.message("en")


def test_wrong_passphrase_is_distinct_and_changes_nothing(closed_vault: Path) -> None:
    before = folder_state(closed_vault)
    with pytest.raises(WrongPassphrase) as caught:
        Vault.unlock(closed_vault, "not the passphrase at all")
    assert folder_state(closed_vault) == before
    for lang in ("nl", "en"):
        assert caught.value.message(lang).strip()
    assert caught.value.message("nl") != caught.value.message("en")
    # And the right passphrase still opens it.
    Vault.unlock(closed_vault, PASSPHRASE).lock()


@pytest.mark.parametrize(
    ("damage", "expected_check"),
    [
        (damage_header, "vault.check.header"),
        (damage_middle_page, "vault.check.cipher_integrity"),
        (damage_btree_keeping_macs, "vault.check.quick_check"),
        (truncate_mid_page, "vault.check.truncated"),
        (truncate_at_page_boundary, None),
        (truncate_last_page, None),
        (truncate_to_empty, None),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_damaged_database_is_reported_and_left_alone(
    closed_vault: Path, damage: Any, expected_check: str | None
) -> None:
    damage(closed_vault)
    before = folder_state(closed_vault)
    with pytest.raises(VaultDamaged) as caught:
        Vault.unlock(closed_vault, PASSPHRASE)
    # Nothing written: not the damaged file, not a fresh database, no -wal/-shm left behind.
    assert folder_state(closed_vault) == before, "the refused unlock wrote to the vault folder"
    assert caught.value.check == expected_check or (
        expected_check is None and caught.value.check in DB_DAMAGE_CHECKS
    ), caught.value.check
    assert_clear_damage_message(caught.value)
    # The wrong passphrase is still told apart from the damage: the key file is intact.
    with pytest.raises(WrongPassphrase):
        Vault.unlock(closed_vault, "not the passphrase at all")
    assert folder_state(closed_vault) == before


def test_header_page_and_structure_damage_are_told_apart(
    demo_template: Path, tmp_path: Path
) -> None:
    reports = []
    for damage in (damage_header, damage_middle_page, damage_btree_keeping_macs):
        folder = tmp_path / damage.__name__
        shutil.copytree(demo_template, folder)
        damage(folder)
        with pytest.raises(VaultDamaged) as caught:
            Vault.unlock(folder, PASSPHRASE)
        reports.append((caught.value.check, caught.value.message("nl"), caught.value.message("en")))
    for column in zip(*reports, strict=True):
        assert len(set(column)) == 3, column


def test_garbage_key_file(closed_vault: Path) -> None:
    (closed_vault / KEY_FILE).write_bytes(b'{"format": "fieldapp-vault-key", \xff\x00garbage')
    before = folder_state(closed_vault)
    with pytest.raises(VaultDamaged) as caught:
        Vault.unlock(closed_vault, PASSPHRASE)
    assert caught.value.check == "vault.check.keyfile_format"
    assert_clear_damage_message(caught.value)
    assert folder_state(closed_vault) == before


@pytest.mark.parametrize(
    ("missing", "expected_check"),
    [(DB_FILE, "vault.check.database_missing"), (KEY_FILE, "vault.check.keyfile_missing")],
)
def test_missing_file(closed_vault: Path, missing: str, expected_check: str) -> None:
    (closed_vault / missing).unlink()
    before = folder_state(closed_vault)
    with pytest.raises(VaultDamaged) as caught:
        Vault.unlock(closed_vault, PASSPHRASE)
    assert caught.value.check == expected_check
    assert_clear_damage_message(caught.value)
    assert folder_state(closed_vault) == before
    assert not (closed_vault / missing).exists()


def test_empty_or_absent_folder_is_not_found(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(VaultNotFound) as caught:
        Vault.unlock(empty, PASSPHRASE)
    assert list(empty.iterdir()) == []
    assert caught.value.message("nl") != caught.value.message("en")
    absent = tmp_path / "absent"
    with pytest.raises(VaultNotFound):
        Vault.unlock(absent, PASSPHRASE)
    assert not absent.exists()


# -- 4. a flipped byte names its page ----------------------------------------------------


def test_flipped_byte_reports_page_number(closed_vault: Path) -> None:
    db = closed_vault / DB_FILE
    page = middle_page(db)
    assert db.stat().st_size // PAGE_SIZE >= 40, "demo vault too small for a 'middle' page"
    flip_byte(db, (page - 1) * PAGE_SIZE + 2000)
    with pytest.raises(VaultDamaged) as caught:
        Vault.unlock(closed_vault, PASSPHRASE)
    assert caught.value.check == "vault.check.cipher_integrity"
    for lang in ("nl", "en"):
        text = caught.value.message(lang)
        assert "cipher_integrity_check" in text
        assert re.search(rf"\bpage {page}\b", text), text
        # Only that page: no other page number is blamed.
        assert set(re.findall(r"\bpage (\d+)\b", text)) == {str(page)}, text


# -- 5. passphrase change, rekey, interrupted rekey, backup and restore --------------------


def test_change_passphrase_round_trip(closed_vault: Path) -> None:
    with Vault.unlock(closed_vault, PASSPHRASE) as vault:
        before = dump(vault)
        old_dek = bytes(vault.key_buffer)
        with pytest.raises(WrongPassphrase):
            vault.change_passphrase("not the current one", NEW_PASSPHRASE)
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        # The database is re-keyed too: a copy of the old key file with the old passphrase
        # unwraps a key that opens no page of today's file.
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = (closed_vault / DB_FILE).read_bytes()
        assert bytes(vault.key_buffer) != old_dek
        assert len(sqlcipher_pages(raw, old_dek)[1]) == len(raw) // PAGE_SIZE
        assert sqlcipher_pages(raw, bytes(vault.key_buffer))[1] == []
    with pytest.raises(WrongPassphrase):
        Vault.unlock(closed_vault, PASSPHRASE)
    with Vault.unlock(closed_vault, NEW_PASSPHRASE) as vault:
        assert_same_records(before, dump(vault))
        assert "passwd" in {row[0] for row in vault.conn.execute("SELECT action FROM audit_log")}


def test_rekey_round_trip_and_old_key_is_useless(closed_vault: Path) -> None:
    db = closed_vault / DB_FILE
    with Vault.unlock(closed_vault, PASSPHRASE) as vault:
        before = dump(vault)
        old_dek = bytes(vault.key_buffer)
        vault.rekey(PASSPHRASE)
        new_dek = bytes(vault.key_buffer)
        assert new_dek != old_dek
        assert len(new_dek) == 32
        assert not (closed_vault / PENDING_KEY_FILE).exists()
        assert unwrap_dek(KeyFile.read(closed_vault / KEY_FILE), PASSPHRASE) == new_dek
        # Another connection with the old key cannot read the (live, WAL-mode) database.
        with pytest.raises(DatabaseError):
            connection.open_database(db, old_dek, create=False).close()
        assert_same_records(before, dump(vault))
    # After lock, every page of the file verifies under the new key and none under the old.
    raw = db.read_bytes()
    assert sqlcipher_pages(raw, new_dek)[1] == []
    assert len(sqlcipher_pages(raw, old_dek)[1]) == len(raw) // PAGE_SIZE
    with pytest.raises(DatabaseError):
        connection.open_database(db, old_dek, create=False).close()
    with Vault.unlock(closed_vault, PASSPHRASE) as vault:
        assert bytes(vault.key_buffer) == new_dek
        assert_same_records(before, dump(vault))
        assert vault.check().ok


@pytest.mark.parametrize("database_rekeyed", [True, False], ids=["db-rekeyed", "db-not-rekeyed"])
def test_interrupted_rekey_is_resolved_at_unlock(
    closed_vault: Path, database_rekeyed: bool
) -> None:
    key_path, pending_path = closed_vault / KEY_FILE, closed_vault / PENDING_KEY_FILE
    old_key_file = key_path.read_bytes()
    with Vault.unlock(closed_vault, PASSPHRASE) as vault:
        before = dump(vault)
        old_dek = bytes(vault.key_buffer)
        fresh = new_dek()
        fresh_copy = bytes(fresh)
        # What Vault.rekey does, stopped short: the pending key file is written ...
        wrap_dek(vault.info.vault_id, fresh, PASSPHRASE, FAST_FOR_TESTS).write(pending_path)
        if database_rekeyed:
            # ... the database has taken the new key, but the key files were never swapped.
            connection.rekey(vault.conn, fresh)
    assert pending_path.exists()
    assert key_path.read_bytes() == old_key_file

    with Vault.unlock(closed_vault, PASSPHRASE) as vault:
        assert not pending_path.exists()
        expected = fresh_copy if database_rekeyed else old_dek
        assert bytes(vault.key_buffer) == expected
        assert unwrap_dek(KeyFile.read(key_path), PASSPHRASE) == expected
        assert_same_records(before, dump(vault))
        assert vault.check().ok
    assert not pending_path.exists()
    assert not [p.name for p in closed_vault.iterdir() if p.name.endswith(".tmp")]
    # Settled for good: a second unlock takes the plain path.
    Vault.unlock(closed_vault, PASSPHRASE).lock()


def test_backup_restore_round_trip(vault: Vault, vault_dir: Path, tmp_path: Path) -> None:
    store = Store(vault)
    add_demo(vault, 30)
    sentinels = make_sentinels()
    record_sentinels(store, sentinels)
    before = dump(vault)
    backup_file = tmp_path / "out" / "backup.fieldapp"
    backup_file.parent.mkdir()
    vault.backup(backup_file)
    assert sorted(p.name for p in backup_file.parent.iterdir()) == ["backup.fieldapp"]
    raw = backup_file.read_bytes()
    assert raw.startswith(BACKUP_MAGIC)
    assert not find_in_bytes(raw, "backup", sentinels.all())

    target = tmp_path / "restored"
    with Vault.restore(backup_file, target, PASSPHRASE) as restored:
        assert_same_records(before, dump(restored))
        restored_store = Store(restored)
        assert restored_store.search_notes(sentinels.visit_notes)
        assert restored.check().ok
        assert restored.info == vault.info
    assert not [p.name for p in target.iterdir() if p.name.startswith(".")]
    # The original keeps working, untouched.
    assert_same_records(before, dump(vault))


def test_restore_with_wrong_passphrase(vault: Vault, tmp_path: Path) -> None:
    add_demo(vault, 5)
    backup_file = tmp_path / "backup.fieldapp"
    vault.backup(backup_file)
    target = tmp_path / "restored"
    with pytest.raises(WrongPassphrase):
        Vault.restore(backup_file, target, "not the passphrase at all")
    assert list(target.iterdir()) == []
    with pytest.raises(VaultNotFound):
        Vault.unlock(target, PASSPHRASE)


def test_restore_never_overwrites_a_vault(vault: Vault, closed_vault: Path, tmp_path: Path) -> None:
    backup_file = tmp_path / "backup.fieldapp"
    vault.backup(backup_file)
    before = folder_state(closed_vault)
    with pytest.raises(VaultExists):
        Vault.restore(backup_file, closed_vault, PASSPHRASE)
    assert folder_state(closed_vault) == before


@pytest.mark.parametrize(
    "cut",
    [
        "inside-magic",
        "inside-length",
        "inside-key-file",
        "after-key-file",
        "first-page",
        "mid-page",
        "page-boundary",
        "last-byte",
    ],
)
def test_truncated_backup_is_refused(vault: Vault, tmp_path: Path, cut: str) -> None:
    add_demo(vault, 20)
    backup_file = tmp_path / "backup.fieldapp"
    vault.backup(backup_file)
    raw = backup_file.read_bytes()
    key_end = len(BACKUP_MAGIC) + 4 + int.from_bytes(raw[len(BACKUP_MAGIC) : len(BACKUP_MAGIC) + 4])
    db_size = len(raw) - key_end
    assert db_size % PAGE_SIZE == 0 and db_size // PAGE_SIZE > 4
    length = {
        "inside-magic": len(BACKUP_MAGIC) // 2,
        "inside-length": len(BACKUP_MAGIC) + 2,
        "inside-key-file": key_end - 40,
        "after-key-file": key_end,
        "first-page": key_end + 100,
        "mid-page": key_end + (db_size // PAGE_SIZE // 2) * PAGE_SIZE + 777,
        "page-boundary": key_end + (db_size // PAGE_SIZE // 2) * PAGE_SIZE,
        "last-byte": len(raw) - 1,
    }[cut]
    backup_file.write_bytes(raw[:length])
    target = tmp_path / "restored"
    with pytest.raises(VaultDamaged) as caught:
        Vault.restore(backup_file, target, PASSPHRASE)
    assert_clear_damage_message(caught.value)
    assert list(target.iterdir()) == []


# -- 6. erased text leaves the search index and the file ---------------------------------


def plaintext_export(vault: Vault, path: Path) -> bytes:
    conn = vault.conn
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(path),))
    try:
        conn.execute("SELECT sqlcipher_export('plain')").fetchall()
    finally:
        conn.execute("DETACH DATABASE plain")
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def vocabulary_has(vault: Vault, term: str) -> bool:
    conn = vault.conn
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, search_index, row)"
    )
    try:
        return conn.execute("SELECT count(*) FROM temp.v WHERE term = ?", (term,)).fetchone()[0] > 0
    finally:
        conn.execute("DROP TABLE temp.v")


def test_erased_text_is_gone_from_index_and_file(vault: Vault, tmp_path: Path) -> None:
    store = Store(vault)
    assert vault.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    add_demo(vault, 30)
    word = random_word("zqerase")  # lower-case: the index stores terms folded
    tail = word[-10:]  # what is left of a term after FTS5 prefix compression
    visit_uuid = store.record_visit(
        NewVisit(
            site=SiteInput(name="Kwekerij Test", sector=Sector.AGRICULTURE),
            visit=VisitInput(started_at="2026-03-02T09:00:00Z", notes=f"Matrassen bij {word}."),
        )
    )
    add_demo(vault, 5)  # later records, so the erased one is not simply the last row
    assert store.search_notes(word) == [("visit", visit_uuid)]
    assert vocabulary_has(vault, word)
    assert word.encode() in plaintext_export(vault, tmp_path / "plain-before.db")
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    dek = bytes(vault.key_buffer)
    pages, bad = sqlcipher_pages((vault.folder / DB_FILE).read_bytes(), dek)
    assert bad == []
    assert word.encode() in pages  # the decrypting probe finds the word while it exists

    store.delete("visit", visit_uuid)

    assert store.search_notes(word) == []
    assert store.search_notes(tail) == []
    assert not vocabulary_has(vault, word)
    assert vault.check().results["search_index"] is None
    exported = plaintext_export(vault, tmp_path / "plain-after.db")
    assert word.encode() not in exported
    assert tail.encode() not in exported
    # Not in any page of the file either, free pages and unused cell space included.
    vault.lock()
    assert not (vault.folder / f"{DB_FILE}-wal").exists()
    pages, bad = sqlcipher_pages((vault.folder / DB_FILE).read_bytes(), dek)
    assert bad == []
    assert tail.encode() not in pages


# -- 7. lock ------------------------------------------------------------------------------


def test_lock_closes_zeroes_and_releases(vault: Vault, vault_dir: Path) -> None:
    conn = vault.conn
    store = Store(vault)
    add_demo(vault, 3)
    key = vault.key_buffer
    assert any(key)
    vault.lock()
    with pytest.raises(VaultLocked):
        _ = vault.conn
    with pytest.raises(VaultLocked):
        store.count_visits()
    assert not vault.is_open
    assert len(key) == 32
    assert key == bytearray(32)
    assert vault.key_buffer == bytearray(32)
    with pytest.raises(connection.sqlcipher3.ProgrammingError):
        conn.execute("SELECT 1")
    vault.lock()  # a second lock is harmless
    again = Vault.unlock(vault_dir, PASSPHRASE)  # the folder lock was released
    assert Store(again).count_visits() == 3
    again.lock()


def test_second_unlock_while_open_is_in_use(vault: Vault, vault_dir: Path) -> None:
    before = (vault_dir / KEY_FILE).read_bytes()
    with pytest.raises(VaultInUse) as caught:
        Vault.unlock(vault_dir, PASSPHRASE)
    assert caught.value.message("en") != WrongPassphrase().message("en")
    assert (vault_dir / KEY_FILE).read_bytes() == before
    assert vault.conn.execute("SELECT count(*) FROM meta").fetchone()[0] == 4  # still usable


def test_vault_in_use_by_another_process(closed_vault: Path) -> None:
    with held_by_another_process(closed_vault, PASSPHRASE, ROOT), pytest.raises(VaultInUse):
        Vault.unlock(closed_vault, PASSPHRASE)
    Vault.unlock(closed_vault, PASSPHRASE).lock()


# -- 8. audit chain -------------------------------------------------------------------------


def test_audit_chain_logs_actions_and_detects_tampering(vault: Vault, vault_dir: Path) -> None:
    store = Store(vault)
    sentinels = make_sentinels()
    visit_uuid = record_sentinels(store, sentinels)
    store.update_visit(visit_uuid, notes="bijgewerkt")
    store.delete("visit", visit_uuid)
    vault.lock()
    vault = Vault.unlock(vault_dir, PASSPHRASE)
    try:
        rows = vault.conn.execute(
            "SELECT seq, actor, action, record_kind, record_uuid FROM audit_log ORDER BY seq"
        ).fetchall()
        actions = [(action, kind) for _, _, action, kind, _ in rows]
        for expected in [
            ("create", "vault"),
            ("unlock", "vault"),
            ("create", "visit"),
            ("create", "attachment"),
            ("update", "visit"),
            ("delete", "visit"),
            ("lock", "vault"),
        ]:
            assert expected in actions, expected
        assert ("update", "visit", visit_uuid) in [(r[2], r[3], r[4]) for r in rows]
        assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
        # The log names records by id only: none of their content.
        log_text = repr(vault.conn.execute("SELECT * FROM audit_log").fetchall())
        assert not find_in_bytes(log_text.encode(), "audit_log", sentinels.all())

        report = vault.check()
        assert report.ok, report.results

        vault.conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 3")
        report = vault.check()
        assert not report.ok
        assert report.results["audit_chain"] == "seq 3"
        assert [name for name, detail in report.results.items() if detail] == ["audit_chain"]
    finally:
        vault.lock()


# -- 10. the key file is replaced atomically ------------------------------------------------


@pytest.mark.parametrize("operation", ["change_passphrase", "rekey"])
def test_key_file_untouched_when_replace_fails(
    vault: Vault, vault_dir: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    add_demo(vault, 3)
    key_path = vault_dir / KEY_FILE
    old_key_file = key_path.read_bytes()
    old_dek = bytes(vault.key_buffer)
    before = dump(vault)
    attempts: list[str] = []

    def failing_replace(src: object, dst: object) -> None:
        attempts.append(str(dst))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space"):
        if operation == "change_passphrase":
            vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        else:
            vault.rekey(PASSPHRASE)
    monkeypatch.undo()

    assert attempts, "os.replace was never reached: the test did not test anything"
    assert key_path.read_bytes() == old_key_file
    leftovers = [
        p.name
        for p in vault_dir.iterdir()
        if (p.name.startswith(".") and p.name.endswith(".tmp")) or p.name == PENDING_KEY_FILE
    ]
    assert leftovers == []
    assert bytes(vault.key_buffer) == old_dek
    assert_same_records(before, dump(vault))
    vault.lock()
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, NEW_PASSPHRASE)
    with Vault.unlock(vault_dir, PASSPHRASE) as reopened:
        assert bytes(reopened.key_buffer) == old_dek
        assert_same_records(before, dump(reopened))


def _fail_key_swap(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """os.replace fails only for the rekey's final swap, vault.key.pending -> vault.key (as on
    Windows when a virus scanner or sync client holds vault.key open)."""
    real_replace = os.replace
    refused: list[str] = []

    def replace(src: Any, dst: Any) -> None:
        if Path(src).name == PENDING_KEY_FILE:
            refused.append(str(src))
            raise PermissionError(13, "Access is denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return refused


def test_failed_key_swap_in_rekey_is_finished_at_next_unlock(
    vault: Vault, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_demo(vault, 3)
    before = dump(vault)
    refused = _fail_key_swap(monkeypatch)
    with pytest.raises(PermissionError):
        vault.rekey(PASSPHRASE)
    monkeypatch.undo()
    assert refused
    assert_same_records(before, dump(vault))  # the open vault keeps working
    vault.lock()
    with Vault.unlock(vault_dir, PASSPHRASE) as reopened:
        assert_same_records(before, dump(reopened))
    assert not (vault_dir / PENDING_KEY_FILE).exists()


def test_passphrase_change_after_failed_key_swap_keeps_vault_openable(
    vault: Vault, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rekey whose last step failed, then a passphrase change in the same session: the new
    passphrase must open the vault (the database already uses the new key)."""
    add_demo(vault, 3)
    before = dump(vault)
    _fail_key_swap(monkeypatch)
    with pytest.raises(PermissionError):
        vault.rekey(PASSPHRASE)
    monkeypatch.undo()
    vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    vault.lock()
    with Vault.unlock(vault_dir, NEW_PASSPHRASE) as reopened:
        assert_same_records(before, dump(reopened))
