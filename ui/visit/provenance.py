"""Whose record a visit is. On a coordinator's vault a visit that came in a field device's bundle
is that inspector's record: the editor says so at the top (who recorded it, on which device,
when it arrived, in Dutch time) and changes nothing in it, so what the coordinator reads is
what the inspector sent. A correction travels with the inspector's next bundle; the core
refuses a change to such a visit too (``store.imported_read_only``), this only tells why
before anyone tries.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from fieldapp.i18n import t
from fieldapp.localtime import datetime_text
from fieldapp.store.merged_store import Provenance, device_labels, visit_provenance
from fieldapp.store.store import Store

BANNER_STYLE = """
QLabel#importedBanner { background: palette(alternate-base); color: palette(window-text);
                        border: 1px solid palette(mid); border-left: 4px solid #1f4e79;
                        border-radius: 4px; padding: 6px 10px; }
"""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an open visit came from, as the editor needs it."""

    read_only: bool  # recorded on another device: the inspector's record
    banner: str  # what the editor says at the top ("" for a visit of this vault)
    site_read_only: bool  # the place is another device's (also for a visit of this vault)
    recorded_by: str = ""  # who can complete it ("Sanne de Boer (…)"), for a read-only visit


def visit_origin(store: Store, visit_uuid: str, site_uuid: str) -> Origin:
    """Read once when the editor opens: whether the visit (or only its place) is another
    device's record, and the words that say whose."""
    found = visit_provenance(store.conn, [visit_uuid]).get(visit_uuid)
    if found is not None and found.device_id != store.device_id:
        recorded_by = found.device_label or t("device.unknown_inspector")
        return Origin(True, imported_text(found), site_read_only=True, recorded_by=recorded_by)
    origin = store.record_origin("site", site_uuid)
    if origin is not None and origin != store.device_id:
        label = device_labels(store.conn).get(origin) or t("device.unknown_inspector")
        return Origin(False, t("ui.visit.imported.site", device=label), site_read_only=True)
    return Origin(False, "", site_read_only=False)


def imported_text(found: Provenance) -> str:
    """ "Vastgelegd door Inspecteur Jansen (Nederlandse Arbeidsinspectie) · ontvangen op
    03-12-2026 14:05. ..." in the reader's language and Dutch local time."""
    device = found.device_label or t("device.unknown_inspector")
    received = datetime_text(found.received_at) if found.received_at else "—"
    return t("ui.visit.imported.banner", device=device, received=received)


class OriginBanner(QLabel):
    """The line at the top of an imported visit; hidden for the vault's own visits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importedBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.setAccessibleName(t("ui.visit.imported.name"))
        self.setStyleSheet(BANNER_STYLE)
        self.hide()

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
