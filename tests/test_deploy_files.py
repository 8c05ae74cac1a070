"""Static checks of deploy/: the files parse and every variable they set is a real setting.

Nothing here builds an image or talks to a cluster; the point is that a misspelt variable name,
a wrong port or a renamed module fails here instead of silently at deployment time.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from services.matcher.settings import MatcherSettings
from services.registry.settings import RegistrySettings
from services.web.settings import WebSettings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SERVICES: dict[str, type[BaseSettings]] = {
    "registry": RegistrySettings,
    "matcher": MatcherSettings,
    "web": WebSettings,
}
# The web front end keeps nothing: it calls the other two over HTTP and has no database.
WITHOUT_DATABASE = {"web"}
DATABASE_SETTINGS = {
    "DATABASE_URL",
    "EMBEDDED_PG_DIR",
    "DATABASE_POOL_MIN",
    "DATABASE_POOL_MAX",
    "DATABASE_CONNECT_TIMEOUT",
    "MIGRATE_ON_START",
}
# Variables the images set for Python itself, not for the settings models.
IMAGE_ONLY_ENV = {"PATH", "VIRTUAL_ENV", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
SECRET_NAMES = {
    "DATABASE_URL",
    "ORGANISER_BOOTSTRAP_TOKEN",
    "SERVICE_BOOTSTRAP_TOKEN",
    "MATCHER_SERVICE_TOKEN",
    "WEB_SECRET",
    "WEB_SERVICE_TOKEN",
    "WEB_SMTP_PASSWORD",
}
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what a service in a container must listen on


def env_names(model: type[BaseSettings]) -> set[str]:
    """The environment variable names a pydantic-settings model reads."""
    prefix = model.model_config.get("env_prefix", "") or ""
    names = set()
    for name, field in model.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


NAMES = {service: env_names(model) for service, model in SERVICES.items()}


def default_port(service: str) -> int:
    return SERVICES[service].model_fields["port"].default


def load_yaml(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def k8s_documents() -> list[dict[str, Any]]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in load_yaml(path)]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in k8s_documents() if doc.get("kind") == kind]


def deployment(service: str) -> dict[str, Any]:
    (found,) = [d for d in of_kind("Deployment") if d["metadata"]["name"] == service]
    return found


def container(service: str) -> dict[str, Any]:
    containers = deployment(service)["spec"]["template"]["spec"]["containers"]
    (found,) = [c for c in containers if c["name"] == service]
    return found


def compose() -> dict[str, Any]:
    (doc,) = load_yaml(DEPLOY / "compose.yaml")
    return doc


def compose_environment(service: str) -> dict[str, str]:
    env = compose()["services"][service].get("environment", {})
    if isinstance(env, list):  # the KEY=VALUE list form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): str(value) for key, value in env.items()}


def containerfile(service: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of deploy/<service>.Containerfile, continuations joined."""
    lines = (DEPLOY / f"{service}.Containerfile").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    text = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in text.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def final_stage(service: str) -> list[tuple[str, str]]:
    pairs = containerfile(service)
    last_from = max(i for i, (instruction, _) in enumerate(pairs) if instruction == "FROM")
    return pairs[last_from:]


def env_instruction(arguments: str) -> Iterator[tuple[str, str]]:
    words = shlex.split(arguments)
    if words and "=" not in words[0]:  # legacy ``ENV KEY value`` form
        yield words[0], " ".join(words[1:])
        return
    for word in words:
        key, _, value = word.partition("=")
        yield key, value


# --- the helper itself, so that the checks below cannot pass vacuously -----------------------


def test_env_names_reads_aliases_and_prefixes() -> None:
    assert {
        "DATABASE_URL",
        "SHUTDOWN_TIMEOUT",
        "REGISTRY_HOST",
        "REGISTRY_PORT",
        "ORGANISER_BOOTSTRAP_TOKEN",
        "SERVICE_BOOTSTRAP_TOKEN",
    } <= NAMES["registry"]
    assert {"DATABASE_URL", "MATCHER_HOST", "MATCHER_PORT", "REGISTRY_URL", "MATCHER_SERVICE_TOKEN"} <= NAMES["matcher"]
    assert "REGISTRY_SERVICE_TOKEN" not in NAMES["registry"]
    assert "SERVICE_TOKEN" not in NAMES["matcher"]
    assert "MATCHER_PORT" not in NAMES["registry"]
    assert {"WEB_HOST", "WEB_PORT", "WEB_SECRET", "WEB_SERVICE_TOKEN", "WEB_REGISTRY_URL", "WEB_MATCHER_URL"} <= NAMES[
        "web"
    ]
    assert "WEB_WEB_SERVICE_TOKEN" not in NAMES["web"]
    assert "REGISTRY_TRUSTED_PROXIES" in NAMES["registry"]


