"""Running engine-emu inside tests: a live engine over SQLite or a throwaway PostgreSQL."""
from engine_api.testing.live import LiveEngine
from engine_api.testing.postgres import TemporaryPostgres

__all__ = ["LiveEngine", "TemporaryPostgres"]
