"""OpenAPI 3.1 generated from the handlers' own declarations and their pydantic models.

A handler declares what it takes and gives with :func:`operation`; :func:`build_openapi` walks
the application's router and writes the document, so the document cannot drift from the routes.
:func:`render_docs_html` turns the document into a plain, accessible HTML page (no scripts, no CDN).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.errors import PROBLEM_CONTENT_TYPE, Problem

REF_TEMPLATE = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")

STANDARD_ERRORS = {
    400: "Malformed request (e.g. body is not JSON, or nested deeper than 64 levels; If-Match not an entity tag)",
    401: "Missing or invalid bearer token",
    403: "Authenticated, but not allowed to do this",
    404: "No such resource",
    409: "Conflicts with the current state",
    412: "If-Match names a stale version: read again, re-apply, retry",
    413: "Request body too large",
    415: "Body is not application/json",
    422: "Validation failed; `errors` lists each invalid field",
    429: "Too many requests; wait `Retry-After` seconds",
    500: "Unexpected server error; quote `request_id`",
    503: "Unavailable for now (e.g. the database is unreachable); retry after `Retry-After` seconds",
}


@dataclass(frozen=True)
class Operation:
    """What one handler takes and gives, for the OpenAPI document."""

    summary: str
    tags: tuple[str, ...] = ()
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    response_content_type: str = "application/json"
    errors: tuple[int, ...] = ()
    description: str | None = None
    extra_responses: dict[int, str] = field(default_factory=dict)


def operation(summary: str, **details: Any) -> Callable[[Callable], Callable]:
    """Attach an :class:`Operation` to a handler.

    Examples
    --------
    >>> @operation("Say hello", tags=("demo",))
    ... async def hello(request): ...
    >>> hello.__openapi__.summary
    'Say hello'
    """

    def decorate(handler: Callable) -> Callable:
        handler.__openapi__ = Operation(summary=summary, **details)  # type: ignore[attr-defined]
        return handler

    return decorate


def _parameters(path: str, operation_: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAMETER.findall(path)
    ]
    if operation_.query is not None:
        query_schema = operation_.query.model_json_schema(ref_template=REF_TEMPLATE)
        schemas.update(query_schema.pop("$defs", {}))
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    return params


def _iter_operations(app: web.Application) -> Iterable[tuple[str, str, Operation, tuple[str, ...] | None]]:
    for route in app.router.routes():
        if route.method in ("HEAD", "*"):
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        handler = route.handler
        declared: Operation | None = getattr(handler, "__openapi__", None)
        if path is None or declared is None:
            continue
        roles: tuple[str, ...] | None = getattr(handler, "__roles__", None)
        yield path, route.method.lower(), declared, roles


def build_openapi(app: web.Application, *, title: str, version: str, description: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every declared route of ``app``."""
    operations = list(_iter_operations(app))
    models: set[type[BaseModel]] = {Problem}
    for _, _, op, _ in operations:
        models.update(m for m in (op.body, op.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, top = models_json_schema([(model, "validation") for model in ordered], ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))

    paths: dict[str, dict[str, Any]] = {}
    for path, method, op, roles in sorted(operations, key=lambda item: (item[0], item[1])):
        responses: dict[str, Any] = {}
        if op.response is not None:
            responses[str(op.status)] = {
                "description": HTTP_DESCRIPTIONS.get(op.status, "Success"),
                "content": {
                    op.response_content_type: {"schema": {"$ref": REF_TEMPLATE.format(model=op.response.__name__)}}
                },
            }
        else:
            responses[str(op.status)] = {"description": HTTP_DESCRIPTIONS.get(op.status, "Success")}
        for status, text in op.extra_responses.items():
            responses[str(status)] = {"description": text}
        # Any route may meet an unexpected error, and any route may find the database away (503).
        error_codes = set(op.errors) | {500, 503}
        if op.body is not None:
            error_codes |= {400, 413, 415, 422}
        if op.query is not None:
            error_codes.add(422)
        if roles is not None:
            error_codes |= {401, 403}
        if 412 in error_codes:
            error_codes.add(400)  # an If-Match that is no entity tag of ours (versioning.if_match_version)
        if _PATH_PARAMETER.search(path):
            error_codes.add(404)  # a malformed or unknown id in the path (shared.paths)
        for status in sorted(error_codes):
            responses[str(status)] = {
                "description": STANDARD_ERRORS.get(status, "Error"),
                "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": REF_TEMPLATE.format(model="Problem")}}},
            }
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": f"{method}_{re.sub(r'[^a-zA-Z0-9]+', '_', path).strip('_') or 'root'}",
            "responses": responses,
        }
        if op.description:
            entry["description"] = op.description
        if op.tags:
            entry["tags"] = list(op.tags)
        params = _parameters(path, op, schemas)
        if params:
            entry["parameters"] = params
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=op.body.__name__)}}},
            }
        if roles is not None:
            entry["security"] = [{"bearer": []}]
            entry["x-roles"] = list(roles)
        paths.setdefault(path, {})[method] = entry

    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "API token"}},
        },
    }


