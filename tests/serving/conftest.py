"""What the serving tests share: one database for several ``engine-emu serve`` processes."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.serving.served import postgres_database


@pytest.fixture
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One database for several servers (parametrize indirectly with ``postgresql`` or
    ``sqlite``): a PostgreSQL database of its own, or an SQLite file."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.sqlite'}"
        return
    name = "engine_emu_" + request.module.__name__.rsplit(".", 1)[-1]
    with postgres_database(request.getfixturevalue("postgresql"), name) as url:
        yield url
