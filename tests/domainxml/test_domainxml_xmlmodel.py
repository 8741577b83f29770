"""The declarative XML framework: layout checks, the two writers agreeing, reading back, escaping."""
from __future__ import annotations

import pytest
from lxml import etree

import domainxml as dx
from domainxml import elements as el
from domainxml.xmlmodel import (
    INT,
    YES_NO,
    Attr,
    AttrMap,
    Child,
    Children,
    Flag,
    Text,
    XmlObject,
    model_classes,
)


@pytest.fixture
def declare():
    """Declare throw-away model classes and forget them afterwards."""
    before = list(model_classes())
    yield
    XmlObject._registry[:] = before


def test_a_property_outside_order_is_a_declaration_error(declare) -> None:
    with pytest.raises(TypeError, match="<target> is missing from ORDER"):
        class Broken(XmlObject):
            TAG = "broken"
            ORDER = ("source",)
            dev = Attr("target/@dev")


def test_two_texts_on_one_element_are_a_declaration_error(declare) -> None:
    with pytest.raises(TypeError, match="already has a text property"):
        class Broken(XmlObject):
            TAG = "broken"
            ORDER = ("name",)
            first = Text("name")
            second = Text("name")


def test_a_nested_object_cannot_share_its_element(declare) -> None:
    with pytest.raises(TypeError, match="nested object"):
        class Broken(XmlObject):
            TAG = "broken"
            ORDER = ("timer",)
            timers = Children(el.Timer)
            name = Attr("timer/@name")


def test_attribute_paths_must_end_in_an_attribute() -> None:
    with pytest.raises(TypeError, match="must end in"):
        Attr("target/dev")


def test_unknown_properties_are_refused() -> None:
    with pytest.raises(TypeError, match=r"no properties \['colour'\]"):
        el.Disk(colour="red")


def test_children_follow_order_not_declaration(declare) -> None:
    class Sample(XmlObject):
        TAG = "sample"
        ORDER = ("b", "a", "c")
        a = Attr("a/@x")
        c_text = Text("c", INT)
        b = Flag("b")
        a_deep = Attr("a/inner/@y", YES_NO)

    sample = Sample(a="1", c_text=7, b=True, a_deep=False)
    assert sample.to_xml() == '<sample><b/><a x="1"><inner y="no"/></a><c>7</c></sample>'
    assert sample.to_xml() == etree.tostring(sample.to_element(), encoding=str)
    assert Sample.from_element(sample.to_element()) == sample
    assert Sample().to_xml() == "<sample/>"


def test_awkward_values_are_escaped_exactly_as_lxml_escapes_them() -> None:
    awkward = 'a&b<c>d"e\'f\tg\nh\ri ü €'
    disk = el.Disk(type=awkward, serial=awkward, source_file=awkward, address={"type": awkward})
    assert disk.to_xml() == etree.tostring(disk.to_element(), encoding=str)
    read = el.Disk.from_element(dx.parse_xml(disk.to_xml()))
    assert (read.type, read.source_file, read.address["type"]) == (awkward, awkward, awkward)
    assert read.serial == awkward


@pytest.mark.parametrize("bad", ["nul\x00", "bell\x07", "surrogate\ud800", "\ufffe"])
def test_characters_xml_cannot_carry_are_refused_by_both_writers(bad: str) -> None:
    with pytest.raises(dx.SpecError, match="XML cannot carry"):
        el.Disk(serial=bad).to_xml()
    with pytest.raises(dx.SpecError, match="XML cannot carry"):
        el.Disk(serial=bad).to_element()


def test_reading_ignores_what_is_not_declared_and_keeps_engine_address_keys() -> None:
    xml = ("<disk type='file' extra='1'><unknown/><target dev='vda' bus='virtio' tray='open'/>"
           "<address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0' zpci='1'/>"
           "<!-- a comment --><readonly/></disk>")
    disk = el.Disk.from_element(etree.fromstring(xml))
    assert (disk.type, disk.target_dev, disk.target_bus, disk.readonly, disk.shareable) == (
        "file", "vda", "virtio", True, False)
    assert disk.address == {"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x07", "function": "0x0"}


