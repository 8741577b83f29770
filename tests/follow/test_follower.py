"""The follower, driven by fake entities, a fake generic resolver and fake handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from follow import (
    FollowResult,
    HandlerRegistry,
    LinkNode,
    UnknownLink,
    follow_links,
    normalize_link_name,
    parse_follow,
)

# -- a tiny fake model ---------------------------------------------------------------------
# eq=True with unsafe_hash=False makes these unhashable and equal when their fields are equal,
# like ORM objects that give no hashing guarantees: the follower must go by identity.


@dataclass
class DataCenter:
    name: str


@dataclass
class Cluster:
    name: str
    data_center: DataCenter | None = None


@dataclass
class StorageDomain:
    name: str


@dataclass
class Disk:
    name: str
    storage_domains: list[StorageDomain] = field(default_factory=list)


@dataclass
class DiskAttachment:
    name: str
    disk: Disk | None = None


@dataclass
class Statistic:
    name: str


@dataclass
class Nic:
    name: str
    statistics: list[Statistic] = field(default_factory=list)


@dataclass
class Host:
    name: str
    cluster: Cluster | None = None


@dataclass
class Vm:
    name: str
    cluster: Cluster | None = None
    host: Host | None = None
    disk_attachments: list[DiskAttachment] = field(default_factory=list)
    nics: list[Nic] = field(default_factory=list)


def attribute_for(entity: Any, node: LinkNode) -> str:
    for name in vars(entity):
        if normalize_link_name(name) == node.key:
            return name
    raise UnknownLink(node.name, type(entity).__name__)


class FakeResolver:
    """The generic crawl: one lookup per entity and link, recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, entity: Any, node: LinkNode, context: Any) -> Any:
        self.calls.append((entity.name, node.path))
        return getattr(entity, attribute_for(entity, node))


class RecordingHandlers:
    """Handlers that load a link for all parents at once, as a batched query would."""

    def __init__(self, registry: HandlerRegistry, collection: str, *paths: str) -> None:
        self.calls: list[tuple[str, list[str], Any]] = []
        for path in paths:
            registry.register(collection, path, self._handler)

    def _handler(self, parents, node, context):
        self.calls.append((node.path, [p.name for p in parents], context))
        return [getattr(parent, attribute_for(parent, node)) for parent in parents]


def follow_vms(vms, text, resolver=None, registry=None, **kwargs):
    """follow_links for the vms collection with a fresh tree."""
    return follow_links(
        "vms", vms, parse_follow(text), resolve=resolver or FakeResolver(), registry=registry,
        **kwargs,
    )


def make_vms(count: int) -> list[Vm]:
    data_center = DataCenter("dc")
    cluster = Cluster("Default", data_center)
    host = Host("host0", cluster)
    vms = []
    for i in range(count):
        attachments = [
            DiskAttachment(f"vm{i}-att{d}", Disk(f"vm{i}-disk{d}", [StorageDomain(f"sd{d}")]))
            for d in range(2)
        ]
        nics = [Nic(f"vm{i}-nic{n}", [Statistic(f"vm{i}-nic{n}-rx")]) for n in range(2)]
        vms.append(
            Vm(
                f"vm{i}",
                cluster=cluster,
                host=host if i % 2 == 0 else None,
                disk_attachments=attachments,
                nics=nics,
            )
        )
    return vms


def snapshot(result: FollowResult, entities: list[Any], tree: LinkNode) -> list[Any]:
    """A comparable picture of everything followed: names per parent and link path."""

    def describe(entity: Any, node: LinkNode) -> Any:
        if not result.has(entity, node):
            return "<not followed>"
        value = result.get(entity, node)
        if isinstance(value, list):
            return [describe_entity(item, node) for item in value]
        return None if value is None else describe_entity(value, node)

    def describe_entity(entity: Any, node: LinkNode) -> Any:
        return {
            "name": entity.name,
            **{child.name: describe(entity, child) for child in node.children},
        }

    return [describe_entity(entity, tree) for entity in entities]


# -- generic dispatch ------------------------------------------------------------------------


