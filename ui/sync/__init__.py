"""Sync by file on the desktop: the field device's page (enrolment, export) and the
coordinator's page (card, approval, devices, import). The work is done by ``fieldapp.sync``."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from fieldapp.domain import Role
from fieldapp.vault.vault import Vault
from ui.runner import JobRunner


def sync_page(vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> QDialog:
    """The page for this vault's role."""
    if vault.info.role is Role.COORDINATOR:
        from ui.sync.coordinator_page import CoordinatorSyncDialog  # noqa: PLC0415 - the page of this role only: the bundle code (msgspec, age) loads with it

        return CoordinatorSyncDialog(vault, parent)
    from ui.sync.field_page import FieldSyncDialog  # noqa: PLC0415 - the page of this role only: the bundle code (msgspec, age) loads with it

    return FieldSyncDialog(vault, runner, parent)
