"""What a person reads when a deliberation write is refused (English templates, ``N_``).

Field names are msgids too: ``ValidationFailed`` maps a field's label to its problem, and the
UI shows "<label>: <problem>".
"""

from __future__ import annotations

from db.errors import N_, DomainError, NotFound

# --- field names and problems (msgids: the UI shows "<field>: <problem>") -------------------
F_KIND = N_("Kind of meeting")
F_TITLE = N_("Meeting title")
F_DATE = N_("Date")
F_QUORUM = N_("Quorum")
F_STAGE1 = N_("Stage 1 pass mark")
F_OVERALL = N_("Overall pass mark")
F_SIZE = N_("Panel size")
F_NOTE = N_("Note or reason")
F_REASON = N_("Reason for the decision")
F_DECISION = N_("Decision")
F_MINUTES = N_("Minutes")
F_CORRECTION = N_("Correction")
F_ITEM = N_("Agenda item")
F_PROXY_REASON = N_("Why staff enter this sheet")
F_SHEET = N_("Scan of the signed score sheet (PDF)")
F_STATEMENT = N_("Statement")
SHEET_MISSING = N_("Attach the scan of the score sheet the member signed.")
OUT_OF_RANGE = N_("Out of range.")
SCORE_RANGE = N_("A whole number from 0 to 100.")


REQUIRED_MINUTES = N_("Write the minutes before closing the meeting.")


class MeetingNotFound(NotFound):
    message = N_("There is no meeting with the record number {id}. Nothing was saved.")


class ItemNotFound(NotFound):
    message = N_("There is no agenda item with the record number {id}. Nothing was saved.")


class MeetingClosed(DomainError):
    message = N_(
        "Meeting {code} is closed: its record can no longer be edited. Record a correction "
        "instead. Nothing was saved."
    )


class MeetingNotHeld(DomainError):
    message = N_(
        "Meeting {code} has not been opened yet: record that it is being held first. "
        "Nothing was saved."
    )


class MeetingAlreadyHeld(DomainError):
    message = N_(
        "Meeting {code} is already being held or closed, so this step is over. Nothing was saved."
    )


class NotOnPanel(DomainError):
    message = N_(
        "This expert does not sit on the panel of meeting {code}, so nothing can be recorded "
        "for them there. Nothing was saved."
    )


class AlreadySeated(DomainError):
    message = N_(
        "{name} already sits on the panel of meeting {code}; an expert cannot sit twice on one "
        "meeting. Nothing was saved."
    )


class PanelAlreadyDrawn(DomainError):
    message = N_(
        "The panel of meeting {code} was already drawn (seed {seed}); a draw is never "
        "repeated. Nothing was saved."
    )


class PanelNotDrawn(DomainError):
    message = N_("The panel of meeting {code} has not been drawn yet. Nothing was saved.")


class AgendaFixed(DomainError):
    message = N_(
        "The panel of meeting {code} has been drawn, so its agenda is fixed: conflicts of "
        "interest were checked against these applicants. Nothing was saved."
    )


class EmptyAgenda(DomainError):
    message = N_(
        "Meeting {code} has nothing on its agenda. Add the items first: the draw checks "
        "conflicts of interest against their applicants. Nothing was saved."
    )


class PanelBelowQuorum(DomainError):
    message = N_("A panel of {size} cannot reach the quorum of {quorum}. Nothing was saved.")


class WrongItemForMeeting(DomainError):
    message = N_(
        "A registration review takes technologies under review; an adoption review takes "
        "adoption proposals; a testbed selection takes testbed applications. This item does "
        "not fit meeting {code}. Nothing was saved."
    )


class NotReadyForAgenda(DomainError):
    message = N_(
        "{what} is not waiting for this kind of meeting (its current status does not allow "
        "it), so it cannot go on this agenda. Nothing was saved."
    )


class AlreadyOnAgenda(DomainError):
    message = N_("{what} is already waiting on the agenda of meeting {code}. Nothing was saved.")


class NoRegulationInForce(DomainError):
    message = N_(
        "No regulation version is in force on {day}, so no meeting of that day can be "
        "scheduled: an administrator drafts a version and another person approves it first. "
        "Nothing was saved."
    )


class TooManyAppointed(DomainError):
    message = N_(
        "Meeting {code} already has {n} seats filled by hand, the most its regulation allows "
        "({most}). A member who is absent or recused is replaced by a substitute drawn by "
        "rule. Nothing was saved."
    )


class SeatLimitReached(DomainError):
    message = N_(
        "{name} already holds {n} seats on meetings within {days} days, the most the "
        "regulation allows. Nothing was saved."
    )


