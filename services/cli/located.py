"""Where the system a command talks to is: what the environment configures, else the local
system a running `podium run` started (it writes PODIUM_HOME/run.json)."""

import os

import orjson

from shared.adapters.settings import Settings


def _located(settings: Settings, setting: str) -> str:
    configured: str = getattr(settings, setting)
    run_file = settings.home / "run.json"
    if f"PODIUM_{setting.upper()}" in os.environ or not run_file.exists():
        return configured
    found: str = orjson.loads(run_file.read_bytes())[setting]
    return found


def database_url(settings: Settings) -> str:
    return _located(settings, "database_url")


def located(settings: Settings) -> Settings:
    """The settings with the database and Kafka of the system the command talks to."""
    return settings.model_copy(update={
        setting: _located(settings, setting) for setting in ("database_url", "kafka_bootstrap")
    })
