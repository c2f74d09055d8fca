"""All models, imported here so `Base.metadata` knows every table (Alembic and tests rely on it)."""

from __future__ import annotations

import importlib
import pkgutil

from dispatch_api.persistence.models.city import Category, Depot, District, Holiday
from dispatch_api.persistence.models.org import (
    Contractor,
    ContractorDistrict,
    Crew,
    CrewDistrict,
    CrewMember,
    CrewShift,
    CrewSkill,
    Equipment,
)
from dispatch_api.persistence.models.tickets import Referral, RepeatCall, Ticket, TicketEvent
from dispatch_api.persistence.models.users import ApiKey, AuthSession, LoginFailure, User

# Other areas (plans, field work) live in sibling modules; import them all so metadata is complete.
for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")

__all__ = [
    "ApiKey",
    "AuthSession",
    "Category",
    "Contractor",
    "ContractorDistrict",
    "Crew",
    "CrewDistrict",
    "CrewMember",
    "CrewShift",
    "CrewSkill",
    "Depot",
    "District",
    "Equipment",
    "Holiday",
    "LoginFailure",
    "Referral",
    "RepeatCall",
    "Ticket",
    "TicketEvent",
    "User",
]
