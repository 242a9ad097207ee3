"""Binance's rate limits: request weight per IP and minute, order count per account.

Windows are fixed and aligned on the wall clock (a minute's weight resets at :00, as
``X-MBX-USED-WEIGHT-1M`` does on Binance). Past a limit the client gets HTTP 429 with
``Retry-After``; clients that keep going past ``ban_after`` refusals get HTTP 418.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from gridarena.venues.facade.config import LimitConfig
from gridarena.venues.facade.errors import BinanceError
from gridarena.venues.facade.params import Params

_MINUTE = 60_000
_TEN_S = 10_000

# (method, path) → weight, or a function of the request's parameters.
Weight = int | Callable[[Params], int]


def _by_limit(steps: tuple[tuple[int, int], ...], default: int) -> Callable[[Params], int]:
    def weight(params: Params) -> int:
        limit = params.integer("limit", default) or default
        for bound, cost in steps:
            if limit <= bound:
                return cost
        return steps[-1][1] * 2

    return weight


def _with_symbol(with_symbol: int, without: int) -> Callable[[Params], int]:
    return lambda params: with_symbol if "symbol" in params else without


WEIGHTS: dict[tuple[str, str], Weight] = {
    ("GET", "/fapi/v1/ping"): 1,
    ("GET", "/fapi/v1/time"): 1,
    ("GET", "/fapi/v1/exchangeInfo"): 1,
    ("GET", "/api/v3/exchangeInfo"): 20,
    ("GET", "/fapi/v1/klines"): _by_limit(((99, 1), (499, 2), (1000, 5)), 500),
    ("GET", "/fapi/v1/depth"): _by_limit(((50, 2), (100, 5), (500, 10), (1000, 20)), 500),
    ("GET", "/fapi/v1/ticker/price"): _with_symbol(1, 2),
    ("GET", "/fapi/v2/ticker/price"): _with_symbol(1, 2),
    ("GET", "/fapi/v1/ticker/bookTicker"): _with_symbol(2, 5),
    ("GET", "/fapi/v1/ticker/24hr"): _with_symbol(1, 40),
    ("GET", "/fapi/v1/premiumIndex"): _with_symbol(1, 10),
    ("GET", "/fapi/v1/fundingRate"): 1,
    ("POST", "/fapi/v1/order"): 0,
    ("GET", "/fapi/v1/order"): 1,
    ("DELETE", "/fapi/v1/order"): 1,
    ("GET", "/fapi/v1/openOrders"): _with_symbol(1, 40),
    ("GET", "/fapi/v1/allOrders"): 5,
    ("DELETE", "/fapi/v1/allOpenOrders"): 1,
    ("GET", "/fapi/v1/userTrades"): 5,
    ("POST", "/fapi/v1/algoOrder"): 0,
    ("GET", "/fapi/v1/algoOrder"): 1,
    ("DELETE", "/fapi/v1/algoOrder"): 1,
    ("GET", "/fapi/v1/openAlgoOrders"): _with_symbol(1, 40),
    ("POST", "/fapi/v1/leverage"): 1,
    ("POST", "/fapi/v1/marginType"): 1,
    ("GET", "/fapi/v1/leverageBracket"): 1,
    ("GET", "/fapi/v1/symbolConfig"): 5,
    ("GET", "/fapi/v2/positionRisk"): 5,
    ("GET", "/fapi/v3/positionRisk"): 5,
    ("GET", "/fapi/v2/balance"): 5,
    ("GET", "/fapi/v3/balance"): 5,
    ("GET", "/fapi/v2/account"): 5,
    ("GET", "/fapi/v3/account"): 5,
}
ORDER_ROUTES = frozenset({("POST", "/fapi/v1/order"), ("POST", "/fapi/v1/algoOrder")})


def weight_of(method: str, path: str, params: Params) -> int:
    """Return a request's weight (1 for routes without a listed weight)."""
    w = WEIGHTS.get((method, path), 1)
    return w if isinstance(w, int) else w(params)


