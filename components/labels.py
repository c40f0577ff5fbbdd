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
    "field": {
        "water_sewage": N_("Water and sewage"),
        "bridges": N_("Bridges"),
        "building": N_("Building"),
        "equipment": N_("Equipment"),
        "roads": N_("Roads"),
        "tunnels": N_("Tunnels"),
        "geotechnical": N_("Geotechnical"),
        "structural": N_("Structural"),
        "environment": N_("Environment"),
        "landscaping": N_("Landscaping"),
        "electrical": N_("Electrical"),
        "communications": N_("Communications"),
        "fire_safety": N_("Fire safety"),
        "disaster_prevention": N_("Disaster prevention"),
        "rivers": N_("Rivers"),
        "railways": N_("Railways"),
        "ports": N_("Ports"),
        "materials": N_("Materials"),
        "surveying": N_("Surveying"),
        "urban_planning": N_("Urban planning"),
        "energy": N_("Energy"),
    },
    "growth_sector": {
        "medical": N_("Medical industry"),
        "intelligent_vehicle_robotics": N_("Intelligent vehicles and robotics"),
        "renewable_energy": N_("Renewable energy"),
        "water": N_("Water industry"),
        "smart_city": N_("Smart city"),
        "none": N_("Outside the growth sectors"),
    },
    "tech_status": {
        "submitted": N_("Submitted"),
        "screening": N_("Screening"),
        "under_review": N_("Under review"),
        "registered": N_("Registered"),
        "rejected": N_("Rejected"),
        "expired": N_("Expired"),
        "withdrawn": N_("Withdrawn"),
    },
    "pipeline_stage": {
        "submitted": N_("Submitted"),
        "screening": N_("Screening"),
        "under_review": N_("Under review"),
        "registered": N_("Registered, not adopted"),
        "adopted": N_("Adopted"),
    },
    "duration_stage": {
        "screening": N_("Submission to screening"),
        "review": N_("Screening to review"),
        "decision": N_("Review to decision"),
        "adoption": N_("Registration to adoption"),
    },
    "series": {
        "registrations": N_("Registrations"),
        "meetings": N_("Meetings held"),
        "adoptions": N_("Adoptions"),
        "inquiries": N_("Inquiries"),
        "experts": N_("Experts joined"),
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
