"""Hand-computed cases for the compiled grid kernel (fill rule, fees, funding, stops)."""

import numpy as np
import pytest
from numpy.typing import NDArray

from gridarena.backtest import layout as k
from gridarena.backtest.params import GridParams
from gridarena.backtest.run import KernelRun, run_kernel

LEVELS = np.array([100.0, 110.0, 120.0, 130.0, 140.0])
ONE = np.ones(4)
MAKER = 0.0002
TAKER = 0.0005


def _run(
    rows: list[tuple[float, float, float, float]],
    levels: NDArray[np.float64] = LEVELS,
    qty: NDArray[np.float64] = ONE,
    *,
    funding: list[tuple[int, float]] | None = None,
    **kw: object,
) -> KernelRun:
    arr = np.array(rows, np.float64)
    ts = np.arange(len(rows), dtype=np.int64) * 60_000
    params = GridParams(**{"allocation": 1000.0, "maker_fee": MAKER, "taker_fee": TAKER, **kw})  # type: ignore[arg-type]
    f_ts = np.array([f[0] for f in funding], np.int64) if funding else None
    f_rate = np.array([f[1] for f in funding], np.float64) if funding else None
    return run_kernel(
        ts,
        np.ascontiguousarray(arr[:, 0]),
        np.ascontiguousarray(arr[:, 1]),
        np.ascontiguousarray(arr[:, 2]),
        np.ascontiguousarray(arr[:, 3]),
        levels,
        qty,
        params,
        funding_ts=f_ts,
        funding_rate=f_rate,
    )


def _fills(run: KernelRun) -> list[tuple[int, int, int, float, str]]:
    kinds = {0: "entry", 1: "exit", 2: "initial", 3: "close", 4: "liquidation"}

    def kind(f: NDArray[np.float64]) -> str:
        return kinds[int(f[k.F_KIND])]

    return [
        (int(f[k.F_CANDLE]), int(f[k.F_SLOT]), int(f[k.F_SIDE]), float(f[k.F_PRICE]), kind(f))
        for f in run.fills
    ]


def test_run_when_long_grid_round_trips_then_fills_fees_and_equity_match_hand_computation() -> None:
    # Start at 125: slot 3 (130→140) is marketable and bought at start; slots 0-2 rest buys.
    rows = [(125, 126, 124, 125), (125, 125, 115, 118), (118, 131, 117, 129)]
    run = _run(rows, direction="long")
    assert _fills(run) == [
        (0, 3, 1, 125.0, "initial"),
        (1, 2, 1, 120.0, "entry"),
        (2, 2, -1, 130.0, "exit"),
    ]
    fees = 125 * TAKER + 120 * MAKER + 130 * MAKER
    s = run.summary
    assert s.fees == pytest.approx(fees)
    assert s.round_trips == 1
    assert s.grid_profit == pytest.approx(10.0)
    # Average-cost ledger: 2 @ 122.5, sell 1 @ 130 realizes 7.5; 1 left @ 122.5 marked at 129.
    assert s.realized_pnl == pytest.approx(7.5)
    assert s.unrealized_pnl == pytest.approx(6.5)
    assert s.final_equity == pytest.approx(1000 - fees + 14.0)
    assert s.position == pytest.approx(1.0)


def test_run_when_short_grid_starts_then_marketable_slots_are_sold_at_open() -> None:
    # Short slots enter with a sell at L_{k+1}: at 125 slots 0 and 1 (sells at 110, 120) are
    # marketable, so the grid starts short 2 with buys resting at 100 and 110.
    run = _run([(125, 126, 124, 125), (125, 126, 109, 112)], direction="short")
    assert _fills(run) == [
        (0, 0, -1, 125.0, "initial"),
        (0, 1, -1, 125.0, "initial"),
        (1, 1, 1, 110.0, "exit"),
    ]
    assert run.summary.position == pytest.approx(-1.0)
    assert run.summary.realized_pnl == pytest.approx(15.0)


