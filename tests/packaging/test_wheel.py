"""The wheel as pip and pipx install it: the package list in pyproject.toml matches the folders,
the wheel holds every module, every resource and the licence, and the unpacked wheel runs from
outside the source tree with the resources it carries.

`make wheel-check` (run by CI) does the rest: the wheel installed with its dependencies into a
fresh venv. Here the unpacked wheel borrows the dependencies of the running interpreter, which
keeps this test at a few seconds.
"""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE_PACKAGES = ("fieldapp", "ui")
RESOURCES = ROOT / "resources"
INSTALLED_RESOURCES = "fieldapp/resources"
# What the brief for an installed FieldApp names: translations, both catalogue versions, the
# referral rules and the fonts (every other file of resources/ is checked too).
NAMED_RESOURCES = (
    "translations/nl.json",
    "translations/en.json",
    "catalogue/2026.1/catalogue.json",
    "catalogue/2026.1/rules.json",
    "catalogue/2026.2/catalogue.json",
    "catalogue/2026.2/rules.json",
    "referral/recipients.json",
    "fonts/DejaVuSans.ttf",
    "fonts/DejaVuSans-Bold.ttf",
)


def _files(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts
    )


def _dotted(folder: Path) -> str:
    return ".".join(folder.relative_to(ROOT).parts)


def expected_packages() -> set[str]:
    """Every folder of fieldapp/ and ui/ holding a module, and resources/ with every folder in
    it whose name Python could import (catalogue/2026.1 cannot be, and needs not be)."""
    found = {
        _dotted(path.parent)
        for package in CODE_PACKAGES
        for path in _files(ROOT / package)
        if path.suffix == ".py"
    }
    found.add("fieldapp.resources")
    for folder in RESOURCES.rglob("*"):
        parts = folder.relative_to(RESOURCES).parts
        if folder.is_dir() and all(part.isidentifier() for part in parts):
            found.add(".".join(("fieldapp", "resources", *parts)))
    return found


def test_package_list_matches_the_folders() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    listed = setuptools["packages"]
    missing = sorted(expected_packages() - set(listed))
    extra = sorted(set(listed) - expected_packages())
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
    assert not extra, f"no such package folder, remove from pyproject.toml: {extra}"
    assert len(listed) == len(set(listed))
    assert setuptools["package-dir"] == {"fieldapp.resources": "resources"}
    assert setuptools["package-data"] == {"fieldapp.resources": ["**/*"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and the wheel built from it, as `python -m build` makes them."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    (sdist,) = out.glob("fieldapp-*.tar.gz")
    (wheel,) = out.glob("fieldapp-*.whl")
    return sdist, wheel


def test_wheel_holds_every_module_resource_and_the_licence(built: tuple[Path, Path]) -> None:
    _, wheel = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (dist_info,) = {name.split("/")[0] for name in names if ".dist-info/" in name}
        for named in NAMED_RESOURCES:
            assert f"{INSTALLED_RESOURCES}/{named}" in names, named
        for source in _files(RESOURCES):
            name = f"{INSTALLED_RESOURCES}/{source.relative_to(RESOURCES).as_posix()}"
            assert archive.read(name) == source.read_bytes(), name
        for package in CODE_PACKAGES:
            for source in _files(ROOT / package):
                if source.suffix == ".py":
                    assert source.relative_to(ROOT).as_posix() in names, source
        assert archive.read(f"{dist_info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        metadata = email.parser.Parser().parsestr(
            archive.read(f"{dist_info}/METADATA").decode("utf-8")
        )
    assert metadata["License-Expression"] == "EUPL-1.2"
    assert metadata["License"] is None  # the deprecated field is gone
    assert "LICENSE" in metadata.get_all("License-File")
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {*CODE_PACKAGES, dist_info}, top_level


def test_sdist_holds_the_resources_and_the_licence(built: tuple[Path, Path]) -> None:
    sdist, _ = built
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "pyproject.toml", "README.md"} <= names
    for named in NAMED_RESOURCES:
        assert f"resources/{named}" in names, named


def test_unpacked_wheel_runs_outside_the_source_tree(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """The code and resources come from the wheel, the dependencies from this interpreter; the
    process runs in an empty folder with a private HOME and TMPDIR."""
    _, wheel = built
    area = tmp_path / "installed"
    site = area / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    home, temp, work = area / "home", area / "tmp", area / "work"
    for folder in (home, temp, work):
        folder.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FIELDAPP_", "PYTHON", "XDG_"))
    }
    env.update(
        PYTHONPATH=str(site),
        HOME=str(home),
        TMPDIR=str(temp),
        TEMP=str(temp),
        TMP=str(temp),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            cwd=work,
            env=env,
            timeout=300,
            check=False,
        )

    where = run("-c", "import fieldapp.paths as p; print(p.__file__); print(p.resources_root())")
    assert where.returncode == 0, where.stderr
    module, root = where.stdout.splitlines()
    assert Path(module).is_relative_to(site)
    assert Path(root) == site / "fieldapp" / "resources"

    # the console script's entry point (pyproject: fieldapp = "ui.launch:main")
    check = run("-m", "ui.launch", "self-check", "--lang", "en")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1].startswith("Self-check passed")
    assert list(temp.iterdir()) == []

    found = run("-m", "ui.launch", "catalogue", "list", "--search", "paspoort", "--lang", "en")
    assert found.returncode == 0, found.stderr
    assert "ILO-CD-01" in found.stdout  # passport held by the employer
    assert list(work.iterdir()) == []
