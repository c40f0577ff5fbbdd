"""The city running this instance: its profile (name, logo, home regions, numbering, time
zone, first day, language, targets) and its vocabularies (technical fields, growth sectors,
kinds of organisation, evaluation criteria). See ``docs/regulation-and-profile.md``."""
