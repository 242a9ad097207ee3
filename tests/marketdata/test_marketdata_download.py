"""Downloading candles through ccxt against a loopback server speaking Binance's spot API."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from marketdata_fake_binance import FakeBinance, serve
from marketdata_helpers import MINUTE, T0, real_file

from gridarena.marketdata import Candles, generate_market, load_candles, resample
from gridarena.marketdata.download import DownloadError, download_candles, make_exchange, parse_utc


@pytest.fixture(scope="module")
def source() -> Candles:
    return generate_market(seed=21, n_candles=4_000, start_ms=T0)


@pytest.fixture
def venue(source: Candles) -> Iterator[FakeBinance]:
    with serve(FakeBinance({"BTCUSDT": source}, {"BTCUSDT": ("BTC", "USDT")})) as state:
        yield state


def _assert_same(a: Candles, b: Candles) -> None:
    np.testing.assert_array_equal(a.ts_ms, b.ts_ms)
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12)


def test_download_when_range_spans_pages_then_all_candles_in_order(
    venue: FakeBinance, source: Candles
) -> None:
    since, until = T0 + 10 * MINUTE, T0 + 2_510 * MINUTE
    reached: list[int] = []
    got = download_candles(
        "binance",
        "BTC/USDT",
        "1m",
        since_ms=since,
        until_ms=until,
        base_url=venue.base_url,
        on_progress=reached.append,
    )
    assert got.symbol == "BTCUSDT"
    _assert_same(got, source.between(since, until))
    klines = [q for path, q in venue.requests if path == "/api/v3/klines"]
    assert [int(q["startTime"]) for q in klines] == [
        since,
        since + 1_000 * MINUTE,
        since + 2_000 * MINUTE,
    ]
    assert {q["limit"] for q in klines} == {"1000"}
    assert {q["symbol"] for q in klines} == {"BTCUSDT"}
    # Markets come from one spot exchangeInfo call: no futures or margin endpoints.
    assert [p for p, _ in venue.requests if p != "/api/v3/klines"] == ["/api/v3/exchangeInfo"]
    assert reached[-1] == until


def test_download_when_no_until_then_stops_at_the_end_of_the_venue_data(
    venue: FakeBinance, source: Candles
) -> None:
    got = download_candles(
        "binance", "BTC/USDT", "5m", since_ms=T0, base_url=venue.base_url, limit=300
    )
    _assert_same(got, resample(source, "5m"))


def test_download_when_venue_fails_twice_then_retries_and_succeeds(
    venue: FakeBinance, source: Candles
) -> None:
    venue.fail_klines = 2
    delays: list[float] = []
    got = download_candles(
        "binance",
        "BTC/USDT",
        "1m",
        since_ms=T0,
        until_ms=T0 + 100 * MINUTE,
        base_url=venue.base_url,
        sleep=delays.append,
    )
    assert delays == [1.0, 2.0]
    _assert_same(got, source.slice(0, 100))


def test_download_when_venue_keeps_failing_then_download_error(venue: FakeBinance) -> None:
    venue.fail_klines = 10
    with pytest.raises(DownloadError, match="still failing after 1 retries"):
        download_candles(
            "binance",
            "BTC/USDT",
            "1m",
            since_ms=T0,
            until_ms=T0 + MINUTE,
            base_url=venue.base_url,
            retries=1,
            sleep=lambda _: None,
        )


def test_download_when_symbol_unknown_then_download_error(venue: FakeBinance) -> None:
    with pytest.raises(DownloadError, match="no market 'DOGE/USDT'"):
        download_candles("binance", "DOGE/USDT", "1m", since_ms=T0, base_url=venue.base_url)


def test_download_when_timeframe_unsupported_then_download_error(venue: FakeBinance) -> None:
    with pytest.raises(DownloadError, match="no timeframe '7m'"):
        download_candles("binance", "BTC/USDT", "7m", since_ms=T0, base_url=venue.base_url)


def test_download_when_exchange_unknown_then_download_error() -> None:
    with pytest.raises(DownloadError, match="unknown exchange 'nope'"):
        download_candles("nope", "BTC/USDT", "1m", since_ms=T0)


def test_download_when_real_binance_file_served_then_identical_candles() -> None:
    real = load_candles(real_file("binance_spot_1m_5sym_2026-03/BTCUSDT_1m.parquet"))
    since = int(real.ts_ms[100])
    until = since + 2_345 * MINUTE
    with serve(FakeBinance({"BTCUSDT": real}, {"BTCUSDT": ("BTC", "USDT")})) as venue:
        got = download_candles(
            "binance", "BTC/USDT", "1m", since_ms=since, until_ms=until, base_url=venue.base_url
        )
    _assert_same(got, real.between(since, until))


def test_make_exchange_when_base_url_then_every_api_url_moves_to_that_host() -> None:
    exchange = make_exchange("binance", base_url="http://127.0.0.1:9/prefix")
    try:
        assert exchange.urls["api"]["public"] == "http://127.0.0.1:9/prefix/api/v3"
        assert exchange.urls["api"]["fapiPublic"] == "http://127.0.0.1:9/prefix/fapi/v1"
        hosts = {u.split("/")[2] for u in exchange.urls["api"].values() if isinstance(u, str)}
        assert hosts == {"127.0.0.1:9"}
    finally:
        exchange.close()


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2024-01-01", T0),
        ("2024-01-01T00:05", T0 + 5 * MINUTE),
        ("2024-01-01 00:05:00Z", T0 + 5 * MINUTE),
        ("2024-01-01T01:05:00+01:00", T0 + 5 * MINUTE),
        (str(T0), T0),
    ],
)
def test_parse_utc_when_valid_then_epoch_ms(text: str, ms: int) -> None:
    assert parse_utc(text) == ms


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "01/02/2024", ""])
def test_parse_utc_when_invalid_then_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="bad date"):
        parse_utc(text)
