"""Download public candles through ccxt, page by page, into :class:`Candles`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from gridarena.marketdata.candles import Candles
from gridarena.marketdata.timeframes import parse_timeframe
from gridarena.marketdata.validate import validate_candles

# Per-exchange ccxt options: load only spot markets (one public request, no futures hosts).
EXCHANGE_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {"fetchMarkets": {"types": ["spot"]}},
    "binanceus": {"fetchMarkets": {"types": ["spot"]}},
}


class DownloadError(RuntimeError):
    """Raised when candles cannot be fetched; the message is meant for the user."""


def parse_utc(text: str) -> int:
    """Parse ``2024-01-01``, ``2024-01-01T12:30[:00][Z|+00:00]`` or epoch ms into UTC epoch ms."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"bad date {text!r}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (UTC) or epoch ms"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def _rebase(url: Any, base_url: str) -> Any:
    """Move every URL in a (nested) ccxt ``urls['api']`` entry onto ``base_url``'s host."""
    if isinstance(url, dict):
        return {key: _rebase(value, base_url) for key, value in url.items()}
    if not isinstance(url, str):
        return url
    base = urlsplit(base_url)
    parts = urlsplit(url)
    prefix = base.path.rstrip("/")
    return urlunsplit((base.scheme, base.netloc, prefix + parts.path, parts.query, ""))


def make_exchange(exchange_id: str, *, base_url: str | None = None) -> Any:
    """Create a public (key-less) sync ccxt exchange, optionally pointed at another host."""
    import ccxt  # imported on use: ccxt takes seconds to import and most commands never need it

    if exchange_id not in ccxt.exchanges:
        raise DownloadError(f"unknown exchange {exchange_id!r} (not in ccxt.exchanges)")
    factory = getattr(ccxt, exchange_id)
    options = EXCHANGE_OPTIONS.get(exchange_id, {})
    exchange = factory({"enableRateLimit": True, "options": options})
    if base_url is not None:
        exchange.urls["api"] = _rebase(exchange.urls["api"], base_url)
    return exchange


def _fetch_page(
    exchange: Any,
    symbol: str,
    timeframe: str,
    since: int,
    limit: int,
    retries: int,
    sleep: Callable[[float], None],
) -> list[list[Any]]:
    import ccxt

    for attempt in range(retries + 1):
        try:
            page: list[list[Any]] = exchange.fetch_ohlcv(
                symbol, timeframe, since=since, limit=limit
            )
            return page
        except ccxt.OperationFailed as exc:  # retryable: network, 5xx, "internal error"
            if attempt == retries:
                raise DownloadError(
                    f"{exchange.id}: still failing after {retries} retries: {exc}"
                ) from exc
            sleep(min(2.0**attempt, 30.0))
        except ccxt.BaseError as exc:  # permanent: bad symbol, bad request
            raise DownloadError(f"{exchange.id}: {type(exc).__name__}: {exc}") from exc
    raise AssertionError("unreachable")


def download_candles(
    exchange_id: str,
    symbol: str,
    timeframe: str,
    *,
    since_ms: int,
    until_ms: int | None = None,
    base_url: str | None = None,
    limit: int = 1000,
    on_progress: Callable[[int], None] | None = None,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> Candles:
    """Fetch candles with open time in ``[since_ms, until_ms)`` (until defaults to now).

    Pages forward with ``since``/``limit`` until the range is covered or the venue has no
    more data; ``on_progress`` receives the timestamp reached after each page. The result
    is de-duplicated, sorted and validated (gaps are allowed: the venue may have holes).
    """
    import ccxt

    tf_ms = parse_timeframe(timeframe)
    exchange = make_exchange(exchange_id, base_url=base_url)
    try:
        try:
            exchange.load_markets()
        except ccxt.BaseError as exc:
            raise DownloadError(f"{exchange_id}: cannot load markets: {exc}") from exc
        if symbol not in exchange.markets:
            raise DownloadError(f"{exchange_id} has no market {symbol!r} (use e.g. BTC/USDT)")
        if exchange.timeframes and timeframe not in exchange.timeframes:
            raise DownloadError(f"{exchange_id} has no timeframe {timeframe!r}")
        end = until_ms if until_ms is not None else int(exchange.milliseconds())
        rows: list[list[Any]] = []
        cursor = since_ms
        while cursor < end:
            page = _fetch_page(exchange, symbol, timeframe, cursor, limit, retries, sleep)
            page = [row for row in page if cursor <= int(row[0]) < end]
            if not page:
                break
            rows.extend(page)
            cursor = int(page[-1][0]) + tf_ms
            if on_progress is not None:
                on_progress(min(cursor, end))
        market_id = str(exchange.markets[symbol]["id"])
    finally:
        exchange.close()  # release the HTTP session now, not at garbage collection
    return _to_candles(rows, market_id, tf_ms)


def _to_candles(rows: list[list[Any]], market_id: str, tf_ms: int) -> Candles:
    # A missing field (None) becomes NaN so validation names the row instead of crashing here.
    cells = [[np.nan if v is None else v for v in row[:6]] for row in rows]
    data = np.asarray(cells, dtype=np.float64).reshape(-1, 6)
    ts = data[:, 0].astype(np.int64)
    # Overlapping pages repeat candles: keep one per timestamp, in time order.
    _, first = np.unique(ts, return_index=True)
    data = data[first]
    candles = Candles(
        symbol=market_id,
        timeframe_ms=tf_ms,
        ts_ms=data[:, 0].astype(np.int64),
        open=data[:, 1],
        high=data[:, 2],
        low=data[:, 3],
        close=data[:, 4],
        volume=data[:, 5],
    )
    validate_candles(candles, allow_gaps=True)
    return candles
