"""The audit trail in words: each event as a sentence (who, in what role, did what to which
record, and why), its changes field by field with labels and formatted values, and the kinds
of action as a person names them. The codes stay available (exports keep them beside the
sentence; the event in full shows them)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from components.history import HISTORY_FIELDS, field_name, history_value
from components.i18n import N_, _, current_language
from components.labels import label, labeller
from db.audit.describe import ActorName, RecordName
from db.audit.records import kind_of

Namer = Callable[[str, str | None], str]
"""A code's name in a vocabulary: ``name(kind, code)``."""

# What each action did, as a sentence about {who} and {record}.
ACTIONS: dict[str, str] = {
    "adoption.propose": N_("{who} proposed the adoption of {record}"),
    "adoption.edit": N_("{who} edited the adoption of {record}"),
    "adoption.review": N_("{who} put the adoption of {record} before a meeting"),
    "adoption.approve": N_("{who} approved the adoption of {record}"),
    "adoption.reject": N_("{who} rejected the adoption of {record}"),
    "adoption.return": N_("{who} returned the adoption of {record} for rework"),
    "adoption.import": N_("{who} imported the adoption of {record}"),
    "adoption.decide": N_("{who} decided the adoption of {record}"),
    "adoption.decide_many": N_("{who} decided several adoptions at once"),
    "adoption_evaluation.record": N_("{who} recorded the evaluation of the adoption {record}"),
    "adoption_evaluation.edit": N_("{who} corrected the evaluation of the adoption {record}"),
    "account.signup": N_("{who} signed up as a company, account {record}"),
    "account.expert_signup": N_("{who} opened the expert's account {record} from an invitation"),
    "account.verify": N_("{who} verified the e-mail address of the account {record}"),
    "account.resend_link": N_("{who} asked for a new verification link for {record}"),
    "adoption.link_agreement": N_("{who} linked the adoption of {record} to an agreement"),
    "agenda_item.add": N_("{who} put {record} on the agenda"),
    "agenda_item.decide": N_("{who} recorded the decision on agenda item {record}"),
    "agenda_item.recuse": N_("{who} recorded a recusal on agenda item {record}"),
    "application.submit": N_("{who} submitted the application {record}"),
    "application.withdraw": N_("{who} withdrew the application {record}"),
    "application.request_info": N_("{who} asked for more information on the application {record}"),
    "application.answer": N_("{who} answered the request on the application {record}"),
    "application.accept": N_("{who} took the application {record} into registration"),
    "agreement.plan": N_("{who} planned the agreement {record}"),
    "agreement.sign": N_("{who} recorded the signing of the agreement {record}"),
    "agreement.start": N_("{who} started the agreement {record}"),
    "agreement.expire": N_("{who} recorded the end of the agreement {record}"),
    "agreement.edit": N_("{who} edited the agreement {record}"),
    "city.init": N_("{who} set up the city's profile"),
    "city.edit": N_("{who} edited the city's profile"),
    "contract.record": N_("{who} recorded a contract for the adoption {record}"),
    "contract.import": N_("{who} imported a contract for the adoption {record}"),
    "contract.edit": N_("{who} corrected the contract {record}"),
    "evaluation.record": N_("{who} recorded the scores of {record}"),
    "expert.add": N_("{who} added the expert {record} to the pool"),
    "expert.register": N_("{who} added the expert {record} to the pool"),
    "expert.edit": N_("{who} edited the expert {record}"),
    "expert.invite": N_("{who} invited the expert {record} to take part themselves"),
    "expert.retire": N_("{who} recorded that the expert {record} left the pool"),
    "expert_tie.record": N_("{who} recorded a tie of {record}"),
    "import.run": N_("{who} ran an import"),
    "import.completed": N_("{who} completed an import"),
    "inquiry.receive": N_("{who} logged an inquiry from {record}"),
    "inquiry.edit": N_("{who} edited the inquiry from {record}"),
    "inquiry.answer": N_("{who} answered the inquiry from {record}"),
    "inquiry.hold_visit": N_("{who} recorded a visit for the inquiry from {record}"),
    "inquiry.benchmark": N_("{who} recorded that {record} benchmarked the platform"),
    "inquiry.move": N_("{who} changed the status of the inquiry from {record}"),
    "inquiry_followup.record": N_("{who} recorded a follow-up of the inquiry from {record}"),
    "meeting.schedule": N_("{who} scheduled the meeting {record}"),
    "meeting.draw_panel": N_("{who} drew the panel of the meeting {record}"),
    "meeting.hold": N_("{who} recorded that the meeting {record} was held"),
    "meeting.minutes": N_("{who} recorded the minutes of the meeting {record}"),
    "meeting.close": N_("{who} closed the meeting {record}"),
    "meeting.correct": N_("{who} added a correction to the meeting {record}"),
    "meeting.remind": N_("{who} reminded the panel of the meeting {record} by e-mail"),
    "organization.add": N_("{who} added the organisation {record}"),
    "organization.create": N_("{who} added the organisation {record}"),
    "panel_seat.draw": N_("{who} seated {record} by draw"),
    "panel_seat.appoint": N_("{who} appointed {record} to a seat"),
    "panel_seat.substitute": N_("{who} seated a substitute on {record}"),
    "panel_seat.declare_conflict": N_("{who} recorded a conflict of interest of {record}"),
    "panel_seat.recuse": N_("{who} recorded the recusal of {record}"),
    "panel_seat.attendance": N_("{who} recorded the attendance of {record}"),
    "permission.denied": N_("{who} was refused an action on {record}"),
    "proposal.create": N_("{who} proposed a step for {record}"),
    "proposal.decide": N_("{who} decided a proposed step for {record}"),
    "proposal.decline": N_("{who} rejected a proposed step for {record}"),
    "publication.publish": N_("{who} published the figures as of {record}"),
    "records.seal": N_("{who} sealed the records held before record seals began"),
    "regulation.draft": N_("{who} drafted the regulation version {record}"),
    "regulation.edit": N_("{who} edited the regulation version {record}"),
    "regulation.approve": N_("{who} approved the regulation version {record}"),
    "regulation.withdraw": N_("{who} withdrew the regulation version {record}"),
    "regulation.install": N_("{who} installed the regulation version {record}"),
    "sale.record": N_("{who} recorded a sale after the testbed of {record}"),
    "sale.edit": N_("{who} corrected a sale after the testbed of {record}"),
    "signin.success": N_("{who} signed in"),
    "signin.failure": N_("{who} failed to sign in"),
    "signin.session": N_("{who} started a session"),
    "technology.submit": N_("{who} submitted the technology {record}"),
    "technology.screen": N_("{who} moved the technology {record} to screening"),
    "technology.review": N_("{who} sent the technology {record} to review"),
    "technology.register": N_("{who} registered the technology {record}"),
    "technology.reject": N_("{who} rejected the technology {record}"),
    "technology.certify": N_("{who} changed the certification of the technology {record}"),
    "technology.expire": N_("{who} recorded the expiry of the technology {record}"),
    "technology.withdraw": N_("{who} withdrew the technology {record}"),
    "technology.edit": N_("{who} edited the technology {record}"),
    "testbed.apply": N_("{who} recorded a testbed application for {record}"),
    "testbed.propose": N_("{who} proposed a testbed step for {record}"),
    "testbed.select": N_("{who} selected {record} for the testbed"),
    "testbed.reject": N_("{who} rejected the testbed application of {record}"),
    "testbed.start": N_("{who} started the testbed of {record}"),
    "testbed.complete": N_("{who} completed the testbed of {record}"),
    "testbed.certify": N_("{who} recorded the certification won by the testbed of {record}"),
    "testbed.edit": N_("{who} edited the testbed of {record}"),
    "testbed.import": N_("{who} imported the testbed of {record}"),
    "user.create": N_("{who} created the account {record}"),
    "user.set_roles": N_("{who} changed the roles of the account {record}"),
    "user.reset_password": N_("{who} reset the password of the account {record}"),
    "user.change_password": N_("{who} changed the password of the account {record}"),
    "user.enable": N_("{who} enabled the account {record}"),
    "user.disable": N_("{who} disabled the account {record}"),
    "user.set_active": N_("{who} changed whether the account {record} may sign in"),
    "user.release": N_("{who} lifted the sign-in back-off of the account {record}"),
    "user.subscriptions": N_("{who} changed the messages the account {record} receives"),
}
OTHER_ACTION = N_("{who}: {action} on {record}")

