"""Reading Server-Sent Events frames back into events, as a client does."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass
class Event:
    """One dispatched event: ``event`` its type (``message`` when absent), or a comment."""

    event: str
    data: str = ""
    id: Optional[str] = None
    comment: Optional[str] = None
    retry: Optional[int] = None
    fields: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


def parse_frame(frame: str) -> Event:
    """One frame (the lines before a blank line) as an event."""
    event = Event(event="message")
    data: list[str] = []
    for line in frame.split("\n"):
        if line.startswith(":"):
            event.comment = line[1:].strip()
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        event.fields.append(name)
        if name == "event":
            event.event = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            event.id = value
        elif name == "retry":
            event.retry = int(value)
    event.data = "\n".join(data)
    if event.comment is not None and not event.fields:
        event.event = "comment"
    return event


def parse_stream(text: str) -> list[Event]:
    """Every complete frame of ``text``."""
    frames = text.split("\n\n")
    return [parse_frame(frame) for frame in frames[:-1] if frame]
