"""Who is asking: the signed-in account, its role and what it may see."""

from __future__ import annotations

from dataclasses import dataclass

STAFF_ROLES = ("operator", "dispatcher", "coordinator", "contractor_manager", "admin")
# Reporters' phone numbers are shown to these roles only.
PHONE_ROLES = frozenset({"operator", "dispatcher", "admin"})


@dataclass(frozen=True)
class Principal:
    user_id: int
    role: str
    name: str
    crew_id: str | None = None
    contractor_id: str | None = None
    # Districts a contractor manager's contractor holds (empty for other roles).
    districts: frozenset[int] = frozenset()

    @property
    def sees_phones(self) -> bool:
        return self.role in PHONE_ROLES

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})"
