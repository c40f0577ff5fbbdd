"""Publications: the mayor's office freezes the overview's figures as of a date (issue #17).

A publication holds the as-of date, the overview's technology filters and the figures,
computed here from the database when it is published (never taken from the caller), in
canonical JSON, with the SHA-256 over date, filters and figures (:mod:`.frozen`). It is
appended with one audited write (``publication.publish``, :mod:`.publish`), sealed like every
audited record, and never changed: a later one for the same date and filters becomes the
current one. :func:`compare` recomputes the figures today and names the records that changed
them since (:mod:`.compare`).
"""

from db.publications.compare import ChangedRecord, Comparison, FigureRow, compare
from db.publications.frozen import (
    FIGURE_ENTITIES,
    FIGURE_KEYS,
    Publication,
    canonical,
    digest,
    figures_of,
    filters_text,
    headline_of,
)
from db.publications.publish import (
    FUTURE_DATE,
    compute,
    current,
    publication,
    publications,
    publish,
)

__all__ = [
    "FIGURE_ENTITIES",
    "FIGURE_KEYS",
    "FUTURE_DATE",
    "ChangedRecord",
    "Comparison",
    "FigureRow",
    "Publication",
    "canonical",
    "compare",
    "compute",
    "current",
    "digest",
    "figures_of",
    "filters_text",
    "headline_of",
    "publication",
    "publications",
    "publish",
]
