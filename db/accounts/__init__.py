"""Accounts: who may sign in, and as whom.

``users``: the password policy, user administration (admin only) and changing one's own
password; each change is one compare-and-set on the user's ``auth_epoch`` and one audit event.
``signin``: password attempts with a per-account back-off, and server-side sign-in sessions
(``from db.accounts import signin``).
"""

from db.accounts.users import (
    CANNOT_DISABLE_SELF,
    CANNOT_DROP_OWN_ADMIN,
    CHANGED_MEANWHILE,
    CURRENT_PASSWORD_WRONG,
    DISPLAY_NAME_INVALID,
    EMAIL_INVALID,
    PASSWORD_HAS_USERNAME,
    PASSWORD_SURROUNDING_SPACE,
    PASSWORD_TOO_COMMON,
    PASSWORD_TOO_LONG,
    PASSWORD_TOO_SHORT,
    PASSWORD_UNCHANGED,
    PASSWORD_UNSTORABLE,
    ROLES_EMPTY,
    ROLES_UNKNOWN,
    USERNAME_INVALID,
    USERNAME_TAKEN,
    change_own_password,
    common_passwords,
    create_user,
    generate_password,
    list_users,
    needs_password_change,
    password_problems,
    release,
    reset_password,
    set_active,
    set_roles,
)

__all__ = [
    "CANNOT_DISABLE_SELF",
    "CANNOT_DROP_OWN_ADMIN",
    "CHANGED_MEANWHILE",
    "CURRENT_PASSWORD_WRONG",
    "DISPLAY_NAME_INVALID",
    "EMAIL_INVALID",
    "PASSWORD_HAS_USERNAME",
    "PASSWORD_SURROUNDING_SPACE",
    "PASSWORD_TOO_COMMON",
    "PASSWORD_TOO_LONG",
    "PASSWORD_TOO_SHORT",
    "PASSWORD_UNCHANGED",
    "PASSWORD_UNSTORABLE",
    "ROLES_EMPTY",
    "ROLES_UNKNOWN",
    "USERNAME_INVALID",
    "USERNAME_TAKEN",
    "change_own_password",
    "common_passwords",
    "create_user",
    "generate_password",
    "list_users",
    "needs_password_change",
    "password_problems",
    "release",
    "reset_password",
    "set_active",
    "set_roles",
]
