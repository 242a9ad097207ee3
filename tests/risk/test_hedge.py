"""Hedge ratio math (by hand and on real candles) and the hedge planner's open/close rules."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from gridarena.config.trading import HedgeSettings
from gridarena.domain.instrument import INSTRUMENTS
from gridarena.domain.types import Side
from gridarena.marketdata import shared_market_dir
from gridarena.risk import ReasonCode
from gridarena.risk.hedge import (
    CloseHedge,
    HedgePlanner,
    OpenHedge,
    hedge_qty,
    hedge_ratio,
    returns_stats,
)

D = Decimal
MES, MNQ = INSTRUMENTS["MES"], INSTRUMENTS["MNQ"]
BTC, ETH = INSTRUMENTS["BTCUSDT"], INSTRUMENTS["ETHUSDT"]
FIVE_SYM = "binance_spot_1m_5sym_2026-03"


# -- ratio and statistics ----------------------------------------------------------------------


def test_hedge_ratio_when_hand_computed_then_equals_corr_times_sigma_ratio() -> None:
    assert hedge_ratio(0.9, 0.012, 0.015) == pytest.approx(0.72, rel=1e-12)
    assert hedge_ratio(-0.5, 0.02, 0.01) == pytest.approx(-1.0, rel=1e-12)
    assert hedge_ratio(0.7, 0.0, 0.01) == 0.0


@pytest.mark.parametrize(
    ("corr", "sp", "sh"), [(1.1, 0.1, 0.1), (0.5, 0.1, 0.0), (0.5, -0.1, 0.1), (math.nan, 1, 1)]
)
def test_hedge_ratio_when_inputs_invalid_then_raises(corr: float, sp: float, sh: float) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages, one family
        hedge_ratio(corr, sp, sh)


def test_returns_stats_when_small_series_then_matches_hand_computation() -> None:
    p = [100.0, 110.0, 99.0, 104.0]
    h = [50.0, 54.0, 49.0, 53.0]
    rp = [math.log(b / a) for a, b in pairwise(p)]
    rh = [math.log(b / a) for a, b in pairwise(h)]
    stats = returns_stats(p, h)
    assert stats.n == 3
    assert stats.sigma_primary == pytest.approx(statistics.stdev(rp), rel=1e-12)
    assert stats.sigma_hedge == pytest.approx(statistics.stdev(rh), rel=1e-12)
    assert stats.correlation == pytest.approx(statistics.correlation(rp, rh), rel=1e-12)
    expected = statistics.correlation(rp, rh) * statistics.stdev(rp) / statistics.stdev(rh)
    assert stats.ratio == pytest.approx(expected, rel=1e-12)


def test_returns_stats_when_lookback_given_then_uses_only_the_last_lookback_returns() -> None:
    p = [1.0, 500.0, 100.0, 110.0, 99.0, 104.0]
    h = [9.0, 1.0, 50.0, 54.0, 49.0, 53.0]
    assert returns_stats(p, h, lookback=3) == returns_stats(p[-4:], h[-4:])


@pytest.mark.parametrize(
    ("p", "h", "lookback", "match"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], None, "aligned"),
        ([1.0, 2.0], [1.0, 2.0], None, "at least 3"),
        ([1.0, 2.0, 0.0], [1.0, 2.0, 3.0], None, "positive"),
        ([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], None, "zero return variance"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 1, "lookback"),
    ],
)
def test_returns_stats_when_inputs_invalid_then_raises(
    p: list[float], h: list[float], lookback: int | None, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        returns_stats(p, h, lookback)


def _closes(symbol: str) -> pd.Series:
    path = shared_market_dir() / FIVE_SYM / f"{symbol}_1m.parquet"
    if not path.is_file():
        pytest.skip(f"real market data not available: {path} (set GRIDARENA_MARKET_DATA)")
    frame = pd.read_parquet(path, columns=["ts_ms", "close"])
    return frame.set_index("ts_ms")["close"]


@pytest.mark.parametrize("lookback", [100, 1440, None])
def test_returns_stats_when_real_btc_eth_minutes_then_matches_pandas(lookback: int | None) -> None:
    both = pd.concat({"btc": _closes("BTCUSDT"), "eth": _closes("ETHUSDT")}, axis=1, join="inner")
    assert len(both) > 10_000
    stats = returns_stats(both["btc"].to_numpy(), both["eth"].to_numpy(), lookback)
    rets = np.log(both).diff().dropna()
    if lookback is not None:
        rets = rets.tail(lookback)
    assert stats.n == len(rets)
    assert stats.correlation == pytest.approx(rets["btc"].corr(rets["eth"]), rel=1e-9)
    assert stats.sigma_primary == pytest.approx(rets["btc"].std(), rel=1e-9)
    assert stats.sigma_hedge == pytest.approx(rets["eth"].std(), rel=1e-9)
    # BTC and ETH minutes move together; ETH is the more volatile, so the ratio is below 1.
    assert 0.5 < stats.correlation < 1.0
    assert 0.0 < stats.ratio < 1.0


# -- sizing ----------------------------------------------------------------------------------


def test_hedge_qty_when_mes_hedged_with_mnq_then_notional_times_ratio_floored_to_contracts() -> (
    None
):
    # 2 MES x 5015.25 x $5 = 50 152.5; x 0.8 = 40 122; one MNQ = 18 000 x $2 = 36 000 -> 1.11.
    qty = hedge_qty(
        MES, MNQ, position=D(2), price=D("5015.25"), hedge_price=D(18000), ratio=D("0.8")
    )
    assert qty == D(1)
    assert hedge_qty(MES, MNQ, position=D(-9), price=D(5000), hedge_price=D(18000), ratio=D(1)) == 6


def test_hedge_qty_when_btc_hedged_with_eth_then_rounded_down_to_eth_step() -> None:
    # 0.5 BTC x 70 000 x 0.8333 = 29 165.5 USDT; / 2000 = 14.58275 ETH -> 14.582.
    qty = hedge_qty(
        BTC, ETH, position=D("0.5"), price=D(70000), hedge_price=D(2000), ratio=D("0.8333")
    )
    assert qty == D("14.582")


# -- planner ---------------------------------------------------------------------------------


def planner(**kw: object) -> HedgePlanner:
    args: dict[str, object] = {"k": D("1.5"), "spacing": D(10), "midpoint": D(5000)}
    args.update(kw)
    return HedgePlanner(MES, MNQ, ratio=D("0.8"), **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("price", "opens"), [("5015", False), ("5015.25", True), ("4984.75", True)]
)
def test_update_when_price_near_k_spacings_from_midpoint_then_opens_only_beyond(
    price: str, opens: bool
) -> None:
    plan = planner()
    action = plan.update(D(price), D(2), D(18000))
    if not opens:
        assert action is None
        assert plan.open_hedge is None
        return
    assert isinstance(action, OpenHedge)
    assert (action.symbol, action.side, action.qty, action.reason) == (
        "MNQ",
        Side.SELL,
        D(1),
        ReasonCode.HEDGE_OPEN,
    )
    assert plan.open_hedge == action


def test_update_when_hedge_open_then_closes_only_within_close_k_spacings() -> None:
    plan = planner(close_k=D("0.5"))
    assert isinstance(plan.update(D(5020), D(2), D(18000)), OpenHedge)
    assert plan.update(D(5030), D(2), D(18000)) is None  # already hedged: no second hedge
    assert plan.update(D("5005.25"), D(2), D(18000)) is None  # inside k, outside close_k
    assert plan.update(D(5010), D(2), D(18000)) is None
    close = plan.update(D(5005), D(2), D(18000))
    assert isinstance(close, CloseHedge)
    assert (close.symbol, close.side, close.qty, close.reason) == (
        "MNQ",
        Side.BUY,
        D(1),
        ReasonCode.HEDGE_CLOSE,
    )
    assert close.detail["why"] == "returned"
    assert plan.open_hedge is None


def test_update_when_price_oscillates_between_close_k_and_k_then_no_flapping() -> None:
    plan = planner()
    path = ["5016", "5008", "4992", "5014", "4986", "5012"] * 5 + ["5004", "5016"]
    actions = [plan.update(D(p), D(2), D(18000)) for p in path]
    kinds = [type(a).__name__ for a in actions if a is not None]
    assert kinds == ["OpenHedge", "CloseHedge", "OpenHedge"]


def test_update_when_primary_goes_flat_then_closes_the_hedge() -> None:
    plan = planner()
    plan.update(D(5020), D(2), D(18000))
    close = plan.update(D(5030), D(0), D(18000))
    assert isinstance(close, CloseHedge)
    assert close.detail["why"] == "primary_flat"


@pytest.mark.parametrize(
    ("position", "ratio", "side"),
    [("2", "0.8", Side.SELL), ("-2", "0.8", Side.BUY), ("2", "-0.8", Side.BUY)],
)
def test_update_when_position_or_ratio_sign_varies_then_hedge_offsets_the_exposure(
    position: str, ratio: str, side: Side
) -> None:
    plan = planner()
    plan.set_ratio(D(ratio))
    action = plan.update(D(5020), D(position), D(18000))
    assert isinstance(action, OpenHedge)
    assert action.side == side


def test_update_when_hedge_rounds_below_one_contract_or_flat_then_no_hedge() -> None:
    plan = planner()
    assert plan.update(D(5020), D(1), D(18000)) is None  # 20 080 / 36 000 -> 0 contracts
    assert plan.update(D(5020), D(0), D(18000)) is None
    plan.set_ratio(0)
    assert plan.update(D(5020), D(100), D(18000)) is None


def test_update_when_btc_eth_pair_then_hedges_in_eth_steps() -> None:
    plan = HedgePlanner(BTC, ETH, k=D("1.5"), spacing=D(100), midpoint=D(70000), ratio=D("0.8333"))
    action = plan.update(D("69849.9"), D("0.5"), D(2000))
    assert isinstance(action, OpenHedge)
    assert (action.symbol, action.side) == ("ETHUSDT", Side.SELL)
    assert action.qty == hedge_qty(
        BTC, ETH, position=D("0.5"), price=D("69849.9"), hedge_price=D(2000), ratio=D("0.8333")
    )


def test_recenter_when_grid_moves_then_distance_is_from_the_new_midpoint() -> None:
    plan = planner()
    plan.recenter(D(5020), D(10))
    assert plan.update(D(5020), D(2), D(18000)) is None
    plan.restore(OpenHedge("MNQ", Side.SELL, D(1)))
    assert isinstance(plan.update(D(5021), D(2), D(18000)), CloseHedge)


def test_from_settings_when_hedge_settings_then_k_is_trigger_spacing_multiple() -> None:
    settings = HedgeSettings(enabled=True, trigger_spacing_multiple=D(2))
    plan = HedgePlanner.from_settings(settings, MES, MNQ, spacing=D(10), midpoint=D(5000))
    assert plan.k == D(2)
    assert plan.update(D(5020), D(4), D(18000)) is None
    assert isinstance(plan.update(D("5020.25"), D(4), D(18000)), OpenHedge)


@pytest.mark.parametrize(
    "kw", [{"close_k": D("1.5")}, {"k": D(0)}, {"spacing": D(0)}, {"midpoint": D(-1)}]
)
def test_planner_when_parameters_invalid_then_raises(kw: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages, one family
        planner(**kw)
