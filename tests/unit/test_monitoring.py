"""The monitoring of the production shape: Prometheus's config and alert rules pass
promtool (with unit tests of every alert), and Grafana's dashboard is well-formed."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import orjson
import yaml

from shared.adapters.settings import REPO_ROOT

MONITORING = REPO_ROOT / "monitoring"
PROMETHEUS = MONITORING / "prometheus"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "podium.json"
# A metric name in PromQL: podium's own, stripped of a histogram's sample suffixes.
METRIC = re.compile(r"\b(podium_[a-z_]+?)(?:_bucket|_sum|_count)?\b")


def promtool(*args: str) -> str:
    done = subprocess.run(["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_prometheus_config_and_rules_are_valid() -> None:
    assert "SUCCESS" in promtool("check", "config", "prometheus.yml")
    assert "SUCCESS: 8 rules found" in promtool("check", "rules", "rules/podium.yml")


def test_every_alert_fires_when_it_should_and_only_then() -> None:
    assert "SUCCESS" in promtool("test", "rules", "tests/podium_test.yml")


def test_every_alert_has_a_summary_and_a_runbook_line() -> None:
    rules = yaml.safe_load((PROMETHEUS / "rules" / "podium.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    tested = (PROMETHEUS / "tests" / "podium_test.yml").read_text()
    for alert in alerts:
        assert alert["annotations"]["summary"] and alert["annotations"]["runbook"], alert
        assert f"alertname: {alert['alert']}" in tested, f"{alert['alert']} has no rule test"
    assert {alert["alert"] for alert in alerts} == {
        "PodiumServiceDown", "PodiumNotReady", "PodiumOutboxBacklog", "PodiumConsumerLag",
        "PodiumFollowerStalled", "PodiumEndToEndSlow", "PodiumRejectedMessages",
        "PodiumTopicReplaced",
    }


def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(DASHBOARD.read_bytes())
    return document


def test_the_dashboard_shows_what_the_games_office_watches() -> None:
    panels = dashboard()["panels"]
    datasource = yaml.safe_load(
        (MONITORING / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]["uid"]
    titles = {panel["title"] for panel in panels}
    assert {"Results accepted per minute, by venue", "Outbox backlog",
            "Kafka consumer lag (scoring)", "Scoring batch time", "Live connections",
            "Subscriptions, by channel", "Deliveries per second",
            "Lagging and dead closes per minute", "End-to-end delay"} <= titles
    for panel in panels:
        assert panel["datasource"]["uid"] == datasource, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert METRIC.search(target["expr"]), (panel["title"], target["expr"])


def named_metrics() -> set[str]:
    """Every podium metric the dashboard and the alert rules read."""
    texts = [target["expr"] for panel in dashboard()["panels"] for target in panel["targets"]]
    texts.append((PROMETHEUS / "rules" / "podium.yml").read_text())
    return {match for text in texts for match in METRIC.findall(text)}


def test_the_metric_name_pattern_strips_histogram_suffixes() -> None:
    assert METRIC.findall("rate(podium_broadcast_end_to_end_seconds_bucket[5m])") == [
        "podium_broadcast_end_to_end_seconds"]
    assert METRIC.findall("podium_outbox_oldest_seconds > 30") == ["podium_outbox_oldest_seconds"]


def metric_families(exposition: str) -> set[str]:
    return {line.split()[2] for line in exposition.splitlines() if line.startswith("# TYPE ")}


def test_families_are_read_from_type_lines() -> None:
    text = "# HELP podium_x_total x\n# TYPE podium_x_total counter\npodium_x_total 1\n"
    assert metric_families(text) == {"podium_x_total"}


def test_the_monitoring_profile_scrapes_every_service_of_the_compose_file() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name, image in (("prometheus", "prom/prometheus:"), ("grafana", "grafana/grafana:")):
        assert services[name]["profiles"] == ["monitoring"] and services[name][
            "image"].startswith(image), name
    assert "./monitoring/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    scraped = {job["job_name"]: job for job in config["scrape_configs"]}
    for service in ("ingest", "scoring", "broadcast"):
        port = services[service]["environment"][f"PODIUM_{service.upper()}_PORT"]
        job = scraped[service]
        targets = ([f"{name}:{sd['port']}" for sd in job.get("dns_sd_configs", [])
                    for name in sd["names"]]
                   + [t for group in job.get("static_configs", []) for t in group["targets"]])
        assert targets == [f"{service}:{port}"], service
