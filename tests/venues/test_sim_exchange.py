"""The simulated venue behaves like a USD-M exchange: rules, error codes, matching, money."""

from decimal import Decimal

import numpy as np
import pytest

from gridarena.domain.instrument import INSTRUMENTS
from gridarena.domain.orders import MarginMode, OrderRequest, OrderStatus, OrderType, TimeInForce
from gridarena.domain.types import Side
from gridarena.marketdata.candles import Candles, Funding
from gridarena.venues.errors import (
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    PostOnlyWouldTake,
    ReduceOnlyRejected,
)
from gridarena.venues.sim.exchange import SimConfig, SimExchange
from gridarena.venues.sim.ledger import SimAccount, liquidation_price
from gridarena.venues.sim.market import SimMarket

D = Decimal
BTC = INSTRUMENTS["BTCUSDT"]


def _candles(rows: list[tuple[float, float, float, float]]) -> Candles:
    arr = np.array(rows, np.float64)
    return Candles(
        symbol="BTCUSDT",
        timeframe_ms=60_000,
        ts_ms=np.arange(len(rows), dtype=np.int64) * 60_000,
        open=arr[:, 0],
        high=arr[:, 1],
        low=arr[:, 2],
        close=arr[:, 3],
        volume=np.ones(len(rows)),
    )


ROWS = [(60_000.0, 60_100.0, 59_900.0, 60_000.0), (60_000.0, 60_000.0, 58_000.0, 58_500.0)]


def _exchange(
    rows: list[tuple[float, float, float, float]] = ROWS,
    *,
    balance: str = "10000",
    funding: Funding | None = None,
    **cfg: object,
) -> SimExchange:
    market = SimMarket(BTC, _candles(rows), funding)
    ex = SimExchange([market], SimConfig(**cfg))  # type: ignore[arg-type]
    ex.add_account("a", D(balance))
    return ex


def _limit(cid: str, side: Side, price: str, qty: str = "0.01", **kw: object) -> OrderRequest:
    return OrderRequest("BTCUSDT", side, OrderType.LIMIT, D(qty), cid, price=D(price), **kw)  # type: ignore[arg-type]


def _run(ex: SimExchange) -> None:
    while not ex.done:
        ex.step()


def test_place_when_client_id_reused_then_rejects_with_4116_and_counts_it() -> None:
    ex = _exchange()
    ex.place("a", _limit("c1", Side.BUY, "59000"))
    with pytest.raises(DuplicateClientOrderId) as err:
        ex.place("a", _limit("c1", Side.BUY, "58000"))
    assert err.value.code == -4116
    assert ex.stats["duplicate_client_id"] == 1
    assert len(ex.open_orders("a")) == 1


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (_limit("p", Side.BUY, "59000.05"), -4014),  # off the 0.10 tick
        (_limit("q", Side.BUY, "59000", qty="0.0015"), -1111),  # off the 0.001 step
        (_limit("n", Side.BUY, "59000", qty="0.001"), -4164),  # 59 < 100 min notional
    ],
)
def test_place_when_filter_broken_then_rejects_with_venue_code(
    request_: OrderRequest, code: int
) -> None:
    ex = _exchange()
    with pytest.raises(OrderRejected) as err:
        ex.place("a", request_)
    assert err.value.code == code
    assert ex.open_orders("a") == []


def test_place_when_post_only_would_take_then_rejects_5022() -> None:
    ex = _exchange()
    with pytest.raises(PostOnlyWouldTake):
        ex.place("a", _limit("g", Side.BUY, "60100", time_in_force=TimeInForce.GTX))


def test_place_when_margin_short_then_rejects_2019() -> None:
    ex = _exchange(balance="100")
    ex.set_leverage("a", "BTCUSDT", 2)
    with pytest.raises(InsufficientMargin) as err:
        ex.place("a", _limit("m", Side.BUY, "59000", qty="0.01"))  # needs 295 margin
    assert err.value.code == -2019


def test_place_when_reduce_only_market_without_position_then_rejects_2022() -> None:
    ex = _exchange()
    req = OrderRequest("BTCUSDT", Side.SELL, OrderType.MARKET, D("0.01"), "r", reduce_only=True)
    with pytest.raises(ReduceOnlyRejected):
        ex.place("a", req)


