"""Every property the declarative model declares is exercised by the golden corpus: written by a
golden build or hot-plug message, or read from a golden or reported document. A property no
golden file carries is untested; declare it only together with a golden case that uses it."""
from __future__ import annotations

import domainxml as dx
from domainxml import elements as el
from domainxml.hotplug import Hotplug, Hotunplug
from domainxml.xmlmodel import Prop, model_classes
from tests.domainxml.golden_files import GOLDEN
from tests.domainxml.specs import NAMED_SPECS, server, uid

READERS = {"domain": el.Domain, "hotplug": Hotplug, "hotunplug": Hotunplug}


def declared() -> dict[int, Prop]:
    props: dict[int, Prop] = {}
    for cls in model_classes():
        for prop in cls.properties().values():
            props[id(prop)] = prop
    return props


def exercised() -> set[int]:
    objects = [dx.build_domain(make()) for make in NAMED_SPECS.values()]
    messages = [dx.hotplug_nic(server().nics[1]), dx.hotplug_disk(server(), server().disks[0]),
                dx.hotunplug_nic(uid("server/nic-a")), dx.hotunplug_disk(uid("server/os"))]
    documents = [path.read_text() for path in sorted(GOLDEN.rglob("*.xml"))] + messages
    for document in documents:
        root = dx.parse_xml(document)
        objects.append(READERS[root.tag].from_element(root))
    return {id(prop) for obj in objects for prop in obj.set_properties()}


def test_every_declared_property_is_exercised_by_the_golden_corpus() -> None:
    props = declared()
    missing = sorted(f"{prop.owner}.{prop.name} ({prop.path})" for key, prop in props.items()
                     if key not in exercised())
    assert missing == []
    assert {el.Domain.type, el.Disk.serial, el.Interface.mac, Hotplug.metadata} <= set(props.values())


def test_the_check_notices_an_unexercised_property() -> None:
    class Probe(dx.elements.Device):
        TAG = "probe"
        ORDER = ("alias", "address", "never")
        never = dx.xmlmodel.Attr("never/@written")

    try:
        assert id(Probe.never) in declared()
        assert id(Probe.never) not in exercised()
    finally:
        dx.xmlmodel.XmlObject._registry.remove(Probe)