def test_generic_resolution_follows_every_level():
    vms = make_vms(2)
    resolver = FakeResolver()
    result = follow_links(
        "vms", vms, parse_follow("disk_attachments.disk,nics"), resolve=resolver
    )
    for vm in vms:
        assert result.get(vm, "disk_attachments") is vm.disk_attachments
        assert result.get(vm, "nics") is vm.nics
        for attachment in vm.disk_attachments:
            assert result.get(attachment, "disk") is attachment.disk
    # one call per entity and link: 2 VMs x 2 links + 4 attachments
    assert len(resolver.calls) == 8
    assert result.resolve_call_count("disk_attachments") == 2
    assert result.resolve_call_count("diskattachments.disk") == 4
    assert result.resolve_call_count() == 8
    assert result.handler_call_count() == 0


def test_levels_are_processed_breadth_first():
    vms = make_vms(2)
    resolver = FakeResolver()
    follow_vms(vms, "disk_attachments.disk,nics.statistics", resolver)
    depths = [path.count(".") for _, path in resolver.calls]
    assert depths == sorted(depths)
    assert resolver.calls[:4] == [
        ("vm0", "disk_attachments"),
        ("vm1", "disk_attachments"),
        ("vm0", "nics"),
        ("vm1", "nics"),
    ]


def test_every_node_is_marked_followed():
    tree = parse_follow("disk_attachments.disk,nics")
    follow_links("vms", make_vms(1), tree, resolve=FakeResolver())
    assert all(node.followed for node in tree)


def test_lookups_accept_both_spellings():
    vm = make_vms(1)[0]
    result = follow_links("vms", [vm], parse_follow("diskattachments"), resolve=FakeResolver())
    assert result.has(vm, "disk_attachments")
    assert result.get(vm, "disk_attachments") is vm.disk_attachments
    assert result.get(vm, "DiskAttachments") is vm.disk_attachments
    assert set(result.links(vm)) == {"diskattachments"}


def test_results_are_keyed_by_identity_not_equality():
    twin_a, twin_b = Vm("twin"), Vm("twin")
    assert twin_a == twin_b  # equal, unhashable: only identity tells them apart
    twin_a.nics = [Nic("a")]
    twin_b.nics = [Nic("b")]
    result = follow_links("vms", [twin_a, twin_b], parse_follow("nics"), resolve=FakeResolver())
    assert result.get(twin_a, "nics")[0].name == "a"
    assert result.get(twin_b, "nics")[0].name == "b"


def test_unfollowed_links_are_absent():
    vm = make_vms(1)[0]
    result = follow_links("vms", [vm], parse_follow("nics"), resolve=FakeResolver())
    assert not result.has(vm, "disk_attachments")
    assert result.get(vm, "disk_attachments") is None
    assert result.get(vm, "disk_attachments", "missing") == "missing"


def test_absent_single_references_are_recorded_and_skipped_at_the_next_level():
    vms = make_vms(4)  # vm1 and vm3 run on no host
    resolver = FakeResolver()
    result = follow_links("vms", vms, parse_follow("host.cluster"), resolve=resolver)
    assert result.has(vms[1], "host") and result.get(vms[1], "host") is None
    assert result.get(vms[0], "host") is vms[0].host
    # the shared host is resolved once at the next level, and the absent ones not at all
    assert [call for call in resolver.calls if call[1] == "host.cluster"] == [
        ("host0", "host.cluster")
    ]
    assert result.get(vms[0].host, "cluster") is vms[0].cluster


def test_shared_parents_are_followed_once():
    vms = make_vms(5)
    resolver = FakeResolver()
    follow_links("vms", vms, parse_follow("cluster.data_center"), resolve=resolver)
    assert resolver.calls.count(("Default", "cluster.data_center")) == 1


def test_empty_entities_make_no_calls():
    resolver = FakeResolver()
    tree = parse_follow("nics.statistics")
    result = follow_links("vms", [], tree, resolve=resolver)
    assert resolver.calls == []
    assert len(result) == 0
    assert tree.is_followed("nics.statistics")


def test_empty_tree_makes_no_calls():
    resolver = FakeResolver()
    result = follow_links("vms", make_vms(3), parse_follow(""), resolve=resolver)
    assert resolver.calls == [] and len(result) == 0


def test_context_reaches_the_resolver():
    seen = []

    def resolve(entity, node, context):
        seen.append(context)
        return []

    follow_links("vms", make_vms(2), parse_follow("nics"), resolve=resolve, context="session")
    assert seen == ["session", "session"]


def test_seconds_measure_the_following_and_add_up_over_calls():
    import time

    def slow(entity, node, context):
        time.sleep(0.01)
        return []

    result = follow_links("vms", make_vms(3), parse_follow("nics"), resolve=slow)
    assert 0.03 <= result.seconds < 5
    before = result.seconds
    follow_links("vms", make_vms(2), parse_follow("nics"), resolve=slow, result=result)
    assert result.seconds >= before + 0.02
    assert FollowResult().seconds == 0.0


