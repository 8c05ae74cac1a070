"""One error shape for both services: RFC 9457 ``application/problem+json``.

Handlers raise :class:`ProblemError` (or a subclass); the error middleware in
:mod:`shared.web` turns it, aiohttp's own HTTP errors and unknown exceptions into a problem
document. Field-level validation details go in the ``errors`` extension member, each with a
JSON Pointer (RFC 6901) into the request body or the name of the offending parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:affarstraff:problem:"


class FieldError(BaseModel):
    """One thing wrong with one field of the request."""

    model_config = ConfigDict(extra="forbid")

    pointer: str | None = Field(default=None, description="JSON Pointer into the body, e.g. /contacts/0/email")
    parameter: str | None = Field(default=None, description="Name of a query or path parameter")
    code: str = Field(description="Stable machine-readable reason, e.g. missing, string_too_short")
    detail: str = Field(description="What is wrong, for people")


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response of both services."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="URI identifying the kind of problem")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path")
    request_id: str | None = Field(default=None, description="Quote this when asking for support")
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """An error that is the client's to fix (or a known server state), answered as a problem."""

    status: int = 400
    slug: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title or "")
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        self.detail = detail
        self.title = title or HTTPStatus(self.status).phrase
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extensions = extensions

    def to_problem(self, instance: str | None = None, request_id: str | None = None) -> Problem:
        return Problem(
            type=f"{PROBLEM_TYPE_BASE}{self.slug}" if self.slug else "about:blank",
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            request_id=request_id,
            errors=self.errors,
            **self.extensions,
        )


class NotFound(ProblemError):
    status = 404


class Conflict(ProblemError):
    status = 409
    slug = "conflict"


class Unauthorized(ProblemError):
    status = 401
    slug = "unauthorized"


class Forbidden(ProblemError):
    status = 403
    slug = "forbidden"


class PreconditionFailed(ProblemError):
    """412: the client's ``If-Match`` names a version that is no longer current."""

    status = 412
    slug = "stale-version"


class TooManyRequests(ProblemError):
    status = 429
    slug = "rate-limited"


class ValidationProblem(ProblemError):
    status = 422
    slug = "validation"

    def __init__(self, errors: Sequence[FieldError], detail: str | None = None) -> None:
        count = len(errors)
        super().__init__(
            detail or f"The request has {count} invalid field{'s' if count != 1 else ''}.",
            title="Validation failed",
            errors=errors,
        )


def json_pointer(location: Iterable[int | str]) -> str:
    """Build an RFC 6901 JSON Pointer from a pydantic error location.

    Examples
    --------
    >>> json_pointer(("contacts", 0, "e~mail/work"))
    '/contacts/0/e~0mail~1work'
    >>> json_pointer(())
    ''
    """
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in location)


def field_errors_from_validation(error: ValidationError, *, source: str = "body") -> list[FieldError]:
    """Turn a pydantic ValidationError into field errors, one per failed constraint.

    ``source`` is ``"body"`` (errors point into the JSON body) or ``"query"``/``"path"``
    (errors name the parameter). Input values are never echoed: they may be personal data.
    """
    result = []
    for item in error.errors(include_url=False, include_input=False):
        # pydantic adds the validator kind to locations of union/function validators; keep the fields.
        location = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
        message = item["msg"]
        if source == "body":
            result.append(FieldError(pointer=json_pointer(location), code=item["type"], detail=message))
        else:
            name = ".".join(str(part) for part in location) or source
            result.append(FieldError(parameter=name, code=item["type"], detail=message))
    return result
