"""The public read path: what anyone may read without signing in, and nothing else.

Every function here returns only published fields, named in the allowed lists
(:data:`CATALOGUE_COLUMNS`, :data:`TECHNOLOGY_FIELDS`, :data:`ADOPTION_COLUMNS`,
:data:`FIGURES`): registered technologies (title, owner, field, sector, certification,
registration date and validity, the city's approved adoptions with project and year) and the
headline figures as of a date. Never experts' identities, scores, items under review,
internal notes, budgets or anyone's contact data. The queries select those columns by name,
so a column added to a table does not reach a public page by accident; the tests compare the
columns returned with these lists and plant secrets in every other field.

No role check: these reads are for everyone (``public`` in design.md). The public pages call
nothing else of ``db/``.
"""

from db.public.catalogue import (
    ADOPTION_COLUMNS,
    CATALOGUE_COLUMNS,
    EXPORT_COLUMNS,
    PUBLISHED_STATUSES,
    SORTS,
    TECHNOLOGY_FIELDS,
    CatalogueFilters,
    PublicTechnology,
    catalogue_export,
    catalogue_page,
    catalogue_years,
    public_technology,
    reg_no_of,
)
from db.public.figures import FIGURES, PublicFigure, figures_of, last_updated, public_figures

__all__ = [
    "ADOPTION_COLUMNS",
    "CATALOGUE_COLUMNS",
    "EXPORT_COLUMNS",
    "FIGURES",
    "PUBLISHED_STATUSES",
    "SORTS",
    "TECHNOLOGY_FIELDS",
    "CatalogueFilters",
    "PublicFigure",
    "PublicTechnology",
    "catalogue_export",
    "catalogue_page",
    "catalogue_years",
    "figures_of",
    "last_updated",
    "public_figures",
    "public_technology",
    "reg_no_of",
]
