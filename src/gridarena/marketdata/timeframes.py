"""Timeframe strings ("1m", "15m", "4h", "1d", "1w") to milliseconds and back."""

from __future__ import annotations

import re

_UNIT_MS: dict[str, int] = {
    "s": 1_000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}
_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_timeframe(timeframe: str | int) -> int:
    """Convert a timeframe such as ``"15m"`` (or a positive ms integer) to milliseconds.

    Units: s, m, h, d, w. Months are rejected: they have no fixed length.
    """
    if isinstance(timeframe, bool):
        raise ValueError(f"unknown timeframe {timeframe!r}")
    if isinstance(timeframe, int):
        if timeframe <= 0:
            raise ValueError(f"timeframe must be a positive number of ms, got {timeframe}")
        return timeframe
    match = _PATTERN.match(timeframe)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(
            f"unknown timeframe {timeframe!r}: use <number><unit> with unit s, m, h, d or w "
            '(e.g. "1m", "15m", "4h", "1d")'
        )
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def format_timeframe(timeframe_ms: int) -> str:
    """Render milliseconds as the largest exact unit (``900_000`` -> ``"15m"``)."""
    if timeframe_ms <= 0:
        return f"{timeframe_ms}ms"
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNIT_MS[unit]
        if timeframe_ms % size == 0:
            return f"{timeframe_ms // size}{unit}"
    return f"{timeframe_ms}ms"


def is_timeframe_token(token: str) -> bool:
    """Tell whether a file-name token such as ``1m`` or ``15M`` names a timeframe."""
    return _PATTERN.match(token.lower()) is not None