# The kinds of record, for the filter and for records named by their id only.
ENTITIES: dict[str, str] = {
    "adoption": N_("Adoption"),
    "adoption_evaluation": N_("Evaluation of an adoption"),
    "application": N_("Application"),
    "contract": N_("Contract"),
    "sale": N_("Sale after a testbed"),
    "agenda_item": N_("Agenda item"),
    "agreement": N_("Agreement"),
    "city_profile": N_("City profile"),
    "evaluation": N_("Scores"),
    "expert": N_("Expert"),
    "expert_tie": N_("Expert's tie"),
    "import": N_("Import"),
    "import_migration": N_("Historical migration"),
    "inquiry": N_("Inquiry"),
    "inquiry_followup": N_("Inquiry follow-up"),
    "meeting": N_("Meeting"),
    "organization": N_("Organisation"),
    "panel_seat": N_("Panel seat"),
    "proposal": N_("Proposed step"),
    "publication": N_("Publication of figures"),
    "records": N_("Records (baseline seal)"),
    "regulation_version": N_("Regulation version"),
    "technology": N_("Technology"),
    "testbed": N_("Testbed"),
    "user": N_("Account"),
}

# The families of actions, for the filter ("technology." covers every technology action).
FAMILIES: dict[str, str] = {
    "account.": N_("Company accounts: every action"),
    "adoption.": N_("Adoptions: every action"),
    "application.": N_("Applications: every action"),
    "contract.": N_("Contracts: every action"),
    "sale.": N_("Sales after testbeds: every action"),
    "agenda_item.": N_("Agenda items: every action"),
    "agreement.": N_("Agreements: every action"),
    "city.": N_("City profile: every action"),
    "evaluation.": N_("Scores: every action"),
    "expert.": N_("Experts: every action"),
    "inquiry.": N_("Inquiries: every action"),
    "meeting.": N_("Meetings: every action"),
    "panel_seat.": N_("Panel seats: every action"),
    "permission.": N_("Refusals: every action"),
    "proposal.": N_("Proposed steps: every action"),
    "regulation.": N_("Regulation: every action"),
    "signin.": N_("Sign-ins: every action"),
    "technology.": N_("Technologies: every action"),
    "testbed.": N_("Testbeds: every action"),
    "user.": N_("Accounts: every action"),
}

