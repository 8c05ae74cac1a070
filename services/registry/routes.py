"""Every route of the registry, in one place."""

from aiohttp import web

from shared.health import add_health_routes
from shared.web import add_openapi_routes

from . import (
    account_privacy,
    accounts,
    audit_routes,
    bulk,
    changes,
    event_copy,
    event_grants,
    event_publication,
    events,
    follows,
    needs,
    needs_ocds,
    organisation_search,
    organisations,
    pair_rules,
    password_links,
    privacy,
    public_events,
    registrations,
    segments,
    sign_in_links,
    snapshot,
    thresholds,
    tokens,
    walk_ins,
)


def setup_routes(app: web.Application) -> None:
    add_health_routes(app)
    app.router.add_post("/auth/tokens", tokens.create_token)
    app.router.add_get("/auth/tokens", tokens.list_tokens)
    app.router.add_delete("/auth/tokens/{token_id}", tokens.revoke_token)
    app.router.add_get("/auth/whoami", tokens.whoami)
    app.router.add_post("/auth/introspect", tokens.introspect)
    app.router.add_post("/auth/accounts", accounts.create_account)
    app.router.add_get("/auth/accounts", accounts.list_accounts)
    app.router.add_get("/auth/accounts/{account_id}", accounts.get_account)
    app.router.add_patch("/auth/accounts/{account_id}", accounts.update_account)
    app.router.add_delete("/auth/accounts/{account_id}", account_privacy.erase_account)
    app.router.add_get("/auth/accounts/{account_id}/export", account_privacy.export_account)
    app.router.add_post("/auth/login", accounts.login)
    app.router.add_post("/auth/logout", accounts.logout)
    app.router.add_post("/auth/sign-in-links", sign_in_links.create_sign_in_links)
    app.router.add_post("/auth/sign-in-links/redeem", sign_in_links.redeem_sign_in_link)
    app.router.add_post("/auth/password-links", password_links.create_password_links)
    app.router.add_post("/auth/password-links/redeem", password_links.redeem_password_link)
    app.router.add_post("/organisations", organisations.create_organisation)
    app.router.add_get("/organisations", organisation_search.list_organisations)
    app.router.add_get("/organisations/{organisation_id}", organisations.get_organisation)
    app.router.add_patch("/organisations/{organisation_id}", organisations.update_organisation)
    app.router.add_delete("/organisations/{organisation_id}", privacy.erase_organisation)
    app.router.add_get("/organisations/{organisation_id}/export", privacy.export_organisation)
    app.router.add_get("/organisations/{organisation_id}/audit", audit_routes.list_organisation_audit)
    app.router.add_get("/organisations/{organisation_id}/follows", follows.list_follows)
    app.router.add_post("/organisations/{organisation_id}/follows", follows.create_follow)
    app.router.add_delete("/organisations/{organisation_id}/follows", follows.delete_follow)
    app.router.add_get("/audit", audit_routes.list_audit)
    app.router.add_post("/needs", needs.create_need)
    app.router.add_get("/needs", needs.list_needs)
    app.router.add_post("/needs/import/ocds", needs_ocds.import_ocds)
    app.router.add_get("/needs/export/ocds", needs_ocds.export_ocds)
    app.router.add_get("/needs/{need_id}", needs.get_need)
    app.router.add_patch("/needs/{need_id}", needs.patch_need)
    app.router.add_delete("/needs/{need_id}", needs.delete_need)
    app.router.add_post("/needs/{need_id}/status", needs.change_status)
    app.router.add_get("/needs/{need_id}/followers", follows.list_followers)
    app.router.add_get("/segments/firms", segments.list_segment_firms)
    app.router.add_get("/thresholds", thresholds.list_thresholds)
    app.router.add_post("/thresholds", thresholds.create_threshold)
    app.router.add_post("/events", events.create_event)
    app.router.add_get("/events", events.list_events)
    app.router.add_get("/events/{event_id}", events.get_event)
    app.router.add_get("/public/events", public_events.list_public_events)
    app.router.add_get("/public/events/{event_id}", public_events.get_public_event)
    app.router.add_patch("/events/{event_id}", events.update_event)
    app.router.add_delete("/events/{event_id}", events.delete_event)
    app.router.add_post("/events/{event_id}/transitions", events.transition_event)
    app.router.add_get("/events/{event_id}/transitions", events.list_transitions)
    app.router.add_post("/events/{event_id}/publication", event_publication.record_publication)
    app.router.add_post("/events/{event_id}/copy", event_copy.copy_event)
    app.router.add_get("/events/{event_id}/grants", event_grants.list_grants)
    app.router.add_put("/events/{event_id}/grants/{account_id}", event_grants.put_grant)
    app.router.add_delete("/events/{event_id}/grants/{account_id}", event_grants.delete_grant)
    app.router.add_post("/events/{event_id}/registrations", registrations.create_registration)
    app.router.add_get("/events/{event_id}/registrations", registrations.list_registrations)
    app.router.add_post("/events/{event_id}/walk-ins", walk_ins.create_walk_in)
    app.router.add_get("/registrations/{registration_id}", registrations.get_registration)
    app.router.add_patch("/registrations/{registration_id}", registrations.update_registration)
    app.router.add_post("/registrations/{registration_id}/cancel", registrations.cancel_registration)
    app.router.add_get("/events/{event_id}/snapshot", snapshot.get_snapshot)
    app.router.add_get("/events/{event_id}/pair-rules", pair_rules.list_pair_rules)
    app.router.add_put("/events/{event_id}/pair-rules/{sme_id}/{buyer_id}", pair_rules.put_pair_rule)
    app.router.add_delete("/events/{event_id}/pair-rules/{sme_id}/{buyer_id}", pair_rules.delete_pair_rule)
    app.router.add_post("/organisations/import", bulk.import_organisations)
    app.router.add_get("/changes", changes.list_changes)
    add_openapi_routes(
        app,
        title="Affärsträff registry",
        version="0.1.0",
        description="Företag, upphandlande organisationer, kommande behov, affärsträffar och anmälningar.",
    )
