"""Companies' applications for a technology: submitted online with PDF attachments, followed
step by step, answered, withdrawn; screened by staff, who may ask for more information and
then take the application into the registration path (a technology record).

``writes``: every state change (applicant's and staff's); ``reads``: what each may read;
``attachments``: the checks a file passes before it is stored.
"""

from db.applications.attachments import MAX_BYTES, MAX_FILES
from db.applications.reads import (
    STEPS,
    ApplicationView,
    Decision,
    application_view,
    applications_waiting,
    attachment,
    my_applications,
    waiting_count,
)
from db.applications.writes import (
    ApplicationInput,
    ApplicationInvalid,
    accept_application,
    answer_request,
    request_information,
    submit_application,
    withdraw_application,
)

__all__ = [
    "MAX_BYTES",
    "MAX_FILES",
    "STEPS",
    "ApplicationInput",
    "ApplicationInvalid",
    "ApplicationView",
    "Decision",
    "accept_application",
    "answer_request",
    "application_view",
    "applications_waiting",
    "attachment",
    "my_applications",
    "request_information",
    "submit_application",
    "waiting_count",
    "withdraw_application",
]
