"""What every service's aiohttp application has in common.

- :func:`request_context_middleware`: request id (taken from ``X-Request-ID`` or made), one log
  line per request, the id echoed in the response.
- :func:`problem_middleware`: every error becomes ``application/problem+json``; an unreachable
  database is 503 with ``Retry-After`` (logged once per outage, see :mod:`shared.outage`); unknown
  exceptions are logged with the request id and answered 500 without internals.
- :func:`read_json` / :func:`json_response`: thin handlers parse and serialise
  through pydantic with field-level errors.
- :func:`base_application`: the app with the above, the body size limit, the security headers of
  :mod:`shared.security_headers` on every response, and the OpenAPI routes.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, get_args, get_origin

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import BaseModel, ValidationError

from shared import api_docs, security_headers
from shared.clock import CLOCK_KEY, Clock, clock_for
from shared.errors import (
    PROBLEM_CONTENT_TYPE,
    PROBLEM_TYPE_BASE,
    Problem,
    ProblemError,
    ValidationProblem,
    field_errors_from_validation,
)
from shared.json_body import load_json, nul_parameters
from shared.logs import quiet_malformed_requests, request_id_var
from shared.openapi import build_openapi, operation, render_docs_html
from shared.outage import DATABASE_UNREACHABLE_DETAIL, OUTAGE_KEY, RETRY_AFTER_SECONDS, is_database_outage
from shared.settings import CommonSettings

log = logging.getLogger("shared.web")
ModelT = TypeVar("ModelT", bound=BaseModel)
SettingsT = TypeVar("SettingsT", bound=CommonSettings)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

# The common settings, for shared code; each service also has its own typed key to the same object
# (services/<service>/keys.py, set by base_application).
SETTINGS_KEY = web.AppKey("settings", CommonSettings)
SERVICE_NAME_KEY = web.AppKey("service_name", str)
REQUEST_ID_KEY = web.RequestKey("request_id", str)
# Path prefixes whose rest is a secret (the matcher's agenda links, /a/{token}): logs and problem
# documents show the prefix only, so a link never lands in a log file.
REDACTED_PATHS_KEY = web.AppKey("redacted_path_prefixes", tuple)


def loggable_path(request: web.Request) -> str:
    """The request path as logs may show it: past a secret prefix (see REDACTED_PATHS_KEY) only "…"."""
    path = request.rel_url.path
    for prefix in request.app.get(REDACTED_PATHS_KEY, ()):
        if path.startswith(prefix):
            return prefix + "…"
    return path


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> web.Response:
    """Serialise a problem document with the right content type."""
    return web.Response(
        status=problem.status,
        body=problem.model_dump_json(exclude_none=True).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


@web.middleware
async def request_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request[REQUEST_ID_KEY] = request_id
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
    finally:
        path = loggable_path(request)
        log.info(
            "%s %s %s",
            request.method,
            path,
            status,
            extra={
                "http_method": request.method,
                "path": path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        request_id_var.reset(token)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.get(REQUEST_ID_KEY)
    path = loggable_path(request)
    try:
        return await handler(request)
    except ProblemError as error:
        return problem_response(error.to_problem(path, request_id), error.headers)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {k: v for k, v in error.headers.items() if k.lower() in ("allow", "retry-after")}
        detail = None
        if isinstance(error, web.HTTPRequestEntityTooLarge):
            limit = request.app[SETTINGS_KEY].max_body_bytes
            detail = f"The request body is larger than the limit of {limit} bytes."
        elif isinstance(error, web.HTTPMethodNotAllowed):
            detail = f"{request.method} is not allowed here; allowed: {', '.join(sorted(error.allowed_methods))}."
        elif isinstance(error, web.HTTPNotFound):
            detail = f"Nothing at {path}."
        problem = Problem(title=error.reason, status=error.status, detail=detail, instance=path, request_id=request_id)
        return problem_response(problem, headers)
    except Exception as error:
        if is_database_outage(error):
            return database_unavailable(request, error, path, request_id)
        # The traceback goes to the log (with the request id); the client gets the id only.
        log.exception("unhandled error in %s %s", request.method, path)
        problem = Problem(
            type="about:blank",
            title="Internal Server Error",
            status=500,
            detail="Something went wrong on our side. Quote the request id when you report it.",
            instance=path,
            request_id=request_id,
        )
        return problem_response(problem)


def database_unavailable(request: web.Request, error: Exception, path: str, request_id: str | None) -> web.Response:
    """503 with ``Retry-After`` for a request the database could not serve; the outage is logged once."""
    outage = request.app.get(OUTAGE_KEY)
    if outage is not None:
        outage.failed(error)  # logs only when this starts the outage
        outage.answered()
    problem = Problem(
        type=f"{PROBLEM_TYPE_BASE}database-unavailable",
        title="Service Unavailable",
        status=503,
        detail=DATABASE_UNREACHABLE_DETAIL,
        instance=path,
        request_id=request_id,
    )
    return problem_response(problem, {"Retry-After": str(RETRY_AFTER_SECONDS)})


async def read_json(request: web.Request, model: type[ModelT]) -> ModelT:
    """Parse and validate a JSON request body, or raise the right problem (400/413/415/422).

    Parsing is :func:`shared.json_body.load_json`: malformed or too deeply nested JSON is a 400, NUL in
    any string a 422 with its pointer, whatever the model types the field as.
    """
    if request.content_type != "application/json":
        raise ProblemError(
            f"Send the body as application/json (got {request.content_type or 'nothing'}).",
            status=415,
            slug="unsupported-media-type",
        )
    # 413 past client_max_size; 400 not JSON or too deep; 422 NUL in any string (shared.json_body)
    data = load_json(await request.read())
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationProblem(field_errors_from_validation(error, source="body")) from None


def _accepts_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(_accepts_list(arg) for arg in get_args(annotation))


def read_query(request: web.Request, model: type[ModelT]) -> ModelT:
    """Validate the query string against a model, or raise 422 naming each bad parameter.

    Repeated parameters (``?cpv=a&cpv=b``) become lists for fields typed as lists.
    """
    nul = nul_parameters(request.query.items())
    if nul:  # PostgreSQL cannot compare with, nor store, a NUL: refused for every parameter alike
        raise ValidationProblem(nul)
    data: dict[str, Any] = {}
    for name in dict.fromkeys(request.query):  # a multidict repeats keys
        values = request.query.getall(name)
        field = model.model_fields.get(name)
        data[name] = values if field is not None and _accepts_list(field.annotation) else values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationProblem(field_errors_from_validation(error, source="query")) from None


def json_response(model: BaseModel | None, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Serialise a pydantic model (or nothing, for 204)."""
    if model is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        status=status,
        body=model.model_dump_json(by_alias=True).encode(),
        content_type="application/json",
        headers=headers,
    )


