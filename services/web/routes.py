"""Every page's route, in one place. Paths are Swedish: they show in the address bar."""

from __future__ import annotations

from aiohttp import web

from shared.health import healthz

from . import auth_pages, password_pages, readiness


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readiness.readyz)
    app.router.add_get("/", auth_pages.home)
    app.router.add_get("/logga-in", auth_pages.login_form)
    app.router.add_post("/logga-in", auth_pages.login)
    app.router.add_get("/logga-in/lank", auth_pages.link_form)
    app.router.add_post("/logga-in/lank", auth_pages.send_link)
    app.router.add_get("/logga-in/lank/{token}", auth_pages.link_confirm)
    app.router.add_post("/logga-in/lank/{token}", auth_pages.redeem_link)
    app.router.add_get("/logga-in/glomt", password_pages.forgot_form)
    app.router.add_post("/logga-in/glomt", password_pages.send_password_link)
    app.router.add_get("/logga-in/glomt/{token}", password_pages.reset_form)
    app.router.add_post("/logga-in/glomt/{token}", password_pages.reset_password)
    app.router.add_post("/logga-ut", auth_pages.logout)
    from . import accessibility_pages, privacy_pages

    app.router.add_get("/integritet", privacy_pages.privacy_page)
    app.router.add_get("/tillganglighet", accessibility_pages.accessibility_page)
    from . import public_event_pages

    app.router.add_get("/evenemang/{event_id}", public_event_pages.public_event)  # no sign-in: newsletters link it

    # --- SME pages (sme_pages.py) ---
    from . import reference_pages, sme_need_pages, sme_pages, sme_signup_pages

    app.router.add_get("/api/cpv", reference_pages.cpv_api)
    app.router.add_get("/api/orgnr", reference_pages.orgnr_api)
    app.router.add_get("/cpv", reference_pages.cpv_page)
    app.router.add_get("/registrera", sme_pages.register_form)
    app.router.add_post("/registrera", sme_pages.register)
    app.router.add_get("/foretag", sme_pages.start)
    app.router.add_get("/foretag/profil", sme_pages.profile_form_page)
    app.router.add_post("/foretag/profil", sme_pages.update_profile)
    app.router.add_get("/foretag/behov/{need_id}", sme_need_pages.need_page)
    app.router.add_post("/foretag/behov/{need_id}/folj", sme_need_pages.change_follow)
    app.router.add_get("/foretag/foljer", sme_need_pages.follows_page)
    app.router.add_post("/foretag/foljer/omrade/{division}", sme_need_pages.stop_following_division)
    event = "/foretag/evenemang/{event_id}"
    app.router.add_get(event, sme_signup_pages.event_needs)
    app.router.add_get(event + "/anmalan", sme_signup_pages.signup_form)
    app.router.add_post(event + "/anmalan", sme_signup_pages.signup)
    app.router.add_get(event + "/avboka", sme_signup_pages.cancel_form)
    app.router.add_post(event + "/avboka", sme_signup_pages.cancel)
    app.router.add_get(event + "/agenda", sme_signup_pages.agenda)
    app.router.add_get(event + "/agenda.ics", sme_signup_pages.agenda_ics)
    app.router.add_get(event + "/agenda.pdf", sme_signup_pages.agenda_pdf)
    # --- end SME pages ---

    # --- buyer pages (buyer_pages.py) ---
    from . import buyer_need_import as need_import
    from . import buyer_need_pages as needs
    from . import buyer_pages as buyers
    from . import buyer_signup_pages as buyer_signups

    app.router.add_get("/kopare", buyers.start)
    app.router.add_get("/kopare/organisation", buyers.organisation_form)
    app.router.add_post("/kopare/organisation", buyers.save_organisation)
    app.router.add_get("/kopare/behov/ny", needs.new_need_form)
    app.router.add_post("/kopare/behov/ny", needs.create_need)
    app.router.add_get("/kopare/behov/importera", need_import.import_form)
    app.router.add_post("/kopare/behov/importera", need_import.import_needs)
    app.router.add_get("/kopare/behov/{need_id}", needs.edit_need_form)
    app.router.add_post("/kopare/behov/{need_id}", needs.save_need)
    app.router.add_post("/kopare/behov/{need_id}/status", needs.change_status)
    app.router.add_get("/kopare/behov/{need_id}/ta-bort", needs.delete_form)
    app.router.add_post("/kopare/behov/{need_id}/ta-bort", needs.delete_need)
    app.router.add_get("/kopare/evenemang/{event_id}/anmalan", buyer_signups.signup_form_page)
    app.router.add_post("/kopare/evenemang/{event_id}/anmalan", buyer_signups.save_signup)
    app.router.add_get("/kopare/evenemang/{event_id}/avboka", buyer_signups.cancel_form)
    app.router.add_post("/kopare/evenemang/{event_id}/avboka", buyer_signups.cancel_signup)
    app.router.add_get("/kopare/evenemang/{event_id}/agenda", buyer_signups.agenda)
    app.router.add_get("/kopare/evenemang/{event_id}/agenda.pdf", buyer_signups.agenda_pdf)
    app.router.add_get("/kopare/evenemang/{event_id}/agenda.ics", buyer_signups.agenda_ics)
    # --- end buyer pages ---

    # --- organiser pages (organiser/) ---
    from .organiser import accounts, audit, event_copy, events, grants, invitations, signups

    app.router.add_get("/arrangor", events.events_list)
    app.router.add_get("/arrangor/evenemang/ny", events.new_event_form)
    app.router.add_post("/arrangor/evenemang/ny", events.save_event)
    app.router.add_get("/arrangor/evenemang/{event_id}", events.event_page)
    app.router.add_get("/arrangor/evenemang/{event_id}/andra", events.edit_event_form)
    app.router.add_post("/arrangor/evenemang/{event_id}/andra", events.save_event)
    app.router.add_post("/arrangor/evenemang/{event_id}/status", events.change_status)
    app.router.add_get("/arrangor/evenemang/{event_id}/anmalningar", signups.signups)
    app.router.add_get("/arrangor/evenemang/{event_id}/logg", audit.audit_page)
    event_copy.add_routes(app)  # "Kopiera som mall": GET and POST /arrangor/evenemang/{id}/kopiera
    grants.add_routes(app)  # "Behörigheter": supporters' grants, /arrangor/evenemang/{id}/behorigheter
    invitations.add_routes(app)  # "Bjud in företag": GET and POST /arrangor/evenemang/{id}/bjud-in
    from . import support_pages

    support_pages.add_routes(app)  # individual support: /arrangor/evenemang/{id}/stod and the adviser's /radgivare
    from . import statistics_pages

    statistics_pages.add_routes(app)  # /arrangor/statistik: the figures across events, CSV, spreadsheet, PDF
    from . import feedback_pages

    app.router.add_get("/arrangor/evenemang/{event_id}/utvardering", feedback_pages.feedback_page)
    app.router.add_post("/arrangor/evenemang/{event_id}/utvardering", feedback_pages.save_feedback_settings)
    app.router.add_get("/arrangor/evenemang/{event_id}/export/anmalningar.csv", signups.export_signups)
    app.router.add_get("/arrangor/evenemang/{event_id}/export/moten.csv", signups.export_meetings)
    app.router.add_get("/arrangor/konton", accounts.accounts)
    app.router.add_post("/arrangor/konton", accounts.create_account)
    app.router.add_post("/arrangor/konton/{account_id}/losenord", accounts.change_password)
    app.router.add_post("/arrangor/konton/{account_id}/status", accounts.change_account_status)
    from .schedule import publishing, runs, versions

    schedule = "/arrangor/evenemang/{event_id}/schema"
    app.router.add_get(schedule, runs.overview)
    app.router.add_post(schedule + "/kor", runs.run)
    app.router.add_get(schedule + "/jobb/{job_id}", runs.job_page)
    app.router.add_get(schedule + "/jobb/{job_id}/status.json", runs.job_status)
    app.router.add_post(schedule + "/regler", versions.rule)
    app.router.add_get(schedule + r"/{number:\d+}", versions.version_page)
    app.router.add_get(schedule + r"/{number:\d+}/publicera", publishing.publish_confirm)
    app.router.add_post(schedule + r"/{number:\d+}/publicera", publishing.publish)
    app.router.add_get("/arrangor/evenemang/{event_id}/utskrift/schema.pdf", publishing.print_grid)
    app.router.add_get("/arrangor/evenemang/{event_id}/utskrift/kopare/{organisation_id}.pdf", publishing.print_buyer)
    # --- the reception on the event's day (reception_pages.py): organisers and the event's hosts ---
    from . import reception_pages as reception

    desk = "/arrangor/evenemang/{event_id}/reception"
    app.router.add_get(desk, reception.reception_page)
    app.router.add_post(desk + "/incheckning", reception.check_in)
    app.router.add_get(desk + "/ny", reception.walk_in_form)
    app.router.add_post(desk + "/ny", reception.register_walk_in)
    app.router.add_post(desk + "/vardar", reception.create_host_link)
    app.router.add_post(desk + "/{organisation_id}/angra", reception.undo_check_in)
    app.router.add_post(desk + "/{organisation_id}/reserv", reception.standby)
    app.router.add_get("/logga-in/vard/{token}", reception.host_sign_in_form)
    app.router.add_post("/logga-in/vard/{token}", reception.host_sign_in)
    app.router.add_get("/incheckning/{token}", reception.scanned_link)
    # --- the venue's screens (board_pages.py): links for a TV showing now and next per table ---
    from . import board_pages

    app.router.add_get("/arrangor/evenemang/{event_id}/skarm", board_pages.board_page)
    app.router.add_post("/arrangor/evenemang/{event_id}/skarm", board_pages.create_board_link)
    app.router.add_post("/arrangor/evenemang/{event_id}/skarm/{link_id}/aterkalla", board_pages.revoke_board_link)
    # --- the event day (day_pages.py): the buyer marks its meetings, the firm declines, the organiser's day ---
    from . import day_pages

    app.router.add_post("/kopare/evenemang/{event_id}/agenda/status", day_pages.mark_meeting)
    app.router.add_post(event + "/agenda/kan-inte", day_pages.decline_meeting)
    app.router.add_post(event + "/agenda/upptagen", day_pages.busy_slot)
    app.router.add_post("/arrangor/evenemang/{event_id}/dagen", day_pages.save_day_settings)
    app.router.add_post("/arrangor/evenemang/{event_id}/dagen/avbokning", day_pages.review_decline)
    # --- end organiser pages ---
