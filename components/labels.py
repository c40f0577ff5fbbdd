"""Readable names of the codes in ``db.domain`` (marked for translation with ``N_``)."""

from __future__ import annotations

from components.i18n import N_, _

LABELS: dict[str, dict[str, str]] = {
    "role": {
        "executive": N_("Mayor's office"),
        "auditor": N_("Auditor"),
        "staff": N_("Staff"),
        "approver": N_("Approver"),
        "admin": N_("Administrator"),
    },
    "affiliation": {
        "public": N_("Public institutions"),
        "industry": N_("Industry"),
        "academia": N_("Academia"),
        "other": N_("Other"),
    },
    "testbed_stage": {
        "applied": N_("Applied"),
        "selected": N_("Selected"),
        "rejected": N_("Rejected"),
        "in_progress": N_("In progress"),
        "completed": N_("Completed"),
        "certified": N_("Certified"),
    },
    "agreement_status": {
        "planned": N_("Planned"),
        "signed": N_("Signed"),
        "active": N_("Active"),
        "expired": N_("Expired"),
    },
}


def label(kind: str, code: str | None) -> str:
    """The translated name of ``code`` in vocabulary ``kind`` (the code itself if unknown)."""
    if code is None:
        return "-"
    text = LABELS.get(kind, {}).get(code)
    return _(text) if text else code
