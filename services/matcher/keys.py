"""The matcher's typed application keys, in one place.

Each key says what ``app[KEY]`` holds, so a type checker knows it at every use. The types are imported
for the checker only: this module imports nothing of the matcher at run time (only its settings), so any
module, however low, may import its keys without an import cycle.

``SETTINGS_KEY`` holds the same object as :data:`shared.web.SETTINGS_KEY` (both set once, by
:func:`shared.web.base_application`), typed as :class:`MatcherSettings`: the matcher reads its own fields
through it, shared code reads the common ones through the shared key.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import aiohttp
import asyncpg
from aiohttp import web

from .settings import MatcherSettings

if TYPE_CHECKING:
    from .agendas.cache import AgendaCache
    from .agendas.seen import SeenMarkers
    from .jobs.watch import JobWatch
    from .link_cache import LinkCache
    from .registry_client import RegistryClient
    from .relevance.routes import RelevanceCache

SETTINGS_KEY = web.AppKey("matcher_settings", MatcherSettings)
# The session the matcher calls the registry with (token checks and the registry client).
HTTP_SESSION_KEY = web.AppKey("registry_http", aiohttp.ClientSession)
REGISTRY_KEY: web.AppKey[RegistryClient] = web.AppKey("registry_client")
# A small second pool for agenda link reads (see services/matcher/agendas/reads.py).
READS_KEY = web.AppKey("agenda_reads_pool", asyncpg.Pool)
SEEN_KEY: web.AppKey[SeenMarkers] = web.AppKey("seen_markers")
LINK_CACHE_KEY: web.AppKey[LinkCache] = web.AppKey("link_cache")
# Stored versions' agendas and rendered files, built once per app (see services/matcher/agendas/cache.py).
AGENDA_CACHE_KEY: web.AppKey[AgendaCache] = web.AppKey("agenda_cache")
RELEVANCE_CACHE_KEY: web.AppKey[RelevanceCache] = web.AppKey("relevance_cache")
WATCH_KEY: web.AppKey[JobWatch] = web.AppKey("job_watch")
EXECUTOR_KEY = web.AppKey("solver_executor", Executor)
# The running job workers' tasks (see services/matcher/schedules/runner.py, workers_context).
WORKER_TASKS_KEY: web.AppKey[list[asyncio.Task[None]]] = web.AppKey("job_worker_tasks")