def test_seconds_are_recorded_when_following_fails():
    def failing(entity, node, context):
        time_spent.append(entity.name)
        raise UnknownLink(node.name, "Vm")

    time_spent: list[str] = []
    result = FollowResult()
    with pytest.raises(UnknownLink):
        follow_links("vms", make_vms(1), parse_follow("x"), resolve=failing, result=result)
    assert time_spent == ["vm0"] and result.seconds > 0


# -- handlers ----------------------------------------------------------------------------------


def test_handler_is_called_once_per_level_regardless_of_parent_count():
    for count in (1, 10, 200):
        vms = make_vms(count)
        registry = HandlerRegistry()
        handlers = RecordingHandlers(registry, "vms", "disk_attachments", "disk_attachments.disk")
        resolver = FakeResolver()
        result = follow_links(
            "vms", vms, parse_follow("disk_attachments.disk"), resolve=resolver,
            registry=registry, context="ctx",
        )
        assert [path for path, _, _ in handlers.calls] == [
            "disk_attachments",
            "disk_attachments.disk",
        ]
        assert len(handlers.calls[0][1]) == count
        assert len(handlers.calls[1][1]) == 2 * count
        assert {context for _, _, context in handlers.calls} == {"ctx"}
        assert resolver.calls == []
        assert result.handler_call_count("disk_attachments") == 1
        assert result.handler_call_count("diskattachments.disk") == 1
        assert result.resolve_call_count() == 0


def test_handler_values_are_aligned_with_parents():
    vms = make_vms(3)
    registry = HandlerRegistry()

    @registry.register("vms", "nics")
    def nics(parents, node, context):
        return [[Nic(f"{vm.name}-batched")] for vm in parents]

    result = follow_vms(vms, "nics", registry=registry)
    assert [result.get(vm, "nics")[0].name for vm in vms] == [
        "vm0-batched",
        "vm1-batched",
        "vm2-batched",
    ]


def test_handler_is_found_in_either_spelling():
    vms = make_vms(2)
    registry = HandlerRegistry()
    handlers = RecordingHandlers(registry, "vms", "diskattachments")
    follow_vms(vms, "disk_attachments", registry=registry)
    assert len(handlers.calls) == 1


def test_handler_only_applies_to_its_collection():
    registry = HandlerRegistry()
    handlers = RecordingHandlers(registry, "templates", "disk_attachments")
    resolver = FakeResolver()
    follow_vms(make_vms(2), "disk_attachments", resolver, registry)
    assert handlers.calls == []
    assert len(resolver.calls) == 2


def test_handler_on_level_one_generic_on_level_two():
    vms = make_vms(3)
    registry = HandlerRegistry()
    handlers = RecordingHandlers(registry, "vms", "disk_attachments")
    resolver = FakeResolver()
    result = follow_links(
        "vms", vms, parse_follow("disk_attachments.disk"), resolve=resolver, registry=registry
    )
    assert len(handlers.calls) == 1
    assert len(resolver.calls) == 6
    assert {path for _, path in resolver.calls} == {"disk_attachments.disk"}
    assert result.handler_call_count("disk_attachments") == 1
    assert result.resolve_call_count("disk_attachments.disk") == 6
    for vm in vms:
        for attachment in vm.disk_attachments:
            assert result.get(attachment, "disk") is attachment.disk


def test_generic_on_level_one_handler_on_level_two():
    vms = make_vms(3)
    registry = HandlerRegistry()
    handlers = RecordingHandlers(registry, "vms", "nics.statistics")
    resolver = FakeResolver()
    follow_links("vms", vms, parse_follow("nics.statistics"), resolve=resolver, registry=registry)
    assert len(resolver.calls) == 3
    assert len(handlers.calls) == 1
    assert len(handlers.calls[0][1]) == 6


