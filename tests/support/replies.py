"""A field device enrolled with its coordinator and a stick between them, as the reply tests
(issue 16) of the core and the desktop both need it; and a corrected catalogue version, as an
organisation publishes one between releases of the program."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fieldapp import reply
from fieldapp.catalogue.loader import catalogue_root
from fieldapp.inputs import NewVisit
from fieldapp.store.store import Store
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from tests.support.sync import Coordinator, enrol, make_coordinator, make_field


@dataclass
class Pair:
    coordinator: Coordinator
    field: Vault
    stick: Path

    def export(self) -> Path:
        result = export_bundle(self.field, self.stick)
        assert result is not None
        return result.path

    def send(self) -> Path:
        """Export and import: the coordinator holds everything the device has now."""
        path = self.export()
        assert import_file(self.coordinator.vault, path).status == "imported"
        return path

    def reply(self) -> Path:
        return reply.write_reply(self.coordinator.vault, self.field.info.device_id, self.stick).path

    def colleague(self, folder: Path, visit: NewVisit, inspector: str = "Inspecteur 12") -> Vault:
        """A second enrolled device whose visit the coordinator imported; the caller locks it."""
        second = make_field(folder)
        enrol(second, self.coordinator, inspector=inspector)
        Store(second).record_visit(visit)
        result = export_bundle(second, self.stick)
        assert result is not None
        import_file(self.coordinator.vault, result.path)
        return second


@contextmanager
def paired(folder: Path) -> Iterator[Pair]:
    """Both vaults locked at the end, also those a test opened again (``pair.field = ...``)."""
    coordinator = make_coordinator(folder / "coordinator")
    field = make_field(folder / "field")
    enrol(field, coordinator)
    stick = folder / "stick"
    stick.mkdir()
    made = Pair(coordinator, field, stick)
    try:
        yield made
    finally:
        made.field.lock()
        made.coordinator.vault.lock()


def corrected_catalogue(folder: Path, version: str = "2026.9", note: str = "correctie") -> Path:
    """2026.2's files as a new version with a corrected title and source (content the
    catalogue's hash covers)."""
    shutil.copytree(catalogue_root() / "2026.2", folder)
    manifest = json.loads((folder / "catalogue.json").read_text(encoding="utf-8"))
    manifest["version"] = version
    manifest["title"]["nl"] += f" ({note})"
    (folder / "catalogue.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    signals = json.loads((folder / "nla.json").read_text(encoding="utf-8"))
    signals["source"] += f" ({note})"
    (folder / "nla.json").write_text(json.dumps(signals, ensure_ascii=False), "utf-8")
    return folder
