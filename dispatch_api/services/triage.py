"""Triage a dispatcher does on a new ticket that the ticket services do not cover: a new category."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.persistence.base import utcnow
from dispatch_api.persistence.models import Ticket, TicketEvent
from dispatch_api.services import ticket_states, tickets
from dispatch_api.services.city import CityContext
from dispatch_api.services.errors import FieldError, StaleVersion
from dispatch_api.services.principal import Principal
from dispatch_api.services.sla import sla_due_at

# A category may change while nobody works on the ticket yet.
RECATEGORISABLE = frozenset({"new", "triaged", "reopened"})


async def change_category(
    session: AsyncSession,
    city: CityContext,
    ticket_id: int,
    version: int,
    category: str,
    reason: str | None,
    principal: Principal,
    *,
    follow_up_days: int = 3,
) -> Ticket:
    """Give a ticket another category: new SLA due time and default priority; an out-of-remit
    category refers the ticket to its agency. Audited with the reason."""
    ticket = await tickets.get_ticket(session, ticket_id, principal)
    if version != ticket.version:
        raise StaleVersion(f"ticket {ticket.id}", version, ticket.version)
    info = city.category(category)
    if info is None:
        known = ", ".join(sorted(city.categories))
        raise FieldError([("category", f"unknown category {category!r}; known: {known}")])
    if ticket.status not in RECATEGORISABLE:
        raise FieldError(
            [
                (
                    "category",
                    f"ticket {ticket.id} is '{ticket.status}'; change the category before it is planned",
                )
            ]
        )
    if not (reason or "").strip():
        raise FieldError([("reason", "say why the category is changed")])
    if category == ticket.category_code:
        return ticket
    actor = tickets.Actor.of(principal)
    previous = ticket.category_code
    ticket.category_code = info.code
    ticket.sla_due_at = sla_due_at(city.calendar, info.calendar, ticket.created_at, info.sla_hours)
    if ticket.priority_reason is None:
        ticket.priority = info.default_priority
    ticket.updated_at = utcnow()
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=utcnow(),
            actor_id=actor.user_id,
            actor_name=actor.name,
            kind="category",
            from_value=previous,
            to_value=info.code,
            reason=(reason or "").strip(),
            data={"sla_due_at": ticket.sla_due_at.isoformat(), "priority": ticket.priority},
        )
    )
    await session.flush()
    await session.commit()
    if info.remit != "city" and "referred" in ticket_states.allowed_next(ticket.status):
        ticket = await tickets.transition(
            session,
            ticket.id,
            "referred",
            None,
            principal,
            agency=info.remit,
            reason=f"category {info.name_en} is handled by {tickets.AGENCIES[info.remit]['en']}",
            follow_up_days=follow_up_days,
        )
    return ticket
