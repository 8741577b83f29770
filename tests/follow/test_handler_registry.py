"""The optimized-handler registry."""

import threading

import pytest

from follow.registry import HandlerRegistry, normalize_link_path


def handler_a(parents, node, context):
    return [None for _ in parents]


def handler_b(parents, node, context):
    return [[] for _ in parents]


def test_register_as_decorator_returns_the_function():
    registry = HandlerRegistry()

    @registry.register("vms", "disk_attachments")
    def attachments(parents, node, context):
        return [[] for _ in parents]

    assert callable(attachments)
    assert registry.handler_for("vms", "disk_attachments") is attachments


def test_register_directly():
    registry = HandlerRegistry()
    assert registry.register("vms", "nics", handler_a) is handler_a
    assert registry.handler_for("vms", "nics") is handler_a


@pytest.mark.parametrize(
    "registered, asked",
    [
        ("disk_attachments.disk", "diskattachments.disk"),
        ("diskattachments.disk", "disk_attachments.disk"),
        ("Disk_Attachments.Disk", "diskattachments.DISK"),
    ],
)
def test_paths_compare_in_normalized_spelling(registered, asked):
    registry = HandlerRegistry()
    registry.register("vms", registered, handler_a)
    assert registry.handler_for("vms", asked) is handler_a
    assert registry.handler_for("VMs", asked) is handler_a


def test_unknown_pairs_have_no_handler():
    registry = HandlerRegistry()
    registry.register("vms", "disk_attachments", handler_a)
    assert registry.handler_for("templates", "disk_attachments") is None
    assert registry.handler_for("vms", "disk_attachments.disk") is None
    assert registry.handler_for("vms", "nics") is None


def test_duplicate_registration_is_refused_unless_replacing():
    registry = HandlerRegistry()
    registry.register("vms", "nics", handler_a)
    with pytest.raises(ValueError):
        registry.register("vms", "NICS", handler_b)
    assert registry.handler_for("vms", "nics") is handler_a
    registry.register("vms", "nics", handler_b, replace=True)
    assert registry.handler_for("vms", "nics") is handler_b


@pytest.mark.parametrize("collection, path", [("", "nics"), ("vms", ""), ("vms", " . ")])
def test_empty_collection_or_path_is_refused(collection, path):
    with pytest.raises(ValueError):
        HandlerRegistry().register(collection, path, handler_a)


def test_unregister():
    registry = HandlerRegistry()
    registry.register("vms", "disk_attachments", handler_a)
    assert registry.unregister("vms", "diskattachments") is handler_a
    assert registry.handler_for("vms", "disk_attachments") is None
    assert registry.unregister("vms", "disk_attachments") is None
    assert len(registry) == 0


def test_iteration_lists_registrations_in_order():
    registry = HandlerRegistry()
    registry.register("vms", "nics", handler_a)
    registry.register("hosts", "Cluster", handler_b)
    assert [(r.collection, r.path, r.handler) for r in registry] == [
        ("vms", "nics", handler_a),
        ("hosts", "cluster", handler_b),
    ]
    assert len(registry) == 2
    assert ("vms", "NICs") in registry
    assert ("vms", "cluster") not in registry
    assert "vms" not in registry


def test_disabled_hides_every_handler_and_nests():
    registry = HandlerRegistry()
    registry.register("vms", "nics", handler_a)
    with registry.disabled():
        assert not registry.enabled
        assert registry.handler_for("vms", "nics") is None
        with registry.disabled():
            assert registry.handler_for("vms", "nics") is None
        assert registry.handler_for("vms", "nics") is None
    assert registry.enabled
    assert registry.handler_for("vms", "nics") is handler_a


def test_disabled_is_restored_after_an_exception():
    registry = HandlerRegistry()
    registry.register("vms", "nics", handler_a)
    with pytest.raises(RuntimeError):
        with registry.disabled():
            raise RuntimeError("boom")
    assert registry.handler_for("vms", "nics") is handler_a


def test_disabled_applies_to_other_threads():
    registry = HandlerRegistry()
    registry.register("vms", "nics", handler_a)
    seen = []
    with registry.disabled():
        worker = threading.Thread(target=lambda: seen.append(registry.handler_for("vms", "nics")))
        worker.start()
        worker.join()
    assert seen == [None]


def test_normalize_link_path():
    assert normalize_link_path("Disk_Attachments.disk") == "diskattachments.disk"
    assert normalize_link_path(" nics . statistics ") == "nics.statistics"
