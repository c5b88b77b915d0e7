"""The canonical JSON bytes behind ``body_hash`` are those of ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` for every input, whichever encoder wrote them:
rows stored before orjson was used must still recognise their resends."""

from __future__ import annotations

import hashlib
import json
import random
import struct
from typing import Any

import pytest

from caliper.services import body_hash
from caliper.services import canonical as canonical_module
from caliper.services.canonical import canonical_bytes
from tests.caliper.factories import activity_event, time_spent_event, timeback_user


def legacy(item: Any) -> bytes:
    return json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _random_float(rnd: random.Random) -> float:
    kind = rnd.random()
    if kind < 0.3:
        return struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0]  # type: ignore[no-any-return]
    if kind < 0.6:
        return rnd.uniform(-1, 1) * 10 ** rnd.randint(-8, 20)
    if kind < 0.8:
        return round(rnd.uniform(0, 5000), rnd.randint(0, 6))
    return rnd.choice((0.0, -0.0, 1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0, 0.5))


def _random_str(rnd: random.Random) -> str:
    chars = []
    for _ in range(rnd.randint(0, 6)):
        block = rnd.random()
        if block < 0.4:
            chars.append(chr(rnd.randint(0, 0x7F)))
        elif block < 0.7:
            chars.append(chr(rnd.randint(0x80, 0xD7FF)))
        elif block < 0.9:
            chars.append(chr(rnd.randint(0xE000, 0xFFFF)))
        else:
            chars.append(chr(rnd.randint(0x10000, 0x10FFFF)))
    return "".join(chars)


def _random_value(rnd: random.Random, depth: int = 0) -> Any:
    kind = rnd.random() if depth < 4 else rnd.random() * 0.7
    if kind < 0.15:
        return _random_str(rnd)
    if kind < 0.3:
        return rnd.choice((0, 1, -1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, rnd.getrandbits(40)))
    if kind < 0.45:
        return _random_float(rnd)
    if kind < 0.55:
        return rnd.choice((True, False, None))
    if kind < 0.7:
        return [_random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
    return {_random_str(rnd): _random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 5))}


@pytest.mark.parametrize("seed", range(5))
def test_random_documents_match_the_legacy_bytes(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(2000):
        value = {"v": _random_value(rnd)}
        assert canonical_bytes(value) == legacy(value), value


def test_every_code_point_is_written_alike() -> None:
    for start in range(0, 0x110000, 0x1000):
        text = "".join(chr(cp) for cp in range(start, start + 0x1000) if not 0xD800 <= cp <= 0xDFFF)
        value = {text[:5]: text, "k": [text[::-1]]}
        assert canonical_bytes(value) == legacy(value)


@pytest.mark.parametrize(
    "value",
    [
        [float("nan")],
        [float("inf"), float("-inf")],
        [1e-05, 1e-07, 1e16, 1.5e300, 5e-324],
        [2**64, -(2**63) - 1, 10**30],
        {1: "int key"},
        {"nested": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
        ("a", "tuple"),
    ],
)
def test_values_orjson_writes_differently_take_the_legacy_encoder(value: Any) -> None:
    assert canonical_bytes(value) == legacy(value)


def test_deep_nesting_beyond_orjson_limit_falls_back() -> None:
    value: Any = []
    for _ in range(300):
        value = [value]
    assert canonical_bytes(value) == legacy(value)


def test_lone_surrogates_fail_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        legacy({"v": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        canonical_bytes({"v": "\ud800"})


def test_timeback_events_take_the_fast_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    actor = timeback_user(sid="s-1", email="s1@example.org")
    events = [activity_event(actor, xp=12.5), time_spent_event(actor, active=30.25)]
    expected = [legacy(event) for event in events]

    def refuse(item: Any) -> str:
        raise AssertionError("the legacy encoder was used")

    monkeypatch.setattr(canonical_module._LEGACY, "encode", refuse)
    assert [canonical_bytes(event) for event in events] == expected


def test_body_hash_is_the_sha256_of_the_legacy_text() -> None:
    event = activity_event(timeback_user(sid="s-2"), xp=0.1)
    assert body_hash(event) == hashlib.sha256(legacy(event)).hexdigest()
