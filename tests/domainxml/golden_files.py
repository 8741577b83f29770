"""Golden files: compare with the stored text, or rewrite it when ENGINE_EMU_UPDATE_GOLDEN=1."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lxml import etree

from domainxml import parse_xml

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ENGINE_EMU_UPDATE_GOLDEN") == "1"


def pretty_xml(xml: str | bytes | etree._Element) -> str:
    """XML indented two spaces per level, for files a reviewer can read."""
    root = parse_xml(xml) if not isinstance(xml, etree._Element) else xml
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding=str) + "\n"


def pretty_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def check_golden(relative: str, text: str) -> None:
    """Assert ``text`` equals the golden file (rewritten first when updating)."""
    path = GOLDEN / relative
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"golden file {path} is missing; run with ENGINE_EMU_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(), f"output differs from {path}"
