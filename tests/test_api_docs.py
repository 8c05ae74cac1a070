"""``/docs`` of both API services: Swagger UI served by the service itself (no CDN, no inline script), its
files under ``/docs/static/`` with the right types, none of them in the OpenAPI document, and the
vendored bundle the version its README names."""

from __future__ import annotations

import re

import pytest

from shared import api_docs

ASSET_REFERENCE = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.fixture(params=["registry", "matcher"])
def service(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)


async def test_docs_is_swagger_ui_from_local_files_only(service) -> None:
    response = await service.get("/docs")
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    references = ASSET_REFERENCE.findall(page)
    assert {"/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css", "/docs/static/docs-init.js"} <= set(
        references
    )
    # Everything the page loads or links is of this service: a path, never another host.
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references), references
    assert "://" not in page, "an absolute address: the page would reach another host"
    assert "<script>" not in page and "<style" not in page  # the CSP allows files only
    assert 'data-openapi-url="/openapi.json"' in page and 'href="/docs/text"' in page  # the plain alternative
    assert '<html lang="sv">' in page and 'id="swagger-ui" lang="en"' in page  # the viewer's words are English


async def test_the_viewer_files_are_served_with_their_types(service) -> None:
    for name, content_type in api_docs.ASSETS.items():
        response = await service.get(f"/docs/static/{name}")
        assert response.status == 200, name
        assert response.headers["Content-Type"] == content_type, name
        assert response.headers["X-Content-Type-Options"] == "nosniff"  # a type browsers may not second-guess
        body = await response.read()
        assert body == (api_docs.ASSETS_DIR / name).read_bytes(), name
        again = await service.get(f"/docs/static/{name}", headers={"If-None-Match": response.headers["ETag"]})
        assert again.status == 304, name  # revalidated, not re-sent: the bundle is 1.7 MB
    bundle = await (await service.get("/docs/static/swagger-ui-bundle.js")).text()
    assert "SwaggerUIBundle" in bundle
    # Only the listed files: no directory is served, nothing beside them, no way out of the folder.
    for path in ("/docs/static/README.md", "/docs/static/LICENSE", "/docs/static/", "/docs/static/../api_docs.py"):
        assert (await service.get(path)).status == 404, path


async def test_the_viewer_files_are_no_operations_of_the_api(service) -> None:
    document = await (await service.get("/openapi.json")).json()
    assert {"/docs", "/docs/text"} <= set(document["paths"])
    assert not [path for path in document["paths"] if path.startswith(api_docs.STATIC_PREFIX)]


def test_the_vendored_bundle_is_the_version_the_readme_names() -> None:
    bundle = (api_docs.ASSETS_DIR / "swagger-ui-bundle.js").read_text()
    assert f'PACKAGE_VERSION:"{api_docs.SWAGGER_UI_VERSION}"' in bundle
    readme = (api_docs.ASSETS_DIR / "README.md").read_text()
    assert f"`swagger-ui-dist` **{api_docs.SWAGGER_UI_VERSION}**" in readme
    assert "Apache License" in (api_docs.ASSETS_DIR / "LICENSE").read_text()  # shipped with it, as Apache-2.0 asks
    assert (api_docs.ASSETS_DIR / "NOTICE").read_text().startswith("swagger-ui")
