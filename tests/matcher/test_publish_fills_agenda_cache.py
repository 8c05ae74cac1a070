"""A publish keeps the agendas it built for the notices in the app's cache (issue 17): the organiser's grid
read right after the publish is served from them, not rebuilt from the stored version."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from services.matcher.agendas import cache
from tests.conftest import bearer
from tests.matcher.test_schedules import run_schedule, sample_event, working_matcher

__all__ = ["sample_event", "working_matcher"]  # fixtures of test_schedules, used here


async def test_the_grid_after_a_publish_is_read_from_the_agendas_the_publish_built(
    working_matcher: TestClient, organiser_token: str, sample_event: str, monkeypatch: pytest.MonkeyPatch
):
    builds = []
    build = cache.read_agendas

    async def counted(source, ref):
        builds.append(ref.number)
        return await build(source, ref)

    monkeypatch.setattr(cache, "read_agendas", counted)
    version = await run_schedule(working_matcher, organiser_token, sample_event, mode="fresh", seed=1)
    published = await working_matcher.post(
        f"/events/{sample_event}/schedules/{version['number']}/publish", headers=bearer(organiser_token)
    )
    assert published.status == 200, await published.text()

    grid = await working_matcher.get(f"/events/{sample_event}/agendas/grid", headers=bearer(organiser_token))
    assert grid.status == 200, await grid.text()
    assert (await grid.json())["version"] == version["number"]
    assert builds == []  # the publish's agendas, kept under the published version's key
