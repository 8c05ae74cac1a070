"""Every route of the matcher, in one place."""

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Principal, require
from shared.health import add_health_routes
from shared.openapi import operation
from shared.web import REDACTED_PATHS_KEY, add_openapi_routes, json_response

from . import audit_routes
from .agendas import calendar_routes
from .agendas import live as agenda_live
from .agendas import routes as agendas_routes
from .board import routes as board_routes
from .feedback.routes import setup_feedback
from .invitations.routes import setup_invitations
from .jobs import routes as job_routes
from .notify import webhook_routes as webhooks
from .onsite import day_routes, reception_file_routes, reception_routes
from .privacy import export_routes
from .relevance.routes import setup_relevance
from .schedules import routes as schedule_routes
from .schedules import rule_routes
from .statistics import report_routes
from .statistics.routes import add_statistics_routes
from .support.routes import setup_support


@operation("Who am I? (token checked with the registry)", tags=("auth",), response=Principal, errors=(503,))
@require()
async def whoami(request: web.Request) -> web.Response:
    """The caller's principal, as the registry vouches for it."""
    return json_response(request[PRINCIPAL_KEY])


def setup_routes(app: web.Application) -> None:
    add_health_routes(app)
    app.router.add_get("/auth/whoami", whoami)
    app.router.add_post("/events/{event_id}/schedules", job_routes.create_schedule_job)
    app.router.add_get("/events/{event_id}/jobs", job_routes.list_event_jobs)
    app.router.add_get("/jobs/{job_id}", job_routes.get_job)
    app.router.add_get("/jobs/{job_id}/events", job_routes.job_events)
    app.router.add_get("/events/{event_id}/schedules", schedule_routes.list_versions)
    app.router.add_get("/events/{event_id}/schedules/{number}", schedule_routes.get_version)
    app.router.add_get("/events/{event_id}/schedules/{number}/compare/{other}", schedule_routes.compare_versions)
    app.router.add_post("/events/{event_id}/schedules/{number}/publish", schedule_routes.publish)
    app.router.add_get("/events/{event_id}/schedule-rules", rule_routes.list_rules)
    app.router.add_put("/events/{event_id}/schedule-rules/{sme_id}/{buyer_id}", rule_routes.put_rule)
    app.router.add_delete("/events/{event_id}/schedule-rules/{sme_id}/{buyer_id}", rule_routes.delete_rule)
    app.router.add_post("/events/{event_id}/webhooks", webhooks.create_webhook)
    app.router.add_get("/events/{event_id}/webhooks", webhooks.list_webhooks)
    app.router.add_delete("/events/{event_id}/webhooks/{webhook_id}", webhooks.delete_webhook)
    app.router.add_get(agendas_routes.SME_AGENDA_PATH, agendas_routes.get_sme_agenda)
    app.router.add_get(agendas_routes.BUYER_AGENDA_PATH, agendas_routes.get_buyer_agenda)
    app.router.add_get(agendas_routes.GRID_PATH, agendas_routes.get_grid)
    app.router.add_post("/events/{event_id}/agenda-links", agendas_routes.create_agenda_links)
    app.router.add_get("/events/{event_id}/agenda-links", agendas_routes.list_agenda_links)
    app.router.add_delete("/events/{event_id}/agenda-links/{link_id}", agendas_routes.delete_agenda_link)
    app.router.add_get(agendas_routes.LINKED_AGENDA_PATH, agendas_routes.get_linked_agenda)
    app.router.add_get(calendar_routes.FEED_PATH, calendar_routes.get_calendar_feed)
    app.router.add_get("/audit", audit_routes.list_audit)
    app.router.add_get("/privacy/organisations/{organisation_id}", export_routes.export_organisation)
    day_routes.add_day_routes(app)
    setup_feedback(app)
    setup_invitations(app)
    add_statistics_routes(app)
    app.router.add_get(report_routes.REPORT_PATH, report_routes.get_report_pdf)  # the yearly PDF
    setup_support(app)
    setup_relevance(app)  # the sign-up pages' lists, best fit first
    app.router.add_post("/events/{event_id}/arrivals", reception_routes.create_arrival)
    app.router.add_get("/events/{event_id}/arrivals", reception_routes.list_arrivals)
    app.router.add_delete("/events/{event_id}/arrivals/{organisation_id}", reception_routes.delete_arrival)
    app.router.add_get("/events/{event_id}/reception", reception_routes.reception)
    app.router.add_post("/events/{event_id}/standby/{organisation_id}", reception_routes.join_standby)
    app.router.add_delete("/events/{event_id}/standby/{organisation_id}", reception_routes.leave_standby)
    app.router.add_get(reception_file_routes.RECEPTION_PATH, reception_file_routes.get_reception_pdf)
    app.router.add_post(reception_file_routes.SCANS_PATH, reception_file_routes.read_scan)
    app.router.add_post("/events/{event_id}/board-links", board_routes.create_board_link)
    app.router.add_get("/events/{event_id}/board-links", board_routes.list_board_links)
    app.router.add_delete("/events/{event_id}/board-links/{link_id}", board_routes.delete_board_link)
    app.router.add_get(board_routes.SCRIPT_PATH, board_routes.get_board_script)
    app.router.add_get(agenda_live.SCRIPT_PATH, agenda_live.get_live_script)
    app.router.add_get(board_routes.BOARD_PATH, board_routes.get_board)
    # Agenda and board links carry their secret in the path: logs show "/a/…" and "/b/…" only.
    app[REDACTED_PATHS_KEY] = ("/a/", "/b/")
    add_openapi_routes(
        app,
        title="Affärsträff matcher",
        version="0.1.0",
        description="Matchning, mötesschema och agendor för affärsträffar.",
    )
