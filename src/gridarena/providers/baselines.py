"""Action baselines: an indicator voter, buy-and-hold, and a seeded random trader.

They give the arena's LLMs something honest to beat: a rule that reads the same MACD, RSI
and KDJ the prompt shows, the passive benchmark, and chance.
"""

from __future__ import annotations

import random
from decimal import ROUND_FLOOR, Decimal
from typing import Final

from gridarena.engine.clock import Clock
from gridarena.providers.rule_base import (
    RuleProvider,
    allocation,
    hold_decision,
    to_dec,
    trade_leverage,
)
from gridarena.providers.types import (
    Action,
    ActionDecision,
    ActionName,
    Decision,
    DecisionContext,
)

__all__ = ["BuyAndHoldProvider", "IndicatorVoterProvider", "RandomProvider"]

_PCT_STEP: Final = Decimal("0.0001")
_OPENS: Final[tuple[ActionName, ...]] = ("BUY", "SELL")
_TP_ATR: Final = 2.0
_SL_ATR: Final = 1.5


def _size_pct(ctx: DecisionContext, pct: Decimal | None) -> Decimal:
    """Return the share of balance to commit, within the rules and the available margin."""
    balance = ctx.account.balance
    if balance <= 0:
        return Decimal(0)
    return (allocation(ctx, pct) / balance).quantize(_PCT_STEP, rounding=ROUND_FLOOR)


