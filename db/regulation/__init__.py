"""The city's regulation as versioned data: the rules meetings and imports obey, drafted by
an administrator and in force once a second person approves them. See
``docs/regulation-and-profile.md``.

``rules``: the rules of one version and their one check (pure). ``versions``: the versions
in the database (draft, edit, withdraw, approve, in force on a date, differences). Nothing is
re-exported here: ``db.city.store`` imports ``rules``, and ``versions`` imports
``db.city.store``.
"""
