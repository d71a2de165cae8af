"""Dutch first, English complete: both catalogues hold the same keys and placeholders."""

from __future__ import annotations

import json
import re
import string

import pytest

from fieldapp import i18n
from fieldapp.i18n import t, tn
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
    dutch = i18n.catalogue("nl")
    missing = sorted(key for key in keys if key not in dutch and f"{key}.one" not in dutch)
    assert missing == []


def test_every_counted_text_has_both_forms() -> None:
    """``tn("key", n)`` reads ``key.one`` and ``key.other``: both must exist for every key
    written literally, and no text has one form without the other."""
    root = resource_path().parent
    pattern = re.compile(r'\btn\(\s*"([a-z_]+\.[a-z_.]+)"')
    keys: set[str] = set()
    for source in [*root.joinpath("fieldapp").rglob("*.py"), *root.joinpath("ui").rglob("*.py")]:
        keys.update(pattern.findall(source.read_text(encoding="utf-8")))
    assert "ui.visits.count" in keys
    dutch = i18n.catalogue("nl")
    missing = sorted(
        f"{key}.{form}"
        for key in keys
        for form in i18n.PLURAL_FORMS
        if f"{key}.{form}" not in dutch
    )
    assert missing == []
    for key in dutch:  # "person_role.other" is a role, not a form: start from ".one"
        stem, _, form = key.rpartition(".")
        if form == "one":
            assert f"{stem}.other" in dutch, key


@pytest.mark.parametrize(
    ("count", "dutch", "english"),
    [(0, "0 bezoeken", "0 visits"), (1, "1 bezoek", "1 visit"), (2, "2 bezoeken", "2 visits")],
)
def test_a_count_takes_the_right_form(count: int, dutch: str, english: str) -> None:
    assert tn("ui.visits.count", count) == dutch
    assert tn("ui.visits.count", count, "en") == english
    assert tn("ui.unlock.locked_idle", 1, minutes=1) == (
        "De kluis is vergrendeld na 1 minuut zonder gebruik."
    )
    assert tn("ui.visits.count_filtered", 1, "en", shown=0) == "0 of 1 visit"


def test_no_text_counts_with_brackets() -> None:
    """ "bezoek(en)", "signaal/signalen", "alarm(s)": counted texts have both forms instead."""
    for lang in i18n.LANGUAGES:
        for key, text in i18n.catalogue(lang).items():
            if "{" in text:
                assert not re.search(r"\w\((en|s|n)\)|signaal/signalen", text), key


@pytest.mark.parametrize(
    ("key", "params", "one", "other"),
    [
        ("links.n.visits", {}, "1 bezoek", "2 bezoeken"),
        ("retention.cli.held_open", {}, "1 bezoek over zijn termijn blijft", "2 bezoeken over hun"),
        ("selfcheck.detail.referral", {"document_id": "D"}, "D, 1 pagina", "D, 2 pagina's"),
        ("stats.municipality_other", {}, "1 overige gemeente", "overige 2 gemeenten"),
    ],
)
def test_core_counts_take_the_right_form(
    key: str, params: dict[str, str], one: str, other: str
) -> None:
    assert tn(key, 1, "nl", **params).startswith(one)
    assert tn(key, 2, "nl", **params).startswith(other)
    assert "(" not in tn(key, 1, "en", **params)


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
