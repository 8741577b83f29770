"""Generate ``api.json``, the oVirt API model as data, from the pinned Python SDK.

The SDK (``ovirtsdk4``) is generated from the engine's official model, and its modules state
every fact of that model in a fixed, regular shape. This module reads their source with
:mod:`ast` (nothing of the SDK is imported or executed) and writes what they say:

``types.py``
    struct types, their base types and the attributes each declares; enum types and their
    values.
``readers.py`` / ``writers.py``
    the XML (and JSON) names: the element of each type and of its collections, the element of
    each attribute and of the items of list attributes, value types, which attributes travel as
    XML attributes (``id``) and which list attributes are read from ``<link rel="..."/>``.
``services.py``
    services, their base services, their ``list``/``add``/``get``/``update``/``remove`` methods
    with query parameters and bodies, their actions with the members of the ``Action`` body,
    and their locators (the ``service(path)`` dispatch and the ``*_service()`` methods).
``__init__.py``
    the common ``href`` attribute of every struct and the root service of the tree.

The SDK reads a response by its root element, so what ``get`` and ``list`` return is not
written in their code. It is determined, in this order, from: the service's own ``add`` or
``update`` body; the service's collection or member partner (a collection's identifier
locator); the link attribute of the parent service's type whose ``rel`` is the locator's path
(``Vm.nics`` for ``vms/{vm}/nics``); and the root element of an XML response example in the
method's documentation (``<api>`` for the root). Defaults of boolean parameters come from their
documentation ("The default value is `true`").

Usage::

    python -m engine_api.model.generate            # write engine_api/model/api.json
    python -m engine_api.model.generate --check    # exit 1 if the committed file is stale
"""
from __future__ import annotations

import argparse
import ast
import difflib
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SDK_PACKAGE = "ovirtsdk4"
OUTPUT = Path(__file__).with_name("api.json")

PRIMITIVE_TYPES = frozenset({"string", "integer", "decimal", "boolean", "date"})
PRIMITIVE_READERS = {
    "read_string": "string",
    "read_integer": "integer",
    "read_decimal": "decimal",
    "read_boolean": "boolean",
    "read_date": "date",
}
PRIMITIVE_WRITERS = {
    "write_string": "string",
    "write_integer": "integer",
    "write_decimal": "decimal",
    "write_boolean": "boolean",
    "write_date": "date",
}
PARAMETER_TYPES = {"bool": "boolean", "int": "integer", "str": "string", "float": "decimal"}
METHOD_VERBS = {
    "_internal_get": None,  # ``get`` or ``list``, by the method's name
    "_internal_add": "add",
    "_internal_update": "update",
    "_internal_remove": "remove",
}
CALL_PARAMETERS = frozenset({"self", "headers", "query", "wait"})
DEFAULT_PATTERN = re.compile(
    r"(?:default value(?: for this variable)? is|default is|by default,? (?:it is set to|the value is))"
    r"\s+`?(true|false)`?",
    re.IGNORECASE,
)


class ModelError(Exception):
    """The SDK source does not have the shape this generator reads."""


