"""Configuration from the command line and ``ENGINE_EMU_*`` environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"ENGINE_EMU_{name}", default)


def default_state_dir() -> Path:
    return Path(_env("STATE_DIR") or Path.cwd() / "var")


@dataclass
class Config:
    database: str = field(default_factory=lambda: _env("DATABASE") or "")
    admin_user: str = "admin@internal"
    admin_password: str = field(default_factory=lambda: _env("ADMIN_PASSWORD", "admin") or "admin")
    transition_delay: float = field(default_factory=lambda: float(_env("TRANSITION_DELAY", "0.5") or 0.5))
    max_body_bytes: int = 10 * 1024 * 1024
    state_dir: Path = field(default_factory=default_state_dir)
    tick_interval: float = 0.1
    monitor_interval: float = field(default_factory=lambda: float(_env("MONITOR_INTERVAL", "1") or 1))
    """Seconds between device monitoring cycles (the engine polls its hosts every few seconds)."""
    lease_seconds: float = 3.0
    """How long the ticker lease lasts unrenewed: how soon another worker takes over a dead one's."""
    change_retention: int = field(default_factory=lambda: int(_env("CHANGE_RETENTION", "100000") or 100000))
    """How many of the newest change records the log keeps; the ticker prunes the older ones."""
    feed_heartbeat: float = field(default_factory=lambda: float(_env("FEED_HEARTBEAT", "15") or 15))
    """Seconds of silence after which an SSE subscriber of the change feed gets a heartbeat."""
    feed_memory: int = field(default_factory=lambda: int(_env("FEED_MEMORY", "2048") or 2048))
    """How many of the newest changes each process holds in memory for its live subscribers; a
    subscriber that falls further behind is told to resync."""
    feed_poll_interval: float = field(default_factory=lambda: float(_env("FEED_POLL_INTERVAL", "0.2") or 0.2))
    """On SQLite, seconds between looks at the head revision, to see other processes' commits."""

    mqtt: str = field(default_factory=lambda: _env("MQTT", "") or "")
    """The MQTT broker every change is published to (``mqtt://host:port``); empty: none."""
    mqtt_mode: str = field(default_factory=lambda: _env("MQTT_MODE", "documents") or "documents")
    """``documents`` (retained revision and document per entity) or ``doctor`` (``+``, ``-``, changed keys)."""
    mqtt_prefix: str = field(default_factory=lambda: _env("MQTT_PREFIX", "ovirt") or "")
    """The first level of every topic the engine publishes."""

    statistics_seed: int = field(default_factory=lambda: int(_env("STATISTICS_SEED", "0") or 0))
    """The seed of the simulated statistics: the same seed, clock and state give the same figures."""
    listing_cache_bytes: int = field(default_factory=lambda: int(_env("LISTING_CACHE_BYTES", str(32 << 20)) or 0))
    """How many bytes of rendered listings each process keeps for repeats at an unchanged head
    revision; 0 keeps none."""

    def database_url(self) -> str:
        if self.database:
            return self.database
        self.state_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.state_dir / 'engine.sqlite'}"