class NotReplaceable(DomainError):
    message = N_(
        "{name} is not recorded as absent and has not recused from meeting {code}: only a "
        "member who is absent or recused is replaced by a substitute. Nothing was saved."
    )


class AlreadyReplaced(DomainError):
    message = N_("A substitute was already drawn for {name} on meeting {code}. Nothing was saved.")


class RecusedFromItem(DomainError):
    message = N_(
        "{name} recused themselves from this item; their scores on it cannot be recorded. "
        "Nothing was saved."
    )


class AlreadyRecusedFromItem(DomainError):
    message = N_("{name} has already recused themselves from this item. Nothing was saved.")


class Recused(DomainError):
    message = N_(
        "{name} recused themselves from meeting {code}; their scores cannot be recorded. "
        "Nothing was saved."
    )


class Conflicted(DomainError):
    """A conflict by the draw's rule; the message says which kind."""

    message = N_(
        "{name} works for the applicant {org}: a conflict of interest. They cannot score this "
        "item or sit on this panel. Nothing was saved."
    )
    TIE = N_(
        "{name} has a recorded tie to the applicant {org} within the regulation's conflict "
        "window ({years} years): a conflict of interest. They cannot score this item or sit "
        "on this panel. Nothing was saved."
    )


class NotAttending(DomainError):
    message = N_(
        "{name} is not recorded as attending meeting {code}; only members present score. "
        "Nothing was saved."
    )


class AlreadyScored(DomainError):
    message = N_("{name}'s scores on this item were already recorded at {at}. Nothing was saved.")


class HasScored(DomainError):
    message = N_(
        "{name} has already scored {n} items of meeting {code}, so they can no longer be "
        "marked absent or recuse. Nothing was saved."
    )


class ItemDecided(DomainError):
    message = N_(
        "This item has already been decided; scores can no longer be added. Nothing was saved."
    )


class NoQuorum(DomainError):
    message = N_(
        "Only {present} members who may vote on this item are present, and meeting {code} "
        "needs {quorum} under its regulation. Without quorum an item can only be deferred. "
        "The decision was not recorded."
    )


class ScoresMissing(DomainError):
    message = N_(
        "{missing} of the {present} members present have not scored this item yet; every "
        "member present who may vote scores before a decision. The decision was not recorded."
    )


class DecisionAgainstScores(DomainError):
    """The decision asked for is not what the scores give; the message says which way."""

    message = N_(
        "The scores fail the two-stage rule (stage 1 mean {stage1} against {stage1_pass}, "
        "overall mean {overall} against {overall_pass}), so the item cannot be recorded as "
        "passed. Nothing was saved."
    )
    PASSING = N_(
        "The scores pass the two-stage rule (stage 1 mean {stage1} against {stage1_pass}, "
        "overall mean {overall} against {overall_pass}), so the item cannot be recorded as "
        "failed. Nothing was saved."
    )


class ItemsUndecided(DomainError):
    message = N_(
        "{n} items of meeting {code} have no decision yet; decide or defer them before "
        "closing. Nothing was saved."
    )


class MeetingStillOpen(DomainError):
    message = N_(
        "Meeting {code} is not closed yet: edit its record directly. Corrections are for "
        "closed meetings. Nothing was saved."
    )


# --- the expert area (db.meetings.panelist) ---------------------------------------------------


class NoExpertRecord(DomainError):
    message = N_(
        "Your account is not linked to an expert record of the pool. Nothing was saved; ask "
        "the platform's staff for a new invitation."
    )


class AnswerClosed(DomainError):
    message = N_(
        "Meeting {code} is no longer ahead, so your seat can no longer be confirmed or "
        "declined. Nothing was saved."
    )


class AlreadyDeclined(DomainError):
    message = N_(
        "You declined your seat on meeting {code} at {at}; a substitute was drawn for it. "
        "Nothing was saved."
    )


class DeclarationClosed(DomainError):
    message = N_(
        "The scoring of this item has closed, so your declaration on it can no longer change. "
        "Nothing was saved."
    )


class ConflictDeclared(DomainError):
    message = N_(
        "You declared a conflict of interest on this item at {at}: it stands, and you do not "
        "score the item. Nothing was saved."
    )


class DeclareFirst(DomainError):
    message = N_(
        "Declare first that you have no conflict of interest with this item's applicant; "
        "then enter your scores. Nothing was saved."
    )


class ScoredByProxy(DomainError):
    message = N_(
        "Staff entered your signed paper score sheet for this item at {at}; it stands as "
        "entered. Nothing was saved."
    )
