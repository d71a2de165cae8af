"""The indicator catalogue: versioned data in ``resources/catalogue/<version>/``."""

from fieldapp.catalogue.loader import (
    available_versions,
    latest_version,
    load_catalogue,
)
from fieldapp.catalogue.model import (
    DIMENSIONS,
    FORMS,
    PROFILES,
    Catalogue,
    CatalogueError,
    Grade,
    Indicator,
    Rules,
)

__all__ = [
    "DIMENSIONS",
    "FORMS",
    "PROFILES",
    "Catalogue",
    "CatalogueError",
    "Grade",
    "Indicator",
    "Rules",
    "available_versions",
    "latest_version",
    "load_catalogue",
]