def sdk_sources() -> dict[str, str]:
    """The source text of the SDK modules the model is read from, by module name."""
    spec = importlib.util.find_spec(SDK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the {SDK_PACKAGE} package is not installed")
    directory = Path(next(iter(spec.submodule_search_locations)))
    return {
        name: (directory / f"{name}.py").read_text(encoding="utf-8")
        for name in ("__init__", "version", "types", "readers", "writers", "services")
    }


# --- small AST helpers -------------------------------------------------------------------------

def _classes(tree: ast.Module) -> Iterator[ast.ClassDef]:
    return (node for node in tree.body if isinstance(node, ast.ClassDef))


def _functions(cls: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in cls.body if isinstance(node, ast.FunctionDef)}


def _base_name(cls: ast.ClassDef) -> str:
    if len(cls.bases) != 1 or not isinstance(cls.bases[0], ast.Name):
        raise ModelError(f"class {cls.name} does not have exactly one named base")
    return cls.bases[0].id


def _constant(node: ast.AST) -> Any:
    if not isinstance(node, ast.Constant):
        raise ModelError(f"expected a constant at line {getattr(node, 'lineno', '?')}")
    return node.value


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` for an attribute chain, the name for a name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise ModelError(f"expected a name at line {getattr(node, 'lineno', '?')}")


def _obj_attribute(node: ast.AST) -> str | None:
    """``x`` for an expression ``obj.x``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "obj":
        return node.attr
    return None


def _if_chain(node: ast.If) -> Iterator[ast.If]:
    """The branches of an ``if``/``elif`` chain."""
    while True:
        yield node
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            node = node.orelse[0]
        else:
            return


def _compared_constant(test: ast.AST, variable: str) -> str | None:
    """``'x'`` for a test ``variable == 'x'``."""
    if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == variable
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return _constant(test.comparators[0])
    return None


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    return (n for n in ast.walk(node) if isinstance(n, ast.Call))


# --- types.py ------------------------------------------------------------------------------------

@dataclass
class DeclaredStruct:
    """A struct class of ``types.py``: its base and the attributes it declares itself."""

    name: str
    base: str
    attributes: list[str]
    checked_types: dict[str, str]
    constructor: list[str]


def read_types(source: str) -> tuple[dict[str, DeclaredStruct], dict[str, list[str]]]:
    """The struct classes and the enum classes (name to wire values) of ``types.py``."""
    structs: dict[str, DeclaredStruct] = {}
    enums: dict[str, list[str]] = {}
    for cls in _classes(ast.parse(source)):
        base = _base_name(cls)
        if base == "Enum":
            enums[cls.name] = [
                _constant(node.value) for node in cls.body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            ]
            continue
        attributes: list[str] = []
        checked: dict[str, str] = {}
        for node in cls.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            decorators = [_dotted(d) for d in node.decorator_list]
            if decorators == ["property"]:
                attributes.append(node.name)
            elif decorators == [f"{node.name}.setter"]:
                for call in _calls(node):
                    if _dotted(call.func) == "Struct._check_type":
                        checked[node.name] = _dotted(call.args[2])
        init = _functions(cls)["__init__"]
        constructor = [arg.arg for arg in init.args.args[1:]]
        structs[cls.name] = DeclaredStruct(cls.name, base, attributes, checked, constructor)
    return structs, enums


# --- readers.py ----------------------------------------------------------------------------------

@dataclass
class ReadAttribute:
    """How a reader reads one attribute: element (or XML attribute) name, value type, list."""

    element: str
    type: str | None  # None until a struct reader's type is resolved
    reader: str | None = None
    list: bool = False
    xml_attribute: bool = False
    link: str | None = None


@dataclass
class ReadStruct:
    """What the reader of one struct type reads."""

    type: str
    attributes: dict[str, ReadAttribute] = field(default_factory=dict)
    common: set[str] = field(default_factory=set)  # ``Struct`` properties read as XML attributes


def _read_value(call: ast.Call) -> tuple[str | None, str | None, bool]:
    """(primitive or enum type, struct reader class, list) of a reading call."""
    owner, _, method = _dotted(call.func).rpartition(".")
    if owner == "Reader":
        if method in PRIMITIVE_READERS:
            return PRIMITIVE_READERS[method], None, False
        if method == "read_strings":
            return "string", None, True
        if method in ("read_enum", "read_enums"):
            return _dotted(call.args[0]).removeprefix("types."), None, method == "read_enums"
    elif owner.endswith("Reader") and method in ("read_one", "read_many"):
        return None, owner, method == "read_many"
    raise ModelError(f"unknown reading call {_dotted(call.func)} at line {call.lineno}")


def _read_xml_attribute(statement: ast.If) -> tuple[str, str]:
    """(python name, type) of ``if value is not None: obj.x = <value>``."""
    assign = statement.body[0]
    if not isinstance(assign, ast.Assign):
        raise ModelError(f"unexpected XML attribute reading at line {statement.lineno}")
    name = _obj_attribute(assign.targets[0])
    value = assign.value
    if isinstance(value, ast.Name):
        return name, "string"
    func = _dotted(value.func)
    if func == "Reader.parse_integer":
        return name, "integer"
    if func.startswith("types."):
        return name, func.removeprefix("types.")
    raise ModelError(f"unknown XML attribute reading {func} at line {statement.lineno}")


def read_readers(source: str) -> tuple[dict[str, ReadStruct], dict[str, tuple[str, str]]]:
    """The struct readers by type, and the registered root elements (element to (type, one|many))."""
    reader_types: dict[str, str] = {}
    bodies: dict[str, ast.ClassDef] = {}
    tree = ast.parse(source)
    for cls in _classes(tree):
        functions = _functions(cls)
        if "read_one" not in functions:
            continue
        for node in ast.walk(functions["read_one"]):
            if isinstance(node, ast.Assign) and _dotted(node.targets[0]) == "obj":
                reader_types[cls.name] = _dotted(node.value.func).removeprefix("types.")
        bodies[cls.name] = cls

    structs: dict[str, ReadStruct] = {}
    for reader_name, cls in bodies.items():
        struct = ReadStruct(reader_types[reader_name])
        functions = _functions(cls)
        read_one = functions["read_one"]
        attribute_names: dict[str, str] = {}
        for statement in read_one.body:
            # ``value = reader.get_attribute('id')`` followed by ``if value is not None: obj.id = ...``
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
                if _dotted(statement.value.func) == "reader.get_attribute":
                    xml_name = _constant(statement.value.args[0])
                    target = _dotted(statement.targets[0])
                    if target == "value":
                        attribute_names["value"] = xml_name
                    elif target == f"obj.{xml_name}":
                        struct.common.add(xml_name)
                    else:
                        raise ModelError(f"{reader_name}: unexpected attribute reading {target}")
            elif isinstance(statement, ast.If) and "value" in attribute_names:
                name, value_type = _read_xml_attribute(statement)
                struct.attributes[name] = ReadAttribute(attribute_names.pop("value"), value_type, xml_attribute=True)
            elif isinstance(statement, ast.While):
                for node in statement.body:
                    if isinstance(node, ast.If):
                        for branch in _if_chain(node):
                            tag = _compared_constant(branch.test, "tag")
                            if tag is None:
                                raise ModelError(f"{reader_name}: unexpected element test at line {branch.lineno}")
                            if tag == "link":
                                continue
                            assign = branch.body[0]
                            name = _obj_attribute(assign.targets[0])
                            value_type, reader, is_list = _read_value(assign.value)
                            struct.attributes[name] = ReadAttribute(tag, value_type, reader, is_list)
        if "_process_link" in functions:
            for node in ast.walk(functions["_process_link"]):
                if isinstance(node, ast.If) and _compared_constant(node.test, "rel") is not None:
                    for branch in _if_chain(node):
                        rel = _compared_constant(branch.test, "rel")
                        name = next(a for n in ast.walk(branch) if (a := _obj_attribute(n)))
                        struct.attributes[name].link = rel
                    break
        structs[struct.type] = struct

    for struct in structs.values():
        for attribute in struct.attributes.values():
            if attribute.reader is not None:
                attribute.type = reader_types[attribute.reader]

    registered: dict[str, tuple[str, str]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if _dotted(call.func) == "Reader.register":
                reader, _, how = _dotted(call.args[1]).rpartition(".")
                registered[_constant(call.args[0])] = (reader_types[reader], how.removeprefix("read_"))
    return structs, registered


# --- writers.py ----------------------------------------------------------------------------------

@dataclass
class WrittenAttribute:
    """How a writer writes one attribute."""

    element: str
    type: str | None
    list: bool = False
    item: str | None = None
    xml_attribute: bool = False


@dataclass
class WrittenStruct:
    """What the writer of one struct type writes, and the elements it writes by default."""

    type: str
    element: str
    plural: str
    attributes: dict[str, WrittenAttribute] = field(default_factory=dict)


def _default_assignment(function: ast.FunctionDef, variable: str) -> str:
    """``'vm'`` from ``if singular is None: singular = 'vm'``."""
    for statement in function.body:
        if (isinstance(statement, ast.If) and isinstance(statement.test, ast.Compare)
                and isinstance(statement.test.left, ast.Name) and statement.test.left.id == variable):
            return _constant(statement.body[0].value)
    raise ModelError(f"{function.name}: no default for {variable}")


def _written_attribute(statement: ast.If, writer_types: dict[str, str]) -> tuple[str, WrittenAttribute]:
    """The attribute written by ``if obj.x is not None: ...``."""
    name = _obj_attribute(statement.test.left)
    first = statement.body[0]
    if isinstance(first, ast.Expr):
        call = first.value
        owner, _, method = _dotted(call.func).rpartition(".")
        if owner == "writer" and method == "write_attribute":
            return name, WrittenAttribute(_constant(call.args[0]), None, xml_attribute=True)
        if owner == "writer" and method == "write_start":
            loop = statement.body[1]
            item_call = next(c for c in _calls(loop) if _dotted(c.func).startswith("Writer.write_"))
            return name, WrittenAttribute(_constant(call.args[0]), None, True, _constant(item_call.args[1]))
        if owner == "Writer" and method in PRIMITIVE_WRITERS:
            value = call.args[2]
            value_type = None if isinstance(value, ast.Attribute) and value.attr == "value" else PRIMITIVE_WRITERS[method]
            return name, WrittenAttribute(_constant(call.args[1]), value_type)
        if method == "write_one":
            return name, WrittenAttribute(_constant(call.args[2]), writer_types[owner])
        if method == "write_many":
            return name, WrittenAttribute(_constant(call.args[3]), writer_types[owner], True, _constant(call.args[2]))
    raise ModelError(f"unexpected attribute writing at line {statement.lineno}")


def read_writers(source: str) -> dict[str, WrittenStruct]:
    """The struct writers by type."""
    tree = ast.parse(source)
    writer_types: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and _dotted(statement.value.func) == "Writer.register":
            call = statement.value
            writer_types[_dotted(call.args[1]).rpartition(".")[0]] = _dotted(call.args[0]).removeprefix("types.")
    structs: dict[str, WrittenStruct] = {}
    for cls in _classes(tree):
        functions = _functions(cls)
        if "write_one" not in functions:
            continue
        write_one, write_many = functions["write_one"], functions["write_many"]
        struct = WrittenStruct(
            writer_types[cls.name],
            _default_assignment(write_one, "singular"),
            _default_assignment(write_many, "plural"),
        )
        if _default_assignment(write_many, "singular") != struct.element:
            raise ModelError(f"{cls.name}: write_one and write_many disagree on the element")
        for statement in write_one.body:
            if isinstance(statement, ast.If) and _obj_attribute(getattr(statement.test, "left", None)):
                name, attribute = _written_attribute(statement, writer_types)
                struct.attributes[name] = attribute
        structs[struct.type] = struct
    return structs


# --- services.py ---------------------------------------------------------------------------------

@dataclass
class ReadParameter:
    """A parameter of a service method as the SDK declares and sends it."""

    name: str
    type: str | None
    list: bool
    location: str  # "query" or "body"
    wire: str
    default: str | None = None


@dataclass
class ReadMethod:
    """A ``list``/``add``/``get``/``update``/``remove`` method."""

    name: str
    verb: str
    parameters: list[ReadParameter]
    xml_example_root: str | None = None


@dataclass
class ReadAction:
    """A method that posts an ``Action`` to a sub-path."""

    name: str
    path: str
    parameters: list[ReadParameter]
    result: str | None


@dataclass
class ReadService:
    """A service class of ``services.py``."""

    name: str
    base: str | None
    methods: dict[str, ReadMethod] = field(default_factory=dict)
    actions: dict[str, ReadAction] = field(default_factory=dict)
    locators: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # name -> (path, service)
    dispatch: dict[str | None, str] | None = None  # path (None: identifier) -> locator method


def _parameter_defaults(docstring: str) -> dict[str, str]:
    """Boolean defaults stated in the ``:param x:`` sections of a method's documentation."""
    defaults: dict[str, str] = {}
    sections = re.split(r"^\s*:param (\w+):", docstring, flags=re.MULTILINE)
    for name, text in zip(sections[1::2], sections[2::2]):
        values = {value.lower() for value in DEFAULT_PATTERN.findall(text)}
        if len(values) == 1:
            defaults[name] = values.pop()
    return defaults


def _xml_example_root(docstring: str) -> str | None:
    """The root element of the first XML example of a method's documentation."""
    match = re.search(r"```xml\s*<([a-z_]+)[\s>/]", docstring)
    return match.group(1) if match else None


def _checked_types(function: ast.FunctionDef) -> dict[str, tuple[str | None, bool]]:
    """Parameter name to (type, list) from ``Service._check_types([...])``."""
    checked: dict[str, tuple[str | None, bool]] = {}
    for call in _calls(function):
        if _dotted(call.func) == "Service._check_types":
            for entry in call.args[0].elts:
                name, declared = _constant(entry.elts[0]), _dotted(entry.elts[2])
                if declared == "list":
                    checked[name] = (None, True)
                elif declared.startswith("types."):
                    checked[name] = (declared.removeprefix("types."), False)
                else:
                    checked[name] = (PARAMETER_TYPES[declared], False)
    return checked


def _read_operation(function: ast.FunctionDef) -> ReadMethod | ReadAction | None:
    """The method or action a service function sends, None if it sends no request."""
    internal = [c for c in _calls(function) if isinstance(c.func, ast.Attribute) and c.func.attr.startswith("_internal_")]
    if not internal:
        return None
    if len(internal) != 1:
        raise ModelError(f"{function.name}: more than one request")
    call = internal[0]
    kind = call.func.attr
    arguments = [arg.arg for arg in function.args.args if arg.arg not in CALL_PARAMETERS]
    checked = _checked_types(function)
    if set(checked) != set(arguments):
        raise ModelError(f"{function.name}: checked types {sorted(checked)} differ from arguments {arguments}")
    docstring = ast.get_docstring(function) or ""
    defaults = _parameter_defaults(docstring)

    query: dict[str, str] = {}
    action_members: dict[str, str] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            target = node.targets[0]
            if isinstance(target.value, ast.Name) and target.value.id == "query":
                query[node.value.id] = _constant(target.slice)
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
              and _dotted(node.value.func) == "types.Action"):
            for keyword in node.value.keywords:
                action_members[keyword.value.id] = keyword.arg

    body = call.args[0].id if kind in ("_internal_add", "_internal_update") else None
    parameters = []
    for name in arguments:
        value_type, is_list = checked[name]
        if name == body or name in action_members:
            location, wire = "body", action_members.get(name, name)
        elif name in query:
            location, wire = "query", query[name]
        else:
            raise ModelError(f"{function.name}: parameter {name} is neither sent in the query nor the body")
        parameters.append(ReadParameter(name, value_type, is_list, location, wire, defaults.get(name)))

    if kind == "_internal_action":
        if query:
            raise ModelError(f"{function.name}: an action with query parameters")
        return ReadAction(function.name, _constant(call.args[1]), parameters, _constant(call.args[2]))
    verb = METHOD_VERBS[kind] or ("list" if function.name == "list" else "get")
    if function.name.split("_")[0] != verb:
        raise ModelError(f"{function.name}: the name does not start with its verb {verb}")
    example = _xml_example_root(docstring) if verb in ("get", "list") else None
    return ReadMethod(function.name, verb, parameters, example)


