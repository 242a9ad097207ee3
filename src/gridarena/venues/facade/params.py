"""Request parameters read the way Binance reads them, with Binance's error for each mistake."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TypeVar
from urllib.parse import parse_qsl

from gridarena.venues.facade.errors import BinanceError, illegal, missing

E = TypeVar("E", bound=Enum)

_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
CLIENT_ID_RANGE = "^[\\.A-Z\\:/a-z0-9_-]{1,36}$"


def parse_params(query: str, body: str = "") -> dict[str, str]:
    """Merge body and query parameters; the query string wins, as on Binance."""
    merged = dict(parse_qsl(body, keep_blank_values=True)) if body else {}
    merged.update(parse_qsl(query, keep_blank_values=True))
    return merged


class Params:
    """Typed access to one request's parameters."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def __contains__(self, name: str) -> bool:
        return bool(self.values.get(name))

    def opt(self, name: str) -> str | None:
        """Return the parameter, or None when absent or empty."""
        value = self.values.get(name)
        return value if value else None

    def req(self, name: str) -> str:
        """Return the parameter or raise -1102."""
        value = self.opt(name)
        if value is None:
            raise missing(name)
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        """Return a non-negative decimal parameter (-1100 on bad characters)."""
        text = self.req(name) if required else self.opt(name)
        if text is None:
            return None
        if not _DECIMAL.match(text):
            raise illegal(name)
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise illegal(name) from None

    def integer(self, name: str, default: int | None = None) -> int | None:
        """Return an integer parameter (-1100 on bad characters)."""
        text = self.opt(name)
        if text is None:
            return default
        try:
            return int(text)
        except ValueError:
            raise illegal(name, "^-?[0-9]{1,20}$") from None

    def boolean(self, name: str) -> bool:
        """Return ``"true"``/``"false"`` as a bool (Binance accepts any casing)."""
        text = self.opt(name)
        if text is None:
            return False
        low = text.lower()
        if low not in ("true", "false"):
            raise BinanceError(-1130, f"Data sent for parameter '{name}' is not valid.")
        return low == "true"

    def choice(self, name: str, enum: type[E], code: int, msg: str) -> E | None:
        """Return an enum member by exact value, or raise ``code`` with ``msg``."""
        text = self.opt(name)
        if text is None:
            return None
        for member in enum:
            if member.value == text:
                return member
        raise BinanceError(code, msg)

    def client_id(self, name: str) -> str | None:
        """Return a client order id after Binance's character check."""
        text = self.opt(name)
        if text is not None and not _CLIENT_ID.match(text):
            raise illegal(name, CLIENT_ID_RANGE)
        return text