# Fields the registers' history does not name, labelled here for the auditors.
MORE_FIELDS: dict[str, str] = {
    "reg_no": N_("Registration number"),
    "owner_org_id": N_("Owner organisation (no.)"),
    "technology_id": N_("Technology (no.)"),
    "meeting_id": N_("Meeting (no.)"),
    "adoption_id": N_("Adoption (no.)"),
    "testbed_id": N_("Testbed (no.)"),
    "agenda_item_id": N_("Agenda item (no.)"),
    "seat_id": N_("Panel seat (no.)"),
    "expert_id": N_("Expert (no.)"),
    "organization_id": N_("Organisation (no.)"),
    "partner_org_id": N_("Partner organisation (no.)"),
    "org_id": N_("Organisation (no.)"),
    "agreement_id": N_("Agreement (no.)"),
    "inquiry_id": N_("Inquiry (no.)"),
    "decision": N_("Decision"),
    "decision_reason": N_("Reason for the decision"),
    "overall_mean": N_("Mean score"),
    "stage1_mean": N_("Mean score, first stage"),
    "comment": N_("Comment"),
    "kind": N_("Kind"),
    "code": N_("Code"),
    "quorum": N_("Quorum"),
    "held_on": N_("Held on"),
    "attended": N_("Attended"),
    "absent": N_("Absent"),
    "chair_expert_id": N_("Chair (expert no.)"),
    "draw_seed": N_("Draw seed"),
    "draw_pool_size": N_("Experts in the draw"),
    "excluded": N_("Experts excluded"),
    "method": N_("How the seat was filled"),
    "rank": N_("Rank in the draw"),
    "conflict_declared": N_("Conflict declared"),
    "recused": N_("Recused"),
    "note": N_("Note"),
    "channel": N_("Channel"),
    "followed_on": N_("Followed up on"),
    "signed_on": N_("Signed on"),
    "starts_on": N_("Starts on"),
    "ends_on": N_("Ends on"),
    "ended_on": N_("Ended on"),
    "started_on": N_("Started on"),
    "selected_on": N_("Selected on"),
    "completed_on": N_("Completed on"),
    "certified_on": N_("Certified on"),
    "applied_on": N_("Applied on"),
    "amount_krw": N_("Amount (won)"),
    "quantity": N_("Quantity"),
    "contracted_on": N_("Contracted on"),
    "evaluated_on": N_("Evaluated on"),
    "performance": N_("Performance"),
    "problems": N_("Problems met"),
    "would_use_again": N_("Would use again"),
    "buyer": N_("Buyer"),
    "sold_on": N_("Sold on"),
    "organisation": N_("Organisation"),
    "contact_name": N_("Contact person"),
    "contact_email": N_("Contact e-mail"),
    "contact_phone": N_("Contact telephone"),
    "description": N_("Description"),
    "language": N_("Language"),
    "attachments": N_("Attachments"),
    "result": N_("Result"),
    "certificate_no": N_("Certificate number"),
    "company": N_("Company"),
    "subscriptions": N_("Messages received"),
    "email_verified_at": N_("E-mail verified at"),
    "proposed_on": N_("Proposed on"),
    "username": N_("Username"),
    "display_name": N_("Display name"),
    "roles": N_("Roles"),
    "is_active": N_("May sign in"),
    "must_change_password": N_("Must change the password"),
    "action": N_("Action"),
    "session": N_("Session"),
    "expires_at": N_("Expires at"),
    "number": N_("Number"),
    "directive": N_("Directive"),
    "effective_on": N_("In force from"),
    "name_ko": N_("Name (Korean)"),
    "region": N_("Region"),
    "home_regions": N_("Home regions"),
    "default_language": N_("Default language"),
    "first_operating_day": N_("First operating day"),
    "reg_no_pattern": N_("Registration number pattern"),
    "time_zone": N_("Time zone"),
    "terms": N_("Vocabularies"),
    "rules": N_("Rules of the regulation"),
    "records": N_("Records"),
    "tables": N_("Tables"),
}
FIELDS: dict[str, str] = {**HISTORY_FIELDS, **MORE_FIELDS}
_VOCABULARIES = {
    "decision": "decision",
    "method": "seat_method",
    "channel": "inquiry_channel",
    "performance": "performance",
    "region": "region",
}
_STATUSES = {"meeting": "meeting_status", "agreement": "agreement_status"}


