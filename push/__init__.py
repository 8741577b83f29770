"""The change feed: change records, the hub of head revisions, readers and SSE subscribers.

This package knows revisions, change records and subscribers, not HTTP routing, SQL or oVirt
types. A :class:`ChangeSource` is the durable log (the engine's is SQL; :class:`MemoryChangeLog`
is one in memory); a :class:`Hub` is told, from any thread, that a revision committed; a
:class:`ChangeFeed` answers pages of changes after a revision and waits for more; a
:class:`Subscription` is one Server-Sent Events stream::

    feed = ChangeFeed(source, hub, capacity=2048)
    recorder.on_commit.append(hub.advance)            # wake-ups, from the committing thread
    page = await feed.read(since, limit=100)          # Page(changes, revision)
    await Subscription(feed, since).run(write)        # id: / event: / data: frames
"""

from push.feed import ChangeFeed, Lagging
from push.hub import Hub, Signal
from push.recent import RecentChanges
from push.records import KINDS, ChangeRecord, Gone, Page, Window
from push.source import ChangeSource, MemoryChangeLog
from push.sse import StreamSettings, Stalled, Subscription, bookmark_frame, resync_frame
from push.wire import page_json, page_xml

__all__ = [
    "KINDS",
    "ChangeFeed",
    "ChangeRecord",
    "ChangeSource",
    "Gone",
    "Hub",
    "Lagging",
    "MemoryChangeLog",
    "Page",
    "RecentChanges",
    "Signal",
    "Stalled",
    "StreamSettings",
    "Subscription",
    "Window",
    "bookmark_frame",
    "page_json",
    "page_xml",
    "resync_frame",
]
