"""The technology record described once: each field a person reads or writes, with its name,
kind, choices and limits, and whether it is asked on submission and corrected afterwards.

The writes check against these limits, the forms draw their inputs from them
(``components.technology_inputs``), the detail view and the history name the fields by them.
Adding a field is a line here and its migration (plus its import column, whose header is the
file's format: ``db.imports.columns``). The labels are msgids, translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from db import domain
from db.errors import N_
from db.recording import TEXT_MAX_CHARS

Kind = Literal["text", "long_text", "code", "organisation"]


@dataclass(frozen=True)
class RecordField:
    """One field of a record kind.

    ``choices``: for a code, the city's vocabulary it comes from (its name, e.g. ``fields``)
    or a fixed list; ``labels``: how its codes are labelled (``components.labels`` kind);
    ``new``: the choice a new record starts with (``last``: the list's last, ``outside``: the
    vocabulary's code with that attribute; None: nothing chosen)."""

    key: str
    label: str
    kind: Kind
    required: bool = False
    max_chars: int | None = None
    choices: str | tuple[str, ...] | None = None
    labels: str | None = None
    new: Literal["last", "outside"] | None = None
    corrected: bool = True  # may be corrected while the technology's lifecycle is open
    placeholder: str | None = None


TITLE_MAX_CHARS: Final = 300
SUMMARY_MAX_CHARS: Final = TEXT_MAX_CHARS

TECHNOLOGY: Final[tuple[RecordField, ...]] = (
    RecordField("title_ko", N_("Title in Korean"), "text", True, TITLE_MAX_CHARS),
    RecordField("title_en", N_("Title in English"), "text", True, TITLE_MAX_CHARS),
    RecordField(
        "owner_org_id",
        N_("Owner"),
        "organisation",
        True,
        corrected=False,
        placeholder=N_("Choose an organization"),
    ),
    RecordField(
        "field",
        N_("Field"),
        "code",
        True,
        choices="fields",
        labels="field",
        placeholder=N_("Choose a field"),
    ),
    RecordField(
        "growth_sector",
        N_("Growth sector"),
        "code",
        True,
        choices="sectors",
        labels="growth_sector",
        new="outside",
    ),
    RecordField(
        "certification",
        N_("Certification"),
        "code",
        True,
        choices=domain.CERTIFICATIONS,
        labels="certification",
        new="last",
    ),
    RecordField("summary", N_("Summary"), "long_text", False, SUMMARY_MAX_CHARS),
)
"""The technology's fields, in the order forms and the detail view show them."""

SUBMITTED: Final = tuple(f.key for f in TECHNOLOGY)
"""The fields a submission asks for."""
CORRECTED: Final = tuple(f.key for f in TECHNOLOGY if f.corrected)
"""The fields a correction may change (never the owner: a technology changes hands only as a
new submission, so a correction cannot move an approved adoption to another firm)."""
LABELS: Final = {f.key: f.label for f in TECHNOLOGY}


def technology_field(key: str) -> RecordField:
    """The description of the technology field ``key``."""
    return next(f for f in TECHNOLOGY if f.key == key)
