"""The canonical JSON bytes of an event, from which its ``body_hash`` is computed.

The canonical form is fixed by the rows already stored: ``json.dumps(item, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` encoded as UTF-8. A resend is recognised by an
equal hash, so the form may never change, whoever computes it.

orjson (``OPT_SORT_KEYS``) writes the same bytes ten times faster for the values JSON parsing
produces, except for floats whose ``repr`` uses an exponent (``1e-05``, ``1e+16``: orjson
writes ``0.00001``, ``1e16``), non-finite floats (``NaN``: orjson writes ``null``) and
integers beyond 64 bits (orjson refuses them). Strings agree for every code point (same
escapes, non-ASCII as is), and keys sort the same (by code point). So orjson is used when a
walk of the event finds only ``dict`` (string keys), ``list``, ``str``, ``int``, ``bool``,
``None`` and floats written without an exponent; anything else, or anything orjson refuses,
goes through ``json``. ``tests/caliper/test_canonical.py`` holds the comparison.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["canonical_bytes"]

# One encoder for the slow path: json.dumps with options builds a new one per call.
_LEGACY = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# repr(x) has no exponent exactly for 1e-4 <= |x| < 1e16 (and zero).
_MIN_PLAIN = 1e-4
_MAX_PLAIN = 1e16


def canonical_bytes(item: Any) -> bytes:
    """``json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
    encoded as UTF-8, raising what that raises."""
    if _orjson_safe(item):
        try:
            return orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # e.g. a lone surrogate or nesting deeper than orjson's limit
    return _LEGACY.encode(item).encode("utf-8")


def _orjson_safe(value: Any) -> bool:
    """True when orjson writes ``value`` byte for byte as the legacy encoder (see above)."""
    kind = type(value)
    if kind is dict:
        for key, inner in value.items():
            if type(key) is not str:
                return False
            kind = type(inner)
            if kind is str or kind is int or kind is bool or inner is None:
                continue
            if not _orjson_safe(inner):
                return False
        return True
    if kind is list:
        for inner in value:
            kind = type(inner)
            if kind is str or kind is int or kind is bool or inner is None:
                continue
            if not _orjson_safe(inner):
                return False
        return True
    if kind is float:
        # NaN and the infinities fail both comparisons.
        return value == 0.0 or _MIN_PLAIN <= abs(value) < _MAX_PLAIN
    return kind is str or kind is int or kind is bool or value is None