HTTP_DESCRIPTIONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}


def _schema_rows(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        kind = (
            prop.get("type")
            or prop.get("$ref", "").rsplit("/", 1)[-1]
            or (" | ".join(str(p.get("type") or p.get("$ref", "").rsplit("/", 1)[-1]) for p in prop.get("anyOf", [])))
        )
        rows.append(
            f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(str(kind))}</td>"
            f"<td>{'ja' if name in required else 'nej'}</td>"
            f"<td>{html.escape(str(prop.get('description', '')))}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<table><thead><tr><th scope='col'>Fält</th><th scope='col'>Typ</th><th scope='col'>Krävs</th>"
        "<th scope='col'>Beskrivning</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def render_docs_html(document: dict[str, Any]) -> str:
    """A readable page of the API for people, made from the OpenAPI document.

    Examples
    --------
    >>> page = render_docs_html({"info": {"title": "T", "version": "1", "description": "D"},
    ...                          "paths": {"/healthz": {"get": {"summary": "Alive?", "responses": {}}}},
    ...                          "components": {"schemas": {}}})
    >>> "<h2 id=\\"get-healthz\\"><code>GET /healthz</code>" in page
    True
    """
    info = document["info"]
    schemas = document.get("components", {}).get("schemas", {})
    sections = []
    for path, methods in document["paths"].items():
        for method, entry in methods.items():
            anchor = f"{method}-{re.sub(r'[^a-z0-9]+', '-', path.lower()).strip('-')}"
            roles = entry.get("x-roles")
            access = "öppen (ingen token)" if roles is None else "token med roll: " + ", ".join(roles or ["valfri"])
            body = entry.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            body_html = f"<h3>Begäran</h3>{_schema_rows(body, schemas)}" if body else ""
            response_items = "".join(
                f"<li><strong>{html.escape(code)}</strong> {html.escape(resp.get('description', ''))}</li>"
                for code, resp in entry.get("responses", {}).items()
            )
            sections.append(
                f'<section aria-labelledby="{anchor}"><h2 id="{anchor}"><code>{method.upper()} '
                f"{html.escape(path)}</code> — {html.escape(entry.get('summary', ''))}</h2>"
                f"<p>Åtkomst: {html.escape(access)}</p>{body_html}"
                f"<h3>Svar</h3><ul>{response_items}</ul></section>"
            )
    return (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(info['title'])} – API</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.5}"
        "table{border-collapse:collapse}td,th{border:1px solid #666;padding:.25rem .5rem;text-align:left}"
        "code{background:#f2f2f2;padding:0 .2rem}section{border-top:1px solid #999;margin-top:1.5rem}</style>"
        f"</head><body><main><h1>{html.escape(info['title'])} <small>v{html.escape(info['version'])}</small></h1>"
        f"<p>{html.escape(info.get('description', ''))}</p>"
        '<p>Maskinläsbar beskrivning (OpenAPI 3.1): <a href="/openapi.json">/openapi.json</a>. '
        "Fel besvaras som <code>application/problem+json</code> (RFC 9457).</p>"
        + "".join(sections)
        + "</main></body></html>"
    )
