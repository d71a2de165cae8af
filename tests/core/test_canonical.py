"""Canonical JSON has one owner (``fieldapp.canonical``), and every signature, MAC and hash
that depends on its bytes still verifies what earlier code wrote: a key file (version 2 with
its checksum), a vault anchor, an enrolment and a bundle (``tests/fixtures/canonical-v1``, made
by ``tests/fixtures/make_canonical_fixture.py`` before the move), the catalogue hashes and a
referral document's hash."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from fieldapp import canonical
from fieldapp.catalogue.loader import load_catalogue
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import canonical as sync_canonical
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault, anchor
from fieldapp.vault.keyfile import KeyFile, unwrap_dek
from fieldapp.vault.layout import ANCHOR_FILE, KEY_FILE
from tests.support.referral import full_document, minimal_document

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "canonical-v1"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parents[2]


def test_the_bytes_are_the_ones_signed_before() -> None:
    value = {"b": [1, "Zoë „x”"], "a": {"y": None, "x": True}}
    assert canonical.canonical_bytes(value) == (
        b'{"a":{"x":true,"y":null},"b":[1,"Zo\xc3\xab \xe2\x80\x9ex\xe2\x80\x9d"]}'
    )
    assert canonical.canonical_bytes(value, ascii_only=True) == (
        b'{"a":{"x":true,"y":null},"b":[1,"Zo\\u00eb \\u201ex\\u201d"]}'
    )
    assert sync_canonical.canonical_bytes is canonical.canonical_bytes


def test_an_old_key_file_and_anchor_still_verify(tmp_path: Path) -> None:
    raw_key = (FIXTURE / KEY_FILE).read_bytes()
    key_file = KeyFile.from_bytes(raw_key)  # the checksum (ASCII canonical JSON) verifies
    assert key_file.version == 2
    assert key_file.to_bytes() == raw_key
    dek = unwrap_dek(key_file, EXPECTED["passphrase"])  # the associated data verifies
    raw_anchor = (FIXTURE / ANCHOR_FILE).read_bytes()
    record = anchor.Anchor.from_bytes(raw_anchor)
    assert record is not None and record.verifies(dek)
    assert record.to_bytes() == raw_anchor
    shutil.copytree(FIXTURE, tmp_path / "vault")
    with Vault.unlock(tmp_path / "vault", EXPECTED["passphrase"]) as vault:
        assert vault.check().ok  # the anchor agrees with the database


def test_an_old_bundle_still_imports(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "vault")
    with Vault.unlock(tmp_path / "vault", EXPECTED["passphrase"]) as vault:
        report = import_file(vault, tmp_path / "vault" / "bundle.fieldsync")
        assert report.status == "imported", report.rejection and report.rejection.message("en")
        assert report.inspector == EXPECTED["inspector"]
        assert report.agency == EXPECTED["agency"]
        detail = Store(vault).visit_detail(EXPECTED["visit"])
        assert detail.site.name == "Café De Brûg"
        (device,) = SyncStore(vault).devices()
        assert device.inspector == EXPECTED["inspector"]


def test_catalogue_and_referral_hashes_are_unchanged() -> None:
    assert load_catalogue("2026.1").content_hash == (
        "f7567db617c9718da8bb0594ba3dc46df996433f645e789627dc7b1c44079dbc"
    )
    assert load_catalogue("2026.2").content_hash == (
        "7ff51ea1b9191347b7aac0a63b86f5d7eb64fa49fc8acdf482e26bdb464fee82"
    )
    assert full_document().content_hash() == (
        "c918a40e520fa7b4c0731cb98e87a4076730f315e51111087c1a8e9f3b6e35d8"
    )
    assert minimal_document().content_hash() == (
        "945b5c5f1a52bd895d581c63b8c6f4200357581b8185d4f69938fb1a8a3ef235"
    )


def test_no_other_module_spells_canonical_json() -> None:
    """``sort_keys=True`` with compact separators is canonical JSON: only its owner writes it."""
    pattern = re.compile(r"separators=\(\",\", \":\"\)")
    found = [
        str(path.relative_to(ROOT))
        for folder in ("fieldapp", "ui")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["fieldapp/canonical.py"]
