"""Cross-asset hedging in the paper engine (seed 003): a `HedgePlanner` driven once per candle.

A `HedgeJob` watches one grid session (the primary) and, once per closed candle, asks the pure
planner whether the primary's distance from the grid midpoint calls for a hedge in a correlated
instrument. The ratio `corr × σp / σh` is estimated from the last ``lookback_bars`` closed
candles of both markets — only candles up to the one that just closed, so there is no
look-ahead. Orders go through the supervisor's risk gate as market orders (the close is
reduce-only); every open and close is a `RiskEventRecord` (``hedge_open`` / ``hedge_close``)
whose ``detail`` is a JSON object with the ratio, correlation, sigmas and quantity. A refusal
(kill switch, halted account, venue filter) is recorded as ``hedge_refused`` and never raised.

The job re-syncs the planner with the venue every candle: a hedge closed by someone else (the
supervisor's flatten on a daily-loss halt, a liquidation) is recorded as closed, and no hedge
opens while the account is not ACTIVE or the grid has stopped. A refused open is not retried
until price has come back inside the close band (one attempt per excursion), so a standing
kill switch does not turn into one refusal per candle.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from gridarena.config.trading import HedgeSettings
from gridarena.domain.money import DecimalLike, to_decimal
from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.engine.session import GridSession, SessionStatus
from gridarena.engine.supervisor import RiskEventRecord
from gridarena.execution.gateway import DirectGateway
from gridarena.execution.risk_gateway import RiskGateway, RiskRefused
from gridarena.risk import AccountState, OrderSource
from gridarena.risk.hedge import CloseHedge, HedgePlanner, OpenHedge, ReturnStats, returns_stats
from gridarena.risk.types import ReasonCode
from gridarena.venues.errors import PermanentVenueError
from gridarena.venues.sim.venue import SimVenue

if TYPE_CHECKING:
    from gridarena.engine.paper import PaperEngine
    from gridarena.engine.supervisor import RiskSupervisor
    from gridarena.venues.sim.market import SimMarket

__all__ = ["HedgeJob", "grid_midpoint_spacing"]


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def grid_midpoint_spacing(levels: Any) -> tuple[Decimal, Decimal]:
    """Return the middle of a grid's range and the spacing of the step that contains it.

    For an arithmetic grid the spacing is the constant step; for a geometric one it is the
    step around the midpoint. Computed on exact decimals of the (tick-multiple) levels.
    """
    lv = np.asarray(levels, dtype=np.float64)
    if lv.ndim != 1 or lv.size < 2:
        raise ValueError("a grid needs at least two levels")
    lo, hi = _dec(lv[0]), _dec(lv[-1])
    mid = (lo + hi) / 2
    j = int(np.searchsorted(lv, float(mid)))
    j = min(max(j, 1), lv.size - 1)
    return mid, _dec(lv[j]) - _dec(lv[j - 1])


def _stats_detail(stats: ReturnStats | None) -> dict[str, str]:
    if stats is None:
        return {}
    return {
        "correlation": repr(stats.correlation),
        "sigma_primary": repr(stats.sigma_primary),
        "sigma_hedge": repr(stats.sigma_hedge),
        "bars": str(stats.n),
    }


class HedgeJob:
    """Hedge one grid session's position with a correlated instrument, once per candle.

    The primary is named by ``session_id`` or by ``(account, primary_symbol)`` (the first
    session trading that symbol in that account). ``k`` / ``close_k`` are the planner's open
    and close distances in grid steps; ``lookback_bars`` the closed candles behind the ratio.
    """

    def __init__(
        self,
        hedge_symbol: str,
        *,
        session_id: str | None = None,
        account: str | None = None,
        primary_symbol: str | None = None,
        k: DecimalLike = Decimal("1.5"),
        close_k: DecimalLike = Decimal("0.5"),
        lookback_bars: int = 100,
    ) -> None:
        if session_id is None and (account is None or primary_symbol is None):
            raise ValueError("name the primary by session_id or by (account, primary_symbol)")
        if lookback_bars < 2:
            raise ValueError(f"lookback_bars must be >= 2, got {lookback_bars}")
        self.hedge_symbol = hedge_symbol
        self.session_id = session_id
        self.account = account
        self.primary_symbol = primary_symbol
        self.k = to_decimal(k, name="k")
        self.close_k = to_decimal(close_k, name="close_k")
        if self.k <= 0 or self.close_k < 0 or self.close_k >= self.k:
            raise ValueError(f"need 0 <= close_k < k and k > 0, got k={k}, close_k={close_k}")
        self.lookback_bars = lookback_bars
        self.planner: HedgePlanner | None = None
        self.last_stats: ReturnStats | None = None
        self.refused_open = False  # a refused open waits for price to come back first
        self._gate: RiskGateway | None = None
        self._leverage_set = False
        self._seq = 0

    @classmethod
    def from_settings(
        cls,
        settings: HedgeSettings,
        *,
        session_id: str | None = None,
        account: str | None = None,
        close_k: DecimalLike = Decimal("0.5"),
    ) -> HedgeJob:
        """Build a job from the hedge settings (``k = trigger_spacing_multiple``)."""
        return cls(
            settings.hedge_instrument,
            session_id=session_id,
            account=account,
            primary_symbol=settings.primary_instrument,
            k=settings.trigger_spacing_multiple,
            close_k=close_k,
            lookback_bars=settings.lookback_bars,
        )

    # --- lookup ------------------------------------------------------------------------------
    def session(self, engine: PaperEngine) -> GridSession | None:
        """Return the primary grid session, if the engine has it."""
        if self.session_id is not None:
            return engine.sessions.get(self.session_id)
        for s in engine.sessions.values():
            if s.account == self.account and s.symbol == self.primary_symbol:
                return s
        return None

    def stats(self, primary: SimMarket, hedge: SimMarket) -> ReturnStats | None:
        """Return the return statistics of the last ``lookback_bars`` closed candles of both.

        Only candles already closed (indices below each market's cursor) are read; the two
        series are aligned on their timestamps. None while there is not enough history or a
        series does not move.
        """
        n = self.lookback_bars + 1
        ip, ih = primary.i, hedge.i
        if ip < n or ih < n:
            return None
        p_ts, h_ts = primary.candles.ts_ms[ip - n : ip], hedge.candles.ts_ms[ih - n : ih]
        p_close, h_close = primary.candles.close[ip - n : ip], hedge.candles.close[ih - n : ih]
        if not np.array_equal(p_ts, h_ts):
            # Different calendars: keep the timestamps both have, from a longer tail.
            wide = 2 * n
            p_ts, h_ts = (
                primary.candles.ts_ms[max(0, ip - wide) : ip],
                hedge.candles.ts_ms[max(0, ih - wide) : ih],
            )
            _, pi, hi = np.intersect1d(p_ts, h_ts, assume_unique=True, return_indices=True)
            if pi.size < n:
                return None
            p_close = primary.candles.close[max(0, ip - wide) : ip][pi[-n:]]
            h_close = hedge.candles.close[max(0, ih - wide) : ih][hi[-n:]]
        try:
            return returns_stats(p_close, h_close, self.lookback_bars)
        except ValueError:
            return None

    # --- the candle job ----------------------------------------------------------------------
    async def on_candle(self, supervisor: RiskSupervisor, engine: PaperEngine) -> None:
        """Re-sync with the venue, then open or close the hedge if the planner says so."""
        session = self.session(engine)
        markets = engine.exchange.markets
        if session is None or self.hedge_symbol not in markets:
            return
        primary, hedge = markets[session.symbol], markets[self.hedge_symbol]
        if primary.i < 1 or hedge.i < 1:
            return
        planner = self._planner(session, primary, hedge)
        mid, spacing = grid_midpoint_spacing(session.levels)
        planner.recenter(mid, spacing)
        self._sync(supervisor, engine, session, planner)

        price, hedge_price = primary.price_decimal, hedge.price_decimal
        position = self._position(engine, session.account, session.symbol)
        distance = abs(price - mid)
        if distance <= self.close_k * spacing:
            self.refused_open = False
        stats: ReturnStats | None = None
        if planner.open_hedge is None:
            if not self._may_open(supervisor, session):
                return
            if distance <= self.k * spacing or position == 0:
                return
            stats = self.stats(primary, hedge)
            if stats is None:
                return
            self.last_stats = stats
            planner.set_ratio(_dec(stats.ratio))
        action = planner.update(price, position, hedge_price)
        if action is not None:
            await self._execute(supervisor, engine, session, planner, action, stats)

    def _planner(self, session: GridSession, primary: SimMarket, hedge: SimMarket) -> HedgePlanner:
        if self.planner is None:
            mid, spacing = grid_midpoint_spacing(session.levels)
            self.planner = HedgePlanner(
                primary.instrument,
                hedge.instrument,
                k=self.k,
                close_k=self.close_k,
                spacing=spacing,
                midpoint=mid,
            )
        return self.planner

    @staticmethod
    def _position(engine: PaperEngine, account: str, symbol: str) -> Decimal:
        for p in engine.exchange.positions(account):
            if p.symbol == symbol:
                return p.qty
        return Decimal(0)

    def _may_open(self, supervisor: RiskSupervisor, session: GridSession) -> bool:
        if self.refused_open:
            return False
        if session.status not in (SessionStatus.RUNNING, SessionStatus.PAUSED):
            return False
        return supervisor.state(session.account) is AccountState.ACTIVE

    def _sync(
        self,
        supervisor: RiskSupervisor,
        engine: PaperEngine,
        session: GridSession,
        planner: HedgePlanner,
    ) -> None:
        """Tell the planner what the venue holds: a hedge closed elsewhere is closed here."""
        opened = planner.open_hedge
        if opened is None:
            return
        held = self._position(engine, session.account, self.hedge_symbol)
        want = -opened.qty if opened.side is Side.SELL else opened.qty
        if held == 0 or (held > 0) != (want > 0):
            planner.restore(None)
            self._record(
                supervisor,
                session,
                "hedge_close",
                ReasonCode.HEDGE_CLOSE,
                {"symbol": opened.symbol, "side": opened.side.opposite.value, "qty": "0"},
                {
                    **_stats_detail(self.last_stats),
                    "why": "closed_elsewhere",
                    "held": str(held),
                    "qty": str(opened.qty),
                    "ratio": str(planner.ratio),
                },
            )
        elif abs(held) < opened.qty:
            planner.restore(OpenHedge(opened.symbol, opened.side, abs(held), detail=opened.detail))

    def _gateway(
        self, supervisor: RiskSupervisor, engine: PaperEngine, session: GridSession
    ) -> RiskGateway:
        if self._gate is None:
            venue = SimVenue(engine.exchange, session.account)
            self._gate = supervisor.gateway_for(
                session.account,
                DirectGateway(venue),
                venue,
                leverage=_dec(session.params.leverage),
                source=OrderSource.GRID,
                session_id=session.id,
            )
        return self._gate

    async def _execute(
        self,
        supervisor: RiskSupervisor,
        engine: PaperEngine,
        session: GridSession,
        planner: HedgePlanner,
        action: OpenHedge | CloseHedge,
        stats: ReturnStats | None,
    ) -> None:
        is_open = isinstance(action, OpenHedge)
        detail = {**action.detail, **_stats_detail(stats if is_open else self.last_stats)}
        detail |= {"symbol": action.symbol, "side": action.side.value, "qty": str(action.qty)}
        requested = {"symbol": action.symbol, "side": action.side.value, "qty": str(action.qty)}
        self._seq += 1
        request = OrderRequest(
            symbol=action.symbol,
            side=action.side,
            type=OrderType.MARKET,
            qty=action.qty,
            client_id=f"ga-hdg-{session.account[:12]}-{self._seq}",
            reduce_only=not is_open,
        )
        gate = self._gateway(supervisor, engine, session)
        if is_open and not self._leverage_set:
            self._leverage_set = True
            try:
                lev = max(1, int(session.params.leverage))
                await gate.venue.set_leverage(action.symbol, lev)
            except PermanentVenueError:
                pass  # the venue keeps its default leverage; the margin check still applies
        try:
            order = await gate.place(request, session_id=session.id, slot=None, cycle=None)
        except (RiskRefused, PermanentVenueError) as exc:
            codes = (
                ",".join(c.value for c in exc.reason_codes)
                if isinstance(exc, RiskRefused)
                else f"VENUE_{exc.code}"
            )
            if is_open:
                planner.restore(None)
                self.refused_open = True
            else:
                assert isinstance(action, CloseHedge)
                planner.restore(OpenHedge(action.symbol, action.side.opposite, action.qty))
            detail |= {"action": "open" if is_open else "close", "refused": codes}
            self._record(
                supervisor,
                session,
                "hedge_refused",
                action.reason,
                requested,
                detail,
            )
            return
        await engine.drain()
        filled = order.filled_qty if order is not None else Decimal(0)
        approved = {
            "qty": str(filled),
            "price": str(order.avg_price) if order is not None and order.avg_price else None,
        }
        if is_open:
            if filled <= 0:
                planner.restore(None)
            elif filled != action.qty:
                planner.restore(OpenHedge(action.symbol, action.side, filled, detail=action.detail))
        elif filled < action.qty:
            # Part of the hedge is still on: keep it so the next candle closes the rest.
            planner.restore(OpenHedge(action.symbol, action.side.opposite, action.qty - filled))
        detail["filled_qty"] = str(filled)
        kind = "hedge_open" if is_open else "hedge_close"
        self._record(supervisor, session, kind, action.reason, requested, detail, approved)

    @staticmethod
    def _record(
        supervisor: RiskSupervisor,
        session: GridSession,
        kind: str,
        reason: ReasonCode,
        requested: dict[str, Any],
        detail: dict[str, str],
        approved: dict[str, Any] | None = None,
    ) -> None:
        supervisor._emit(
            RiskEventRecord(
                account=session.account,
                ts_ms=supervisor._now_ms(),
                kind=kind,
                reason_code=reason.value,
                session_id=session.id,
                requested=requested,
                approved=approved,
                detail=json.dumps(detail, sort_keys=True),
            )
        )
