"""The decision prompt carries seed 001's items and is a pure function of the context."""

from __future__ import annotations

from decimal import Decimal

from provider_snapshots import SYMBOLS, make_account, make_context, make_snapshot, real_snapshots

from gridarena.providers import PositionSummary, Rules, build_prompt, decision_schema


def test_build_when_context_given_then_seed_items_present() -> None:
    long = PositionSummary(
        symbol="ETHUSDT",
        qty=Decimal("0.5"),
        entry_price=Decimal(2_950),
        unrealized_pnl=Decimal("12.5"),
        leverage=Decimal(5),
    )
    ctx = make_context(account=make_account(positions=[long]))

    text = build_prompt(ctx, provider_name="chatgpt").text

    for item in (
        "You are chatgpt",
        "=== MARKET DATA: BTCUSDT ===",
        "Current price: 60000",
        "3-minute price change: +0.25%",
        "trend BULLISH",
        "MACD: macd 12.5, signal 7.5, histogram 5",
        "KDJ: K 61, D 55, J 73, state NEUTRAL, cross NONE",
        "RSI: 55 (NEUTRAL)",
        "ATR: 120",
        "bid volume 30, ask volume 20, bid/ask ratio 1.5, pressure BUYING",
        "Balance: 500.00 USDT",
        "Realized PnL: -0.07 USDT",
        "Position ETHUSDT: LONG 0.5 @ 2950, 5x, unrealized PnL 12.50 USDT",
        "Tradable symbols: BTCUSDT, ETHUSDT, BNBUSDT, SOLUSDT, XRPUSDT",
        "Maximum position size: 20% of total balance per trade",
        "Leverage range: 3x to 10x",
        "Multiple positions are allowed",
        "BUY: open a long position",
        "SELL: open a short position",
        "CLOSE: close the open position",
        "HOLD: wait",
        "GRID: run a grid",
        '"action": "BUY"',
    ):
        assert item in text, item


def test_build_when_same_context_then_same_text() -> None:
    ctx = make_context(real_snapshots(2)[1])
    a = PositionSummary(symbol="SOLUSDT", qty=Decimal(-3), entry_price=Decimal(150))
    b = PositionSummary(symbol="BNBUSDT", qty=Decimal(1), entry_price=Decimal(600))

    first = build_prompt(ctx.model_copy(update={"account": make_account(positions=[a, b])}))
    second = build_prompt(ctx.model_copy(update={"account": make_account(positions=[b, a])}))

    assert first == second
    assert first == build_prompt(ctx.model_copy(update={"account": make_account(positions=[a, b])}))


def test_build_when_rules_narrowed_then_prompt_and_schema_follow() -> None:
    rules = Rules(
        symbols=("BTCUSDT",),
        max_position_pct=Decimal("0.15"),
        min_leverage=Decimal(2),
        max_leverage=Decimal(5),
        allowed_actions=("BUY", "HOLD"),
        allow_grid=False,
    )
    ctx = make_context(rules=rules)

    text = build_prompt(ctx).text
    schema = decision_schema(rules)

    assert "Maximum position size: 15% of total balance per trade" in text
    assert "Leverage range: 2x to 5x" in text
    assert "SELL:" not in text
    assert "GRID" not in text
    assert schema["properties"]["action"]["enum"] == ["BUY", "HOLD"]
    assert "grid" not in schema["properties"]
    assert schema["properties"]["size_pct"]["maximum"] == 0.15


def test_build_when_indicators_warming_up_then_na_shown() -> None:
    snapshot = make_snapshot(atr=None, macd_hist=None, rsi=None)

    text = build_prompt(make_context(snapshot)).text

    assert "RSI: n/a" in text
    assert "ATR: n/a" in text


def test_build_when_depth_missing_then_said_so() -> None:
    snapshot = make_snapshot().model_copy(update={"depth": None})

    text = build_prompt(make_context(snapshot)).text

    assert "Depth: n/a" in text


def test_schema_when_default_rules_then_grid_and_band_present() -> None:
    schema = decision_schema(Rules(symbols=SYMBOLS))

    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["leverage"]["minimum"] == 3.0
    assert schema["properties"]["grid"]["properties"]["spacing"]["enum"][0] == "arithmetic"
