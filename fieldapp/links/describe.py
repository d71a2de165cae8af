"""A cluster in plain words, for the command line and the desktop alike:
"Dit adres: 4 bezoeken, 2 diensten, 3 maanden, 6 mogelijke slachtoffers"."""

from __future__ import annotations

from fieldapp.agencies import agency_name
from fieldapp.i18n import t, tn
from fieldapp.links.clusters import Cluster
from fieldapp.localtime import date_text


def count(noun: str, number: int, lang: str | None = None) -> str:
    """``links.n.<noun>.one`` or ``.other`` with the number filled in: "1 bezoek", "2 bezoeken"."""
    return tn(f"links.n.{noun}", number, lang)


def title(cluster: Cluster, lang: str | None = None) -> str:
    """What the cluster shares, by its strongest link: "Dit adres"."""
    strongest = cluster.link_types[0] if cluster.link_types else "name"
    return t(f"links.title.{strongest}", lang)


def figures(cluster: Cluster, lang: str | None = None) -> str:
    return ", ".join(
        (
            count("visits", cluster.visits, lang),
            count("agencies", len(cluster.agencies), lang),
            count("months", cluster.months, lang),
            count("victims", cluster.possible_victims, lang),
        )
    )


def headline(cluster: Cluster, lang: str | None = None) -> str:
    return t("links.headline", lang, title=title(cluster, lang), figures=figures(cluster, lang))


def why_linked(cluster: Cluster, lang: str | None = None) -> str:
    """Every kind of link in the cluster, with how many sites hold a shared key of it:
    "Gekoppeld via: adres (2 locaties), telefoonnummer (3 locaties)"."""
    reasons = ", ".join(
        t(
            "links.reason",
            lang,
            type=t(f"links.type.{reason.link_type}", lang),
            records=count("records", reason.records, lang),
        )
        for reason in cluster.reasons
    )
    return t("links.why", lang, reasons=reasons)


def agency_label(agency: str, lang: str | None = None) -> str:
    """A known agency by its name (``fieldapp.agencies``); any other as it was written."""
    return agency_name(agency, lang) or agency


def agencies(cluster: Cluster, lang: str | None = None) -> str:
    labels = sorted((agency_label(agency, lang) for agency in cluster.agencies), key=str.casefold)
    names = ", ".join(labels) or "-"
    return t("links.agencies", lang, agencies=names)


def period(cluster: Cluster, lang: str | None = None) -> str:
    if cluster.first_visit is None or cluster.last_visit is None:
        return t("links.period_none", lang)
    return t(
        "links.period",
        lang,
        first=date_text(cluster.first_visit, lang),
        last=date_text(cluster.last_visit, lang),
        devices=count("devices", len(cluster.devices), lang),
    )