def test_disabled_registry_gives_identical_results_through_the_generic_path():
    text = "disk_attachments.disk.storage_domains,nics.statistics,host.cluster.data_center"
    vms = make_vms(6)
    registry = HandlerRegistry()
    RecordingHandlers(
        registry, "vms", "disk_attachments", "disk_attachments.disk", "nics", "host"
    )

    optimized_tree = parse_follow(text)
    optimized = follow_links("vms", vms, optimized_tree, resolve=FakeResolver(), registry=registry)
    with registry.disabled():
        generic_tree = parse_follow(text)
        generic = follow_links("vms", vms, generic_tree, resolve=FakeResolver(), registry=registry)

    assert optimized.handler_call_count() == 4
    assert generic.handler_call_count() == 0
    assert generic.resolve_call_count() > optimized.resolve_call_count()
    assert snapshot(optimized, vms, optimized_tree) == snapshot(generic, vms, generic_tree)
    # the picture really contains the deepest level
    first = snapshot(generic, vms, generic_tree)[0]
    assert first["disk_attachments"][0]["disk"]["storage_domains"] == [{"name": "sd0"}]
    assert first["host"]["cluster"]["data_center"] == {"name": "dc"}


def test_handler_returning_the_wrong_number_of_values_is_an_error():
    registry = HandlerRegistry()
    registry.register("vms", "nics", lambda parents, node, context: [[]])
    with pytest.raises(TypeError, match="1 values for 3 parents"):
        follow_vms(make_vms(3), "nics", registry=registry)


def test_handler_returning_a_non_sequence_is_an_error():
    registry = HandlerRegistry()
    registry.register("vms", "nics", lambda parents, node, context: {id(p): [] for p in parents})
    with pytest.raises(TypeError, match="not a sequence"):
        follow_vms(make_vms(2), "nics", registry=registry)


# -- nodes already followed ------------------------------------------------------------------


def test_nodes_marked_by_a_handler_are_skipped():
    vms = make_vms(2)
    registry = HandlerRegistry()

    @registry.register("vms", "disk_attachments")
    def attachments_with_disks(parents, node, context):
        node.root.mark_followed("disk_attachments.disk")
        return [vm.disk_attachments for vm in parents]

    resolver = FakeResolver()
    tree = parse_follow("disk_attachments.disk,nics")
    follow_links("vms", vms, tree, resolve=resolver, registry=registry)
    assert {path for _, path in resolver.calls} == {"nics"}
    assert tree.is_followed("disk_attachments.disk")


def test_premarked_nodes_feed_their_recorded_values_to_the_next_level():
    vms = make_vms(2)
    tree = parse_follow("disk_attachments.disk")
    preloaded = FollowResult()
    for vm in vms:
        preloaded.record(vm, "disk_attachments", vm.disk_attachments)
    tree.mark_followed("disk_attachments")

    resolver = FakeResolver()
    result = follow_links("vms", vms, tree, resolve=resolver, result=preloaded)
    assert result is preloaded
    assert {path for _, path in resolver.calls} == {"disk_attachments.disk"}
    assert len(resolver.calls) == 4
    assert result.get(vms[1].disk_attachments[0], "disk") is vms[1].disk_attachments[0].disk


def test_following_the_same_tree_twice_does_nothing_the_second_time():
    vms = make_vms(2)
    tree = parse_follow("nics")
    follow_links("vms", vms, tree, resolve=FakeResolver())
    resolver = FakeResolver()
    follow_links("vms", vms, tree, resolve=resolver)
    assert resolver.calls == []


# -- unknown links -----------------------------------------------------------------------------


def test_unknown_link_from_the_resolver_propagates_with_its_path():
    with pytest.raises(UnknownLink) as caught:
        follow_vms(make_vms(1), "nics,disk_attachments.foo")
    error = caught.value
    assert error.link == "foo"
    assert error.entity_type == "DiskAttachment"
    assert error.path == "disk_attachments.foo"
    assert str(error) == "Problem following 'foo' link in DiskAttachment entity."


def test_unknown_link_from_a_handler_propagates():
    registry = HandlerRegistry()

    @registry.register("vms", "bogus")
    def bogus(parents, node, context):
        raise UnknownLink(node.name, "Vm")

    with pytest.raises(UnknownLink) as caught:
        follow_vms(make_vms(2), "bogus", registry=registry)
    assert caught.value.message == "Problem following 'bogus' link in Vm entity."
    assert caught.value.path == "bogus"


def test_unknown_link_keeps_a_path_set_by_the_raiser():
    def resolve(entity, node, context):
        raise UnknownLink("x", "Vm", path="given")

    with pytest.raises(UnknownLink) as caught:
        follow_links("vms", make_vms(1), parse_follow("x"), resolve=resolve)
    assert caught.value.path == "given"


def test_unknown_link_is_a_lookup_error():
    assert issubclass(UnknownLink, LookupError)
