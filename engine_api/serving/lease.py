"""Leadership among the processes that share one database: a lease row renewed while alive.

Each process's ticker asks :meth:`Lease.hold` before it applies transitions or runs device
monitoring. The holder renews its row once a third of the lease has passed; when it dies (even
by SIGKILL) the row simply expires and the next process to ask takes it over. The expiry is
wall-clock time, so the processes must share a clock (one host, or hosts kept in sync).
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Callable

from sqlalchemy import insert, or_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from engine_api.db import Database
from engine_api.models import Lease as LeaseRow

log = logging.getLogger(__name__)

TICKER = "ticker"


def holder_name() -> str:
    """``host:pid:nonce``: unique to one ticker of one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, db: Database, name: str = TICKER, seconds: float = 3.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.name = name
        self.seconds = seconds
        self.holder = holder_name()
        self.clock = clock
        self._held_until = 0.0

    @property
    def held(self) -> bool:
        return self._held_until > self.clock()

    def hold(self) -> bool:
        """Whether this process holds the lease now, claiming or renewing it as needed."""
        now = self.clock()
        if self._held_until - now > self.seconds * 2 / 3:
            return True
        was_held = self.held
        try:
            won = self._claim(now)
        except SQLAlchemyError:
            log.warning("could not renew the %s lease", self.name, exc_info=True)
            won = False
        self._held_until = now + self.seconds if won else 0.0
        if won != was_held:
            log.info("%s the %s lease as %s", "took" if won else "lost", self.name, self.holder)
        return won

    def _claim(self, now: float) -> bool:
        until = now + self.seconds
        with self.db.transaction() as session:
            claimed = session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == self.name,
                       or_(LeaseRow.holder == self.holder, LeaseRow.expires_at < now))
                .values(holder=self.holder, expires_at=until)
                .execution_options(synchronize_session=False)
            ).rowcount
        if claimed:
            return True
        try:
            with self.db.transaction() as session:
                session.execute(insert(LeaseRow).values(name=self.name, holder=self.holder, expires_at=until))
        except IntegrityError:
            return False
        return True

    def release(self) -> None:
        """Give the lease up at once (a clean shutdown), so another process need not wait."""
        if not self.held:
            return
        self._held_until = 0.0
        try:
            with self.db.transaction() as session:
                session.execute(update(LeaseRow).where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                                .values(expires_at=0.0).execution_options(synchronize_session=False))
        except SQLAlchemyError:
            log.warning("could not release the %s lease", self.name, exc_info=True)