def _locator(function: ast.FunctionDef) -> tuple[str | None, str]:
    """(path or None for an identifier, service) of a ``*_service()`` method."""
    returned = function.body[-1]
    if not isinstance(returned, ast.Return) or not isinstance(returned.value, ast.Call):
        raise ModelError(f"{function.name}: not a locator")
    service = _dotted(returned.value.func)
    template = returned.value.args[1]
    pattern = _constant(template.left)
    if pattern == "%s/%s":
        return None, service
    if not pattern.startswith("%s/"):
        raise ModelError(f"{function.name}: unexpected path {pattern}")
    return pattern.removeprefix("%s/"), service


def _dispatch(function: ast.FunctionDef) -> dict[str | None, str]:
    """Path (None for an identifier) to locator method, from a ``service(path)`` method."""
    dispatch: dict[str | None, str] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.If):
            path = _compared_constant(node.test, "path")
            if path is not None:
                dispatch[path] = _dotted(node.body[0].value.func).removeprefix("self.")
            elif isinstance(node.test, ast.Compare) and _dotted(node.test.left) == "index":
                # ``if index == -1: return self.vm_service(path)``
                dispatch[None] = _dotted(node.body[0].value.func).removeprefix("self.")
    return dispatch


def read_services(source: str) -> dict[str, ReadService]:
    """The service classes of ``services.py``."""
    services: dict[str, ReadService] = {}
    for cls in _classes(ast.parse(source)):
        base = _base_name(cls)
        service = ReadService(cls.name, None if base == "Service" else base)
        for name, function in _functions(cls).items():
            if name in ("__init__", "__str__"):
                continue
            if name == "service":
                service.dispatch = _dispatch(function)
            elif name.endswith("_service"):
                service.locators[name.removesuffix("_service")] = _locator(function)
            else:
                operation = _read_operation(function)
                if operation is None:
                    raise ModelError(f"{cls.name}.{name}: neither a request, a locator nor a dispatch")
                if isinstance(operation, ReadAction):
                    service.actions[name] = operation
                else:
                    service.methods[name] = operation
        services[cls.name] = service
    return services


