"""The registry's typed application keys, in one place.

Each key says what ``app[KEY]`` holds, so a type checker knows it at every use. The types are imported
for the checker only: this module imports nothing of the registry at run time (only its settings), so any
module may import its keys without an import cycle.

``SETTINGS_KEY`` holds the same object as :data:`shared.web.SETTINGS_KEY` (both set once, by
:func:`shared.web.base_application`), typed as :class:`RegistrySettings`: the registry reads its own
fields through it, shared code reads the common ones through the shared key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from .settings import RegistrySettings

if TYPE_CHECKING:
    from .bulk import ValidationWorkers

SETTINGS_KEY = web.AppKey("registry_settings", RegistrySettings)
# The session the registry asks the matcher with (a person's data export).
MATCHER_SESSION_KEY = web.AppKey("matcher_session", aiohttp.ClientSession)
VALIDATION_WORKERS_KEY: web.AppKey[ValidationWorkers] = web.AppKey("validation_workers")
