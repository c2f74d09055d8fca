"""Shared pieces of the staff and citizen screens (console, intake, citizen pages, figures):
their own Babel catalog (`pwa/locale/<lang>/LC_MESSAGES/screens.po`), the JavaScript strings each
screen needs, and rendering a screen with a sign-in check.

Templates call `t("…")` for these screens' strings; the crew app's catalog (`messages`) is left to
its own extraction. Extract and update this catalog with:
    pybabel extract -F babel.cfg -k t -k T_ --no-default-keywords -o pwa/locale/screens.pot .
    pybabel update -D screens -i pwa/locale/screens.pot -d pwa/locale
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.response import Redirect, Template

from dispatch_api.services.principal import Principal
from dispatch_api.web.pages.context import base_context, lang_cookies, page_lang
from dispatch_api.web.pages.i18n import DEFAULT_LANG, translations

DOMAIN = "screens"


def T_(message: str) -> str:
    """Mark a string of these screens for extraction; translated when a page is rendered."""
    return message


def catalog(lang: str) -> Translations:
    return translations(lang, DOMAIN)


def t(lang: str, message: str, **params: Any) -> str:
    text = str(catalog(lang).gettext(message))
    return text % params if params else text


@pass_context
def jinja_t(context: Context, message: str, **params: Any) -> str:
    return t(str(context.get("lang", DEFAULT_LANG)), message, **params)


def install(environment: Any) -> None:
    environment.globals["t"] = jinja_t


# Strings the screens' JavaScript shows, by key (English; Persian from the catalog).
JS: dict[str, str] = {
    "priority.urgent": T_("Urgent"),
    "priority.high": T_("High"),
    "priority.normal": T_("Normal"),
    "priority.low": T_("Low"),
    "status.new": T_("New"),
    "status.triaged": T_("Triaged"),
    "status.planned": T_("Planned"),
    "status.assigned": T_("Assigned"),
    "status.accepted": T_("Accepted"),
    "status.en_route": T_("On the way"),
    "status.on_site": T_("On site"),
    "status.done": T_("Done"),
    "status.closed": T_("Closed"),
    "status.referred": T_("Referred"),
    "status.duplicate": T_("Duplicate"),
    "status.rejected": T_("Rejected"),
    "status.cancelled": T_("Cancelled"),
    "status.reopened": T_("Reopened"),
    "age.now": T_("just now"),
    "age.minutes": T_("{n} min ago"),
    "age.hours": T_("{n} h ago"),
    "age.days": T_("{n} days ago"),
    "error.generic": T_("Something went wrong: {detail}"),
    "error.offline": T_("The server cannot be reached; check the connection and try again"),
    "saved": T_("Saved"),
    "signin.missing": T_("Enter the username and the password"),
    "signin.failed": T_("The username or password is not right"),
    "agency.water_sewage": T_("the Water and Sewage Company"),
    "agency.power": T_("the Power Distribution Company"),
    "agency.gas": T_("the Gas Company"),
    "agency.police": T_("the Police"),
    "agency.traffic": T_("the Traffic Police"),
    "stage.queued": T_("waiting to start"),
    "stage.inputs": T_("reading tickets and crews"),
    "stage.matrices": T_("travel times on the streets"),
    "stage.solving": T_("finding routes"),
    "stage.done": T_("done"),
    "stage.failed": T_("failed"),
    # intake
    "intake.repeat.title": T_("Possible repeat calls nearby"),
    "intake.repeat.none": T_("No open ticket of this category nearby"),
    "intake.repeat.link": T_("Link this call to {code}"),
    "intake.repeat.distance": T_("{m} m away"),
    "intake.repeat.linked": T_("Linked to {code}"),
    "intake.repeat.unlink": T_("File as a new ticket instead"),
    "intake.referred": T_("Out of the city's remit: this call will be referred to {agency}"),
    "intake.sla": T_("Expected within {h} hours"),
    "intake.done.new": T_("Ticket filed. Tracking code for the citizen: {code}"),
    "intake.done.repeat": T_("Call linked to ticket {code} (repeat call {n})"),
    "intake.pin.set": T_("Pin at {lat}, {lon}"),
    "intake.pin.title": T_("Place of the call"),
    "intake.coordinates.invalid": T_("Write the latitude, then the longitude, e.g. 29.6201, 52.5312"),
    "intake.need.category": T_("Choose a category first"),
    "intake.need.pin": T_("Set the place: choose a street or click the map"),
    "intake.pin.none": T_("Click the map or choose a street to set the place"),
    "intake.address.none": T_("No street matches"),
    "intake.category.none": T_("No category matches"),
    "intake.photos.count": T_("{n} photo(s) will be kept with the ticket"),
    # console
    "console.inbox.empty": T_("Nothing waiting for triage"),
    "console.inbox.count": T_("{n} tickets"),
    "console.triaged": T_("Ticket {id} saved"),
    "console.plan.running": T_("Planning: {stage}"),
    "console.plan.done": T_("Plan ready: {assigned} visits for {crews} crews, {unassigned} unassigned"),
    "console.plan.failed": T_("Planning failed: {detail}"),
    "console.plan.none": T_("No plan yet for today"),
    "console.plan.published": T_("Published: crews have their jobs"),
    "console.plan.unpublished": T_("Not published yet"),
    "console.moved": T_("Ticket {id} moved to {crew}"),
    "console.inserted": T_("Ticket {id} inserted into the live plan"),
    "console.not.inserted": T_("Ticket {id} could not be inserted: {reason}"),
    "console.visits": T_("{n} visits"),
    "console.unassigned.none": T_("Every ticket has a crew"),
    "console.live": T_("Live"),
    "console.calls": T_("{n} calls"),
    "console.photo": T_("Citizen's photo {n}"),
    "console.reconnecting": T_("Reconnecting…"),
    "console.crew.position": T_("{crew}, seen {time}"),
    "console.choose.ticket": T_("Choose a ticket in the inbox to triage it"),
    "console.move.choose": T_("Choose a visit on the timeline to move it"),
    "reason.no_skill": T_("No crew has the skill"),
    "reason.outside_districts": T_("No crew serves the district"),
    "reason.capacity": T_("Crews are full"),
    "reason.window_unreachable": T_("Cannot be reached in time"),
    "reason.dropped_for_priority": T_("Left for more urgent work"),
    # citizen
    "citizen.step.new": T_("Received"),
    "citizen.step.triaged": T_("Checked"),
    "citizen.step.assigned": T_("Crew assigned"),
    "citizen.step.en_route": T_("On the way"),
    "citizen.step.on_site": T_("At the place"),
    "citizen.step.done": T_("Done"),
    "citizen.fact.address": T_("Address"),
    "citizen.fact.district": T_("District"),
    "citizen.fact.filed": T_("Filed"),
    "citizen.fact.expected": T_("Expected by"),
    "citizen.fact.closed": T_("Finished"),
    "citizen.fact.contractor": T_("Handled by"),
    "citizen.fact.crew": T_("Crew"),
    "citizen.fact.agency": T_("Referred to"),
    "citizen.kind.before": T_("Before"),
    "citizen.kind.after": T_("After"),
    "citizen.photo.before": T_("Photo {n}, before the work"),
    "citizen.photo.after": T_("Photo {n}, after the work"),
    "citizen.survey.invite": T_("Your request is finished. Tell us in one question how it went."),
    "citizen.survey.answered": T_("Thank you: you already answered the survey for this request."),
    "citizen.survey.about": T_("About your request {code} ({category})"),
    "citizen.survey.pick": T_("Choose one of the five answers"),
    "citizen.survey.unknown": T_("This survey link is not valid."),
    "citizen.notfound": T_("No request has this tracking code; check it and try again"),
    "citizen.survey.thanks": T_("Thank you! Your answer was recorded."),
    "citizen.survey.already": T_("This survey was already answered. Each link works once."),
    # figures
    "figures.tickets_in": T_("Tickets in"),
    "figures.closed": T_("Closed"),
    "figures.backlog": T_("Backlog"),
    "figures.resolution_median_h": T_("Median resolution (h)"),
    "figures.resolution_p90_h": T_("90th percentile resolution (h)"),
    "figures.response_median_h": T_("Median response (h)"),
    "figures.response_p90_h": T_("90th percentile response (h)"),
    "figures.sla_target_median_h": T_("SLA target (h)"),
    "figures.within_sla_share": T_("Closed within SLA"),
    "figures.repeat_rate": T_("Repeat-call rate"),
    "figures.backlog_median_age_h": T_("Median backlog age (h)"),
    "figures.referrals": T_("Referrals"),
    "figures.referrals_overdue": T_("Referral follow-ups overdue"),
    "figures.satisfaction_avg": T_("Satisfaction (1–5)"),
    "figures.survey_response_rate": T_("Survey response rate"),
    "figures.empty": T_("No tickets in this period"),
    "figures.calls": T_("Calls with repeat calls: {n}"),
    "figures.p90": T_("90th percentile {v} h"),
    "figures.median.age": T_("median age {v} h"),
    "figures.overdue": T_("Follow-ups overdue: {n}"),
    "figures.answered": T_("Answers: {n} · response rate {rate}"),
    "figures.period": T_("From {from} to {to}"),
    "figures.city": T_("Whole city"),
    "figures.dim.district": T_("District"),
    "figures.dim.contractor": T_("Contractor"),
    "figures.dim.category": T_("Category"),
    "figures.dim.crew": T_("Crew"),
}


# Strings templates pick inside loops (so extraction sees them here).
TEMPLATE_CHOICES = (
    T_("Crewline"),
    T_("Very unhappy"),
    T_("Unhappy"),
    T_("So-so"),
    T_("Happy"),
    T_("Very happy"),
    T_("Water and Sewage Company"),
    T_("Power Distribution Company"),
    T_("Gas Company"),
    T_("Police"),
    T_("Traffic Police"),
)


def js_strings(lang: str) -> dict[str, str]:
    return {key: t(lang, message) for key, message in JS.items()}


def principal_of(request: Request[Any, Any, Any]) -> Principal | None:
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


def render(
    request: Request[Any, Any, Any],
    template: str,
    screen: str,
    *,
    roles: Iterable[str] | None = None,
    **extra: Any,
) -> Template | Redirect:
    """A screen in the page's language; staff screens send a visitor without the role to sign in."""
    lang = page_lang(request)
    principal = principal_of(request)
    if roles is not None:
        allowed = set(roles) | {"admin"}
        if principal is None or principal.role not in allowed:
            target = quote(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
            return Redirect(f"/signin?next={target}")
    context = base_context(request, lang, screen=screen, **extra)
    context["screen_strings"] = js_strings(lang)
    context["user"] = {"name": principal.name, "role": principal.role} if principal is not None else None
    context["app_name"] = t(lang, "Crewline")
    return Template(template, context=context, cookies=lang_cookies(request, lang))
