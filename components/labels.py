"""Readable names of the codes in ``db.domain`` and of the workflow's own codes, marked for
translation with ``N_``: one vocabulary per kind of code, read through :func:`label`."""

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
    "meeting_kind": {
        "registration_review": N_("Registration review"),
        "adoption_review": N_("Adoption review"),
        "testbed_selection": N_("Testbed selection"),
    },
    "agreement_kind": {
        "mou": N_("MOU"),
        "joint_operation": N_("Joint operation"),
    },
    "agreement_status": {
        "planned": N_("Planned"),
        "signed": N_("Signed"),
        "active": N_("Active"),
        "expired": N_("Expired"),
    },
    # Registers (technologies, experts, adoptions, inquiries)
    "certification": {
        "construction_new_technology": N_("Construction new technology"),
        "green_technology": N_("Green technology"),
        "patent": N_("Patent"),
        "innovation_product": N_("Innovation product"),
        "none": N_("No certification"),
    },
    "adoption_status": {
        "proposed": N_("Proposed"),
        "under_review": N_("Under review"),
        "approved": N_("Approved"),
        "rejected": N_("Rejected"),
    },
    "inquiry_channel": {
        "visit": N_("Visit"),
        "letter": N_("Letter"),
        "call": N_("Telephone"),
        "email": N_("E-mail"),
    },
    "inquiry_status": {
        "received": N_("Received"),
        "answered": N_("Answered"),
        "visit_held": N_("Visit held"),
        "benchmarked": N_("Benchmarked"),
    },
    "org_kind": {
        "company": N_("Company"),
        "public_institution": N_("Public institution"),
        "research_institute": N_("Research institute"),
        "university": N_("University"),
        "ministry": N_("Central government"),
        "metropolitan_city": N_("Metropolitan city"),
        "province": N_("Province"),
        "local_government": N_("Local government"),
        "audit_body": N_("Audit body"),
        "public_corporation": N_("Public corporation"),
        "education_office": N_("Education office"),
        "foreign_city": N_("Foreign city"),
    },
    "region": {
        "KR-11": N_("Seoul"),
        "KR-26": N_("Busan"),
        "KR-27": N_("Daegu"),
        "KR-28": N_("Incheon"),
        "KR-29": N_("Gwangju"),
        "KR-30": N_("Daejeon"),
        "KR-31": N_("Ulsan"),
        "KR-50": N_("Sejong"),
        "KR-41": N_("Gyeonggi-do"),
        "KR-42": N_("Gangwon"),
        "KR-43": N_("Chungcheongbuk-do"),
        "KR-44": N_("Chungcheongnam-do"),
        "KR-45": N_("Jeollabuk-do"),
        "KR-46": N_("Jeollanam-do"),
        "KR-47": N_("Gyeongsangbuk-do"),
        "KR-48": N_("Gyeongsangnam-do"),
        "KR-49": N_("Jeju"),
    },
    "decision": {
        "pending": N_("Pending"),
        "passed": N_("Passed"),
        "failed": N_("Failed"),
        "deferred": N_("Deferred"),
    },
    "seat_method": {
        "random_draw": N_("Random draw"),
        "substitute": N_("Substitute"),
        "appointed": N_("Appointed"),
    },
    "locality": {
        "local": N_("Local firm"),
        "external": N_("External firm"),
    },
    # Deliberations
    "meeting_status": {
        "scheduled": N_("Scheduled"),
        "held": N_("Being held"),
        "closed": N_("Closed"),
    },
    "exclusion_reason": {
        "same_organization": N_("Same organisation as an applicant"),
        "tie": N_("Tie to an applicant within three years"),
        "seat_limit": N_("Already holds the most seats the regulation allows"),
    },
    "flag_kind": {
        "decision_against_scores": N_("Decision against the scores"),
        "decided_without_quorum": N_("Decided without quorum"),
        "repeated_panelist_for_applicant": N_("Same expert again and again for an applicant"),
        "seat_concentration": N_("Seats concentrated on one expert"),
        "missing_reason": N_("Missing reason"),
        "ineligible_scores": N_("Scores from a member who may not score"),
        "conflict_not_recused": N_("Conflict of interest without recusal"),
        "seated_despite_exclusion": N_("Seated although excluded by the draw"),
        "draw_not_reproducible": N_("Draw does not replay from its seed"),
        "exceptional_settings": N_("Held under exceptional settings"),
        "appointed_seat": N_("Seat filled by hand"),
    },
    "missing_what": {
        "decision": N_("decision without its reason"),
        "declaration": N_("declaration or recusal without its note"),
        "seat": N_("seat not filled by the draw, without a recorded reason"),
        "minutes": N_("closed meeting without minutes"),
    },
    # The workflow's own codes (work queue, approvals)
    "item_kind": {
        "adoption": N_("Adoption"),
        "technology": N_("Technology"),
        "testbed": N_("Testbed"),
        "testbed_step": N_("Testbed step"),
        "technology_step": N_("End of registration"),
    },
    "proposal_status": {
        "pending": N_("Waiting for an approver"),
        "confirmed": N_("Approved"),
        "declined": N_("Rejected"),
    },
    "decision_choice": {
        "approve": N_("Approve"),
        "reject": N_("Reject"),
        "return": N_("Return for rework"),
    },
    "outcome": {
        "done": N_("Recorded"),
        "refused": N_("Refused"),
        "conflict": N_("Already decided"),
        "failed": N_("Not possible"),
    },
    "criterion": {
        "novelty": N_("Novelty"),
        "progressiveness": N_("Progressiveness"),
        "applicability": N_("Field applicability"),
        "economy": N_("Economy"),
        "diffusion": N_("Diffusion"),
    },
}


def label(kind: str, code: str | None) -> str:
    """The translated name of ``code`` in vocabulary ``kind`` (the code itself if unknown)."""
    if code is None:
        return "-"
    text = LABELS.get(kind, {}).get(code)
    return _(text) if text else code


def status_label(entity: str, code: str | None) -> str:
    """The status ``code`` of a technology, testbed or (otherwise) adoption."""
    vocabulary = {"testbed": "testbed_stage", "technology": "tech_status"}.get(
        entity, "adoption_status"
    )
    return label(vocabulary, code)
