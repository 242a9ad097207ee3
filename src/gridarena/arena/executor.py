"""Turn a provider's decision into orders: grids become grid sessions, actions market orders.

Every order goes through the supervisor's risk gate (source LLM for provider actions, GRID
for grid sessions); a refusal is counted by reason and the arena goes on. A grid decision
keeps a running grid on the same symbol while the price stays inside its range, and replaces
it (flattening the old one) once the price has left it. BUY/SELL size is ``size_pct`` of the
available balance as margin at the decision's leverage; TP/SL are watched on candle closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gridarena.backtest.runner import BacktestConfig, PreparedGrid, prepare
from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side, Spacing
from gridarena.engine.session import GridSession, SessionStatus
from gridarena.execution.gateway import DirectGateway
from gridarena.execution.risk_gateway import RiskGateway, RiskRefused
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles
from gridarena.providers.types import Action, ActionDecision, Decision, GridDecision
from gridarena.risk import OrderSource
from gridarena.venues.errors import PermanentVenueError
from gridarena.venues.sim.venue import SimVenue

if TYPE_CHECKING:
    from gridarena.engine.paper import PaperEngine
    from gridarena.engine.supervisor import RiskSupervisor

__all__ = ["Executed", "Executor", "grid_candles"]


@dataclass(frozen=True, slots=True)
class Executed:
    """What became of one decision: ``status`` and, when refused, the reason codes."""

    status: str  # placed | grid_started | grid_kept | held | refused | failed
    reasons: tuple[str, ...] = ()
    detail: str = ""


@dataclass
class _Exit:
    take_profit: Decimal | None
    stop_loss: Decimal | None


def grid_candles(candles: Candles, index: int, price: float, spec: GridSpec) -> Candles:
    """Return the candles a grid started now is prepared from: closed bars, then "now".

    ``prepare`` starts a grid at the first open after the ATR warm-up; a last one-bar candle at
    the current price makes that the present, so nothing after ``index`` is ever read.
    """
    warm = spec.atr_period + 1 if spec.spacing is Spacing.ATR or spec.risk_per_level else 0
    lo = max(0, index + 1 - warm)
    past = candles.slice(lo, index + 1) if warm else candles.slice(0, 0)
    step = candles.timeframe_ms
    ts = int(candles.ts_ms[index]) + step

    def col(a: NDArray[np.float64], value: float) -> NDArray[np.float64]:
        return np.append(a, value)

    return Candles(
        symbol=candles.symbol,
        timeframe_ms=step,
        ts_ms=np.append(past.ts_ms, ts),
        open=col(past.open, price),
        high=col(past.high, price),
        low=col(past.low, price),
        close=col(past.close, price),
        volume=col(past.volume, 0.0),
    )


class Executor:
    """Carry out decisions for every provider account of one arena."""

    def __init__(
        self,
        engine: PaperEngine,
        supervisor: RiskSupervisor,
        candles: dict[str, Candles],
        *,
        config: BacktestConfig,
        season: str,
    ) -> None:
        self.engine = engine
        self.supervisor = supervisor
        self.candles = candles
        self.config = config
        self.season = season
        self.grids: dict[tuple[str, str], GridSession] = {}
        self.exits: dict[tuple[str, str], _Exit] = {}
        # One gate per account and leverage: it caches the venue's instruments.
        self._gates: dict[tuple[str, Decimal], RiskGateway] = {}
        self._seq = 0

    def _venue(self, account: str) -> SimVenue:
        return SimVenue(self.engine.exchange, account)

    def _next(self, prefix: str, account: str) -> str:
        self._seq += 1
        return f"ga-{prefix}-{account[:10]}-{self.season[-6:]}-{self._seq}"

    async def execute(self, account: str, decision: Decision, index: int) -> Executed:
        """Carry out ``decision`` for ``account`` after candle ``index`` closed."""
        try:
            if isinstance(decision, GridDecision):
                return await self._grid(account, decision.spec, index)
            assert isinstance(decision, ActionDecision)
            return await self._action(account, decision.action)
        except RiskRefused as exc:
            return Executed("refused", tuple(code.value for code in exc.reason_codes), str(exc))
        except (PermanentVenueError, ValueError) as exc:
            return Executed("failed", (getattr(exc, "code", "INVALID"),), str(exc)[:300])

    # --- grids -------------------------------------------------------------------------------
    async def _grid(self, account: str, spec: GridSpec, index: int) -> Executed:
        symbol = spec.symbol
        market = self.engine.exchange.markets[symbol]
        price = float(market.price)
        running = self.grids.get((account, symbol))
        live = running is not None and running.status is not SessionStatus.STOPPED
        if running is not None and live:
            lo, hi = float(running.levels.min()), float(running.levels.max())
            if lo <= price <= hi and running.spec.direction == spec.direction:
                return Executed("grid_kept")
        if self.supervisor.killed(account) or self.supervisor.state(account).value != "ACTIVE":
            code = "KILL_SWITCH" if self.supervisor.killed(account) else "ACCOUNT_NOT_ACTIVE"
            return Executed("refused", (code,))
        # Prepared before the old grid goes: an invalid new grid leaves the old one running.
        prepared = self.prepare_grid(spec, index, price)
        if running is not None and live:
            await running.stop(flatten=True, reason="regrid")
            await self.engine.drain()
        session, placed, refused = await self.launch(
            account, spec, prepared, self._next("g", account)
        )
        if placed == 0 and refused:
            return Executed("refused", refused[:5])
        return Executed("grid_started", detail=session.id)

    def prepare_grid(self, spec: GridSpec, index: int, price: float) -> PreparedGrid:
        """Prepare ``spec`` from the closed candles up to ``index``, started at ``price``.

        Raises ValueError when the grid cannot be built (a slot below the minimum order...).
        """
        return prepare(
            spec, grid_candles(self.candles[spec.symbol], index, price, spec), config=self.config,
            instrument=self.engine.exchange.markets[spec.symbol].instrument,
        )  # fmt: skip

    async def launch(
        self, account: str, spec: GridSpec, prepared: PreparedGrid, session_id: str
    ) -> tuple[GridSession, int, tuple[str, ...]]:
        """Start a grid session at the market price (every order through the gate).

        Return the session, how many orders rest, and the reasons of the refused ones.
        """
        market = self.engine.exchange.markets[spec.symbol]
        session = GridSession(
            session_id=session_id,
            account=account,
            venue=self._venue(account),
            spec=spec,
            prepared=prepared,
        )
        self.engine.add_session(session)  # gated by the supervisor there
        await session.start(market.price_decimal)
        await self.engine.drain()
        self.grids[(account, spec.symbol)] = session
        placed = sum(1 for c in session.slot_orders if c is not None)
        refused = {str(r.get("reason", r.get("code"))) for r in session.stats.rejections}
        return session, placed, tuple(sorted(refused))

    # --- actions -----------------------------------------------------------------------------
    async def _action(self, account: str, action: Action) -> Executed:
        if action.action == "HOLD":
            return Executed("held")
        symbol = action.symbol
        exchange = self.engine.exchange
        if symbol not in exchange.markets:
            return Executed("refused", ("SYMBOL_NOT_ALLOWED",))
        market = exchange.markets[symbol]
        inst = market.instrument
        venue = self._venue(account)
        held = next((p.qty for p in exchange.positions(account) if p.symbol == symbol), Decimal(0))
        if action.action == "CLOSE":
            grid = self.grids.get((account, symbol))
            if grid is not None and grid.status is not SessionStatus.STOPPED:
                await grid.stop(flatten=False, reason="close")
            if held == 0:
                return Executed("held", detail="flat")
            share = action.size_pct or Decimal(1)
            qty = inst.round_qty(abs(held) * share)
            side = Side.SELL if held > 0 else Side.BUY
            await self._send(account, venue, symbol, side, qty, Decimal(1), reduce_only=True)
            self.exits.pop((account, symbol), None)
            return Executed("placed", detail=f"close {qty}")
        leverage = action.leverage or Decimal(1)
        size = action.size_pct or Decimal(0)
        balance = exchange.balance(account)
        price = market.price_decimal
        qty = (balance.available * size * leverage / (price * inst.contract_multiplier)).quantize(
            inst.step_size, rounding=ROUND_DOWN
        )
        side = Side.BUY if action.action == "BUY" else Side.SELL
        await venue.set_leverage(symbol, max(1, int(leverage)))
        await self._send(account, venue, symbol, side, qty, leverage, reduce_only=False)
        if action.take_profit is not None or action.stop_loss is not None:
            self.exits[(account, symbol)] = _Exit(action.take_profit, action.stop_loss)
        return Executed("placed", detail=f"{side.value} {qty}")

    async def _send(
        self,
        account: str,
        venue: SimVenue,
        symbol: str,
        side: Side,
        qty: Decimal,
        leverage: Decimal,
        *,
        reduce_only: bool,
    ) -> None:
        gate = self._gates.get((account, leverage))
        if gate is None:
            gate = self._gates[(account, leverage)] = self.supervisor.gateway_for(
                account, DirectGateway(venue), venue, leverage=leverage, source=OrderSource.LLM
            )
        request = OrderRequest(
            symbol=symbol,
            side=side,
            type=OrderType.MARKET,
            qty=qty,
            client_id=self._next("a", account),
            reduce_only=reduce_only,
        )
        await gate.place(request, session_id="arena", slot=None, cycle=None)
        await self.engine.drain()

    async def check_exits(self) -> int:
        """Close positions whose take-profit or stop-loss the last close crossed."""
        closed = 0
        exchange = self.engine.exchange
        for (account, symbol), exit_ in list(self.exits.items()):
            held = next(
                (p.qty for p in exchange.positions(account) if p.symbol == symbol), Decimal(0)
            )
            if held == 0:
                del self.exits[(account, symbol)]
                continue
            px = exchange.markets[symbol].price_decimal
            long = held > 0
            tp, sl = exit_.take_profit, exit_.stop_loss
            hit_tp = tp is not None and (px >= tp if long else px <= tp)
            hit_sl = sl is not None and (px <= sl if long else px >= sl)
            if not (hit_tp or hit_sl):
                continue
            side = Side.SELL if long else Side.BUY
            try:
                await self._send(
                    account, self._venue(account), symbol, side, abs(held), Decimal(1),
                    reduce_only=True,
                )  # fmt: skip
            except (RiskRefused, PermanentVenueError):
                continue
            del self.exits[(account, symbol)]
            closed += 1
        return closed
