"""Every route of the registry, in one place."""

from aiohttp import web

from shared.health import add_health_routes
from shared.web import add_openapi_routes

from . import tokens


def setup_routes(app: web.Application) -> None:
    add_health_routes(app)
    app.router.add_post("/auth/tokens", tokens.create_token)
    app.router.add_get("/auth/tokens", tokens.list_tokens)
    app.router.add_delete("/auth/tokens/{token_id}", tokens.revoke_token)
    app.router.add_get("/auth/whoami", tokens.whoami)
    app.router.add_post("/auth/introspect", tokens.introspect)
    # [organisations routes]
    # [needs routes]
    # [events routes]
    # [registrations routes]
    # [snapshot routes]
    # [bulk routes]
    add_openapi_routes(
        app,
        title="Affärsträff registry",
        version="0.1.0",
        description="Företag, upphandlande organisationer, kommande behov, affärsträffar och anmälningar.",
    )
