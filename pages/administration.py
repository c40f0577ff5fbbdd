"""Administration: accounts and roles, and the city profile (admin only; every action
checked again in ``db/``)."""

from __future__ import annotations

import streamlit as st

from components import accounts as admin
from components import data
from components.city_admin import city_profile_page
from components.i18n import _
from components.navigation import guard
from components.outbox import outbox_view
from db import accounts

actor = guard("admin")
st.title(_("Administration"))
accounts_tab, city_tab, mail_tab = st.tabs([_("Accounts"), _("City profile"), _("Mail outbox")])
with accounts_tab:
    users = data.read(accounts.list_users, actor=actor)
    states = data.read(accounts.signin_states, actor=actor)
    admin.accounts_table(users, states)
    left, right = st.columns(2)
    admin.create_account(actor, left)
    with right:
        admin.change_account(actor, users, states)
with city_tab:
    city_profile_page(actor)
with mail_tab:
    outbox_view(actor)