def test_run_when_neutral_grid_starts_then_no_position_and_both_sides_rest() -> None:
    # At 124 slots below the price are long (buys 100, 110) and above short (sells 130, 140):
    # the level nearest the price (120) carries no order, as on Binance's neutral grid.
    rows = [(124, 129, 121, 124), (124, 131, 123, 125), (125, 126, 119, 121)]
    run = _run(rows, direction="neutral")
    assert _fills(run) == [(1, 2, -1, 130.0, "entry"), (2, 2, 1, 120.0, "exit")]
    assert run.summary.position == 0.0
    assert run.summary.round_trips == 1
    assert _run(rows[:1], direction="neutral").summary.fills == 0


def test_run_when_low_equals_level_then_touch_fills_and_cross_does_not() -> None:
    rows = [(125, 126, 124, 125), (125, 125, 120, 122)]
    assert _run(rows, direction="long", fill_rule="touch").summary.fills == 2
    assert _run(rows, direction="long", fill_rule="cross").summary.fills == 1


def test_run_when_counter_order_is_reached_later_in_candle_then_it_fills_same_candle() -> None:
    # Low first (nearer), then high: buy 120 fills, its counter sell 130 fills on the way up.
    rows = [(125, 126, 124, 125), (124, 131, 119, 125)]
    run = _run(rows, direction="long", path="nearest")
    assert _fills(run)[1:] == [(1, 2, 1, 120.0, "entry"), (1, 2, -1, 130.0, "exit")]
    # Open → high → low → close: the high comes before the buy, so the counter order waits.
    run = _run(rows, direction="long", path="ohlc")
    assert [f[:5] for f in _fills(run)][1:] == [(1, 2, 1, 120.0, "entry")]


def test_run_when_funding_event_then_long_pays_mark_times_rate() -> None:
    rows = [(125, 126, 124, 125), (126, 127, 125, 126)]
    run = _run(rows, direction="long", funding=[(60_000, 0.001)])
    # Long 1 @ 125 pays 1 × 126 (open of the funding candle) × 0.001.
    assert run.summary.funding == pytest.approx(-0.126)
    assert run.summary.final_equity == pytest.approx(1000 - 125 * TAKER - 0.126 + 1.0)


def test_run_when_price_crashes_through_liquidation_then_position_closed_and_equity_zero() -> None:
    levels = np.array([90.0, 95.0, 100.0, 105.0])
    qty = np.array([10.0, 10.0, 10.0])
    # allocation 100 with 30 units bought down to 90: liquidation well above 80.
    run = _run(
        [(101, 101, 100, 100), (100, 100, 60, 61), (61, 62, 60, 61)],
        levels,
        qty,
        allocation=100.0,
        direction="long",
        maintenance_margin=0.01,
    )
    s = run.summary
    assert s.stop_reason == "liquidated"
    assert s.stop_candle == 1
    assert s.final_equity == 0.0
    assert s.position == 0.0
    liq = [f for f in run.fills if f[k.F_KIND] == k.KIND_LIQUIDATION]
    assert len(liq) == 1
    # Equity(P) = wallet + 30·(P − avg) hits 1 % of 30·P at the liquidation price.
    # It fires between 95 and 90, so the 90 buy never fills.
    buys = run.fills[run.fills[:, k.F_KIND] == k.KIND_ENTRY]
    assert buys[:, k.F_PRICE].tolist() == [100.0, 95.0]
    pos = buys[:, k.F_QTY].sum()
    avg = (buys[:, k.F_PRICE] * buys[:, k.F_QTY]).sum() / pos
    wallet = buys[-1, k.F_WALLET_AFTER]
    expected = (pos * avg - wallet) / (pos * (1 - 0.01))
    assert liq[0][k.F_PRICE] == pytest.approx(expected)


