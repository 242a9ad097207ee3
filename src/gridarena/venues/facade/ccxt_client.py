"""Point a ccxt ``binanceusdm`` client at the facade instead of fapi.binance.com.

ccxt picks its USD-M error table by the URL's host (``https://fapi.binance.com/``); against any
other host it consults only its generic table, so e.g. -4116 (duplicate client id) would surface
as a bare ``ExchangeError`` instead of ``InvalidOrder``. `configure` installs the USD-M table
so that errors map exactly as they do against the real venue.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

OPTIONS: dict[str, Any] = {
    # Only the USD-M exchangeInfo; fetchCurrencies would call the spot wallet (/sapi).
    "fetchMarkets": {"types": ["linear"]},
    "fetchCurrencies": False,
}


def rebase(url: str, base_url: str) -> str:
    """Move a ccxt API URL (``https://fapi.binance.com/fapi/v1``) onto ``base_url``."""
    base = urlsplit(base_url)
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path, "", ""))


def configure(exchange: Any, base_url: str, *, linear_errors: bool = True) -> Any:
    """Rebase every API URL of a ccxt Binance client on ``base_url`` and set facade options."""
    exchange.urls["api"] = {
        name: rebase(url, base_url) if isinstance(url, str) else url
        for name, url in exchange.urls["api"].items()
    }
    for key, value in OPTIONS.items():
        exchange.options[key] = value
    if linear_errors:
        for kind in ("exact", "broad"):
            table = exchange.exceptions.get("linear", {}).get(kind, {})
            exchange.exceptions[kind] = {**exchange.exceptions.get(kind, {}), **table}
    return exchange


def facade_client(
    base_url: str,
    api_key: str | None = None,
    secret: str | None = None,
    *,
    asynchronous: bool = False,
    timeout_ms: int = 10_000,
    rate_limit: bool = False,
) -> Any:
    """Return a ccxt ``binanceusdm`` (sync, or ``ccxt.async_support``) talking to the facade."""
    if asynchronous:
        import ccxt.async_support as ccxt_async

        factory: Any = ccxt_async.binanceusdm
    else:
        import ccxt

        factory = ccxt.binanceusdm
    settings: dict[str, Any] = {"timeout": timeout_ms, "enableRateLimit": rate_limit}
    if api_key is not None:
        settings["apiKey"] = api_key
    if secret is not None:
        settings["secret"] = secret
    return configure(factory(settings), base_url)
