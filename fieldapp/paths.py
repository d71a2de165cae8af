"""Where FieldApp keeps its files, and the one resource locator.

Resources live in ``resources/`` next to the packages in a source tree, or inside the
PyInstaller bundle (``sys._MEIPASS``) when frozen. Everything that locates a bundled file
goes through :func:`resource_path`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "FieldApp"
VAULT_ENV = "FIELDAPP_VAULT"


def resources_root() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_root().joinpath(*parts)


def default_vault_dir() -> Path:
    """The vault folder: ``--vault`` beats ``FIELDAPP_VAULT`` beats the platform data dir."""
    from_env = os.environ.get(VAULT_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs  # noqa: PLC0415 - only where a default folder is needed

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "vault"


def resolve_vault_dir(explicit: str | os.PathLike[str] | None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    return default_vault_dir()
