"""Declarative XML objects: properties mapped to paths, a fixed child-element order per class.

A class derived from :class:`XmlObject` names its element (``TAG``), the order of its child
elements (``ORDER``) and declares every property as a mapping to a place below that element::

    class Disk(XmlObject):
        TAG = "disk"
        ORDER = ("target", "source", "alias", "serial", "readonly")
        type = Attr("@type")                 # attribute of <disk>
        target_dev = Attr("target/@dev")     # attribute of a child element
        source_file = Attr("source/@file")
        alias = Attr("alias/@name")
        serial = Text("serial")              # text of a child element
        readonly = Flag("readonly")          # presence of an empty child element

An instance is a plain object holding Python values; ``None`` (``False`` for flags, an empty
list for repeated children) means "absent". It is written either as an lxml tree
(:meth:`XmlObject.to_element`) or, on the hot path, as text by a serializer compiled once per
class (:meth:`XmlObject.to_xml`); the two give identical documents. :meth:`XmlObject.from_element`
reads an element back, ignoring whatever the class does not declare. Child elements are always
written in ``ORDER``, properties sharing a child element in declaration order.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from lxml import etree

from .errors import DomainXmlError, SpecError


@dataclass(frozen=True)
class Conv:
    """How a property's Python value is read from and written to XML text."""

    name: str
    load: Callable[[str], Any]
    dump: Callable[[Any], str]


def _dump_yes_no(value: Any) -> str:
    return "yes" if value else "no"


STR = Conv("str", str, str)
INT = Conv("int", int, str)
YES_NO = Conv("yes/no", lambda text: text == "yes", _dump_yes_no)


class Prop:
    """A declared property: a name (the class attribute) mapped to a path below the element."""

    list_valued = False

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = ""
        self.owner = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.owner = owner.__name__

    @property
    def elements(self) -> list[str]:
        """Child element tags from the object's element down to the one the property lives on."""
        return [] if self.path == "." else self.path.split("/")

    def default(self) -> Any:
        return None

    def is_set(self, value: Any) -> bool:
        return value is not None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}) {self.owner}.{self.name}"


class Attr(Prop):
    """An attribute: ``"@type"`` on the element itself, ``"target/@dev"`` on a child."""

    def __init__(self, path: str, conv: Conv = STR) -> None:
        super().__init__(path)
        head, at, attribute = path.rpartition("@")
        if not at or not attribute or "/" in attribute or (head and not head.endswith("/")):
            raise TypeError(f"attribute path {path!r} must end in /@name")
        self.attribute = attribute
        self.conv = conv

    @property
    def elements(self) -> list[str]:
        head = self.path.rpartition("@")[0].rstrip("/")
        return head.split("/") if head else []


class Text(Prop):
    """The text of a child element (``"serial"``) or of the element itself (``"."``)."""

    def __init__(self, path: str, conv: Conv = STR) -> None:
        super().__init__(path)
        self.conv = conv


class Flag(Prop):
    """True when an (empty) child element is present: ``<readonly/>``."""

    def default(self) -> Any:
        return False

    def is_set(self, value: Any) -> bool:
        return bool(value)


ADDRESS_KEYS = ("type", "domain", "controller", "bus", "slot", "target", "unit", "function", "port",
                "multifunction", "base")
"""The address attributes the engine keeps, in an order that reads like libvirt's for PCI,
drive and virtio-serial addresses alike."""


class AttrMap(Prop):
    """All attributes of a child element as a ``dict``; ``keys`` restricts and orders them."""

    def __init__(self, path: str, keys: tuple[str, ...] | None = None) -> None:
        super().__init__(path)
        self.keys = keys

    def is_set(self, value: Any) -> bool:
        return bool(value)

    def ordered(self, value: dict[str, str]) -> list[tuple[str, str]]:
        """The items to write: declared keys first in their order, then the others sorted."""
        if self.keys is None:
            return [(key, str(val)) for key, val in value.items()]
        items = [(key, str(value[key])) for key in self.keys if value.get(key) is not None]
        items.extend((key, str(value[key])) for key in sorted(value) if key not in self.keys
                     and value[key] is not None)
        return items