def test_step_when_path_crosses_buy_then_fills_at_limit_as_maker_with_candle_index() -> None:
    ex = _exchange()
    ex.place("a", _limit("b", Side.BUY, "59000"))
    _run(ex)
    order = ex.get("a", "b")
    assert order.status is OrderStatus.FILLED
    (fill,) = ex.fills["a"]
    assert (fill.price, fill.qty, fill.candle, fill.liquidity.value) == (
        D("59000"),
        D("0.01"),
        1,
        "MAKER",
    )
    assert fill.fee == D("59000") * D("0.01") * D("0.0002")
    pos = ex.positions("a")[0]
    assert pos.qty == D("0.01")
    assert pos.unrealized_pnl == D("0.01") * (D("58500") - D("59000"))


def test_step_when_low_equals_limit_then_touch_fills_and_cross_does_not() -> None:
    for rule, filled in (("touch", True), ("cross", False)):
        ex = _exchange(fill_rule=rule)
        ex.place("a", _limit("b", Side.BUY, "58000"))
        _run(ex)
        assert (ex.get("a", "b").status is OrderStatus.FILLED) is filled


def test_cancel_when_unknown_then_2011_and_get_when_unknown_then_2013() -> None:
    ex = _exchange()
    with pytest.raises(OrderNotFound) as cancel_err:
        ex.cancel("a", "BTCUSDT", "nope")
    with pytest.raises(OrderNotFound) as get_err:
        ex.get("a", "nope")
    assert (cancel_err.value.code, get_err.value.code) == (-2011, -2013)


def test_cancel_when_open_then_releases_reserved_margin() -> None:
    ex = _exchange()
    before = ex.balance("a").available
    ex.place("a", _limit("b", Side.BUY, "59000"))
    assert ex.balance("a").available < before
    ex.cancel("a", "BTCUSDT", "b")
    assert ex.balance("a").available == before


def test_market_when_slippage_then_fills_on_adverse_tick() -> None:
    ex = _exchange(slippage_bps=D("1.5"))
    req = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.01"), "m")
    ex.place("a", req)
    # 60000 × 1.00015 = 60009.0 exactly → stays; taker fee 5 bp.
    (fill,) = ex.fills["a"]
    assert fill.price == D("60009.0")
    assert fill.liquidity.value == "TAKER"


