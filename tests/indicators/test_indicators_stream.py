"""Streaming indicators fed bar by bar equal the batch functions (TA-Lib / KDJ kernel)."""

from __future__ import annotations

import numpy as np
import pytest
from indicators_helpers import assert_same_nan, real_candles, ref_atr

from gridarena.indicators import (
    AtrStream,
    EmaStream,
    KdjStream,
    MacdStream,
    RsiStream,
    atr,
    ema,
    kdj,
    macd,
    rsi,
)

SYMBOLS = ["BTCUSDT", "XRPUSDT"]  # XRP: sub-dollar prices, flat minutes


def _assert_matches(stream: np.ndarray, batch: np.ndarray) -> None:
    assert_same_nan(stream, batch)
    np.testing.assert_allclose(stream, batch, rtol=1e-9, atol=0)


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("period", [1, 9, 26])
def test_ema_stream_when_fed_real_closes_then_equals_batch(symbol: str, period: int) -> None:
    close = real_candles(symbol).close
    s = EmaStream(period)
    _assert_matches(np.array([s.update(x) for x in close.tolist()]), ema(close, period))
    assert s.ready


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (5, 35, 1), (2, 3, 4)])
def test_macd_stream_when_fed_real_closes_then_equals_batch(
    symbol: str, fast: int, slow: int, signal: int
) -> None:
    close = real_candles(symbol).close
    s = MacdStream(fast, slow, signal)
    streamed = np.array([s.update(x) for x in close.tolist()])
    for col, batch in enumerate(macd(close, fast, slow, signal)):
        # hist crosses zero: there a relative bound is meaningless, so also allow 1e-12·price.
        assert_same_nan(streamed[:, col], batch)
        atol = 1e-12 * float(np.median(close))
        np.testing.assert_allclose(streamed[:, col], batch, rtol=1e-9, atol=atol)


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("period", [2, 14])
def test_rsi_stream_when_fed_real_closes_then_equals_batch(symbol: str, period: int) -> None:
    close = real_candles(symbol).close
    s = RsiStream(period)
    _assert_matches(np.array([s.update(x) for x in close.tolist()]), rsi(close, period))


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("period", [1, 14])
def test_atr_stream_when_fed_real_candles_then_equals_batch_and_wilder(
    symbol: str, period: int
) -> None:
    c = real_candles(symbol)
    s = AtrStream(period)
    bars = zip(c.high.tolist(), c.low.tolist(), c.close.tolist(), strict=True)
    streamed = np.array([s.update(h, lo, x) for h, lo, x in bars])
    _assert_matches(streamed, atr(c.high, c.low, c.close, period))
    np.testing.assert_allclose(streamed, ref_atr(c.high, c.low, c.close, period), rtol=1e-9)


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize(("n", "m1", "m2"), [(9, 3, 3), (1, 1, 1), (30, 4, 6)])
def test_kdj_stream_when_fed_real_candles_then_equals_batch(
    symbol: str, n: int, m1: int, m2: int
) -> None:
    c = real_candles(symbol)
    s = KdjStream(n, m1, m2)
    bars = zip(c.high.tolist(), c.low.tolist(), c.close.tolist(), strict=True)
    streamed = np.array([s.update(h, lo, x) for h, lo, x in bars])
    for col, batch in enumerate(kdj(c.high, c.low, c.close, n, m1, m2)):
        _assert_matches(streamed[:, col], batch)


def test_streams_when_fewer_bars_than_warm_up_then_all_nan() -> None:
    ema_s, macd_s, rsi_s, atr_s, kdj_s = (
        EmaStream(10),
        MacdStream(),
        RsiStream(14),
        AtrStream(14),
        KdjStream(9),
    )
    for x in np.linspace(1.0, 2.0, 8).tolist():
        assert np.isnan(ema_s.update(x))
        assert np.isnan(macd_s.update(x)).all()
        assert np.isnan(rsi_s.update(x))
        assert np.isnan(atr_s.update(x + 1, x - 1, x))
        assert np.isnan(kdj_s.update(x + 1, x - 1, x)).all()
    assert not ema_s.ready


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: EmaStream(0), "period must be an integer >= 1"),
        (lambda: RsiStream(1), "period must be an integer >= 2"),
        (lambda: AtrStream(-1), "period must be an integer >= 1"),
        (lambda: MacdStream(26, 12), "fast"),
        (lambda: MacdStream(1, 12), "fast must be an integer >= 2"),
        (lambda: KdjStream(9, 0), "m1 must be an integer >= 1"),
    ],
)
def test_stream_when_parameter_invalid_then_raises(factory: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        factory()  # type: ignore[operator]
