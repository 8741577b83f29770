"""``follow=``: the link tree, the generic follower and the optimized-handler registry.

This package knows link trees and handlers, not HTTP or SQL::

    from follow import HandlerRegistry, follow_links, parse_follow

    tree = parse_follow("disk_attachments.disk,nics")
    result = follow_links("vms", vms, tree, resolve=resolve_link, registry=handlers,
                          context=session)
    result.get(vms[0], "nics")
"""

from follow.follower import FollowResult, Resolver, UnknownLink, follow_links, is_link_collection
from follow.registry import HandlerRegistration, HandlerRegistry, LinkHandler, normalize_link_path
from follow.tree import FollowSyntaxError, LinkNode, normalize_link_name, parse_follow

__all__ = [
    "FollowResult",
    "FollowSyntaxError",
    "HandlerRegistration",
    "HandlerRegistry",
    "LinkHandler",
    "LinkNode",
    "Resolver",
    "UnknownLink",
    "follow_links",
    "is_link_collection",
    "normalize_link_name",
    "normalize_link_path",
    "parse_follow",
]