# --- every YAML file parses -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [DEPLOY / "compose.yaml", *sorted(K8S.glob("*.yaml"))], ids=lambda p: str(p.relative_to(DEPLOY))
)
def test_yaml_parses(path: Path) -> None:
    docs = load_yaml(path)
    assert docs, f"{path} is empty"
    assert all(isinstance(doc, dict) for doc in docs)


# --- compose ----------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_compose_sets_only_real_settings(service: str) -> None:
    env = compose_environment(service)
    assert env, f"compose sets no environment for {service}"
    unknown = set(env) - NAMES[service]
    assert not unknown, f"compose sets variables {service} does not read: {sorted(unknown)}"
    assert env.get(f"{service.upper()}_HOST") == ALL_INTERFACES
    assert env.get(f"{service.upper()}_PORT") == str(default_port(service))
    if service in WITHOUT_DATABASE:
        assert not set(env) & DATABASE_SETTINGS, f"{service} has no database: {sorted(set(env) & DATABASE_SETTINGS)}"
    else:
        assert "DATABASE_URL" in env, "without DATABASE_URL the container would start an embedded PostgreSQL"


def interpolate(value: str) -> str:
    """Expand ``${VAR:-default}`` to its default and ``${VAR:?message}`` to a 48-character dummy secret."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "0123456789abcdef" * 3, value)


def validate(service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> BaseSettings:
    for name in NAMES[service]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return SERVICES[service]()


@pytest.mark.parametrize("service", SERVICES)
def test_compose_values_validate(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {name: interpolate(value) for name, value in compose_environment(service).items()}
    settings = validate(service, env, monkeypatch)
    assert settings.port == default_port(service)
    assert (settings.database_url is None) == (service in WITHOUT_DATABASE)


@pytest.mark.parametrize("service", SERVICES)
def test_compose_secrets_must_be_given(service: str) -> None:
    for name, value in compose_environment(service).items():
        if name in SECRET_NAMES:
            required = re.search(r"\$\{[A-Z_]+:\?[^}]+\}", value)
            assert required, f"{service}: {name} should use ${{VAR:?message}}"


def test_compose_matcher_token_is_the_registry_service_token() -> None:
    registry = compose_environment("registry")["SERVICE_BOOTSTRAP_TOKEN"]
    matcher = compose_environment("matcher")["MATCHER_SERVICE_TOKEN"]
    web = compose_environment("web")["WEB_SERVICE_TOKEN"]
    assert registry == matcher == web


def test_compose_registry_trusts_the_web_front_end() -> None:
    """The registry believes X-Forwarded-For from the web container only, which has a fixed address for it."""
    trusted = compose_environment("registry")["REGISTRY_TRUSTED_PROXIES"].split(",")
    web_address = compose()["services"]["web"]["networks"]["default"]["ipv4_address"]
    assert trusted == [web_address]
    (pool,) = compose()["networks"]["default"]["ipam"]["config"]
    assert ipaddress.ip_address(web_address) in ipaddress.ip_network(pool["subnet"])
    # Outside the range other containers are given addresses from, so none of them can take it first.
    assert ipaddress.ip_address(web_address) not in ipaddress.ip_network(pool["ip_range"])
    for service in ("registry", "matcher", "postgres"):
        assert "networks" not in compose()["services"][service], f"{service} must share the web's network"


def test_compose_public_addresses() -> None:
    """Behind one reverse proxy (/a/ to the matcher, the rest to the web) both links start with PUBLIC_URL."""
    web = compose_environment("web")
    matcher = compose_environment("matcher")
    assert web["WEB_PUBLIC_URL"].startswith("${PUBLIC_URL:-")
    assert matcher["MATCHER_PUBLIC_URL"].startswith("${PUBLIC_URL:-")
    assert interpolate(web["WEB_PUBLIC_URL"]).endswith(f":{default_port('web')}")
    assert interpolate(matcher["MATCHER_PUBLIC_URL"]).endswith(f":{default_port('matcher')}")
    assert web["WEB_COOKIE_SECURE"] == "true"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service_shape(service: str) -> None:
    spec = compose()["services"][service]
    assert (DEPLOY.parent / spec["build"]["dockerfile"]).name == f"{service}.Containerfile"
    assert (DEPLOY / spec["build"]["context"] / spec["build"]["dockerfile"]).is_file()
    port = default_port(service)
    assert spec["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert f"127.0.0.1:{port}/readyz" in " ".join(spec["healthcheck"]["test"])
    assert spec["read_only"] is True and spec["cap_drop"] == ["ALL"]
    env = compose_environment(service)
    if service in WITHOUT_DATABASE:
        assert "postgres" not in spec["depends_on"]
    else:
        assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "@postgres:5432/" in env["DATABASE_URL"]
    if service == "matcher":
        assert env["REGISTRY_URL"] == f"http://registry:{default_port('registry')}"
    if service == "registry":
        # Data exports ask the matcher what it holds.
        assert env["REGISTRY_MATCHER_URL"] == f"http://matcher:{default_port('matcher')}"
    if service == "web":
        # /readyz of the web asks both services, so it starts after them.
        assert spec["depends_on"]["registry"]["condition"] == "service_healthy"
        assert spec["depends_on"]["matcher"]["condition"] == "service_healthy"
        assert env["WEB_REGISTRY_URL"] == f"http://registry:{default_port('registry')}"
        assert env["WEB_MATCHER_URL"] == f"http://matcher:{default_port('matcher')}"


def test_compose_postgres() -> None:
    postgres = compose()["services"]["postgres"]
    assert postgres["image"] == "postgres:18"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql") for volume in postgres["volumes"])


# --- Kubernetes -------------------------------------------------------------------------------


def test_kustomization_resources_exist() -> None:
    (kustomization,) = load_yaml(K8S / "kustomization.yaml")
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource


def test_k8s_configmap_keys_are_read_by_every_consumer() -> None:
    consumers: dict[str, list[str]] = {}
    for service in SERVICES:
        for source in container(service).get("envFrom", []):
            assert "configMapRef" in source, f"{service}: only ConfigMaps are expected in envFrom"
            consumers.setdefault(source["configMapRef"]["name"], []).append(service)
    maps = {cm["metadata"]["name"]: cm.get("data", {}) for cm in of_kind("ConfigMap")}
    assert maps
    assert set(consumers) <= set(maps), "envFrom names a ConfigMap that does not exist"
    for name, data in maps.items():
        assert name in consumers, f"ConfigMap {name} is used by no Deployment"
        for service in consumers[name]:
            unknown = set(data) - NAMES[service]
            assert not unknown, f"ConfigMap {name} sets variables {service} does not read: {sorted(unknown)}"
            if service in WITHOUT_DATABASE:
                assert not set(data) & DATABASE_SETTINGS, f"ConfigMap {name} gives {service} database settings"


def test_deployments_keep_webhooks_off_the_internal_network() -> None:
    """Compose and k8s state the webhook settings, both off: no webhook reaches the database, the registry
    or the cloud's metadata service (tests/matcher/test_webhook_addresses.py shows what "off" refuses)."""
    (matcher_map,) = [cm["data"] for cm in of_kind("ConfigMap") if cm["metadata"]["name"] == "affarstraff-matcher"]
    for environment in (compose_environment("matcher"), matcher_map):
        assert environment["MATCHER_WEBHOOK_ALLOW_PRIVATE"] == "false"
        assert environment["MATCHER_WEBHOOK_ALLOW_HTTP"] == "false"
    assert MatcherSettings.model_fields["webhook_allow_private"].default is False
    assert MatcherSettings.model_fields["webhook_allow_http"].default is False


