"""The audit key: the secret, kept outside the database, that MACs the chain's heads.

``NTP_AUDIT_KEY`` (at least 32 characters; a secret of the deployment, like the cookie key)
is read from the environment. Without it, demo mode uses :data:`DEMO_KEY`, which is public
and marked as such in every receipt; outside demo mode making or checking a receipt is
refused (:class:`AuditKeyMissing`). See docs/audit-chain.md, "Anchored heads".
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from db.config import load_settings
from db.errors import N_, DomainError

ENV = "NTP_AUDIT_KEY"
MIN_KEY_CHARS = 32
DEMO_KEY = "ntp-DEMO-audit-key-public-NOT-A-SECRET-do-not-use-in-production"
DEMO_KEY_ID = "demo"

KEY_MISSING = N_(
    "No audit key is configured: set NTP_AUDIT_KEY (at least 32 characters, kept outside "
    "the database) to make or check head receipts. Nothing was written."
)
KEY_TOO_SHORT = N_("The audit key in NTP_AUDIT_KEY is shorter than 32 characters.")


class AuditKeyMissing(DomainError):
    """No usable audit key outside demo mode."""


@dataclass(frozen=True)
class AuditKey:
    """The key and a short public id of it (``demo`` for the demo key), which a receipt
    names so that a receipt MACed with another key is told apart from an altered one."""

    secret: bytes
    key_id: str

    @property
    def is_demo(self) -> bool:
        return self.key_id == DEMO_KEY_ID

    def mac(self, message: str) -> str:
        """HMAC-SHA256 of ``message`` (hex)."""
        return hmac.new(self.secret, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def verify(self, message: str, mac: str) -> bool:
        return hmac.compare_digest(self.mac(message), str(mac))


def load_key(environ: dict[str, str] | None = None) -> AuditKey:
    """The configured audit key; the demo key in demo mode when none is configured.

    :raise AuditKeyMissing: no key (outside demo mode), or one too short.
    """
    env = os.environ if environ is None else environ
    value = (env.get(ENV) or "").strip()
    if value:
        if len(value) < MIN_KEY_CHARS:
            raise AuditKeyMissing(KEY_TOO_SHORT)
        secret = value.encode("utf-8")
        return AuditKey(secret, "k-" + hashlib.sha256(b"key-id\x1f" + secret).hexdigest()[:12])
    if load_settings(dict(env)).demo:
        return AuditKey(DEMO_KEY.encode("utf-8"), DEMO_KEY_ID)
    raise AuditKeyMissing(KEY_MISSING)
