"""What a service call gets besides its arguments: the session, the user, the parameters."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engine_api.models import utcnow
from push.projection import Projection

if TYPE_CHECKING:
    from engine_api.documents.listings import RenderedListings
    from engine_api.services.registry import Registry
    from engine_api.system.auth import Principal


@dataclass(frozen=True)
class Params:
    """Query (and matrix) parameters an oVirt request may carry, parsed."""

    search: str | None = None
    max: int | None = None
    case_sensitive: bool = False
    follow: str | None = None
    all_content: bool = False
    filter: bool = False
    from_: int | None = None
    async_: bool = False
    force: bool = False
    detach_only: bool | None = None
    correlation_id: str | None = None
    current: bool = False
    """``current=true``: a running VM's runtime view (its consoles' ports, its inserted CD)."""
    virt_viewer: bool = False
    """The client accepts ``application/x-virt-viewer``: a console answers its ``.vv`` file."""
    unregistered: bool = False
    """``unregistered=true``: the VMs and templates a data domain holds that the engine does not know."""
    projection: Projection | None = None
    """``projection=name,status,nics.mac.address``: the attributes a read answers (see :mod:`push.projection`)."""


@dataclass(frozen=True)
class Settings:
    """The engine's behaviour settings a service needs."""

    transition_delay: float = 0.5
    admin_user: str = "admin@internal"
    statistics_seed: int = 0
    manual_time: bool = False
    """Whether transitions wait until told (:meth:`engine_api.control.clock.Clock.advance`)."""
    time_speed: float = 1.0
    """The factor that divides every transition's delay."""


def _built_registry() -> "Registry":
    from engine_api.api import registry

    return registry()


@dataclass
class RequestContext:
    session: Session
    params: Params = field(default_factory=Params)
    settings: Settings = field(default_factory=Settings)
    user: Principal | None = None
    now: dt.datetime = field(default_factory=utcnow)
    extras: dict[str, Any] = field(default_factory=dict)
    representation: str = "xml"
    """What the client reads: ``xml`` or ``json`` (the negotiated format)."""
    listings: RenderedListings | None = None
    """The engine's kept listing bodies, when reads may use them."""
    registry: Registry = field(default_factory=_built_registry)
    """The collections served, their ``follow=`` handlers and kinds of transitions."""

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user is not None else None
