"""Small helpers the tests share."""
from __future__ import annotations

import time
from typing import Any, Callable

from sqlalchemy import func, select


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll like a client does until ``predicate()`` is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def row_counts(db: Any) -> dict[str, int]:
    """Rows per table and the change log's head: a snapshot to show that a refused request changed
    nothing. The log's own rows are left out (the ticker prunes them to the retention window);
    its head revision moves with any change."""
    from engine_api.models import Base, RevisionCounter

    with db.transaction() as session:
        counts = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                  if t.name not in ("sso_tokens", "engine_leases", "changes")}
        counts["revision"] = session.scalar(select(RevisionCounter.value)) or 0
        return counts
