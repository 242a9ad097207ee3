"""The decision prompt, modelled on seed 001's: market, indicators, depth, account, rules.

The text is a pure function of the context (no clock, no dict order, fixed number
formats), so the same context always gives the same prompt and the prompt can be hashed,
stored and replayed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from gridarena.providers.types import MAX_REASONING, DecisionContext, Rules

__all__ = ["Prompt", "build_prompt", "example_reply"]

_CLOSES_SHOWN: Final = 10
_ACTION_HELP: Final = {
    "BUY": "BUY: open a long position with size_pct and leverage",
    "SELL": "SELL: open a short position with size_pct and leverage",
    "CLOSE": "CLOSE: close the open position (size_pct = fraction to close, null = all)",
    "HOLD": "HOLD: wait for a better opportunity",
}


@dataclass(frozen=True, slots=True)
class Prompt:
    """A system message and a user message; ``text`` is what gets stored."""

    system: str
    user: str

    @property
    def text(self) -> str:
        """Return both messages as one text."""
        return f"{self.system}\n\n{self.user}"


def _num(value: float | Decimal | None, digits: int = 10) -> str:
    if value is None:
        return "n/a"
    return f"{float(value):.{digits}g}"


def _signed(value: float, digits: int = 6) -> str:
    return f"{value:+.{digits}g}"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def example_reply(ctx: DecisionContext) -> str:
    """Return the JSON example shown to the model (a valid-looking BUY)."""
    rules = ctx.rules
    example = {
        "action": "BUY",
        "symbol": ctx.symbol,
        "size_pct": float(min(Decimal("0.10"), rules.max_position_pct)),
        "leverage": float(rules.min_leverage),
        "take_profit": None,
        "stop_loss": None,
        "confidence": 0.6,
        "reasoning": "MACD turned bullish and RSI is neutral.",
    }
    return json.dumps(example)


def _market(ctx: DecisionContext) -> list[str]:
    s = ctx.snapshot
    st = s.stats
    when = datetime.fromtimestamp(ctx.now_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"=== MARKET DATA: {s.symbol} ===",
        f"Time: {when}",
        f"Current price: {_num(s.price)}",
    ]
    if s.bid is not None or s.ask is not None:
        lines.append(f"Best bid / ask: {_num(s.bid)} / {_num(s.ask)}")
    minutes = _num(st.window_s / 60, 4)
    lines += [
        f"{minutes}-minute price change: {_signed(st.change_pct, 4)}% "
        f"({_signed(st.change_abs)}), high {_num(st.high)}, low {_num(st.low)}, "
        f"volatility {_num(st.volatility, 4)}, trend {st.trend}",
    ]
    if s.closes:
        tail = ", ".join(_num(c) for c in s.closes[-_CLOSES_SHOWN:])
        lines.append(f"Last closes (oldest first): {tail}")
    return lines


def _indicators(ctx: DecisionContext) -> list[str]:
    i = ctx.snapshot.indicators
    lines = [
        "=== TECHNICAL INDICATORS ===",
        f"MACD: macd {_num(i.macd, 6)}, signal {_num(i.macd_signal, 6)}, "
        f"histogram {_num(i.macd_hist, 6)}, trend {i.macd_trend}",
        f"KDJ: K {_num(i.kdj_k, 4)}, D {_num(i.kdj_d, 4)}, J {_num(i.kdj_j, 4)}, "
        f"state {i.kdj_state}, cross {i.kdj_cross}",
        f"RSI: {_num(i.rsi, 4)} ({i.rsi_state})",
        f"EMA fast / slow: {_num(i.ema_fast)} / {_num(i.ema_slow)}",
        f"ATR: {_num(i.atr, 6)}; realized volatility: {_num(i.realized_vol, 4)}",
        f"Overall trend: {i.trend}",
    ]
    d = ctx.snapshot.depth
    lines += ["", "=== ORDER BOOK DEPTH ==="]
    if d is None:
        lines.append("Depth: n/a")
    else:
        scope = f"within {_num(d.bps, 4)} bps" if d.bps is not None else f"top {d.levels} levels"
        lines.append(
            f"Depth {scope}: bid volume {_num(d.bid_volume)}, ask volume {_num(d.ask_volume)}, "
            f"bid/ask ratio {_num(d.ratio, 4)}, pressure {d.pressure}"
        )
    return lines


def _account(ctx: DecisionContext) -> list[str]:
    a = ctx.account
    lines = [
        "=== ACCOUNT STATUS ===",
        f"Balance: {_money(a.balance)} USDT; equity: {_money(a.equity)} USDT; "
        f"available: {_money(a.available)} USDT",
        f"Realized PnL: {_money(a.realized_pnl)} USDT; unrealized PnL: "
        f"{_money(a.unrealized_pnl)} USDT",
    ]
    positions = sorted(a.positions, key=lambda p: p.symbol)
    open_positions = [p for p in positions if p.qty != 0]
    if not open_positions:
        lines.append("Open positions: none")
    for p in open_positions:
        side = "LONG" if p.qty > 0 else "SHORT"
        lines.append(
            f"Position {p.symbol}: {side} {abs(p.qty):f} @ {p.entry_price:f}, "
            f"{p.leverage:f}x, unrealized PnL {_money(p.unrealized_pnl)} USDT"
        )
    return lines


def _rules(rules: Rules) -> list[str]:
    pct = f"{rules.max_position_pct * 100:f}".rstrip("0").rstrip(".")
    lines = [
        "=== TRADING RULES ===",
        f"- Tradable symbols: {', '.join(rules.symbols)}",
        f"- Maximum position size: {pct}% of total balance per trade "
        f"(size_pct at most {rules.max_position_pct})",
        f"- Leverage range: {rules.min_leverage}x to {rules.max_leverage}x",
        "- Multiple positions are allowed across different symbols",
        "- Allowed actions:",
    ]
    lines += [f"  - {_ACTION_HELP[name]}" for name in rules.allowed_actions]
    if rules.allow_grid:
        lines.append(
            "  - GRID: run a grid; put its settings in 'grid' (spacing, lower, upper, grids, "
            "base_allocation in USDT, leverage), with level spacing above twice the maker fee "
            f"({rules.maker_fee})"
        )
    return lines


def build_prompt(ctx: DecisionContext, *, provider_name: str = "trader") -> Prompt:
    """Return the decision prompt for ``ctx`` (deterministic: same context, same text)."""
    system = (
        f"You are {provider_name}, an autonomous crypto futures trader competing in an arena. "
        "You decide for one symbol at a time, using the market data, indicators, order book "
        "depth and your account shown to you. Respect the trading rules exactly. "
        "Answer with exactly one JSON object and nothing else."
    )
    sections = [
        _market(ctx),
        _indicators(ctx),
        _account(ctx),
        _rules(ctx.rules),
        [
            "=== RESPONSE FORMAT ===",
            f"Decide for {ctx.symbol}. Reply with one JSON object with the keys action, "
            "symbol, size_pct, leverage, take_profit, stop_loss, confidence (0 to 1) and "
            f"reasoning (at most {MAX_REASONING} characters), for example:",
            example_reply(ctx),
        ],
    ]
    return Prompt(system=system, user="\n\n".join("\n".join(s) for s in sections))
