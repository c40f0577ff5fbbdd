"""The expert area (experts): the meetings they sit on, their answers, declarations and own
scores."""

from __future__ import annotations

from components.expert_area import expert_area
from components.forms import show_flash
from components.navigation import guard

actor = guard("expert")
show_flash()
expert_area(actor)
