"""Where FieldApp keeps its files, and the one resource locator.

The resources (translations, indicator catalogue, referral rules, fonts) live in the
repository's top-level ``resources/`` folder. :func:`resources_root` finds them in each kind of
installation, in this order:

1. a frozen build (PyInstaller sets ``sys._MEIPASS``): ``<bundle>/resources``, where
   ``build.spec`` puts them;
2. an installed distribution (a wheel: ``pip install .``, pipx): the data package
   ``fieldapp.resources`` that ``pyproject.toml`` maps ``resources/`` to, found with
   :mod:`importlib.resources`;
3. a source tree (a checkout, ``pip install -e .``): ``resources/`` beside the ``fieldapp``
   package.

Each test is exact and no layout passes two of them (``sys._MEIPASS`` exists only in a frozen
build; a source tree has no ``fieldapp/resources``, which ``tests/packaging`` checks), so an
installed copy never picks up a checkout's files nor the other way round, and no marker file
has to tell a checkout from ``site-packages``.

Installed resources are used where they lie, as a :class:`pathlib.Path`: pip, pipx and uv
unpack a wheel, so ``importlib.resources.files("fieldapp")`` is a real folder, and the callers
need real files (reportlab opens fonts by file name; the catalogue loader lists a folder).
``importlib.resources.as_file`` would copy them to the temporary folder instead (for a folder
only from Python 3.12), which the self-check requires to stay empty; a package imported from a
zip file is therefore not supported, and finds nothing.

Everything that locates a bundled file goes through :func:`resource_path`.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

APP_NAME = "FieldApp"
VAULT_ENV = "FIELDAPP_VAULT"
# The package whose ``resources`` folder holds the data in an installed copy (pyproject.toml:
# the data package ``fieldapp.resources``).
PACKAGE = "fieldapp"
RESOURCES = "resources"


def frozen_root() -> Path | None:
    """``<bundle>/resources`` in a PyInstaller build, else None."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) / RESOURCES if bundle else None


def installed_root() -> Path | None:
    """The installed data package ``fieldapp.resources`` when it is a folder on disk."""
    folder = resources.files(PACKAGE).joinpath(RESOURCES)
    return folder if isinstance(folder, Path) and folder.is_dir() else None


def source_root() -> Path:
    """``resources/`` of the source tree this ``fieldapp`` package sits in."""
    return Path(__file__).resolve().parent.parent / RESOURCES


def resources_root() -> Path:
    return frozen_root() or installed_root() or source_root()


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
