"""The web front end's typed application keys, in one place.

Each key says what ``app[KEY]`` holds, so a type checker knows it at every use.

``SETTINGS_KEY`` holds the same object as :data:`shared.web.SETTINGS_KEY` (both set once, by
:func:`shared.web.base_application`), typed as :class:`WebSettings`: the front end reads its own fields
through it, shared code reads the common ones through the shared key.
"""

from __future__ import annotations

import aiohttp
import jinja2
from aiohttp import web

from .settings import WebSettings

SETTINGS_KEY = web.AppKey("web_settings", WebSettings)
TEMPLATES_KEY = web.AppKey("web_templates", jinja2.Environment)
# The one session the pages call the registry and the matcher with.
HTTP_SESSION_KEY = web.AppKey("web_http_session", aiohttp.ClientSession)
