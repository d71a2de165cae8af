"""Dutch first, English complete: both catalogues hold the same keys and placeholders."""

from __future__ import annotations

import json
import re
import string

import pytest

from fieldapp import i18n
from fieldapp.i18n import t
from fieldapp.paths import resource_path


def _raw(lang: str) -> dict[str, str]:
    return json.loads(resource_path("translations", f"{lang}.json").read_text(encoding="utf-8"))


def test_both_languages_have_the_same_keys() -> None:
    dutch, english = i18n.catalogue("nl"), i18n.catalogue("en")
    assert set(dutch) == set(english)
    assert len(dutch) > 100


def test_placeholders_match_and_no_text_is_empty() -> None:
    dutch, english = i18n.catalogue("nl"), i18n.catalogue("en")
    formatter = string.Formatter()
    for key, text in dutch.items():
        assert text.strip(), key
        assert english[key].strip(), key
        names_nl = {name for _, name, _, _ in formatter.parse(text) if name}
        names_en = {name for _, name, _, _ in formatter.parse(english[key]) if name}
        assert names_nl == names_en, key


def test_every_key_used_in_code_exists() -> None:
    root = resource_path().parent
    pattern = re.compile(
        r"(?:\bt\(|FieldAppError\(|VaultDamaged\(|ValidationError\([^,]+,\s*|key = )"
        r'"([a-z_]+\.[a-z_.]+)"'
    )
    keys: set[str] = set()
    for source in [*root.joinpath("fieldapp").rglob("*.py"), *root.joinpath("ui").rglob("*.py")]:
        keys.update(pattern.findall(source.read_text(encoding="utf-8")))
    assert keys
    missing = sorted(key for key in keys if key not in i18n.catalogue("nl"))
    assert missing == []


@pytest.mark.parametrize(
    "prefix",
    ["sector.", "visit_type.", "person_role.", "evidence.", "observation_status.", "visit_status."],
)
def test_every_enum_value_has_a_label(prefix: str) -> None:
    from fieldapp import domain

    enum = {
        "sector.": domain.Sector,
        "visit_type.": domain.VisitType,
        "person_role.": domain.PersonRole,
        "evidence.": domain.Evidence,
        "observation_status.": domain.ObservationStatus,
        "visit_status.": domain.VisitStatus,
    }[prefix]
    for member in enum:
        assert f"{prefix}{member.value}" in i18n.catalogue("nl")


def test_language_switch_and_fallback() -> None:
    assert t("vault.locked", "en") == "The vault is locked. Unlock it first."
    i18n.set_language("en")
    assert t("vault.locked").startswith("The vault")
    i18n.set_language("nl")
    assert t("vault.locked").startswith("De kluis")
    assert t("no.such.key") == "no.such.key"
    with pytest.raises(ValueError):
        i18n.set_language("fr")
    assert _raw("nl")["_comment"]
