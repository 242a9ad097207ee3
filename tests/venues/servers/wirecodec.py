"""Base58 and a MessagePack encoder, written here so the servers check what ccxt produces
against an independent implementation rather than ccxt's own helpers."""

from __future__ import annotations

import struct
from typing import Any

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    """Return Bitcoin-alphabet base58 of ``data``."""
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    """Return the bytes of a base58 string."""
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def _int(n: int) -> bytes:
    if 0 <= n < 128:
        return bytes([n])
    if -32 <= n < 0:
        return struct.pack("b", n)
    if n >= 0:
        for fmt, tag, limit in ((">B", 0xCC, 2**8), (">H", 0xCD, 2**16), (">I", 0xCE, 2**32)):
            if n < limit:
                return bytes([tag]) + struct.pack(fmt, n)
        return b"\xcf" + struct.pack(">Q", n)
    for fmt, tag, limit in ((">b", 0xD0, 2**7), (">h", 0xD1, 2**15), (">i", 0xD2, 2**31)):
        if n >= -limit:
            return bytes([tag]) + struct.pack(fmt, n)
    return b"\xd3" + struct.pack(">q", n)


def _sized(n: int, fix: int, fix_max: int, tags: tuple[int, ...]) -> bytes:
    if n < fix_max:
        return bytes([fix | n])
    for tag, fmt, limit in zip(tags, (">B", ">H", ">I"), (2**8, 2**16, 2**32), strict=False):
        if n < limit and tag:
            return bytes([tag]) + struct.pack(fmt, n)
    raise ValueError("too long")


def packb(value: Any) -> bytes:
    """Return MessagePack of JSON-like data, as ``msgpack.packb`` (use_bin_type) does."""
    if value is None:
        return b"\xc0"
    if isinstance(value, bool):
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        return _int(value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        raw = value.encode()
        return _sized(len(raw), 0xA0, 32, (0xD9, 0xDA, 0xDB)) + raw
    if isinstance(value, list | tuple):
        head = _sized(len(value), 0x90, 16, (0, 0xDC, 0xDD))
        return head + b"".join(packb(v) for v in value)
    if isinstance(value, dict):
        head = _sized(len(value), 0x80, 16, (0, 0xDE, 0xDF))
        return head + b"".join(packb(k) + packb(v) for k, v in value.items())
    raise TypeError(f"cannot pack {type(value).__name__}")