def read_root_service(source: str) -> str:
    """The service ``Connection.system_service()`` returns."""
    for cls in _classes(ast.parse(source)):
        if cls.name == "Connection":
            function = _functions(cls)["system_service"]
            for call in _calls(function):
                name = _dotted(call.func)
                if name.endswith("Service"):
                    return name
    raise ModelError("Connection.system_service() not found")


def read_common_attributes(source: str) -> list[str]:
    """The properties of ``Struct``, the base of every struct type (``href``)."""
    for cls in _classes(ast.parse(source)):
        if cls.name == "Struct":
            return [f.name for f in cls.body
                    if isinstance(f, ast.FunctionDef) and [_dotted(d) for d in f.decorator_list] == ["property"]]
    raise ModelError("Struct not found")


def read_version(source: str) -> str:
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and _dotted(node.targets[0]) == "VERSION":
            return _constant(node.value)
    raise ModelError("VERSION not found")


# --- assembling the model ------------------------------------------------------------------------

class Builder:
    """Joins what the SDK modules say into the model document, checking that they agree."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.declared, self.enums = read_types(sources["types"])
        self.read, self.registered = read_readers(sources["readers"])
        self.written = read_writers(sources["writers"])
        self.services = read_services(sources["services"])
        self.root = read_root_service(sources["__init__"])
        self.common = read_common_attributes(sources["__init__"])
        self.version = read_version(sources["version"])
        self.notes: list[str] = []
        self.type_sources: dict[str, str] = {}  # service -> what states its type
        self.unstated_returns: list[str] = []  # get and list methods whose result the SDK does not state

    # types

    def all_attributes(self, name: str) -> list[str]:
        struct = self.declared[name]
        inherited = self.all_attributes(struct.base) if struct.base in self.declared else []
        return inherited + struct.attributes

    def attribute(self, type_name: str, name: str) -> dict[str, Any]:
        read = self.read[type_name].attributes[name]
        written = self.written[type_name].attributes.get(name)
        declared_type = self._declared_type(type_name, name)
        if declared_type is not None and declared_type != read.type:
            raise ModelError(f"{type_name}.{name}: types.py says {declared_type}, readers.py {read.type}")
        if written is not None:
            if (written.element, written.list, written.xml_attribute) != (read.element, read.list, read.xml_attribute):
                raise ModelError(f"{type_name}.{name}: the reader and the writer disagree")
            if written.type is not None and written.type != read.type:
                raise ModelError(f"{type_name}.{name}: written as {written.type}, read as {read.type}")
        document: dict[str, Any] = {"type": read.type}
        if read.element != name:
            document["element"] = read.element
        if read.list:
            document["list"] = True
            item = written.item if written else None
            if item is None:
                raise ModelError(f"{type_name}.{name}: no item element")
            if item != self._element_of(read.type):
                document["item"] = item
        if read.link:
            document["link"] = read.link
        if read.xml_attribute:
            document["xml_attribute"] = True
        if written is None:
            document["writable"] = False
        return document

    def _declared_type(self, type_name: str, name: str) -> str | None:
        while type_name in self.declared:
            struct = self.declared[type_name]
            if name in struct.checked_types:
                return struct.checked_types[name]
            type_name = struct.base
        return None

    def _element_of(self, type_name: str) -> str | None:
        written = self.written.get(type_name)
        return written.element if written else None

    def struct_document(self, name: str) -> dict[str, Any]:
        struct = self.declared[name]
        all_names = self.all_attributes(name)
        if sorted(struct.constructor) != sorted(all_names):
            raise ModelError(f"{name}: the constructor does not take exactly the declared and inherited attributes")
        read, written = self.read[name], self.written[name]
        if set(read.attributes) != set(all_names) or not set(written.attributes) <= set(all_names):
            raise ModelError(f"{name}: readers or writers do not cover the declared attributes")
        if self.registered.get(written.element) != (name, "one") or self.registered.get(written.plural) != (name, "many"):
            raise ModelError(f"{name}: readers register other elements than the writer writes")
        attributes = {attr: self.attribute(name, attr) for attr in struct.attributes}
        # An inherited attribute is only repeated where the subtype spells it differently.
        for attr in all_names:
            if attr not in struct.attributes:
                own, base = self.attribute(name, attr), self.attribute(struct.base, attr)
                if own != base:
                    attributes[attr] = own
                    self.notes.append(f"{name}.{attr} is written differently from {struct.base}.{attr}")
        document: dict[str, Any] = {"element": written.element, "plural": written.plural, "attributes": attributes}
        if struct.base in self.declared:
            document["base"] = struct.base
        elif struct.base != "Struct":
            raise ModelError(f"{name}: unknown base {struct.base}")
        return document

    # services

    def effective(self, name: str) -> Iterator[ReadService]:
        """The service and its bases, most derived first."""
        while name is not None:
            service = self.services[name]
            yield service
            name = service.base

    def effective_locators(self, name: str) -> dict[str, tuple[str | None, str]]:
        locators: dict[str, tuple[str | None, str]] = {}
        for service in reversed(list(self.effective(name))):
            locators.update(service.locators)
        dispatch = next((s.dispatch for s in self.effective(name) if s.dispatch is not None), None)
        if dispatch is None:
            raise ModelError(f"{name}: no service(path) dispatch")
        by_path = {path: locator for locator, (path, _) in locators.items()}
        if set(dispatch) != set(by_path) or any(by_path[p] != m.removesuffix("_service") for p, m in dispatch.items()):
            raise ModelError(f"{name}: service(path) dispatches {sorted(map(str, dispatch))}, "
                             f"the locator methods {sorted(map(str, by_path))}")
        return locators

    def effective_methods(self, name: str) -> dict[str, ReadMethod]:
        methods: dict[str, ReadMethod] = {}
        for service in reversed(list(self.effective(name))):
            methods.update(service.methods)
        return methods

    def service_types(self) -> dict[str, str]:
        """The entity type each service's ``get`` returns, or its ``list`` returns a list of."""
        types: dict[str, str] = {}
        sources = self.type_sources

        def assign(service: str, type_name: str, source: str) -> bool:
            if service in types:
                note = f"{service}: {sources[service]} says {types[service]}, {source} {type_name}"
                if types[service] != type_name and note not in self.notes:
                    self.notes.append(note)
                return False
            types[service] = type_name
            sources[service] = source
            return True

        for name in sorted(self.services):
            for method in self.effective_methods(name).values():
                body = next((p for p in method.parameters if p.location == "body"), None)
                if method.verb in ("add", "update") and body is not None and body.type is not None:
                    assign(name, body.type, f"{method.name}()")
                    break
        changed = True
        while changed:
            changed = False
            for name in sorted(self.services):
                locators = self.effective_locators(name)
                for locator, (path, child) in sorted(locators.items()):
                    if path is None:
                        if name in types:
                            changed |= assign(child, types[name], f"the collection {name}")
                        if child in types:
                            changed |= assign(name, types[child], f"the member {child}")
                    elif name in types and types[name] in self.declared:
                        attribute = self._linked_attribute(types[name], path)
                        if attribute is not None:
                            changed |= assign(child, attribute, f"{types[name]} rel {path}")
            if not changed:
                for name in sorted(self.services):
                    for method in self.effective_methods(name).values():
                        element = method.xml_example_root
                        if element in self.registered and name not in types:
                            type_name, how = self.registered[element]
                            if how == ("many" if method.verb == "list" else "one"):
                                changed |= assign(name, type_name, f"the <{element}> example of {method.name}()")
        return types

    def _linked_attribute(self, type_name: str, path: str) -> str | None:
        for attr in self.all_attributes(type_name):
            read = self.read[type_name].attributes[attr]
            if read.link == path:
                return read.type
        return None

    def parameter_document(self, parameter: ReadParameter) -> dict[str, Any]:
        document: dict[str, Any] = {"in": parameter.location, "type": parameter.type}
        if parameter.list:
            document["list"] = True
        if parameter.wire != parameter.name:
            document["wire"] = parameter.wire
        if parameter.default is not None:
            if parameter.type != "boolean":
                raise ModelError(f"{parameter.name}: a boolean default for a {parameter.type}")
            document["default"] = parameter.default
        return document

    def action_parameter(self, parameter: ReadParameter) -> ReadParameter:
        """An action parameter, typed and named on the wire by the ``Action`` member it fills."""
        member = self.read["Action"].attributes[parameter.wire]
        if parameter.list != member.list or (parameter.type is not None and parameter.type != member.type):
            raise ModelError(f"Action.{parameter.wire}: the service and the Action type disagree")
        return ReadParameter(parameter.name, member.type, member.list, "body", member.element, parameter.default)

    def method_document(self, service: str, method: ReadMethod, types: dict[str, str]) -> dict[str, Any]:
        parameters = [
            replace(p, type=types.get(service)) if p.location == "body" and p.type is None else p
            for p in method.parameters
        ]
        document: dict[str, Any] = {"parameters": {p.name: self.parameter_document(p) for p in parameters}}
        if method.verb in ("get", "list") and service in types:
            document["returns"] = types[service]
        return document

    def action_document(self, action: ReadAction) -> dict[str, Any]:
        document: dict[str, Any] = {
            "path": action.path,
            "parameters": {p.name: self.parameter_document(self.action_parameter(p)) for p in action.parameters},
        }
        if action.result:
            document["result"] = action.result
        return document

    def effective_documents(self, name: str, types: dict[str, str]) -> dict[str, dict[str, Any]]:
        """The methods, actions and locators a service has, its bases' included, as documents."""
        methods: dict[str, Any] = {}
        actions: dict[str, Any] = {}
        for service in reversed(list(self.effective(name))):
            methods.update({m: self.method_document(name, method, types) for m, method in service.methods.items()})
            actions.update({a: self.action_document(action) for a, action in service.actions.items()})
        locators = {
            locator: {"path": path, "service": child} for locator, (path, child) in self.effective_locators(name).items()
        }
        return {"methods": methods, "actions": actions, "locators": locators}

    def service_document(self, service: ReadService, types: dict[str, str]) -> dict[str, Any]:
        """A service's own methods, actions and locators: those its base service does not already have."""
        own = self.effective_documents(service.name, types)
        for method, document in own["methods"].items():
            if "returns" not in document and self.effective_methods(service.name)[method].verb in ("get", "list"):
                self.unstated_returns.append(f"{service.name}.{method}")
        if service.base:
            inherited = self.effective_documents(service.base, types)
            own = {
                kind: {name: doc for name, doc in members.items() if inherited[kind].get(name) != doc}
                for kind, members in own.items()
            }
            own["base"] = service.base
        return own

    def build(self) -> dict[str, Any]:
        unknown = set(self.read) ^ set(self.declared) | set(self.written) ^ set(self.declared)
        if unknown:
            raise ModelError(f"readers, writers and types.py disagree on the types {sorted(unknown)}")
        types = self.service_types()
        common = {}
        for name in self.common:
            if any(name not in struct.common for struct in self.read.values()):
                raise ModelError(f"Struct.{name} is not read as an XML attribute by every reader")
            common[name] = {"type": "string", "xml_attribute": True}
        document = {
            "sdk_version": self.version,
            "common_attributes": common,
            "types": {name: self.struct_document(name) for name in sorted(self.declared)},
            "enums": {name: values for name, values in sorted(self.enums.items())},
            "services": {name: self.service_document(s, types) for name, s in sorted(self.services.items())},
            "root": self.root,
        }
        check_references(document)
        return document


