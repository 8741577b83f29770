"""Formatting and parsing of scalar values as oVirt writes them."""
from __future__ import annotations

import datetime as dt

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = dt.timedelta(milliseconds=1)


def format_xml_scalar(value: object) -> str:
    """Text of a scalar in oVirt XML: ``true``/``false``, decimal integers, ISO dates."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    return str(value)


def format_json_scalar(value: object) -> object:
    """A scalar as the engine writes it in JSON: numbers and booleans as strings, dates as epoch ms."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return epoch_millis(value)
    if isinstance(value, (int, float)):
        return str(value)
    return value


def format_datetime(value: dt.datetime) -> str:
    """``2016-09-08T09:53:35.138+02:00``: milliseconds and an explicit offset, as the engine."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.isoformat(timespec="milliseconds")
    return text


def epoch_millis(value: dt.datetime) -> int:
    """Whole milliseconds since the epoch (earlier ones rounded down), in integer arithmetic: a
    float timestamp times 1000 is a millisecond short for some dates."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - EPOCH) // _MILLISECOND


def from_epoch_millis(value: int | float) -> dt.datetime:
    """The UTC date ``value`` milliseconds after the epoch, exact to the microsecond."""
    return EPOCH + dt.timedelta(milliseconds=value)


def parse_datetime(value: object) -> dt.datetime:
    """Accept ISO 8601 text (with ``Z`` or an offset) or epoch milliseconds."""
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, (int, float)):
        return from_epoch_millis(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return from_epoch_millis(int(text))
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = dt.datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError("not a date")