def entity_label(entity: str) -> str:
    text = ENTITIES.get(entity)
    return _(text) if text else entity


def action_label(action: str) -> str:
    """An action (or a family ``technology.``) in words, for the filter."""
    if action in FAMILIES:
        return _(FAMILIES[action])
    if action.endswith("."):
        return _("{prefix}* (all)", prefix=action)
    text = ACTIONS.get(action)
    if text is None:
        return action
    return _(text, who="…", record="…")


def who(name: str, user: ActorName | None) -> str:
    """``정결재 (Approver)``: the display name and current roles, else the username."""
    if user is None or not user.display_name:
        return name
    if not user.roles:
        return user.display_name
    roles = ", ".join(label("role", r) for r in user.roles)
    return f"{user.display_name} ({roles})"


def record_text(entity: str, entity_id: str | None, named: RecordName | None) -> str:
    """``DG-2022-092 (달서구 매곡정수장 개량공사)``; a record without a name of its own (or
    gone) by its kind and id."""
    if named is None:
        if entity_id is None or entity_id == "":
            return entity_label(entity)
        return _("{kind} no. {id}", kind=entity_label(entity), id=entity_id)
    detail = named.detail_ko if current_language() == "ko" else named.detail_en
    detail = detail or named.detail_ko
    return f"{named.number} ({detail})" if detail else named.number