def check_references(document: dict[str, Any]) -> None:
    """Raise :class:`ModelError` if a model document names a type or a service it does not define."""
    value_types = PRIMITIVE_TYPES | set(document["types"]) | set(document["enums"])
    problems = []
    for name, struct in document["types"].items():
        if struct.get("base", name) not in document["types"]:
            problems.append(f"{name}: base {struct['base']}")
        problems += [f"{name}.{a}: {d['type']}" for a, d in struct["attributes"].items() if d["type"] not in value_types]
    services = document["services"]
    for name, service in services.items():
        if service.get("base", name) not in services:
            problems.append(f"{name}: base {service['base']}")
        problems += [f"{name}.{loc}: {d['service']}" for loc, d in service["locators"].items() if d["service"] not in services]
        for kind in ("methods", "actions"):
            for member, d in service[kind].items():
                returns = d.get("returns")
                if returns is not None and returns not in document["types"]:
                    problems.append(f"{name}.{member} returns {returns}")
                for parameter, p in d["parameters"].items():
                    if p["type"] not in value_types and not (p["type"] is None and p.get("list")):
                        problems.append(f"{name}.{member}({parameter}): {p['type']}")
    if document["root"] not in services:
        problems.append(f"root {document['root']}")
    if problems:
        raise ModelError("undefined types or services: " + "; ".join(problems))


