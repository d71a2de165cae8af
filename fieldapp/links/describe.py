"""A cluster in plain words, for the command line and the desktop alike:
"Dit adres: 4 bezoeken, 2 diensten, 3 maanden, 6 mogelijke slachtoffers"."""

from __future__ import annotations

from datetime import datetime

from fieldapp.agencies import AGENCY_CODES
from fieldapp.i18n import t
from fieldapp.links.clusters import Cluster
from fieldapp.validate import LOCAL_ZONE


def count(noun: str, number: int, lang: str | None = None) -> str:
    """``links.n.<noun>.one`` or ``.many`` with the number filled in."""
    return t(f"links.n.{noun}.{'one' if number == 1 else 'many'}", lang, n=number)


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
    """A known agency code in words; any other agency as it was written."""
    return t(f"links.agency.{agency}", lang) if agency in AGENCY_CODES else agency


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
        first=local_date(cluster.first_visit),
        last=local_date(cluster.last_visit),
        devices=count("devices", len(cluster.devices), lang),
    )


def local_date(moment: str) -> str:
    """Stored UTC -> the Dutch calendar date, ``2026-03-14``."""
    try:
        return datetime.fromisoformat(moment).astimezone(LOCAL_ZONE).date().isoformat()
    except ValueError:
        return moment[:10]