async def read_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """A posted form's fields; a body that cannot be read as one (e.g. multipart without its boundary) is the
    sender's mistake, answered 400 like bad JSON, never a 500."""
    try:
        return await request.post()
    except ValueError:
        raise ProblemError(
            "Formuläret kunde inte läsas. / The form could not be read.", status=400, slug="malformed-form"
        ) from None


def script_response(body: bytes) -> web.Response:
    """A script file of ours (pages' CSPs allow files of this service, never inline script), cached a while."""
    return web.Response(
        body=body, content_type="text/javascript", charset="utf-8", headers={"Cache-Control": "public, max-age=300"}
    )


def add_openapi_routes(app: web.Application, *, title: str, version: str, description: str) -> None:
    """Serve ``/openapi.json`` (built once, on first request), ``/docs`` (the document in Swagger UI, its files
    under ``/docs/static/``) and ``/docs/text`` (the same as a plain page)."""
    cache: dict[str, Any] = {}

    def document() -> dict[str, Any]:
        if "doc" not in cache:
            cache["doc"] = build_openapi(app, title=title, version=version, description=description)
        return cache["doc"]

    @operation("The OpenAPI 3.1 document of this service", tags=("meta",))
    async def openapi_json(request: web.Request) -> web.Response:
        """The OpenAPI document."""
        return web.json_response(document())

    @operation("This API in a viewer (Swagger UI, with Try it out)", tags=("meta",), response_content_type="text/html")
    async def docs_page(request: web.Request) -> web.Response:
        """The OpenAPI document in Swagger UI, served by this service (shared/api_docs.py)."""
        return api_docs.viewer_response(title)

    @operation("This API as a plain page (no scripts)", tags=("meta",), response_content_type="text/html")
    async def docs_text_page(request: web.Request) -> web.Response:
        """Human-readable API documentation without the viewer."""
        return web.Response(text=render_docs_html(document()), content_type="text/html")

    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/docs", docs_page)
    app.router.add_get("/docs/text", docs_text_page)
    api_docs.add_docs_routes(app)  # the viewer's files: no operations, so not in the document


def base_application(
    settings: SettingsT,
    service_name: str,
    clock: Clock | None = None,
    *,
    settings_key: web.AppKey[SettingsT] | None = None,
) -> web.Application:
    """An application with the shared middlewares, body limit, settings and clock; routes come from the service.

    ``clock``: what ``app[CLOCK_KEY]`` answers (tests pass a :class:`shared.clock.ManualClock`); by default
    the one ``CLOCK_FILE`` names, else the system's. ``settings_key``: the service's own settings key (typed
    as its settings class, e.g. ``services.matcher.keys.SETTINGS_KEY``); it is given the same object as
    :data:`SETTINGS_KEY`, here and nowhere else, so the two cannot disagree.
    """
    app = web.Application(
        middlewares=[request_context_middleware, problem_middleware],
        client_max_size=settings.max_body_bytes,
    )
    common: CommonSettings = settings  # as the shared key's type (mypy infers no type from a type variable here)
    app[SETTINGS_KEY] = common
    if settings_key is not None:
        app[settings_key] = settings
    app[CLOCK_KEY] = clock if clock is not None else clock_for(settings.clock_file)
    app[SERVICE_NAME_KEY] = service_name
    security_headers.install(app)
    quiet_malformed_requests()
    return app