def build_model(sources: dict[str, str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The model document read from the installed SDK, and the notes made while reading it."""
    builder = Builder(sources or sdk_sources())
    document = builder.build()
    notes = list(builder.notes)
    if builder.unstated_returns:
        notes.append("the SDK does not state what these return: " + ", ".join(builder.unstated_returns))
    return document, notes


def render(document: dict[str, Any]) -> str:
    """The committed text of a model document."""
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def summary(document: dict[str, Any]) -> str:
    """Counts of what a model document holds."""
    from engine_api.model.loader import ApiModel

    model = ApiModel.from_document(document)
    services = model.services.values()
    paths = sum(1 for _ in model.walk_paths())
    return (f"{len(model.types)} types, {len(model.enums)} enums, {len(model.services)} services, "
            f"{sum(len(s.methods) for s in services)} methods, {sum(len(s.actions) for s in services)} actions, "
            f"{sum(len(s.locators) for s in services)} locators, {paths} paths reachable from the root")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine_api.model.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed api.json is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the file to write or check (default: %(default)s)")
    options = parser.parse_args(argv)
    document, notes = build_model()
    text = render(document)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if options.check:
        current = options.output.read_text(encoding="utf-8") if options.output.exists() else ""
        if current == text:
            print(f"{options.output} is current ({summary(document)})")
            return 0
        diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(options.output), "generated", lineterm="")
        lines = list(diff)
        print("\n".join(lines[:200]))
        if len(lines) > 200:
            print(f"... {len(lines) - 200} more diff lines")
        print(f"{options.output} is stale; regenerate it with: python -m engine_api.model.generate", file=sys.stderr)
        return 1
    options.output.write_text(text, encoding="utf-8")
    print(f"wrote {options.output}: {summary(document)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
