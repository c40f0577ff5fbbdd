"""The city's regulation as versioned data: the rules meetings and imports obey, drafted by
an administrator and in force once a second person approves them. See
``docs/regulation-and-profile.md``."""