class Child(Prop):
    """A nested :class:`XmlObject` (its element is the class's ``TAG``)."""

    def __init__(self, cls: type) -> None:
        super().__init__(cls.TAG)
        self.cls = cls


class Children(Prop):
    """Repeated nested objects of one class, kept as a list in document order."""

    list_valued = True

    def __init__(self, cls: type) -> None:
        super().__init__(cls.TAG)
        self.cls = cls

    def default(self) -> Any:
        return []

    def is_set(self, value: Any) -> bool:
        return bool(value)


class Items(Prop):
    """Children of several classes in one list, written in list order (the devices of a domain)."""

    list_valued = True

    def __init__(self, *classes: type) -> None:
        super().__init__("*")
        self.classes = {cls.TAG: cls for cls in classes}

    @property
    def elements(self) -> list[str]:
        return ["*"]

    def default(self) -> Any:
        return []

    def is_set(self, value: Any) -> bool:
        return bool(value)


class _Node:
    """One element of a class's layout: the properties living on it and its child elements."""

    def __init__(self, tag: str | None) -> None:
        self.tag = tag
        self.attrs: list[Attr] = []
        self.text: Text | None = None
        self.flag: Flag | None = None
        self.amap: AttrMap | None = None
        self.nested: Child | Children | Items | None = None
        self.children: list[_Node] = []
        self.by_tag: dict[str, _Node] = {}

    def child(self, tag: str) -> _Node:
        node = self.by_tag.get(tag)
        if node is None:
            node = _Node(tag)
            self.children.append(node)
            self.by_tag[tag] = node
        return node

    def props(self) -> list[Prop]:
        """Every property on this element or below it."""
        found: list[Prop] = list(self.attrs)
        for prop in (self.text, self.flag, self.amap, self.nested):
            if prop is not None:
                found.append(prop)
        for child in self.children:
            found.extend(child.props())
        return found


def _layout(cls: type, props: list[Prop]) -> _Node:
    """Arrange the properties into the element tree, first-level children in ``cls.ORDER``."""
    root = _Node(None)
    order = list(cls.ORDER)
    for tag in order:
        root.child(tag)
    for prop in props:
        path = prop.elements
        if path and path[0] not in root.by_tag and path != ["*"]:
            raise TypeError(f"{cls.__name__}.{prop.name}: child <{path[0]}> is missing from ORDER")
        node = root
        for tag in path:
            node = node.child(tag)
        if isinstance(prop, Attr):
            node.attrs.append(prop)
            continue
        if isinstance(prop, (Child, Children, Items)):
            slot = "nested"
        else:
            slot = {Text: "text", Flag: "flag", AttrMap: "amap"}[type(prop)]
        if getattr(node, slot) is not None:
            raise TypeError(f"{cls.__name__}.{prop.name}: <{node.tag}> already has a {slot} property")
        setattr(node, slot, prop)
    for node in root.children:
        if node.nested is not None and (node.attrs or node.text or node.flag or node.amap or node.children):
            raise TypeError(f"{cls.__name__}: <{node.tag}> is a nested object and cannot carry other properties")
    root.children = [node for node in root.children if node.props()]
    return root


_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;",
                               "\r": "&#13;", "\t": "&#9;"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_CACHE_LIMIT = 50000
_attribute_cache: dict[str, str] = {}
_text_cache: dict[str, str] = {}


def _checked(value: str) -> str:
    if _INVALID_XML_CHARS.search(value):
        raise SpecError(f"value {value!r} contains characters XML cannot carry")
    return value


def escape_attribute(value: str) -> str:
    """``value`` escaped for a double-quoted attribute, exactly as lxml writes it.

    Domain XML repeats the same few values (uuids, bus names, paths), so results are cached.
    """
    escaped = _attribute_cache.get(value)
    if escaped is None:
        escaped = _checked(value).translate(_ATTR_ESCAPES)
        if len(_attribute_cache) >= _CACHE_LIMIT:
            _attribute_cache.clear()
        _attribute_cache[value] = escaped
    return escaped


def escape_text(value: str) -> str:
    """``value`` escaped as element text, exactly as lxml writes it (cached like attributes)."""
    escaped = _text_cache.get(value)
    if escaped is None:
        escaped = _checked(value).translate(_TEXT_ESCAPES)
        if len(_text_cache) >= _CACHE_LIMIT:
            _text_cache.clear()
        _text_cache[value] = escaped
    return escaped


