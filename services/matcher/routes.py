"""Every route of the matcher, in one place."""

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Principal, require
from shared.health import add_health_routes
from shared.openapi import operation
from shared.web import add_openapi_routes, json_response


@operation("Who am I? (token checked with the registry)", tags=("auth",), response=Principal, errors=(503,))
@require()
async def whoami(request: web.Request) -> web.Response:
    """The caller's principal, as the registry vouches for it."""
    return json_response(request[PRINCIPAL_KEY])


def setup_routes(app: web.Application) -> None:
    add_health_routes(app)
    app.router.add_get("/auth/whoami", whoami)
    add_openapi_routes(
        app,
        title="Affärsträff matcher",
        version="0.1.0",
        description="Matchning, mötesschema och agendor för affärsträffar.",
    )
