"""Every page's route, in one place. Paths are Swedish: they show in the address bar."""

from __future__ import annotations

from aiohttp import web

from shared.health import healthz

from . import auth_pages, readiness


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
    app.router.add_post("/logga-ut", auth_pages.logout)

    # --- SME pages (sme_pages.py) ---
    # --- end SME pages ---

    # --- buyer pages (buyer_pages.py) ---
    # --- end buyer pages ---

    # --- organiser pages (organiser_pages.py) ---
    # --- end organiser pages ---
