"""Readable names of codes, read through :func:`label` (one value) or :func:`labeller` (a
column or a list of options): the national codes of ``db.domain`` and the workflow's own
codes are marked for translation here (``LABELS``, gettext); the city's vocabularies
(technical fields, growth sectors, kinds of organisation, criteria) are data, labelled in
both languages by the city's profile (``db.city``) and read through ``components.data``."""

from __future__ import annotations

from collections.abc import Callable

from components import data
from components.i18n import N_, _, current_language, translate_in
from db.imports.checking import CITY_VOCABULARIES as IMPORT_VOCABULARIES

# The city's vocabularies (``db.city``) by the name a column, filter or form gives its codes
# (those of an import file's columns, and the criteria of meetings).
CITY_VOCABULARIES: dict[str, str] = {**IMPORT_VOCABULARIES, "criterion": "criteria"}

LABELS: dict[str, dict[str, str]] = {
    "role": {
        "executive": N_("Mayor's office"),
        "auditor": N_("Auditor"),
        "staff": N_("Staff"),
        "approver": N_("Approver"),
        "admin": N_("Administrator"),
        "applicant": N_("Applicant (company)"),
        "expert": N_("Expert (pool member)"),
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
    # a panel draw's rule, by the identifier a meeting records (db.meetings.draw.RULE)
    "panel_rule": {
        "balanced-v1": N_("balanced draw, version 1"),
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
        "proxy_scores": N_("Scores entered by staff as proxy"),
    },
    "evaluation_origin": {
        "self": N_("entered by the member"),
        "proxy": N_("entered by staff from the signed paper sheet"),
        "legacy": N_("entered by staff"),
    },
    "seat_response": {
        "confirmed": N_("Confirmed"),
        "declined": N_("Declined"),
    },
    "declaration": {
        "none": N_("No conflict"),
        "conflict": N_("Conflict"),
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
    "performance": {
        "above": N_("Better than expected"),
        "as_expected": N_("As expected"),
        "below": N_("Worse than expected"),
    },
    "sale_kind": {
        "private_sale": N_("Sale"),
        "public_purchase": N_("Public purchase"),
    },
    "funnel_stage": {
        "testbed": N_("Selected for a testbed"),
        "completed": N_("Testbed completed"),
        "certified": N_("Certified"),
        "first_sale": N_("First sale"),
    },
    "target_figure": {
        "technologies_registered": N_("Technologies registered"),
        "technologies_adopted": N_("Technologies adopted"),
        "contracts": N_("Contracts"),
        "contract_value_krw": N_("Contract value (won)"),
        "technologies_used": N_("Technologies used in contracts"),
        "first_sales": N_("Testbed first sales"),
    },
    "outcome": {
        "done": N_("Recorded"),
        "refused": N_("Refused"),
        "conflict": N_("Already decided"),
        "failed": N_("Not possible"),
    },
    "mail_status": {
        "queued": N_("Waiting to be sent"),
        "local": N_("Kept in the local outbox"),
        "sent": N_("Sent"),
        "failed": N_("Not delivered"),
    },
    "application_step": {
        "submitted": N_("Submitted"),
        "info_requested": N_("Information requested"),
        "screening": N_("Screening"),
        "under_review": N_("Under review"),
        "decided": N_("Decision given"),
        "withdrawn": N_("Withdrawn"),
    },
}


def labeller(kind: str, lang: str | None = None) -> Callable[[str | None], str]:
    """:func:`label` for many codes of ``kind``, in ``lang`` (default: the reader's): the
    names are read once, so a table column or a list of options costs one cached read."""
    if kind in CITY_VOCABULARIES:
        names = data.term_names(
            data.database_url(), CITY_VOCABULARIES[kind], lang or current_language()
        )
        return lambda code: "-" if code is None else names.get(code, code)
    table = LABELS.get(kind, {})
    if lang is None:
        return lambda code: "-" if code is None else (_(table[code]) if code in table else code)
    return lambda code: (
        "-" if code is None else (translate_in(lang, table[code]) if code in table else code)
    )


def label(kind: str, code: str | None) -> str:
    """The name of ``code`` in vocabulary ``kind`` in the reader's language (the code itself
    if unknown, "-" for none). A city vocabulary's retired codes keep their names."""
    return labeller(kind)(code)


def status_label(entity: str, code: str | None) -> str:
    """The status ``code`` of a technology, testbed or (otherwise) adoption."""
    vocabulary = {"testbed": "testbed_stage", "technology": "tech_status"}.get(
        entity, "adoption_status"
    )
    return label(vocabulary, code)
