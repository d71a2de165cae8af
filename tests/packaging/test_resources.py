"""The one resource locator (fieldapp/paths.py) in each kind of installation. The installed
wheel itself is run in test_wheel.py and by `make wheel-check`; the frozen build by
`make dist-check`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from fieldapp import paths

ROOT = Path(__file__).resolve().parents[2]


def test_source_tree_uses_the_top_level_resources_folder() -> None:
    assert paths.frozen_root() is None
    assert paths.installed_root() is None
    assert paths.resources_root() == ROOT / "resources"
    assert paths.resource_path("translations", "nl.json").is_file()


def test_source_tree_has_no_installed_resources_folder() -> None:
    """fieldapp/resources is where an installed copy keeps its data, and it is looked at before
    the source tree: one in a checkout would hide resources/."""
    assert not (ROOT / "fieldapp" / "resources").exists()


def test_frozen_bundle_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resources_root() == tmp_path / "resources"
    font = paths.resource_path("fonts", "DejaVuSans.ttf")
    assert font == tmp_path / "resources" / "fonts" / "DejaVuSans.ttf"


def test_installed_package_comes_before_the_source_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``fieldapp`` package whose folder holds ``resources/`` (as an installed wheel's does)
    is used as it lies on disk, as a real path."""
    package = tmp_path / "fieldapp"
    (package / "resources" / "translations").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(paths, "PACKAGE", "fieldapp_installed_probe")
    monkeypatch.setitem(sys.modules, "fieldapp_installed_probe", _module_at(package))
    assert paths.installed_root() == package / "resources"
    assert paths.resources_root() == package / "resources"
    assert isinstance(paths.resource_path("translations"), Path)


def _module_at(package: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fieldapp_installed_probe", package / "__init__.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
