"""The ticket state machine of the architecture note, as data.

`new → triaged → planned → assigned → accepted → en_route → on_site → done → closed`, with side
exits `referred`, `duplicate`, `rejected`, `cancelled`, and `reopened` (which goes back to `triaged`).
"""

from __future__ import annotations

from typing import Final

STATES: Final = (
    "new",
    "triaged",
    "planned",
    "assigned",
    "accepted",
    "en_route",
    "on_site",
    "done",
    "closed",
    "referred",
    "duplicate",
    "rejected",
    "cancelled",
    "reopened",
)

_SIDE = ("referred", "duplicate", "rejected", "cancelled")

TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "new": ("triaged", *_SIDE),
    "triaged": ("planned", "assigned", *_SIDE),
    # Taking a ticket out of a plan or off a crew sends it back to triage.
    "planned": ("assigned", "triaged", "cancelled", "referred"),
    "assigned": ("accepted", "planned", "triaged", "cancelled"),
    "accepted": ("en_route", "on_site", "triaged", "cancelled"),
    "en_route": ("on_site", "accepted", "triaged", "cancelled"),
    "on_site": ("done", "triaged", "cancelled"),
    "done": ("closed", "reopened"),
    "closed": ("reopened",),
    "referred": ("closed", "reopened"),
    "duplicate": ("reopened",),
    "rejected": ("reopened",),
    "cancelled": ("reopened",),
    "reopened": ("triaged", *_SIDE),
}

# Open: still to be handled by the city. Waiting for planning: what a planner may pick up.
OPEN_STATES: Final = frozenset(
    {"new", "triaged", "planned", "assigned", "accepted", "en_route", "on_site", "reopened"}
)
PLANNABLE_STATES: Final = frozenset({"triaged", "reopened"})
FINISHED_STATES: Final = frozenset({"done", "closed", "referred", "duplicate", "rejected", "cancelled"})
# Ending a ticket's life for the citizen stamps `closed_at`.
CLOSING_STATES: Final = frozenset({"done", "closed", "duplicate", "rejected", "cancelled"})
NEEDS_REASON: Final = frozenset({"rejected", "cancelled", "duplicate", "reopened"})


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, ())
