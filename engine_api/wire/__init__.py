"""The oVirt wire formats.

Both formats share one intermediate shape, the one oVirt's JSON uses: an object is a
``dict`` whose ``id`` and ``href`` keys are identifiers, a list of values is wrapped in a
``dict`` under the singular name (``{"nic": [...]}``), links are ``{"rel", "href"}`` dicts
under ``"link"``. Schemas dump to that shape with typed Python values (``int``, ``bool``,
``datetime``); the codecs only format and parse.
"""
from engine_api.wire.codec import (
    JSON_TYPE,
    XML_TYPE,
    Codec,
    JsonCodec,
    UnsupportedFormat,
    WireError,
    XmlCodec,
    codec_for_accept,
    codec_for_content_type,
)

__all__ = [
    "Codec",
    "JSON_TYPE",
    "JsonCodec",
    "UnsupportedFormat",
    "WireError",
    "XML_TYPE",
    "XmlCodec",
    "codec_for_accept",
    "codec_for_content_type",
]