class IndicatorVoterProvider(RuleProvider):
    """Vote MACD, RSI and KDJ into BUY, SELL, CLOSE or HOLD; confidence = |votes| / 3.

    MACD votes with its histogram's sign; RSI and KDJ vote against extremes (oversold
    buys, overbought sells), and a KDJ golden or death cross outranks its state. A
    position against the vote is closed; a flat account opens when the net vote reaches
    ``threshold``; take profit and stop loss sit 2 and 1.5 ATR away when ATR is known.
    """

    def __init__(
        self,
        name: str,
        *,
        threshold: int = 2,
        size_pct: Decimal | None = None,
        leverage: Decimal | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(name, clock=clock)
        self._threshold = threshold
        self._size_pct = size_pct
        self._leverage = leverage

    def describe(self) -> str:
        """Return the rule and its parameters."""
        return (
            f"rule=indicator_voter threshold={self._threshold} size_pct={self._size_pct} "
            f"leverage={self._leverage}"
        )

    @staticmethod
    def votes(ctx: DecisionContext) -> tuple[int, int, int]:
        """Return the (MACD, RSI, KDJ) votes, each -1, 0 or +1."""
        i = ctx.snapshot.indicators
        macd = 0
        if i.macd_hist is not None and i.macd_hist != 0:
            macd = 1 if i.macd_hist > 0 else -1
        elif i.macd_trend != "NEUTRAL":
            macd = 1 if i.macd_trend == "BULLISH" else -1
        rsi = {"OVERSOLD": 1, "OVERBOUGHT": -1}.get(i.rsi_state, 0)
        kdj = {"GOLDEN": 1, "DEATH": -1}.get(i.kdj_cross, 0)
        if kdj == 0:
            kdj = {"OVERSOLD": 1, "OVERBOUGHT": -1}.get(i.kdj_state, 0)
        return macd, rsi, kdj

    def _decide(self, ctx: DecisionContext) -> Decision:
        score = sum(self.votes(ctx))
        confidence = abs(score) / 3
        position = ctx.account.position(ctx.symbol)
        allowed = ctx.rules.allowed_actions
        why = f"MACD/RSI/KDJ votes net {score:+d}"
        if position is not None:
            against = (position.qty > 0 and score < 0) or (position.qty < 0 and score > 0)
            if against and "CLOSE" in allowed:
                return self._action(ctx, "CLOSE", confidence, why)
            return hold_decision(ctx, why)
        name: ActionName | None = None
        if score >= self._threshold:
            name = "BUY"
        elif score <= -self._threshold:
            name = "SELL"
        if name is None or name not in allowed:
            return hold_decision(ctx, why)
        size = _size_pct(ctx, self._size_pct)
        if size <= 0:
            return hold_decision(ctx, why + "; no margin available")
        return self._action(ctx, name, confidence, why, size=size)

    def _action(
        self,
        ctx: DecisionContext,
        name: ActionName,
        confidence: float,
        why: str,
        *,
        size: Decimal | None = None,
    ) -> ActionDecision:
        tp = sl = None
        atr, price = ctx.snapshot.indicators.atr, ctx.snapshot.price
        if name in ("BUY", "SELL") and atr is not None and atr > 0:
            sign = 1.0 if name == "BUY" else -1.0
            tp_price = price + sign * _TP_ATR * atr
            sl_price = price - sign * _SL_ATR * atr
            # Exits strictly on the right side of the price (ATR may vanish in float).
            sided = sign * (tp_price - price) > 0 and sign * (price - sl_price) > 0
            if sided and min(tp_price, sl_price) > 0:
                tp, sl = to_dec(tp_price), to_dec(sl_price)
        action = Action(
            action=name,
            symbol=ctx.symbol,
            size_pct=size,
            leverage=trade_leverage(ctx, self._leverage) if size is not None else None,
            take_profit=tp,
            stop_loss=sl,
            confidence=confidence,
            reasoning=why,
        )
        return ActionDecision(action=action)


class BuyAndHoldProvider(RuleProvider):
    """BUY once per symbol when flat, then HOLD forever (the passive benchmark)."""

    def __init__(
        self,
        name: str,
        *,
        size_pct: Decimal | None = None,
        leverage: Decimal | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(name, clock=clock)
        self._size_pct = size_pct
        self._leverage = leverage
        self._bought: set[str] = set()

    def describe(self) -> str:
        """Return the rule and its parameters."""
        return f"rule=buy_and_hold size_pct={self._size_pct} leverage={self._leverage}"

    def _decide(self, ctx: DecisionContext) -> Decision:
        symbol = ctx.symbol
        if symbol in self._bought or ctx.account.position(symbol) is not None:
            self._bought.add(symbol)
            return hold_decision(ctx, "holding")
        if "BUY" not in ctx.rules.allowed_actions:
            return hold_decision(ctx, "BUY is not allowed")
        size = _size_pct(ctx, self._size_pct)
        if size <= 0:
            return hold_decision(ctx, "no margin available")
        self._bought.add(symbol)
        action = Action(
            action="BUY",
            symbol=symbol,
            size_pct=size,
            leverage=trade_leverage(ctx, self._leverage),
            confidence=1.0,
            reasoning="buy and hold",
        )
        return ActionDecision(action=action)


class RandomProvider(RuleProvider):
    """Pick a random action that is valid under the rules (seeded ``random.Random``)."""

    def __init__(self, name: str, *, seed: int = 0, clock: Clock | None = None) -> None:
        super().__init__(name, clock=clock)
        self._seed = seed
        self._rng = random.Random(seed)

    def describe(self) -> str:
        """Return the rule and its parameters."""
        return f"rule=random seed={self._seed}"

    def _choices(self, ctx: DecisionContext, max_size: Decimal) -> list[ActionName]:
        allowed = ctx.rules.allowed_actions
        choices: list[ActionName] = ["HOLD"]
        if max_size > 0:
            choices += [n for n in _OPENS if n in allowed]
        if "CLOSE" in allowed and ctx.account.position(ctx.symbol) is not None:
            choices.append("CLOSE")
        return choices

    def _decide(self, ctx: DecisionContext) -> Decision:
        rng, rules = self._rng, ctx.rules
        max_size = _size_pct(ctx, None)
        name = rng.choice(self._choices(ctx, max_size))
        confidence = round(rng.random(), 2)
        if name == "HOLD":
            return ActionDecision(
                action=Action(action="HOLD", symbol=ctx.symbol, confidence=confidence)
            )
        if name == "CLOSE":
            part = Decimal(rng.randint(1, 100)) / 100
            return ActionDecision(
                action=Action(
                    action="CLOSE", symbol=ctx.symbol, size_pct=part, confidence=confidence
                )
            )
        steps = int(max_size / _PCT_STEP)
        size = _PCT_STEP * rng.randint(1, steps)
        span = rules.max_leverage - rules.min_leverage
        leverage = rules.min_leverage + (span * Decimal(rng.randint(0, 100)) / 100)
        tp = sl = None
        if rng.random() < 0.5:
            price = to_dec(ctx.snapshot.price)
            up = 1 + Decimal(rng.randint(10, 500)) / 10_000
            down = 1 - Decimal(rng.randint(10, 500)) / 10_000
            tp, sl = (price * up, price * down) if name == "BUY" else (price * down, price * up)
        action = Action(
            action=name,
            symbol=ctx.symbol,
            size_pct=size,
            leverage=leverage,
            take_profit=tp,
            stop_loss=sl,
            confidence=confidence,
            reasoning="random baseline",
        )
        return ActionDecision(action=action)
