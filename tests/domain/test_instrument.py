from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gridarena.domain.instrument import (
    INSTRUMENTS,
    FilterViolation,
    Instrument,
    instrument_for,
    normalize_symbol,
)

BTC = INSTRUMENTS["BTCUSDT"]

TICKS = [Decimal(t) for t in ("0.1", "0.10", "0.01", "0.25", "0.00001", "0.5", "1", "5")]
STEPS = [Decimal(s) for s in ("0.001", "0.01", "0.1", "1", "5", "0.00000001")]
positive_numbers = st.one_of(
    st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=Decimal("1e-8"), max_value=Decimal("1e9"), allow_nan=False, places=9),
    st.integers(min_value=1, max_value=10**9),
)


def _instrument(tick: Decimal, step: Decimal) -> Instrument:
    return Instrument("TEST", tick, step, min_qty=step, min_notional=Decimal(5), max_qty=None)


@given(
    price=positive_numbers,
    tick=st.sampled_from(TICKS),
    mode=st.sampled_from(["nearest", "down", "up"]),
)
def test_round_price_when_positive_input_then_positive_tick_multiple_near_input(
    price: float | Decimal | int, tick: Decimal, mode: str
) -> None:
    inst = _instrument(tick, Decimal("0.001"))
    exact = Decimal(repr(price)) if isinstance(price, float) else Decimal(price)
    assume(exact >= tick)
    rounded = inst.round_price(price, mode)  # type: ignore[arg-type]
    assert rounded > 0
    assert rounded % tick == 0
    assert abs(rounded - exact) <= (tick / 2 if mode == "nearest" else tick)
    if mode == "down":
        assert rounded <= exact
    if mode == "up":
        assert rounded >= exact


@given(qty=positive_numbers, step=st.sampled_from(STEPS))
def test_round_qty_when_positive_input_then_step_multiple_not_above_input(
    qty: float | Decimal | int, step: Decimal
) -> None:
    inst = _instrument(Decimal("0.01"), step)
    exact = Decimal(repr(qty)) if isinstance(qty, float) else Decimal(qty)
    rounded = inst.round_qty(qty)
    assert rounded % step == 0
    assert Decimal(0) <= rounded <= exact
    assert exact - rounded < step


@given(
    price=positive_numbers,
    qty=positive_numbers,
    tick=st.sampled_from(TICKS),
    step=st.sampled_from(STEPS),
)
def test_check_when_rounded_and_notional_allows_then_passes(
    price: float | Decimal | int, qty: float | Decimal | int, tick: Decimal, step: Decimal
) -> None:
    inst = _instrument(tick, step)
    exact_price = Decimal(repr(price)) if isinstance(price, float) else Decimal(price)
    assume(exact_price >= tick)
    p, q = inst.round_price(price), inst.round_qty(qty)  # type: ignore[arg-type]
    assume(q >= inst.min_qty and p * q >= inst.min_notional)
    inst.check(p, q)


def test_round_price_when_float_input_then_uses_repr_not_binary_expansion() -> None:
    # Decimal(0.15) is 0.1499999…, which would round half-up to 0.1 instead of 0.2.
    inst = _instrument(Decimal("0.1"), Decimal("0.001"))
    assert inst.round_price(0.15) == Decimal("0.2")
    assert BTC.round_price(60000.05, "down") == Decimal("60000.0")
    assert BTC.round_price("60000.01", "up") == Decimal("60000.1")


def test_round_price_when_below_half_tick_then_price_filter() -> None:
    with pytest.raises(FilterViolation) as err:
        BTC.round_price("0.04")
    assert err.value.code == "PRICE_FILTER"


@pytest.mark.parametrize("price", [0, -1, "-0.1"])
def test_round_price_when_not_positive_then_price_filter(price: int | str) -> None:
    with pytest.raises(FilterViolation, match="PRICE_FILTER"):
        BTC.round_price(price)


def test_round_qty_when_below_step_or_negative_then_zero() -> None:
    assert BTC.round_qty("0.0009") == 0
    assert BTC.round_qty(-1) == 0
    assert BTC.round_qty(0.0029999) == Decimal("0.002")


