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
    # 965 ms against 1,556 ms; docs/benchmarks.md). At most 4 unless asked: each holds
    # up to 10 PostgreSQL connections of the local server's 200.
    broadcast_processes: int = Field(default_factory=lambda: min(4, os.cpu_count() or 1),
                                     ge=1, le=16)
    # Where `podium run` starts its own PostgreSQL and Kafka (without a database URL and a
    # Kafka bootstrap of its environment).
    postgres_port: int = 5433
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    # Whether a service applies the migrations when it connects (the local system) or only
    # checks they are applied (production: `podium migrate` runs them as the owner role).
    migrate: bool = True
    # Requests one token may make of ingest: this many a second, after a burst of
    # ingest_token_request_burst. An official's phone makes ~3 per result and a page a few
    # a minute; a burst covers an outbox of results sent again at once after an outage (a
    # day's events, three requests each), so only a runaway program meets the limit.
    ingest_token_requests_per_s: float = Field(default=20.0, gt=0)
    ingest_token_request_burst: int = Field(default=600, ge=1)
    # Where officials' phones reach ingest (`https://results.example/`), for the entry page's
    # address in a new token's QR code; unset: the address the desk page was opened at.
    ingest_public_url: str | None = None
    log_level: str = "info"
    log_json: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