def test_address_keys_are_written_in_a_fixed_order_with_extras_last() -> None:
    controller = el.Controller(type="usb", address={"unit": "1", "zz": "2", "type": "drive", "controller": "0"})
    assert controller.to_xml() == '<controller type="usb"><address type="drive" controller="0" unit="1" zz="2"/>' \
                                  "</controller>"
    assert AttrMap("x").ordered({"b": "1", "a": 2}) == [("b", "1"), ("a", "2")]


def test_bad_numbers_name_the_property() -> None:
    with pytest.raises(dx.DomainXmlError, match=r"Video.vram \(model/@vram\): 'lots' is not a valid int"):
        el.Video.from_element(etree.fromstring("<video><model type='qxl' vram='lots'/></video>"))
    with pytest.raises(dx.DomainXmlError, match=r"Domain.memory_kib"):
        el.Domain.from_element(etree.fromstring("<domain><memory>4G</memory></domain>"))


def test_text_of_an_empty_element_reads_as_empty_string_and_numbers_as_absent() -> None:
    domain = el.Domain.from_element(etree.fromstring("<domain><name/><memory/></domain>"))
    assert domain.name == "" and domain.memory_kib is None


def test_lists_are_per_instance() -> None:
    first, second = el.Clock(), el.Clock()
    first.timers.append(el.Timer(name="rtc"))
    assert second.timers == [] and el.Clock.from_element(etree.fromstring("<clock/>")).timers == []


def test_child_objects_and_items_round_trip() -> None:
    devices = el.Devices(items=[el.Input(type="mouse", bus="ps2"), el.Sound(model="ich9", alias="sound0")])
    read = el.Devices.from_element(etree.fromstring(devices.to_xml() .replace("<devices>", "<devices><emulator/>")))
    assert read == devices
    cpu = el.Cpu(model="Haswell", features=[el.CpuFeature(name="vmx", policy="require")])
    assert el.Cpu.from_element(cpu.to_element()) == cpu
    assert repr(cpu) == "Cpu(model='Haswell', features=[CpuFeature(name='vmx', policy='require')])"


def test_child_declared_with_a_class_uses_its_tag(declare) -> None:
    class Holder(XmlObject):
        TAG = "holder"
        ORDER = ("timer",)
        timer = Child(el.Timer)

    holder = Holder(timer=el.Timer(name="pit"))
    assert holder.to_xml() == '<holder><timer name="pit"/></holder>'
    assert Holder.from_element(holder.to_element()) == holder


def test_constructors_take_properties_by_keyword_only() -> None:
    timers = [el.Timer(name="rtc")]
    assert el.Clock(offset="utc", timers=timers).timers is timers
    assert el.Timer(name="pit", present=None).present is None
    with pytest.raises(TypeError):
        el.Timer("pit")


def test_a_class_declaring_its_own_constructor_keeps_it(declare) -> None:
    class Named(XmlObject):
        TAG = "named"
        name = Attr("@name")

        def __init__(self, name: str) -> None:
            super().__init__(name=name.upper())

    assert Named("x").to_xml() == '<named name="X"/>'


def test_readers_answer_the_named_properties_in_order_or_pass_them_on() -> None:
    element = etree.fromstring("<disk device='cdrom'><target dev='sdc'/><alias name='first'/><target bus='sata'/>"
                               "<alias name='last'/><address type='drive' unit='2' zz='1'/><readonly/></disk>")
    names = ("alias", "target_dev", "target_bus", "readonly", "shareable", "address", "boot_order")
    assert el.Disk.reader(names)(element) == ("last", "sdc", "sata", True, False, {"type": "drive", "unit": "2"},
                                              None)
    assert el.Disk.reader(("device", "alias"), into=lambda device, alias: f"{device}/{alias}")(element) == "cdrom/last"
    assert el.Disk.reader(names) is el.Disk.reader(names)
    with pytest.raises(TypeError, match=r"no properties \['colour'\]"):
        el.Disk.reader(("colour",))
