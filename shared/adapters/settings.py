"""Settings of every Podium process, read from `PODIUM_*` environment variables."""

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.adapters.definitions import default_games_dir

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PODIUM_", extra="ignore")

    host: str = "127.0.0.1"
    ingest_port: int = 8001
    scoring_port: int = 8002
    broadcast_port: int = 8003
    kafka_bootstrap: str = "127.0.0.1:9092"
    database_url: str = "postgresql://podium@127.0.0.1:5432/podium"
    games_dir: Path = Field(default_factory=default_games_dir)
    home: Path = REPO_ROOT / ".podium"
    results_topic: str = "podium.results"
    changes_topic: str = "podium.changes"
    # Results are keyed by event, so partitions only bound how many scoring
    # consumers could share the work; 6 leaves room without costing startup time.
    results_partitions: int = 6
    # How many broadcast processes `podium run` starts on the broadcast port: one per core
    # by default, as one frame's fan-out is a core's work (10,000 clients, 2 results/s on 2
    # cores: steady p99 510 ms with two processes against 754 ms with one, bursts' p99
    # 965 ms against 1,556 ms; docs/benchmarks.md).
    broadcast_processes: int = Field(default_factory=lambda: min(16, os.cpu_count() or 1),
                                     ge=1, le=16)
    # Where `podium run` starts its own PostgreSQL and Kafka (without a database URL and a
    # Kafka bootstrap of its environment).
    postgres_port: int = 5433
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    # Whether a service applies the migrations when it connects (the local system) or only
    # checks they are applied (production: `podium migrate` runs them as the owner role).
    migrate: bool = True
    log_level: str = "info"
    log_json: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