def sentence(
    row: dict[str, Any],
    records: dict[tuple[str, str], RecordName],
    actors: dict[int, ActorName],
) -> str:
    """One event as a sentence: who (role) did what to which record — reason."""
    actor_id = row.get("actor_id")
    user = actors.get(int(actor_id)) if actor_id is not None and not pd.isna(actor_id) else None
    entity, action = str(row["entity"]), str(row["action"])
    kind = kind_of(entity, action, row.get("after"))
    if kind != entity:  # the outcomes' evaluation of an adoption: its own sentences
        action = kind + action[len(entity) :]
    entity_id = row.get("entity_id")
    entity_id = None if entity_id is None or pd.isna(entity_id) else str(entity_id)
    named = records.get((kind, entity_id)) if entity_id is not None else None
    record = record_text(kind, entity_id, named)
    template = ACTIONS.get(action)
    if template is None:
        text = _(
            OTHER_ACTION, who=who(str(row["actor_name"]), user), action=row["action"], record=record
        )
    else:
        text = _(template, who=who(str(row["actor_name"]), user), record=record)
    reason = row.get("reason")
    if isinstance(reason, str) and reason.strip():
        return _("{sentence} — reason: {reason}", sentence=text, reason=reason.strip())
    return text


def _loaded(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {"value": parsed}
    return {}


def field_value(entity: str, key: str, value: Any, name: Namer = label) -> str:
    """A value as a person reads it: codes by their labels, numbers grouped, dates as days,
    yes or no; lists and objects briefly. (``name``: :func:`components.labels.label`, or
    one that reads each vocabulary once for many events, :func:`names_read_once`.)"""
    if key in _VOCABULARIES and isinstance(value, str):
        return name(_VOCABULARIES[key], value)
    if key == "status" and entity in _STATUSES and isinstance(value, str):
        return name(_STATUSES[entity], value)
    if key == "roles" and isinstance(value, list):
        return ", ".join(name("role", str(v)) for v in value) or "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            return dt.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            pass
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)[:80]
    if isinstance(value, str) and key not in HISTORY_FIELDS:
        return value if len(value) <= 200 else value[:199] + "…"
    return history_value(entity, key, value)


def names_read_once() -> Namer:
    """:func:`components.labels.label` that reads each vocabulary's names once: the audit
    trail words a page of events, and reading a city vocabulary's names again for every
    code of every event was three quarters of the page's run."""
    made: dict[str, Callable[[str | None], str]] = {}

    def name(kind: str, code: str | None) -> str:
        if kind not in made:
            made[kind] = labeller(kind)
        return made[kind](code)

    return name


def _changed(entity: str, before: Any, after: Any, name: Namer) -> list[tuple[str, str, str]]:
    old, new = _loaded(before), _loaded(after)
    keys = [*new, *(k for k in old if k not in new)]
    return [
        (
            # a field of its own, else a criterion of the city's (an evaluation's scores)
            field_name(entity, key, FIELDS) if key in FIELDS else name("criterion", key),
            field_value(entity, key, old[key], name) if key in old else "",
            field_value(entity, key, new[key], name) if key in new else "",
        )
        for key in keys
    ]


def changes(entity: str, before: Any, after: Any) -> pd.DataFrame:
    """What an event changed, one row per field: its label, the value before and after."""
    rows = _changed(entity, before, after, label)
    return pd.DataFrame(rows, columns=[_("Attribute"), _("Before"), _("After")], dtype=object)


def _on_one_line(rows: list[tuple[str, str, str]]) -> str:
    return "; ".join(
        f"{field}: {old} → {new}" if old else f"{field}: {new}" for field, old, new in rows
    )


def changes_text(entity: str, before: Any, after: Any, name: Namer = label) -> str:
    """The changes on one line: ``Status: Under review → Approved; Approved: 2026-09-14``."""
    return _on_one_line(_changed(entity, before, after, name))
