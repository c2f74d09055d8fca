"""Strings the screens' JavaScript shows, taken from the same Babel catalogs as the templates.

Each page renders the translated dictionary into a JSON script element; `pwa/static/js/i18n.js`
reads it. Placeholders are `{name}` and are filled in by the browser.
"""

from __future__ import annotations

from dispatch_api.web.pages.i18n import N_, gettext

JS_STRINGS: dict[str, str] = {
    # outbox and connection
    "outbox.none": N_("Everything is sent"),
    "outbox.waiting.one": N_("{n} waiting to send"),
    "outbox.waiting.other": N_("{n} waiting to send"),
    "outbox.failed": N_("{n} could not be sent"),
    "outbox.refused.conflict": N_("The job changed on the server, so this step no longer applies."),
    "outbox.refused.too_large": N_("The photo is too large for the server. Take it again."),
    "outbox.refused.gone": N_("This job is no longer yours."),
    "outbox.refused.invalid": N_("The server could not accept this."),
    "outbox.details": N_("Details"),
    "outbox.dismiss": N_("Dismiss"),
    "net.offline": N_("Offline — your work is saved on this phone"),
    "net.online": N_("Online"),
    "notice.job.created": N_("New job: {title}"),
    "notice.job.updated": N_("Job changed: {title}"),
    "notice.job.removed": N_("Job removed: {title}"),
    "notice.saved": N_("Saved on this phone"),
    "notice.signin.again": N_("Your shift session ended — sign in again to send your work"),
    # job statuses
    "status.assigned": N_("Assigned"),
    "status.accepted": N_("Accepted"),
    "status.declined": N_("Declined"),
    "status.en_route": N_("On the way"),
    "status.on_site": N_("On site"),
    "status.paused": N_("Paused"),
    "status.done": N_("Done"),
    "status.cannot_complete": N_("Could not complete"),
    # priorities
    "priority.urgent": N_("Urgent"),
    "priority.high": N_("High"),
    "priority.normal": N_("Normal"),
    "priority.low": N_("Low"),
    # actions
    "action.accept": N_("Accept"),
    "action.decline": N_("Decline"),
    "action.start_travel": N_("Start travel"),
    "action.arrive": N_("Arrived"),
    "action.pause": N_("Pause"),
    "action.resume": N_("Resume"),
    "action.complete": N_("Complete"),
    "action.cannot_complete": N_("Cannot complete"),
    # job list and details
    "jobs.empty": N_("No jobs for today yet. New jobs appear here as soon as they are published."),
    "jobs.count": N_("{n} jobs"),
    "job.eta": N_("ETA {time}"),
    "job.sla.left": N_("{time} left"),
    "job.sla.overdue": N_("Overdue by {time}"),
    "job.sla.due": N_("Due {time}"),
    "job.sequence": N_("Stop {n}"),
    "job.not_found": N_("This job is not on your list any more."),
    "job.photos.none": N_("No photos yet"),
    "job.finished.done": N_("This job is done. Thank you."),
    "job.finished.declined": N_("You declined this job; the dispatcher will reassign it."),
    "job.finished.cannot_complete": N_("Reported as not possible; the dispatcher will follow it up."),
    "job.photo.pending": N_("Waiting to send"),
    "job.photo.before": N_("Before"),
    "job.photo.after": N_("After"),
    "job.map.no_route": N_("The route is shown when you are online."),
    "job.map.you": N_("Your position"),
    "job.map.depot": N_("Depot"),
    "job.map.job": N_("Job location"),
    "job.map.zoom_in": N_("Zoom in"),
    "job.map.zoom_out": N_("Zoom out"),
    "duration.hm": N_("{h} h {m} min"),
    "duration.m": N_("{m} min"),
    "duration.d": N_("{d} days"),
    "reason.required": N_("Please write a reason."),
    "reason.label": N_("Reason (the dispatcher reads this)"),
    "note.label": N_("Note for the dispatcher (optional)"),
    "photo.resizing": N_("Preparing photo…"),
    "photo.failed": N_("This file is not a photo the phone can read. Choose a JPEG, PNG or WebP photo."),
    "gps.denied": N_("Location is off — the dispatcher cannot see where you are."),
    "gps.on": N_("Location is shared while on shift"),
    "gps.off_shift": N_("Off shift — location is not shared"),
    # sign-in
    "login.failed": N_("Phone number or PIN is wrong. Check them and try again."),
    "login.offline": N_("You are offline. Signing in needs a connection."),
    "login.locked": N_("Too many tries. Wait a few minutes, then try again."),
    "login.phone.invalid": N_("Enter the 11-digit mobile number, starting with 09."),
    "login.pin.invalid": N_("Enter the 4-digit PIN."),
    "error.generic": N_("Something went wrong: {detail}"),
}


def js_strings(lang: str) -> dict[str, str]:
    """All JavaScript strings translated into `lang`."""
    return {key: gettext(lang, message) for key, message in JS_STRINGS.items()}