@pytest.mark.parametrize(
    ("price", "qty", "code"),
    [
        ("60000.05", "0.002", "PRICE_FILTER"),
        ("0", "0.002", "PRICE_FILTER"),
        ("60000.1", "0.0015", "LOT_SIZE"),
        ("60000.1", "0", "LOT_SIZE"),
        ("60000.1", "1000.001", "MAX_QTY"),
        ("60000.1", "0.001", "MIN_NOTIONAL"),
    ],
)
def test_check_when_filter_broken_then_raises_venue_code(price: str, qty: str, code: str) -> None:
    with pytest.raises(FilterViolation) as err:
        BTC.check(price, qty)
    assert err.value.code == code
    assert code in str(err.value)


def test_check_when_below_min_qty_then_lot_size() -> None:
    inst = Instrument("X", Decimal("0.01"), Decimal("0.1"), Decimal("1"), Decimal(0))
    with pytest.raises(FilterViolation, match="LOT_SIZE"):
        inst.check("10", "0.5")


def test_check_when_valid_btc_order_then_passes() -> None:
    BTC.check(Decimal("60000.1"), Decimal("0.002"))
    BTC.check(60000.1, 0.002)


def test_notional_when_cme_micro_then_includes_contract_multiplier() -> None:
    mes = INSTRUMENTS["MES"]
    assert mes.notional("5000.25", 2) == Decimal("50002.50")
    assert (mes.tick_size, mes.contract_multiplier) == (Decimal("0.25"), Decimal(5))
    assert INSTRUMENTS["MNQ"].contract_multiplier == Decimal(2)
    mes.check("5000.25", 1)


def test_presets_when_binance_usdm_then_documented_filters() -> None:
    assert (BTC.tick_size, BTC.step_size, BTC.min_notional) == (
        Decimal("0.10"),
        Decimal("0.001"),
        Decimal(100),
    )
    eth = INSTRUMENTS["ETHUSDT"]
    assert (eth.tick_size, eth.step_size, eth.min_notional) == (
        Decimal("0.01"),
        Decimal("0.001"),
        Decimal(20),
    )
    expected = {"SOL", "BNB", "XRP", "ADA", "LINK", "LTC", "AVAX", "DOGE"}
    assert {f"{s}USDT" for s in expected} <= INSTRUMENTS.keys()


@pytest.mark.parametrize("raw", ["BTCUSDT", "btcusdt", "BTC/USDT:USDT", "BTC-USDT", "BTCUSDT_PERP"])
def test_instrument_for_when_preset_spelling_then_preset(raw: str) -> None:
    assert normalize_symbol(raw) == "BTCUSDT"
    assert instrument_for(raw) is BTC


@pytest.mark.parametrize(
    ("price", "tick"),
    [(60000.0, Decimal("0.1")), (3000.0, Decimal("0.01")), (0.123, Decimal("0.000001"))],
)
def test_instrument_for_when_unknown_symbol_then_infers_power_of_ten_tick(
    price: float, tick: Decimal
) -> None:
    inst = instrument_for("FOOUSDT", reference_price=price)
    assert inst.symbol == "FOOUSDT"
    assert inst.tick_size == tick
    step_value = inst.step_size * Decimal(repr(price))
    assert Decimal("0.1") < step_value <= 1
    inst.check(inst.round_price(price), inst.round_qty(100 / price))


def test_instrument_for_when_unknown_symbol_without_price_then_raises() -> None:
    with pytest.raises(ValueError, match="reference_price"):
        instrument_for("FOOUSDT")


@pytest.mark.parametrize("field", ["tick_size", "step_size", "contract_multiplier"])
def test_instrument_when_non_positive_filter_then_raises(field: str) -> None:
    kwargs = {
        "symbol": "X",
        "tick_size": Decimal("0.1"),
        "step_size": Decimal("0.1"),
        "min_qty": Decimal("0.1"),
        "min_notional": Decimal(0),
        field: Decimal(0),
    }
    with pytest.raises(ValueError, match=field):
        Instrument(**kwargs)  # type: ignore[arg-type]