def test_run_when_stop_loss_price_reached_then_closes_at_market_with_slippage() -> None:
    # Long 1 @ 125 (slot 3), buy 120 fills → 2 @ 122.5; SL at equity 1000·(1−0.01) = 990.
    run = _run(
        [(125, 126, 124, 125), (125, 125, 100, 101)],
        direction="long",
        sl_pct=0.01,
        slippage=0.001,
    )
    s = run.summary
    assert s.stop_reason == "stop_loss"
    close = run.fills[-1]
    assert close[k.F_KIND] == k.KIND_CLOSE
    # Buys at 120 and 110 fill first; then the SL price is above the price → it fires at once.
    assert s.position == 0.0
    assert s.final_equity < 1000 * 0.99 + 1.0
    assert close[k.F_SIDE] == -1


def test_run_when_take_profit_reached_then_stops_and_flattens() -> None:
    run = _run([(125, 126, 124, 125), (125, 200, 124, 190)], direction="long", tp_pct=0.01)
    assert run.summary.stop_reason == "take_profit"
    assert run.summary.position == 0.0
    assert run.summary.final_equity >= 1000 * 1.01 - 1.0


def test_run_when_range_exit_stop_and_close_then_orders_cancelled_and_flat() -> None:
    run = _run(
        [(125, 126, 124, 125), (125, 150, 124, 150), (150, 150, 80, 80)],
        direction="long",
        range_exit="stop_and_close",
    )
    assert run.summary.stop_reason == "range_exit"
    assert run.summary.stop_candle == 1
    assert run.summary.position == 0.0
    # Nothing fills after the stop even though candle 2 crosses every buy level.
    assert all(f[k.F_CANDLE] <= 1 for f in run.fills)


def test_run_when_stop_bottom_touched_then_stops() -> None:
    run = _run([(125, 126, 124, 125), (125, 125, 104, 104)], direction="long", stop_bottom=105.0)
    assert run.summary.stop_reason == "stop_bottom"
    assert run.summary.position == 0.0


def test_run_when_trigger_price_not_reached_then_grid_never_starts() -> None:
    run = _run([(125, 126, 124, 125), (125, 127, 121, 122)], direction="long", trigger_price=115.0)
    assert run.summary.fills == 0
    assert run.summary.start_candle == -1


def test_run_when_trigger_price_reached_then_grid_starts_there() -> None:
    run = _run([(125, 126, 124, 125), (125, 125, 114, 116)], direction="long", trigger_price=115.0)
    assert run.summary.start_candle == 1
    # Started at 115: slots 2 and 3 (buys at 120, 130) are marketable, entered at 115.
    initial = [f for f in _fills(run) if f[4] == "initial"]
    assert [(f[1], f[3]) for f in initial] == [(2, 115.0), (3, 115.0)]


def test_run_when_trailing_up_and_price_leaves_top_then_grid_shifts_up() -> None:
    run = _run(
        [(125, 126, 124, 125), (125, 155, 124, 155)],
        direction="long",
        trailing_up=True,
    )
    assert run.summary.trailing_shifts == 2  # above 140 → top 150, above 150 → top 160
    assert run.levels.tolist() == [120.0, 130.0, 140.0, 150.0, 160.0]
    assert run.summary.stop_reason == "none"


def test_run_when_maker_first_entry_then_initial_entry_pays_maker_fee() -> None:
    run = _run([(125, 126, 124, 125)], direction="long", entry_maker=True)
    assert run.summary.fees == pytest.approx(125 * MAKER)
    assert run.summary.maker_fills == 1


def test_run_when_fill_buffer_overflows_then_run_repeats_with_room_for_all() -> None:
    rows = [(125, 126, 124, 125)] + [(125, 131, 119, 125)] * 50
    arr = np.array(rows, np.float64)
    ts = np.arange(len(rows), dtype=np.int64)
    run = run_kernel(
        ts,
        arr[:, 0].copy(),
        arr[:, 1].copy(),
        arr[:, 2].copy(),
        arr[:, 3].copy(),
        LEVELS,
        ONE,
        GridParams(allocation=1000.0, direction="long"),
        fill_capacity=4,
    )
    assert run.fills.shape[0] == run.summary.fills > 4