def test_stop_market_when_triggered_then_closes_position_at_stop_price() -> None:
    ex = _exchange()
    ex.place("a", OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.01"), "e"))
    stop = OrderRequest(
        "BTCUSDT",
        Side.SELL,
        OrderType.STOP_MARKET,
        D(0),
        "sl",
        stop_price=D("59000"),
        close_position=True,
    )
    ex.place("a", stop)
    _run(ex)
    assert ex.get("a", "sl").status is OrderStatus.FILLED
    assert ex.fills["a"][-1].price == D("59000")
    assert ex.positions("a") == []


def test_step_when_funding_due_then_long_pays_rate_times_mark() -> None:
    funding = Funding(ts_ms=np.array([60_000], np.int64), rate=np.array([0.0001]))
    ex = _exchange(funding=funding)
    ex.place("a", OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.01"), "e"))
    _run(ex)
    assert ex.accounts["a"].funding == -D("0.01") * D("60000.0") * D("0.0001")


def test_step_when_price_crosses_liquidation_then_position_closed_and_margin_lost() -> None:
    ex = _exchange(
        [(60_000.0, 60_000.0, 60_000.0, 60_000.0), (60_000.0, 60_000.0, 40_000.0, 41_000.0)],
        balance="1000",
    )
    ex.set_leverage("a", "BTCUSDT", 20)
    ex.place("a", OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.3"), "e"))
    liq = ex.positions("a")[0].liquidation_price
    assert liq is not None
    _run(ex)
    assert ex.positions("a") == []
    assert ex.accounts["a"].wallet == 0
    assert ex.fills["a"][-1].price == Decimal(repr(float(liq)))


def test_step_when_isolated_position_liquidated_then_only_its_margin_is_lost() -> None:
    ex = _exchange(
        [(60_000.0, 60_000.0, 60_000.0, 60_000.0), (60_000.0, 60_000.0, 40_000.0, 41_000.0)],
        balance="10000",
    )
    ex.set_leverage("a", "BTCUSDT", 10, MarginMode.ISOLATED)
    ex.place("a", OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.1"), "e"))
    _run(ex)
    assert ex.positions("a") == []
    # 600 of isolated margin (0.1 × 60000 / 10) is the most that can be lost, plus fees.
    assert ex.accounts["a"].wallet > D("10000") - D("600") - D("10")


def test_set_leverage_when_above_instrument_max_then_rejects_4028() -> None:
    ex = _exchange()
    with pytest.raises(OrderRejected) as err:
        ex.set_leverage("a", "BTCUSDT", 500)
    assert err.value.code == -4028


# --- account figures and cross-margin liquidation prices ------------------------------------

ETH = INSTRUMENTS["ETHUSDT"]


def _market(inst: object, rows: list[tuple[float, float, float, float]]) -> SimMarket:
    candles = _candles(rows)
    candles = Candles(
        symbol=inst.symbol,  # type: ignore[attr-defined]
        timeframe_ms=candles.timeframe_ms,
        ts_ms=candles.ts_ms,
        open=candles.open,
        high=candles.high,
        low=candles.low,
        close=candles.close,
        volume=candles.volume,
    )
    return SimMarket(inst, candles)  # type: ignore[arg-type]


def _market_buy(ex: SimExchange, account: str, symbol: str, qty: str, cid: str) -> None:
    ex.place(account, OrderRequest(symbol, Side.BUY, OrderType.MARKET, D(qty), cid))


def test_figures_when_positions_in_two_symbols_then_match_balance_and_positions() -> None:
    flat = [(60_000.0, 60_500.0, 59_500.0, 60_200.0)] * 2
    ex = SimExchange([_market(BTC, flat), _market(ETH, [(3_000.0, 3_050.0, 2_950.0, 2_990.0)] * 2)])
    ex.add_account("a", D(10_000))
    ex.set_leverage("a", "ETHUSDT", 5)
    _market_buy(ex, "a", "BTCUSDT", "0.05", "b1")
    ex.place("a", OrderRequest("ETHUSDT", Side.SELL, OrderType.MARKET, D("1.5"), "e1"))
    ex.place("a", _limit("r1", Side.BUY, "59000"))
    ex.step()
    ex.step()
    balance, positions = ex.balance("a"), ex.positions("a")
    figures = ex.figures("a")
    assert figures.equity == balance.equity
    assert figures.available == balance.available
    assert figures.positions == {p.symbol: p.qty for p in positions}
    gross = sum((abs(p.qty) * p.mark_price for p in positions), D(0))
    assert figures.gross_notional == gross
    assert figures.leverage == {p.symbol: p.leverage for p in positions}
    assert ex.equity_and_gross("a") == (balance.equity, gross)


def test_step_when_other_symbol_falls_then_cross_long_liquidates_at_the_moved_price() -> None:
    # Long BTC and ETH at 20x on one cross wallet. ETH closes candle 1 down 4 %, which lifts
    # BTC's liquidation price from ~53,608 to ~56,017; BTC then dips to 55,000.
    btc = _market(BTC, [(60_000.0,) * 4, (60_000.0,) * 4, (60_000.0, 60_000.0, 55_000.0, 55_500.0)])
    eth = _market(ETH, [(3_000.0,) * 4, (3_000.0, 3_000.0, 2_880.0, 2_880.0), (2_880.0,) * 4])
    ex = SimExchange([btc, eth])
    ex.add_account("a", D(1_000))
    for symbol in ("BTCUSDT", "ETHUSDT"):
        ex.set_leverage("a", symbol, 20)
    _market_buy(ex, "a", "BTCUSDT", "0.15", "b1")
    _market_buy(ex, "a", "ETHUSDT", "3", "e1")
    acct = ex.accounts["a"]
    eth_pnl = D(3) * (D("2880.0") - acct.positions["ETHUSDT"].entry)
    expected = liquidation_price(
        D("0.15"), acct.positions["BTCUSDT"].entry, acct.wallet + eth_pnl, D(1), D("0.004")
    )
    assert expected is not None
    assert D(55_000) < expected < D(60_000)
    _run(ex)
    assert ex.positions("a") == []
    liquidation = [f for f in ex.fills["a"] if f.client_id.startswith("liquidation")]
    assert liquidation[0].symbol == "BTCUSDT"
    assert liquidation[0].price == Decimal(repr(float(expected)))


def test_step_when_cross_liquidation_price_went_stale_then_walk_liquidates_instead_of_hanging() -> (
    None
):
    # ETH falls to 2,700 inside candle 1 (no close yet), so BTC's liquidation price, last worked
    # out at ETH 3,000 (~53,608), is stale (~59,633 now) when BTC's walk reaches it.
    btc = _market(BTC, [(60_000.0,) * 4, (60_000.0, 60_000.0, 53_000.0, 53_500.0)])
    eth = _market(ETH, [(3_000.0,) * 4, (3_000.0, 3_400.0, 2_700.0, 2_750.0)])
    ex = SimExchange([btc, eth])
    ex.add_account("a", D(1_000))
    for symbol in ("BTCUSDT", "ETHUSDT"):
        ex.set_leverage("a", symbol, 20)
    _market_buy(ex, "a", "BTCUSDT", "0.15", "b1")
    _market_buy(ex, "a", "ETHUSDT", "3", "e1")
    acct = ex.accounts["a"]
    stale = liquidation_price(
        D("0.15"), acct.positions["BTCUSDT"].entry, acct.wallet, D(1), D("0.004")
    )
    assert stale is not None
    _run(ex)
    assert ex.positions("a") == []
    btc_fill, eth_fill = (f for f in ex.fills["a"] if f.client_id.startswith("liquidation"))
    # Already through its current liquidation price: closed where the walk found out.
    assert btc_fill.price == Decimal(repr(float(stale)))
    assert eth_fill.price == D("2700.0")


class _EagerLiquidation(SimExchange):
    """Reference: every refresh works each liquidation price out at once."""

    def _refresh_liq(self, acct: SimAccount) -> None:
        super()._refresh_liq(acct)
        for symbol in self.markets:
            self._liq_bounds(symbol)


def _walk_rows(seed: int, start: float, n: int) -> list[tuple[float, float, float, float]]:
    rng = np.random.default_rng(seed)
    rows, price = [], start
    for _ in range(n):
        o = price
        c = round(o * (1 + rng.normal(0, 0.01)), 1)
        h = round(max(o, c) * (1 + abs(rng.normal(0, 0.004))), 1)
        lo = round(min(o, c) * (1 - abs(rng.normal(0, 0.004))), 1)
        rows.append((o, h, lo, c))
        price = c
    return rows


def _replay(cls: type[SimExchange]) -> SimExchange:
    btc, eth = _walk_rows(1, 60_000.0, 300), _walk_rows(2, 3_000.0, 300)
    ex = cls([_market(BTC, btc), _market(ETH, eth)])
    books = [(20, "0.12", "-2.5"), (15, "-0.1", "2"), (25, "0.05", "1")]
    for i, (lev, btc_qty, eth_qty) in enumerate(books):
        name = f"a{i}"
        ex.add_account(name, D(1_000))
        for symbol, qty in (("BTCUSDT", btc_qty), ("ETHUSDT", eth_qty)):
            ex.set_leverage(name, symbol, lev)
            side = Side.BUY if D(qty) > 0 else Side.SELL
            ex.place(name, OrderRequest(symbol, side, OrderType.MARKET, abs(D(qty)), f"{symbol}"))
        ex.place(name, _limit("r", Side.BUY, "57000.0", "0.02"))
    _run(ex)
    return ex


def test_step_when_liquidation_prices_worked_out_late_then_replay_equals_eager_one() -> None:
    lazy, eager = _replay(SimExchange), _replay(_EagerLiquidation)
    liquidated = [f for fills in lazy.fills.values() for f in fills if f.client_id[:3] == "liq"]
    assert liquidated  # the paths do reach cross liquidation prices
    for name in lazy.accounts:
        assert lazy.fills[name] == eager.fills[name]
        assert lazy.accounts[name].wallet == eager.accounts[name].wallet
