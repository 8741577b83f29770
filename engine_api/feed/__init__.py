"""The change feed of the engine: the SQL log as its source, its wake-ups, its HTTP endpoint.

The feed's machinery (records, hub, subscriptions, SSE) is the :mod:`push` package; this
package plugs it into the engine: :class:`~engine_api.feed.changelog.SqlChangeLog` reads the
``changes`` table, :class:`~engine_api.feed.wakeups.FeedWakeups` tells the hub of commits in
this process and others, :class:`~engine_api.feed.endpoint.ChangesEndpoint` serves
``GET /ovirt-engine/api/changes`` on the event loop, and :func:`~engine_api.feed.changelog.prune`
keeps the log to its retention window.
"""
from engine_api.feed.changelog import SqlChangeLog, prune
from engine_api.feed.endpoint import ChangesEndpoint

__all__ = ["ChangesEndpoint", "SqlChangeLog", "prune"]
