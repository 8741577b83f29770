"""The JSON codec bounds what it decodes: nesting depth, and text that escapes made invalid."""
from __future__ import annotations

import pytest

from engine_api.wire import JsonCodec, WireError
from engine_api.wire.codec import MAX_DEPTH, codec_for_content_type, json_depth


@pytest.mark.parametrize("text, depth", [
    (b"", 0), (b"{}", 1), (b'{"a": [1, {"b": 2}]}', 3), (b'{"a": "[[[{{{"}', 1), (b'{"a": "\\"[[["}', 1),
    (b'{"a": "\\\\"}', 1), (b"[" * 100_000, 100_000), (b'{"a":' * 100_000, 100_000), (b"[]" * 1000, 1),
])
def test_json_depth_counts_brackets_outside_strings(text, depth):
    assert json_depth(text) == depth


def test_nesting_up_to_the_limit_is_decoded_and_deeper_is_refused():
    codec = JsonCodec()
    inside = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert codec.parse(f'{{"a": {inside}}}'.encode())[1]["a"] is not None
    for deep in (b"[" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
                 b'{"name": "x", "description": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"):
        with pytest.raises(WireError, match="nested too deeply"):
            codec.parse(deep)


@pytest.mark.parametrize("text", [b'{"name": "a\\ud800b"}', b'{"name": "\\udc00"}', b'{"a\\ud800": 1}',
                                  b'{"a": [{"b": "\\ud83d"}]}', b'{"name": "a\\u0000b"}', b'{"a\\u0000": 1}'])
def test_escapes_of_invalid_text_are_refused(text):
    with pytest.raises(WireError):
        JsonCodec().parse(text)


def test_escaped_surrogate_pairs_and_other_escapes_are_read():
    assert JsonCodec().parse(b'{"name": "\\ud83d\\ude00 \\u00e9 \\\\u0000"}')[1] == {"name": "\U0001f600 é \\u0000"}


@pytest.mark.parametrize("text", [b'{"memory": ' + b"9" * 5000 + b"}", b'{"a": NaN}', b'{"a": -Infinity}', b"\xff"])
def test_numbers_and_bytes_json_cannot_hold_are_malformed(text):
    with pytest.raises(WireError):
        JsonCodec().parse(text)


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "image/png",
                                          "application/x-www-form-urlencoded", "text/plain; charset=xml"])
def test_a_content_type_neither_xml_nor_json_is_unsupported(content_type):
    with pytest.raises(WireError, match="not supported"):
        codec_for_content_type(content_type, b"{}")


@pytest.mark.parametrize("content_type, body, expected", [
    ("application/json; charset=utf-8", b"<a/>", "application/json"), ("text/xml", b"{}", "application/xml"),
    ("application/vnd.ovirt+json", b"{}", "application/json"), (None, b' {"a": 1}', "application/json"),
    ("", b"<vm/>", "application/xml"),
])
def test_xml_and_json_content_types_and_sniffing(content_type, body, expected):
    assert codec_for_content_type(content_type, body).content_type == expected


def test_null_members_are_read_as_absent():
    """The engine reads a member set to ``null`` as one not given (moVirt sends every field it does
    not set as ``null``: ``{"snapshot": null, "restore_memory": false}``)."""
    codec = JsonCodec()
    assert codec.parse(b'{"snapshot": null, "restore_memory": false}')[1] == {"restore_memory": False}
    assert codec.parse(b'{"host": {"id": "h", "name": null, "os": null}, "a": [{"b": null}]}')[1] == {
        "host": {"id": "h"}, "a": [{}]}
    assert codec.parse(b'{"a": [null]}')[1] == {"a": [None]}
