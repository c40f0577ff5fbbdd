"""What awaits a user: the inbox on every page (:func:`awaiting`) and the messages each user
chose to receive by mail (:mod:`db.inbox.subscriptions`); ``python -m jobs run-due`` sends
those.

Each kind of item is read for the roles that own it only (the read checks the role itself),
in one query, and says how many items wait, how old the oldest is, and which page (and
query) shows them.
"""

from db.inbox.items import KINDS, InboxItem, awaiting, verification_failure
from db.inbox.subscriptions import (
    SUBSCRIPTION_KINDS,
    SubscriptionChoice,
    mail_address,
    my_subscriptions,
    offered_kinds,
    set_subscriptions,
)

__all__ = [
    "KINDS",
    "SUBSCRIPTION_KINDS",
    "InboxItem",
    "SubscriptionChoice",
    "awaiting",
    "mail_address",
    "my_subscriptions",
    "offered_kinds",
    "set_subscriptions",
    "verification_failure",
]
