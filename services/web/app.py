"""The web front end's application factory."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from shared.clock import Clock
from shared.web import REDACTED_PATHS_KEY, base_application

from . import SERVICE_NAME
from .backend import http_session_context
from .keys import SETTINGS_KEY, TEMPLATES_KEY
from .organiser.grants import may_edit
from .render import page_middleware, template_environment
from .routes import setup_routes
from .settings import WebSettings

STATIC_DIR = Path(__file__).parent / "static"
# Sign-in links carry a secret after this prefix: logs show the prefix only.
SIGN_IN_LINK_PREFIX = "/logga-in/lank/"
FORGOTTEN_LINK_PREFIX = "/logga-in/glomt/"  # forgotten-password links, likewise
HOST_LINK_PREFIX = "/logga-in/vard/"  # a host's sign-in link is its token
CHECK_IN_PREFIX = "/incheckning/"  # a scanned agenda link's token


def create_app(settings: WebSettings, *, clock: Clock | None = None) -> web.Application:
    """Build the web app; it holds no data, only a connection pool to the services."""
    app = base_application(settings, SERVICE_NAME, clock, settings_key=SETTINGS_KEY)
    app.middlewares.append(page_middleware)
    app[TEMPLATES_KEY] = template_environment()
    app[TEMPLATES_KEY].globals["may_edit"] = may_edit  # may the signed-in person change this event?
    app[REDACTED_PATHS_KEY] = (SIGN_IN_LINK_PREFIX, FORGOTTEN_LINK_PREFIX, HOST_LINK_PREFIX, CHECK_IN_PREFIX)
    app.cleanup_ctx.append(http_session_context(settings))
    setup_routes(app)
    app.router.add_static("/static/", STATIC_DIR, append_version=True, name="static")
    return app