class _WriterSource:
    """Generates the Python source of a class's text serializer from its layout."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"_ea": escape_attribute, "_et": escape_text, "_cache": _attribute_cache}
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def ref(self, obj: Any, stem: str) -> str:
        name = self.fresh(stem)
        self.names[name] = obj
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def condition(self, node: _Node) -> str:
        tests = []
        for prop in node.props():
            if isinstance(prop, (Flag, AttrMap, Children, Items)):
                tests.append(f"self.{prop.name}")
            else:
                tests.append(f"self.{prop.name} is not None")
        return " or ".join(tests) or "False"

    def attribute_value(self, prop: Attr, value: str, indent: int) -> str:
        """Emit what escapes the attribute value held in variable ``value``; answer the expression
        of the escaped text (numbers need no escaping)."""
        if prop.conv is STR:  # the escape cache looked up inline: most values were seen before
            self.emit(indent, f"e = _cache.get({value})")
            self.emit(indent, "if e is None:")
            self.emit(indent + 1, f"e = _ea({value})")
            return "e"
        if prop.conv is INT:
            return f"int({value})"
        return f"_ea({self.ref(prop.conv.dump, '_dump')}({value}))"

    def text_expr(self, prop: Text, value: str) -> str:
        if prop.conv is STR:
            return f"_et({value})"
        if prop.conv is INT:
            return f"str(int({value}))"
        return f"_et({self.ref(prop.conv.dump, '_dump')}({value}))"

    def attributes(self, node: _Node, indent: int) -> None:
        for prop in node.attrs:
            value = self.fresh("v")
            self.emit(indent, f"{value} = self.{prop.name}")
            self.emit(indent, f"if {value} is not None:")
            escaped = self.attribute_value(prop, value, indent + 1)
            self.emit(indent + 1, f"out.append(f' {prop.attribute}=\"{{{escaped}}}\"')")
        if node.amap is not None:
            amap = self.ref(node.amap, "_amap")
            self.emit(indent, f"for key, val in {amap}.ordered(self.{node.amap.name}):")
            self.emit(indent + 1, "out.append(f' {key}=\"{_ea(val)}\"')")

    def content(self, node: _Node, indent: int) -> str:
        """Text, flag children and child elements of ``node`` (its start tag is open, unclosed)."""
        mark = self.fresh("mark")
        self.emit(indent, f"{mark} = len(out)")
        if node.text is not None:
            value = self.fresh("t")
            self.emit(indent, f"{value} = self.{node.text.name}")
            self.emit(indent, f"if {value} is not None:")
            self.emit(indent + 1, f"out.append({self.text_expr(node.text, value)})")
        for child in node.children:
            self.element(child, indent)
        return mark

    def element(self, node: _Node, indent: int) -> None:
        if node.nested is not None:
            prop = node.nested
            if isinstance(prop, Child):
                self.emit(indent, f"if self.{prop.name} is not None:")
                self.emit(indent + 1, f"self.{prop.name}._write(out)")
            else:
                self.emit(indent, f"for item in self.{prop.name}:")
                self.emit(indent + 1, "item._write(out)")
            return
        props = node.props()
        if not node.children and len(props) == 1 and isinstance(props[0], (Attr, Text, Flag)):
            self.lone_property(node.tag, props[0], indent)  # the element written in one piece
            return
        self.emit(indent, f"if {self.condition(node)}:")
        self.open_and_close(node, indent + 1, f"'<{node.tag}'", f"'</{node.tag}>'")

    def lone_property(self, tag: str, prop: Prop, indent: int) -> None:
        if isinstance(prop, Flag):
            self.emit(indent, f"if self.{prop.name}:")
            self.emit(indent + 1, f"out.append('<{tag}/>')")
            return
        value = self.fresh("v")
        self.emit(indent, f"{value} = self.{prop.name}")
        self.emit(indent, f"if {value} is not None:")
        if isinstance(prop, Attr):
            escaped = self.attribute_value(prop, value, indent + 1)
            self.emit(indent + 1, f"out.append(f'<{tag} {prop.attribute}=\"{{{escaped}}}\"/>')")
        else:
            self.emit(indent + 1, f"out.append(f'<{tag}>{{{self.text_expr(prop, value)}}}</{tag}>')")

    def open_and_close(self, node: _Node, indent: int, start: str, end: str) -> None:
        self.emit(indent, f"out.append({start})")
        self.attributes(node, indent)
        if node.text is None and not node.children:  # attributes only: always an empty element
            self.emit(indent, "out.append('/>')")
            return
        mark = self.content(node, indent)
        self.emit(indent, f"if len(out) == {mark}:")
        self.emit(indent + 1, "out.append('/>')")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"out.insert({mark}, '>')")
        self.emit(indent + 1, f"out.append({end})")

    def compile(self, root: _Node) -> Callable[[Any, list[str]], None]:
        cls = self.cls
        self.emit(0, "def _write(self, out):")
        declarations = "".join(f' xmlns:{prefix}="{escape_attribute(uri)}"'
                               for prefix, uri in (cls.NSMAP or {}).items())
        self.open_and_close(root, 1, repr(f"<{cls.TAG}{declarations}"), repr(f"</{cls.TAG}>"))
        namespace = dict(self.names)
        exec(compile("\n".join(self.lines), f"<xmlmodel {cls.__name__}>", "exec"), namespace)  # noqa: S102
        return namespace["_write"]


_NEW_LIST = object()
"""Default of a list-valued constructor argument: a new empty list."""


def _no_properties(cls: type, unknown: dict[str, Any]) -> TypeError:
    return TypeError(f"{cls.__name__} has no properties {sorted(unknown)}")


def _compile_init(cls: type) -> Callable[..., None]:
    """The constructor of ``cls``: every property a keyword argument, set in ``cls._fields`` order."""
    namespace: dict[str, Any] = {"_defaults": cls._defaults, "_new_list": _NEW_LIST, "_cls": cls,
                                 "_no_properties": _no_properties}
    parameters = [f"{name}=_defaults[{name!r}]" for name in cls._defaults]
    parameters += [f"{name}=_new_list" for name in cls._list_props]
    lines = [f"def __init__(self, /, *, {', '.join(parameters)}, **unknown):",
             "    if unknown:",
             "        raise _no_properties(_cls, unknown)"]
    lines += [f"    self.{name} = {name}" for name in cls._defaults]
    lines += [f"    self.{name} = [] if {name} is _new_list else {name}" for name in cls._list_props]
    exec(compile("\n".join(lines), f"<xmlmodel constructor {cls.__name__}>", "exec"), namespace)  # noqa: S102
    return namespace["__init__"]


class XmlObject:
    """Base of the declarative XML classes; see the module documentation."""

    TAG: ClassVar[str] = ""
    ORDER: ClassVar[tuple[str, ...]] = ()
    NSMAP: ClassVar[dict[str, str] | None] = None
    _props: ClassVar[dict[str, Prop]] = {}
    _defaults: ClassVar[dict[str, Any]] = {}
    _list_props: ClassVar[tuple[str, ...]] = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _layout: ClassVar[_Node]
    _registry: ClassVar[list[type[XmlObject]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        props: dict[str, Prop] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Prop):
                    props[name] = value
        cls._props = props
        if not cls.TAG:
            return
        cls._defaults = {name: prop.default() for name, prop in props.items() if not prop.list_valued}
        cls._list_props = tuple(name for name, prop in props.items() if prop.list_valued)
        cls._layout = _layout(cls, list(props.values()))
        cls._fields = (*cls._defaults, *cls._list_props)
        if "__init__" not in vars(cls):  # a class declaring its own constructor keeps it
            cls.__init__ = _compile_init(cls)
        cls._write = _WriterSource(cls).compile(cls._layout)
        cls._read = staticmethod(_ReaderSource(cls, cls._fields).compile(cls._layout))
        XmlObject._registry.append(cls)

    def __init__(self, **values: Any) -> None:  # replaced per class by a compiled constructor
        d = self.__dict__
        d.update(self._defaults)
        for name in self._list_props:
            d[name] = []
        d.update(values)
        if len(d) != len(self._props):
            unknown = sorted(set(d) - set(self._props))
            raise TypeError(f"{type(self).__name__} has no properties {unknown}")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items()
                          if self._props[name].is_set(value))
        return f"{type(self).__name__}({shown})"

    # -- writing ------------------------------------------------------------------------------
    def _write(self, out: list[str]) -> None:  # replaced per class by the compiled serializer
        raise NotImplementedError

    def to_xml(self) -> str:
        """This object as XML text (the compiled serializer)."""
        out: list[str] = []
        self._write(out)
        return "".join(out)

    def to_element(self, parent: etree._Element | None = None) -> etree._Element:
        """This object as an lxml element, appended to ``parent`` when one is given."""
        if parent is None:
            element = etree.Element(self.TAG, nsmap=self.NSMAP)
        else:
            element = etree.SubElement(parent, self.TAG)
        self._fill(self._layout, element)
        return element

    def _fill(self, node: _Node, element: etree._Element) -> None:
        d = self.__dict__
        for prop in node.attrs:
            value = d[prop.name]
            if value is not None:
                element.set(prop.attribute, _checked(prop.conv.dump(value)))
        if node.amap is not None and d[node.amap.name]:
            for key, value in node.amap.ordered(d[node.amap.name]):
                element.set(key, _checked(value))
        if node.text is not None and d[node.text.name] is not None:
            element.text = _checked(node.text.conv.dump(d[node.text.name]))
        for child in node.children:
            nested = child.nested
            if nested is not None:
                value = d[nested.name]
                for item in (value if nested.list_valued else [value] if value is not None else []):
                    item.to_element(element)
            elif any(prop.is_set(d[prop.name]) for prop in child.props()):
                self._fill(child, etree.SubElement(element, child.tag))

    # -- reading ------------------------------------------------------------------------------
    @classmethod
    def from_element(cls, element: etree._Element) -> XmlObject:
        """Read ``element``; undeclared attributes and children are ignored."""
        obj = cls.__new__(cls)
        obj.__dict__.update(zip(cls._fields, cls._read(element), strict=True))
        return obj

    @classmethod
    def reader(cls, names: tuple[str, ...], into: Callable[..., Any] | None = None) -> Callable[[etree._Element], Any]:
        """A reader of only the named properties, answering their values in the order of ``names``,
        or what ``into`` answers when called with them (for hot paths that need a few values of many
        elements; compiled once per class, set of names and ``into``)."""
        cache = cls.__dict__.get("_readers")
        if cache is None:
            cache = {}
            cls._readers = cache
        read = cache.get((names, into))
        if read is None:
            unknown = [name for name in names if name not in cls._props]
            if unknown:
                raise TypeError(f"{cls.__name__} has no properties {unknown}")
            read = _ReaderSource(cls, names).compile(_layout(cls, [cls._props[name] for name in names]), into)
            cache[names, into] = read
        return read

    # -- introspection ------------------------------------------------------------------------
    @classmethod
    def properties(cls) -> dict[str, Prop]:
        """The declared properties by name."""
        return dict(cls._props)

    def set_properties(self) -> Iterator[Prop]:
        """The declared properties holding a value, in this object and the objects below it."""
        for name, prop in self._props.items():
            value = self.__dict__[name]
            if not prop.is_set(value):
                continue
            yield prop
            if isinstance(prop, Child):
                yield from value.set_properties()
            elif isinstance(prop, (Children, Items)):
                for item in value:
                    yield from item.set_properties()


def model_classes() -> list[type[XmlObject]]:
    """Every declared :class:`XmlObject` class."""
    return list(XmlObject._registry)


def _invalid(prop: Attr | Text, text: str) -> DomainXmlError:
    return DomainXmlError(f"{prop.owner}.{prop.name} ({prop.path}): {text!r} is not a valid {prop.conv.name} value")


class _ReaderSource:
    """Generates the Python source of a reader from a layout.

    The reader takes an element and answers the values of the given properties as a tuple, in
    the order of their names, or passes them to a function; each value is held in a local
    variable while the element is read.
    """

    def __init__(self, cls: type, names: tuple[str, ...]) -> None:
        self.cls = cls
        self.names = names
        self.local = {name: f"p{position}" for position, name in enumerate(names)}
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"_invalid": _invalid}
        self.counter = 0

    def ref(self, obj: Any, stem: str) -> str:
        self.counter += 1
        name = f"{stem}{self.counter}"
        self.namespace[name] = obj
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def store(self, prop: Attr | Text, value: str, indent: int) -> None:
        target = self.local[prop.name]
        if prop.conv is STR:
            self.emit(indent, f"{target} = {value}")
            return
        load = "int" if prop.conv is INT else self.ref(prop.conv.load, "_load")
        self.emit(indent, "try:")
        self.emit(indent + 1, f"{target} = {load}({value})")
        self.emit(indent, "except ValueError:")
        self.emit(indent + 1, f"raise _invalid({self.ref(prop, '_prop')}, {value}) from None")

    def node(self, node: _Node, element: str, depth: int, indent: int) -> None:
        """Statements reading ``node`` from the element held in variable ``element``."""
        if node.attrs:
            self.emit(indent, f"get = {element}.get")
            for prop in node.attrs:
                if prop.conv is STR:  # an absent attribute keeps the value read so far
                    target = self.local[prop.name]
                    self.emit(indent, f"{target} = get({prop.attribute!r}, {target})")
                    continue
                self.emit(indent, f"v = get({prop.attribute!r})")
                self.emit(indent, "if v is not None:")
                self.store(prop, "v", indent + 1)
        if node.amap is not None:
            target = self.local[node.amap.name]
            if node.amap.keys is None:
                self.emit(indent, f"{target} = dict({element}.items())")
            else:
                keys = self.ref(frozenset(node.amap.keys), "_keys")
                self.emit(indent, f"{target} = dict({element}.items())")
                self.emit(indent, f"if not {keys}.issuperset({target}):")  # usually every attribute is kept
                self.emit(indent + 1, f"{target} = {{k: v for k, v in {target}.items() if k in {keys}}}")
        if node.text is not None:
            self.emit(indent, f"v = {element}.text")
            if node.text.conv is STR:
                self.emit(indent, f"{self.local[node.text.name]} = '' if v is None else v")
            else:
                self.emit(indent, "if v is not None:")
                self.store(node.text, "v", indent + 1)
        if node.flag is not None:
            self.emit(indent, f"{self.local[node.flag.name]} = True")
        if not node.children:
            return
        child, tag = f"c{depth}", f"t{depth}"
        self.emit(indent, f"for {child} in {element}:")
        self.emit(indent + 1, f"{tag} = {child}.tag")
        keyword = "if"
        items = None
        for sub in node.children:
            if isinstance(sub.nested, Items):
                items = sub.nested
                continue
            self.emit(indent + 1, f"{keyword} {tag} == {sub.tag!r}:")
            keyword = "elif"
            nested = sub.nested
            if nested is None:
                self.node(sub, child, depth + 1, indent + 2)
                continue
            target = self.local[nested.name]
            cls = self.ref(nested.cls, "_cls")
            if nested.list_valued:
                self.emit(indent + 2, f"{target}.append({cls}.from_element({child}))")
            else:
                self.emit(indent + 2, f"{target} = {cls}.from_element({child})")
        if items is not None:
            classes = self.ref(items.classes, "_classes")
            body = indent + 1 if keyword == "if" else indent + 2
            if keyword == "elif":
                self.emit(indent + 1, "else:")
            self.emit(body, f"cls = {classes}.get({tag})")
            self.emit(body, "if cls is not None:")
            self.emit(body + 1, f"{self.local[items.name]}.append(cls.from_element({child}))")

    def compile(self, root: _Node, into: Callable[..., Any] | None = None) -> Callable[[etree._Element], Any]:
        self.emit(0, "def _read(el):")
        for name in self.names:
            prop = self.cls._props[name]
            self.emit(1, f"{self.local[name]} = {'[]' if prop.list_valued else repr(prop.default())}")
        self.node(root, "el", 1, 1)
        values = "".join(self.local[name] + ", " for name in self.names)
        self.emit(1, f"return ({values})" if into is None else f"return {self.ref(into, '_into')}({values})")
        namespace = dict(self.namespace)
        exec(compile("\n".join(self.lines), f"<xmlmodel reader {self.cls.__name__}>", "exec"), namespace)  # noqa: S102
        return namespace["_read"]
