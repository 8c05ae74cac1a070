"""The event day's settings (``matcher.event_day_settings``): frozen horizon, live mode, what a decline before
the day does, and the reminders (sent by onsite reminders; stored here).

No row means the defaults. The ETag is a digest of the stored values and their time, so ``If-Match`` works
as on every other update: a PUT based on what someone else has since changed is a 412 and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import PreconditionFailed, ProblemError

from ..audit import Actor, record
from ..sql import onsite_day as sql

DEFAULTS_ETAG = '"defaults"'


class DaySettingsIn(BaseModel):
    """The event day's settings; every field can be left out (then its default)."""

    model_config = ConfigDict(extra="forbid")

    frozen_horizon_minutes: int = Field(
        default=10, ge=0, le=240, description="Nothing starting within this many minutes (or started) is moved or added"
    )
    live_mode: bool = Field(
        default=False, description="true: a live fill is published at once; false: it waits as a draft for a click"
    )
    declines_before_day: Literal["review", "replan"] = Field(
        default="review", description="A decline or busy slot before the day: the organiser reviews it, or a re-plan"
    )
    remind_signup_days_before: int | None = Field(
        default=None,
        ge=1,
        le=60,
        description="Remind signed-up firms that ranked no needs this many days before "
        "sign-up closes (null: no reminder)",
    )
    remind_agenda_day_before: bool = Field(default=True, description="Send everyone their agenda the day before")
    remind_minutes_before: int | None = Field(
        default=None, ge=1, le=120, description="A short reminder this many minutes before each meeting (null: none)"
    )
    avoid_repeat_pairs: bool = Field(
        default=True,
        description="Pairs who met at an earlier event are not paired again unless one asks (the web sends it as "
        "the schedule job's avoid_repeat_pairs). Set on the event form: a PUT leaving it out keeps it unchanged",
    )


class DaySettings(DaySettingsIn):
    """The settings as stored, with when and by whom they were last changed (null: never, the defaults)."""

    model_config = ConfigDict(extra="ignore")

    event_id: UUID
    updated_at: dt.datetime | None = None


class DaySettingsOut(DaySettings):
    """The settings as answered, with their entity tag (the ETag header's value, for forms)."""

    etag: str = Field(description="The ETag of these settings: send it as If-Match to change them")

    @classmethod
    def of(cls, settings: DaySettings) -> DaySettingsOut:
        return cls(**settings.model_dump(), etag=settings_etag(settings))


def settings_etag(settings: DaySettings) -> str:
    """The entity tag of the stored settings ("defaults" while there is no row).

    Examples
    --------
    >>> from uuid import UUID
    >>> settings_etag(DaySettings(event_id=UUID(int=1)))
    '"defaults"'
    >>> stored = DaySettings(event_id=UUID(int=1), updated_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    >>> settings_etag(stored) == settings_etag(stored.model_copy(update={"live_mode": True}))
    False
    """
    if settings.updated_at is None:
        return DEFAULTS_ETAG
    stored = DaySettings.model_validate(settings.model_dump(exclude={"etag"}))
    return '"' + hashlib.sha256(stored.model_dump_json().encode()).hexdigest()[:20] + '"'


def _settings(event_id: UUID, row: asyncpg.Record | None) -> DaySettings:
    return DaySettings(event_id=event_id) if row is None else DaySettings.model_validate(dict(row))


async def load_day_settings(conn: asyncpg.Connection | asyncpg.Pool, event_id: UUID) -> DaySettings:
    """The event's day settings (the defaults when none were stored)."""
    return _settings(event_id, await conn.fetchrow(sql.SELECT_DAY_SETTINGS, event_id))


def if_match(request: web.Request) -> str | None:
    """The entity tag ``If-Match`` names, None when absent or ``*``."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tag = header.strip().removeprefix("W/")
    if not (len(tag) >= 2 and tag.startswith('"') and tag.endswith('"') and '"' not in tag[1:-1]):
        raise ProblemError(
            'If-Match must be one entity tag as sent in ETag, e.g. If-Match: "defaults".',
            status=400,
            slug="bad-if-match",
        )
    return tag


async def save_day_settings(
    conn: asyncpg.Connection,
    event_id: UUID,
    body: DaySettingsIn,
    *,
    expected: str | None,
    actor: Actor,
    now: dt.datetime,
) -> tuple[DaySettings, bool]:
    """Store the settings (412 when ``expected`` is not the current ETag); ``(settings, created)``."""
    async with conn.transaction():
        current_row = await conn.fetchrow(sql.LOCK_DAY_SETTINGS, event_id)
        current = _settings(event_id, current_row)
        if expected is not None and expected != settings_etag(current):
            raise PreconditionFailed(
                "Inställningarna för dagen har ändrats av någon annan; läs dem igen. "
                "(The day settings were changed by someone else; read them again and re-apply your change.)",
                headers={"ETag": settings_etag(current)},
            )
        row = await conn.fetchrow(
            sql.UPSERT_DAY_SETTINGS,
            event_id,
            body.frozen_horizon_minutes,
            body.live_mode,
            body.declines_before_day,
            body.remind_signup_days_before,
            body.remind_agenda_day_before,
            body.remind_minutes_before,
            now,
            actor.token_id,
            # The event form sets it, the day page's form does not send it: left out, it stays as it was.
            body.avoid_repeat_pairs if "avoid_repeat_pairs" in body.model_fields_set else current.avoid_repeat_pairs,
        )
        saved = _settings(event_id, row)
        changed = sorted(name for name in DaySettingsIn.model_fields if getattr(current, name) != getattr(saved, name))
        await record(
            conn,
            actor,
            "day_settings.update",
            "day_settings",
            event_id,
            event_id=event_id,
            details={"changed": changed, **{name: getattr(saved, name) for name in changed}},
        )
    return saved, current_row is None