def test_k8s_secret_keys_are_settings() -> None:
    (secret,) = of_kind("Secret")
    keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    assert keys
    unknown = keys - set().union(*NAMES.values())
    assert not unknown, f"Secret keys no service reads: {sorted(unknown)}"
    for value in secret.get("stringData", {}).values():
        assert "REPLACE_ME" in value, "the template must hold placeholders only"


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_deployment_env(service: str) -> None:
    (secret,) = of_kind("Secret")
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    env = container(service).get("env", [])
    unknown = {item["name"] for item in env} - NAMES[service]
    assert not unknown, f"{service} Deployment sets variables it does not read: {sorted(unknown)}"
    for item in env:
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            assert ref["name"] == secret["metadata"]["name"]
            assert ref["key"] in secret_keys, f"{service}: Secret has no key {ref['key']}"
    if service in WITHOUT_DATABASE:
        assert not {item["name"] for item in env} & DATABASE_SETTINGS
    else:
        assert "DATABASE_URL" in {item["name"] for item in env}
    refs = {item["name"]: item["valueFrom"]["secretKeyRef"] for item in env if "valueFrom" in item}
    if service == "matcher":
        assert refs["MATCHER_SERVICE_TOKEN"]["key"] == "SERVICE_BOOTSTRAP_TOKEN"
    if service == "web":
        assert refs["WEB_SERVICE_TOKEN"]["key"] == "SERVICE_BOOTSTRAP_TOKEN"
        assert refs["WEB_SECRET"]["key"] == "WEB_SECRET"
        assert not refs["WEB_SECRET"].get("optional"), "the web front end does not start without WEB_SECRET"
    # Every setting that holds a secret comes from the Secret, never from a ConfigMap.
    for source in container(service).get("envFrom", []):
        (cm,) = [m for m in of_kind("ConfigMap") if m["metadata"]["name"] == source["configMapRef"]["name"]]
        assert not set(cm.get("data", {})) & SECRET_NAMES


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_values_validate(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    maps = {cm["metadata"]["name"]: cm.get("data", {}) for cm in of_kind("ConfigMap")}
    env = {}
    for source in container(service)["envFrom"]:
        env |= {key: str(value) for key, value in maps[source["configMapRef"]["name"]].items()}
    # Secrets as an operator would fill them in (the template's placeholders are invalid on purpose).
    env |= {
        item["name"]: "postgresql://u:p@db.example:5432/d" if item["name"] == "DATABASE_URL" else "t" * 40
        for item in container(service)["env"]
        if "valueFrom" in item
    }
    settings = validate(service, env, monkeypatch)
    assert settings.port == default_port(service)
    assert (settings.database_url is None) == (service in WITHOUT_DATABASE)
    if service == "web":
        assert settings.cookie_secure is True, "the site is served over HTTPS: cookies must stay Secure"
        assert str(settings.public_url).startswith("https://")
        assert str(settings.registry_url).rstrip("/") == f"http://registry:{default_port('registry')}"
        assert str(settings.matcher_url).rstrip("/") == f"http://matcher:{default_port('matcher')}"


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_deployment_shape(service: str) -> None:
    pod = deployment(service)["spec"]["template"]["spec"]
    main = container(service)
    port = default_port(service)
    assert deployment(service)["spec"]["replicas"] == 2
    assert main["ports"][0]["containerPort"] == port
    assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["enableServiceLinks"] is False  # else REGISTRY_PORT=tcp://... clashes with the setting
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert main["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"requests", "limits"} <= set(main["resources"])
    common = {k: v for cm in of_kind("ConfigMap") for k, v in cm.get("data", {}).items()}
    default_shutdown = SERVICES[service].model_fields["shutdown_timeout"].default
    shutdown = float(common.get("SHUTDOWN_TIMEOUT", default_shutdown))
    assert pod["terminationGracePeriodSeconds"] > shutdown
    (svc,) = [s for s in of_kind("Service") if s["metadata"]["name"] == service]
    assert svc["spec"]["ports"][0]["port"] == port
    assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", "reachable from outside only through the Ingress"
    (budget,) = [b for b in of_kind("PodDisruptionBudget") if b["metadata"]["name"] == service]
    assert budget["spec"]["selector"]["matchLabels"] == deployment(service)["spec"]["selector"]["matchLabels"]
    (kustomization,) = load_yaml(K8S / "kustomization.yaml")
    assert f"affarstraff-{service}" in {image["name"] for image in kustomization["images"]}
    assert main["image"] == f"affarstraff-{service}"


def test_k8s_ingress_exposes_the_web_and_agenda_links_only() -> None:
    (ingress,) = of_kind("Ingress")
    (kustomization,) = load_yaml(K8S / "kustomization.yaml")
    assert "ingress.example.yaml" not in kustomization["resources"], "its host is the site's own"
    (rule,) = ingress["spec"]["rules"]
    routes = {path["path"]: path["backend"]["service"]["name"] for path in rule["http"]["paths"]}
    assert routes == {"/": "web", "/a/": "matcher"}
    assert rule["host"] in {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}, "HTTPS only"
    maps = {cm["metadata"]["name"]: cm.get("data", {}) for cm in of_kind("ConfigMap")}
    public = f"https://{rule['host']}"
    assert maps["affarstraff-web"]["WEB_PUBLIC_URL"] == public
    assert maps["affarstraff-matcher"]["MATCHER_PUBLIC_URL"] == public, "agenda links must reach /a/ there"


# --- Containerfiles ---------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_containerfile(service: str) -> None:
    stage = final_stage(service)
    arguments = {instruction: args for instruction, args in stage}  # the last of each counts
    stages = [args for instruction, args in containerfile(service) if instruction == "FROM"]
    assert len(stages) >= 2, "a builder stage and a runtime stage"
    assert all(args.startswith("python:3.12-slim") for args in stages)
    assert json.loads(arguments["CMD"]) == ["python", "-m", f"services.{service}"]
    assert arguments["EXPOSE"] == str(default_port(service))
    assert arguments["STOPSIGNAL"] == "SIGTERM"
    assert "/healthz" in arguments["HEALTHCHECK"] and "urllib" in arguments["HEALTHCHECK"]
    user = arguments["USER"].split(":")[0]
    assert user.isdigit() and int(user) != 0, "a numeric non-root USER, for runAsNonRoot"
    env = dict(pair for args in (a for i, a in stage if i == "ENV") for pair in env_instruction(args))
    unknown = set(env) - NAMES[service] - IMAGE_ONLY_ENV
    assert not unknown, f"{service}.Containerfile sets variables the service does not read: {sorted(unknown)}"
    assert env[f"{service.upper()}_HOST"] == ALL_INTERFACES
    assert env[f"{service.upper()}_PORT"] == str(default_port(service))


def test_web_pages_are_in_the_wheel() -> None:
    """The images install a wheel: every template, script, style sheet and catalogue must be package data."""
    with (ROOT / "pyproject.toml").open("rb") as stream:
        patterns = tomllib.load(stream)["tool"]["setuptools"]["package-data"]["*"]
    web = ROOT / "services" / "web"
    files = [
        path
        for folder in ("templates", "static", "locale")
        for path in (web / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert files
    missing = sorted(
        str(path.relative_to(ROOT)) for path in files if not any(fnmatch.fnmatch(path.name, p) for p in patterns)
    )
    assert not missing, f"pyproject.toml [tool.setuptools.package-data] leaves out {missing}"


# --- documentation ----------------------------------------------------------------------------


def test_readme_documents_every_setting() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    missing = {name for names in NAMES.values() for name in names if f"`{name}`" not in readme}
    assert not missing, f"deploy/README.md does not describe {sorted(missing)}"


def test_main_readme_names_only_real_settings_and_points_to_the_full_list() -> None:
    """The README's table of what ``dev.py up`` honours cannot name a setting that does not exist (a renamed
    variable would be silently ignored), and it sends readers to the one complete list."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration") :]
    section = section[: section.index("\n## ", 1)]
    assert "deploy/README.md#environment-variables" in section
    assert "## Environment variables" in (DEPLOY / "README.md").read_text(encoding="utf-8")
    known = {name for names in NAMES.values() for name in names} | {"TEST_DATABASE_URL"}
    named = set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", section))
    families = set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)_\*`", section))  # `MATCHER_SMTP_*`
    assert {"REGISTRY_PORT", "MATCHER_PORT", "WEB_PORT", "EMBEDDED_PG_DIR"} <= named
    assert {"MATCHER_SMTP", "WEB_SMTP"} <= families
    assert named - known == set(), f"README.md names settings that do not exist: {sorted(named - known)}"
    empty = {family for family in families if not any(name.startswith(family + "_") for name in known)}
    assert not empty, f"README.md names setting families that do not exist: {sorted(empty)}"


def test_k8s_trusts_no_pod_range_for_forwarded_addresses() -> None:
    """The registry believes no address's X-Forwarded-For (the web proves itself by its service token),
    and only the Ingress controller's namespace may reach the web pods, whose X-Forwarded-For is believed."""
    maps = {cm["metadata"]["name"]: cm.get("data", {}) for cm in of_kind("ConfigMap")}
    assert "REGISTRY_TRUSTED_PROXIES" not in maps["affarstraff-registry"]
    policies = {policy["metadata"]["name"]: policy["spec"] for policy in of_kind("NetworkPolicy")}
    web = policies["web-from-ingress-only"]
    assert web["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "web"}
    ((rule,),) = [entry["from"] for entry in web["ingress"]]
    assert set(rule) == {"namespaceSelector"}, "only the Ingress controller's namespace, no pod range"
    registry = policies["registry-from-web-and-matcher"]
    sources = [
        source["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for source in registry["ingress"][0]["from"]
    ]
    assert sorted(sources) == ["matcher", "web"]
