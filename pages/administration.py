"""Administration: accounts and roles (admin only; every action checked again in ``db/``)."""

from __future__ import annotations

import streamlit as st

from components import accounts as admin
from components import data
from components.i18n import _
from components.navigation import guard
from db import accounts

actor = guard("admin")
st.title(_("Administration"))
users = data.read(accounts.list_users, actor=actor)
admin.accounts_table(users)
left, right = st.columns(2)
admin.create_account(actor, left)
with right:
    admin.change_account(actor, users)