@dataclass(slots=True)
class _Window:
    start: int = -1
    used: int = 0

    def roll(self, now: int, size: int) -> None:
        start = now - now % size
        if start != self.start:
            self.start, self.used = start, 0


@dataclass(slots=True)
class RateLimiter:
    """Count weight per IP and orders per account; refuse past the configured limits."""

    config: LimitConfig
    wall_ms: Callable[[], int]
    weights: dict[str, _Window] = field(default_factory=dict)
    orders_1m: dict[str, _Window] = field(default_factory=dict)
    orders_10s: dict[str, _Window] = field(default_factory=dict)
    refusals: dict[str, _Window] = field(default_factory=dict)
    banned_until: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    banned: int = 0

    def admit(self, ip: str, account: str | None, weight: int, order: bool) -> dict[str, str]:
        """Count a request and return the usage headers, or raise 429/418."""
        now = self.wall_ms()
        until = self.banned_until.get(ip, 0)
        if now < until:
            self.banned += 1
            raise self._ban_error(ip, until, now)
        w = self.weights.setdefault(ip, _Window())
        w.roll(now, _MINUTE)
        w.used += weight
        headers = {"X-MBX-USED-WEIGHT-1M": str(w.used)}
        if w.used > self.config.weight_per_minute:
            raise self._refuse(
                ip,
                now,
                _MINUTE,
                -1003,
                f"Too many requests; current limit of IP({ip}) request weight is "
                f"{self.config.weight_per_minute} per minute. Please use the websocket for live "
                "updates to avoid polling the API.",
                headers,
            )
        if order and account is not None:
            m = self.orders_1m.setdefault(account, _Window())
            t = self.orders_10s.setdefault(account, _Window())
            m.roll(now, _MINUTE)
            t.roll(now, _TEN_S)
            m.used += 1
            t.used += 1
            headers["X-MBX-ORDER-COUNT-1M"] = str(m.used)
            headers["X-MBX-ORDER-COUNT-10S"] = str(t.used)
            for window, size, limit, name in (
                (m, _MINUTE, self.config.orders_per_minute, "MINUTE"),
                (t, _TEN_S, self.config.orders_per_10s, "10 SECONDS"),
            ):
                if window.used > limit:
                    msg = f"Too many new orders; current limit is {limit} orders per {name}."
                    raise self._refuse(ip, now, size, -1015, msg, headers)
        return headers

    def _refuse(
        self, ip: str, now: int, size: int, code: int, msg: str, headers: dict[str, str]
    ) -> BinanceError:
        self.refused += 1
        retry = max(1, math.ceil((size - now % size) / 1000))
        r = self.refusals.setdefault(ip, _Window())
        r.roll(now, _MINUTE)
        r.used += 1
        if self.config.ban_after and r.used > self.config.ban_after:
            until = now + int(self.config.ban_s * 1000)
            self.banned_until[ip] = until
            self.banned += 1
            return self._ban_error(ip, until, now)
        return BinanceError(code, msg, status=429, headers={**headers, "Retry-After": str(retry)})

    @staticmethod
    def _ban_error(ip: str, until: int, now: int) -> BinanceError:
        msg = (
            f"Way too many requests; IP({ip}) banned until {until}. Please use the websocket "
            "for live updates to avoid bans."
        )
        retry = str(max(1, math.ceil((until - now) / 1000)))
        return BinanceError(-1003, msg, status=418, headers={"Retry-After": retry})

    def usage(self) -> dict[str, object]:
        """Return counters for ``/sim/stats``."""
        return {
            "refused_429": self.refused,
            "banned_418": self.banned,
            "weight_1m": {ip: w.used for ip, w in self.weights.items()},
            "orders_1m": {acct: w.used for acct, w in self.orders_1m.items()},
        }
