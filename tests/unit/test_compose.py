"""docker-compose.yml agrees with the code: modules, sub-commands, settings, ports, start order."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from directory.settings import DirectorySettings
from penghubung.cli import SERVICES, build_parser
from penghubung.settings import ServiceSettings
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
    assert modules == set(SERVICES)


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


OWN_SETTINGS: dict[str, type[ServiceSettings]] = {
    "reporting": ReportingSettings,
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
def test_published_port_is_the_http_port(service_name: str) -> None:
    service = _app_services()[service_name]
    env = _environment(service)
    http_port = int(env["PENGHUBUNG_HTTP_PORT"])
    assert env["PENGHUBUNG_HTTP_HOST"] == "0.0.0.0"
    published: list[tuple[int, int]] = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            published.append((int(port["published"]), int(port["target"])))
        else:
            host, _, container = str(port).rpartition(":")
            published.append((int(host.rpartition(":")[2]), int(container.split("/")[0])))
    assert published == [(http_port, http_port)]


def test_http_ports_are_distinct_and_8001_to_8005() -> None:
    ports = sorted(
        int(_environment(service)["PENGHUBUNG_HTTP_PORT"]) for service in _app_services().values()
    )
    assert ports == [8001, 8002, 8003, 8004, 8005]


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
