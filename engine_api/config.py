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

    def database_url(self) -> str:
        if self.database:
            return self.database
        self.state_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.state_dir / 'engine.sqlite'}"
