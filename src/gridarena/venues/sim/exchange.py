"""The simulated perpetual-futures exchange: orders, matching along the candle path, accounts.

It behaves like a USD-M venue towards its clients — filters and error codes, client order ids
unique per account, margin checks, reduce-only and post-only, stop orders, funding and
liquidation — while its market is a replay (`SimMarket`) advanced one tick at a time. Each tick
fills what the path crosses, nearest first, with the same rule as the backtest kernel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal

from gridarena.domain.instrument import FilterViolation
from gridarena.domain.orders import (
    Balance,
    Fill,
    Liquidity,
    MarginMode,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
)
from gridarena.domain.types import Side
from gridarena.venues.base import FillEvent, FundingPaid, Liquidated, MarketTick, OrderUpdate
from gridarena.venues.base import VenueEvent as Event
from gridarena.venues.errors import (
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    PermanentVenueError,
    PostOnlyWouldTake,
    ReduceOnlyRejected,
)
from gridarena.venues.sim.book import SimOrder, SymbolBook
from gridarena.venues.sim.ledger import MONEY_Q, ZERO, SimAccount, liquidation_price, money
from gridarena.venues.sim.market import SimMarket

Listener = Callable[[Event], None]
_FILTER_CODES = {"PRICE_FILTER": -4014, "LOT_SIZE": -1111, "MIN_NOTIONAL": -4164, "MAX_QTY": -4005}
_INF = float("inf")


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Venue rules: fees, market-order slippage, fill rule, maintenance margin."""

    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0005")
    slippage_bps: Decimal = Decimal(0)
    fill_rule: str = "cross"
    maintenance_margin: Decimal = Decimal("0.004")
    asset: str = "USDT"
    default_leverage: int = 20
    check_margin: bool = True


@dataclass(frozen=True, slots=True)
class AccountFigures:
    """One account's money and exposure at the current marks (see `SimExchange.figures`)."""

    equity: Decimal
    available: Decimal
    positions: dict[str, Decimal]  # signed quantity of each held symbol
    gross_notional: Decimal
    leverage: dict[str, int]  # leverage of each held symbol


class SimExchange:
    """Several sub-accounts trading a set of replayed markets."""

    def __init__(self, markets: Iterable[SimMarket], config: SimConfig = SimConfig()) -> None:
        self.markets = {m.symbol: m for m in markets}
        self.books = {s: SymbolBook() for s in self.markets}
        self.mults = {s: m.instrument.contract_multiplier for s, m in self.markets.items()}
        self.config = config
        self.accounts: dict[str, SimAccount] = {}
        self.orders: dict[str, dict[str, SimOrder]] = {}
        self.fills: dict[str, list[Fill]] = {}
        # Open-order margin per account, symbol and side: one-way mode nets the two sides,
        # so an account reserves the larger of its buy and sell margins in each symbol.
        self.reserved: dict[str, dict[str, list[Decimal]]] = {}
        self.listeners: dict[str, list[Listener]] = {}
        self._wants_orders: set[str] = set()  # accounts with a listener for order updates
        self._multi: set[str] = set()  # cross accounts holding positions in several symbols
        self._valid: set[tuple[str, Decimal, Decimal, bool]] = set()  # passed the filters
        self.market_listeners: list[Listener] = []
        self.stats: Counter[str] = Counter()
        self._seq = 0
        self._trades = 0
        # Liquidation prices per symbol and account (price, +1 long / −1 short), and per symbol
        # the highest long and lowest short of them: refreshed per account when it changes.
        self._acct_liq: dict[str, dict[str, tuple[float, int]]] = {s: {} for s in self.markets}
        self._bounds: dict[str, tuple[float, float]] = {}
        # Liquidation prices due but not yet worked out: per symbol, the accounts and the marks
        # of their last refresh (see `_refresh_liq`).
        self._due_liq: dict[str, dict[str, dict[str, Decimal]]] = {s: {} for s in self.markets}
        self._marks: dict[str, Decimal] | None = None

    # --- accounts --------------------------------------------------------------------------
    def add_account(self, name: str, balance: Decimal) -> None:
        """Open a sub-account funded with ``balance``."""
        if name in self.accounts:
            raise ValueError(f"account {name!r} exists")
        self.accounts[name] = SimAccount(name=name, wallet=Decimal(balance))
        self.orders[name] = {}
        self.fills[name] = []
        self.reserved[name] = {}

    def subscribe(self, account: str, listener: Listener, *, order_updates: bool = True) -> None:
        """Deliver ``account``'s fill, funding and liquidation events to ``listener``.

        With ``order_updates`` it also gets every order status change (placed, filled,
        cancelled, expired); building those costs time, so a listener that only needs fills
        says so.
        """
        self.listeners.setdefault(account, []).append(listener)
        if order_updates:
            self._wants_orders.add(account)

    def _account(self, name: str) -> SimAccount:
        try:
            return self.accounts[name]
        except KeyError:
            raise PermanentVenueError(f"unknown account {name!r}", code=-2015) from None

    def _market(self, symbol: str) -> SimMarket:
        try:
            return self.markets[symbol]
        except KeyError:
            raise OrderRejected(f"Invalid symbol {symbol!r}.", code=-1121) from None

    def _emit(self, account: str, event: Event) -> None:
        for listener in self.listeners.get(account, ()):
            listener(event)

    def _order_update(self, order: SimOrder) -> None:
        if order.account in self._wants_orders:
            self._emit(
                order.account, OrderUpdate(order.view(), order.updated_ms or order.created_ms)
            )

    def marks(self) -> dict[str, Decimal]:
        """Return the current price of every market (cached until a price moves)."""
        if self._marks is None:
            self._marks = {s: m.price_decimal for s, m in self.markets.items()}
        return self._marks

    def _moved(self, market: SimMarket, price: float) -> None:
        market.price = price
        self._marks = None

    def leverage(self, account: SimAccount, symbol: str) -> int:
        """Return the account's leverage for ``symbol``."""
        return account.leverage.get(symbol, self.config.default_leverage)

    def set_leverage(
        self, account: str, symbol: str, leverage: int, mode: MarginMode | None = None
    ) -> None:
        """Set leverage (1..the instrument's maximum) and optionally the margin mode."""
        acct = self._account(account)
        market = self._market(symbol)
        if not 1 <= leverage <= market.instrument.max_leverage:
            raise OrderRejected(f"Leverage {leverage} is not valid", code=-4028)
        acct.leverage[symbol] = leverage
        if mode is not None:
            if acct.position(symbol).qty != 0 and acct.margin_mode.get(symbol) not in (None, mode):
                raise OrderRejected("Margin type cannot be changed with a position.", code=-4048)
            acct.margin_mode[symbol] = mode
        self._refresh_liq(acct)

    # --- orders ----------------------------------------------------------------------------
    def place(self, account: str, req: OrderRequest) -> Order:
        """Accept, execute or reject an order as the venue would."""
        acct = self._account(account)
        market = self._market(req.symbol)
        book = self.books[req.symbol]
        if req.client_id in self.orders[account]:
            self.stats["duplicate_client_id"] += 1
            raise DuplicateClientOrderId("ClientOrderId is duplicated.", code=-4116)
        self._validate(acct, market, req)
        ts = market.ts_ms()
        self._seq += 1
        order = SimOrder(account, req, str(self._seq), self._seq, ts)
        order.margin = self._order_margin(acct, market, req)
        needs_margin = order.margin > 0 and self.config.check_margin
        if needs_margin and order.margin > self.available(acct):
            self.stats["rejected"] += 1
            raise InsufficientMargin("Margin is insufficient.", code=-2019)
        cur = market.price
        if req.type is OrderType.LIMIT:
            price = float(req.price or 0)
            crosses = price >= cur if order.side > 0 else price <= cur
            if crosses and req.post_only and price != cur:
                self.stats["rejected"] += 1
                raise PostOnlyWouldTake(
                    "Due to the order could not be executed as maker, the Post Only order "
                    "will be rejected.",
                    code=-5022,
                )
        elif req.type is not OrderType.MARKET:
            stop = float(req.stop_price or 0)
            fires_down = (req.type is OrderType.STOP_MARKET) == (order.side < 0)
            if (cur <= stop) if fires_down else (cur >= stop):
                self.stats["rejected"] += 1
                raise OrderRejected("Order would immediately trigger.", code=-2021)
        self.orders[account][req.client_id] = order
        self.stats["accepted"] += 1
        self._reserve(order, order.margin)
        self._order_update(order)
        if req.type is OrderType.MARKET:
            self._execute(order, self._slipped(market, market.price_decimal, order.side), False)
        elif req.type is OrderType.LIMIT and crosses:
            # A post-only order exactly at the last price joins the front of the queue and is
            # filled there as maker — the backtest's assumption for maker-first entries.
            maker = req.post_only
            px = (req.price or ZERO) if maker else market.price_decimal
            self._execute(order, px, maker)
        else:
            book.add(order)
        return order.view()

    def _validate(self, acct: SimAccount, market: SimMarket, req: OrderRequest) -> None:
        inst = market.instrument
        if req.qty <= 0 and not req.close_position:
            raise OrderRejected("Quantity less than or equal to zero.", code=-4003)
        if req.type is OrderType.LIMIT and req.price is None:
            raise OrderRejected("Mandatory parameter 'price' was not sent.", code=-1102)
        is_stop = req.type in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)
        if is_stop and req.stop_price is None:
            raise OrderRejected("Mandatory parameter 'stopPrice' was not sent.", code=-1102)
        price = req.price if req.price is not None else req.stop_price or market.price_decimal
        key = (req.symbol, price, req.qty, req.price is not None)
        if key not in self._valid:
            try:
                if req.qty > 0:
                    inst.check(price, req.qty)
                if req.price is not None and req.price != inst.round_price(req.price, "down"):
                    raise FilterViolation("PRICE_FILTER", "Price not increased by tick size.")
            except FilterViolation as exc:
                self.stats["rejected"] += 1
                raise OrderRejected(str(exc), code=_FILTER_CODES.get(exc.code, -1013)) from exc
            # Grids send the same prices and sizes over and over: remember what passed.
            if len(self._valid) < 100_000:
                self._valid.add(key)
        if req.reduce_only or req.close_position:
            pos = acct.position(req.symbol).qty
            side = 1 if req.side is Side.BUY else -1
            if req.type is OrderType.MARKET and (pos == 0 or (pos > 0) == (side > 0)):
                self.stats["rejected"] += 1
                raise ReduceOnlyRejected("ReduceOnly Order is rejected.", code=-2022)

    def _order_margin(self, acct: SimAccount, market: SimMarket, req: OrderRequest) -> Decimal:
        """Return the initial margin an order needs: none when it only reduces the position."""
        if req.reduce_only or req.close_position:
            return ZERO
        pos = acct.position(req.symbol).qty
        side = 1 if req.side is Side.BUY else -1
        increasing = (
            req.qty if pos == 0 or (pos > 0) == (side > 0) else max(ZERO, req.qty - abs(pos))
        )
        if increasing == 0:
            return ZERO
        price = req.price if req.price is not None else market.price_decimal
        mult = market.instrument.contract_multiplier
        return increasing * price * mult / Decimal(self.leverage(acct, req.symbol))

    def _reserve(self, order: SimOrder, amount: Decimal) -> None:
        if amount:
            sides = self.reserved[order.account].setdefault(order.request.symbol, [ZERO, ZERO])
            sides[0 if order.side > 0 else 1] += amount

    def reserved_margin(self, account: str) -> Decimal:
        """Return the margin the account's open orders hold (larger side per symbol)."""
        return sum((max(b, s) for b, s in self.reserved[account].values()), ZERO)

    def available(self, acct: SimAccount, upnl: Decimal | None = None) -> Decimal:
        """Return what new orders may use: equity − position margin − reserved order margin.

        ``upnl`` is the account's unrealized PnL at the current marks when the caller has it.
        """
        marks = self.marks()
        mults = self.mults
        # `SimAccount.unrealized` and `initial_margin` in one pass (same terms, same order).
        pnl = ZERO
        margin = ZERO
        for symbol, pos in acct.positions.items():
            if pos.qty:
                mark, mult = marks[symbol], mults[symbol]
                if upnl is None:
                    pnl += pos.qty * mult * (mark - pos.entry)
                lev = Decimal(acct.leverage.get(symbol, 1))
                margin += abs(pos.qty) * mult * mark / lev
        reserved = ZERO
        for b, s in self.reserved[acct.name].values():
            reserved += max(b, s)
        free = acct.wallet + (pnl if upnl is None else upnl) - margin - reserved
        # Margin is notional / leverage: round down to the ledger's money step (never up).
        return free.quantize(MONEY_Q, rounding=ROUND_DOWN)

    def cancel(self, account: str, symbol: str, client_id: str) -> Order:
        """Cancel an open order by client id (Binance -2011 when unknown or closed)."""
        self._account(account)
        order = self.orders[account].get(client_id)
        if order is None or order.request.symbol != symbol or not order.status.is_open:
            raise OrderNotFound("Unknown order sent.", code=-2011)
        self._close(order, OrderStatus.CANCELED)
        return order.view()

    def cancel_all(self, account: str, symbol: str | None = None) -> list[Order]:
        """Cancel every open order of the account (of one symbol, or all)."""
        out = []
        for order in list(self.orders[account].values()):
            if order.status.is_open and (symbol is None or order.request.symbol == symbol):
                self._close(order, OrderStatus.CANCELED)
                out.append(order.view())
        return out

    def _close(self, order: SimOrder, status: OrderStatus) -> None:
        market = self.markets[order.request.symbol]
        self.books[order.request.symbol].remove(order)
        order.status = status
        order.updated_ms = market.ts_ms()
        self._reserve(order, -order.margin)
        order.margin = ZERO
        self._order_update(order)

    def get(self, account: str, client_id: str, symbol: str | None = None) -> Order:
        """Return an order by client id (Binance -2013 when the venue has none)."""
        self._account(account)
        order = self.orders[account].get(client_id)
        if order is None or (symbol is not None and order.request.symbol != symbol):
            raise OrderNotFound("Order does not exist.", code=-2013)
        return order.view()

    def open_orders(self, account: str, symbol: str | None = None) -> list[Order]:
        """Return the account's open orders."""
        self._account(account)
        return [
            o.view()
            for o in self.orders[account].values()
            if o.status.is_open and (symbol is None or o.request.symbol == symbol)
        ]

    def fills_since(self, account: str, since_ms: int, symbol: str | None = None) -> list[Fill]:
        """Return the account's fills at or after ``since_ms``."""
        self._account(account)
        return [
            f
            for f in self.fills[account]
            if f.ts_ms >= since_ms and (symbol is None or f.symbol == symbol)
        ]

    # --- execution -------------------------------------------------------------------------
    def _slipped(self, market: SimMarket, price: Decimal, side: int) -> Decimal:
        """Apply slippage against the taker, rounded to a tick on the adverse side."""
        slip = self.config.slippage_bps / Decimal(10_000)
        if slip == 0:
            return price
        raw = price * (1 + side * slip)
        tick = market.instrument.tick_size
        mode = ROUND_CEILING if side > 0 else ROUND_FLOOR
        return (raw / tick).to_integral_value(rounding=mode) * tick

    def _execute(self, order: SimOrder, price: Decimal, maker: bool) -> None:
        """Fill what is left of ``order`` at ``price``."""
        acct = self.accounts[order.account]
        req = order.request
        market = self.markets[req.symbol]
        ts = market.ts_ms()
        qty = req.qty - order.filled
        pos = acct.position(req.symbol).qty
        if req.reduce_only or req.close_position:
            reducing = pos != 0 and (pos > 0) != (order.side > 0)
            qty = (abs(pos) if req.close_position else min(qty, abs(pos))) if reducing else ZERO
        self._reserve(order, -order.margin)
        order.margin = ZERO
        if qty <= 0:
            order.status = OrderStatus.EXPIRED
            order.updated_ms = ts
            self._order_update(order)
            return
        mult = market.instrument.contract_multiplier
        rate = self.config.maker_fee if maker else self.config.taker_fee
        fee = money(price * qty * mult * rate)
        realized = acct.apply_fill(req.symbol, order.side, price, qty, fee, mult)
        total = order.filled + qty
        prev = (order.avg_price or ZERO) * order.filled
        order.avg_price = (prev + price * qty) / total
        order.filled = total
        order.status = OrderStatus.FILLED
        order.updated_ms = ts
        self._trades += 1
        fill = Fill(
            trade_id=f"{req.symbol}-{self._trades}",
            symbol=req.symbol,
            client_id=req.client_id,
            venue_order_id=order.venue_id,
            side=req.side,
            price=price,
            qty=qty,
            fee=fee,
            liquidity=Liquidity.MAKER if maker else Liquidity.TAKER,
            realized_pnl=realized,
            ts_ms=ts,
            fee_asset=self.config.asset,
            candle=market.i if not market.done else len(market.candles) - 1,
        )
        self.fills[order.account].append(fill)
        self._refresh_liq(acct)
        self._emit(order.account, FillEvent(fill))
        self._order_update(order)

    # --- positions and balances -------------------------------------------------------------
    def _pnl_terms(self, acct: SimAccount, marks: dict[str, Decimal]) -> dict[str, Decimal]:
        """Return each held position's unrealized PnL at ``marks``, in position order."""
        mults = self.mults
        return {
            s: p.qty * mults[s] * (marks[s] - p.entry) for s, p in acct.positions.items() if p.qty
        }

    def positions(self, account: str) -> list[Position]:
        """Return the account's non-flat positions with mark, PnL and liquidation price."""
        acct = self._account(account)
        marks = self.marks()
        terms = self._pnl_terms(acct, marks)
        out = []
        for symbol, upnl in terms.items():
            pos = acct.positions[symbol]
            out.append(
                Position(
                    symbol=symbol,
                    qty=pos.qty,
                    entry_price=pos.entry,
                    mark_price=marks[symbol],
                    unrealized_pnl=upnl,
                    leverage=self.leverage(acct, symbol),
                    margin_mode=acct.margin_mode.get(symbol, MarginMode.CROSS),
                    liquidation_price=self._liq_from_terms(acct, symbol, terms),
                    isolated_margin=pos.isolated_margin,
                )
            )
        return out

    def balance(self, account: str) -> Balance:
        """Return the account's wallet, unrealized PnL and available margin."""
        acct = self._account(account)
        upnl = acct.unrealized(self.marks(), self.mults)
        return Balance(self.config.asset, acct.wallet, upnl, self.available(acct, upnl))

    def figures(self, account: str) -> AccountFigures:
        """Return the account's money and exposure in one pass (no per-position objects).

        The same values `balance` and `positions` give: equity, available margin, signed
        quantities, gross notional at the marks and leverage of each held symbol.
        """
        acct = self._account(account)
        marks = self.marks()
        upnl = ZERO
        gross = ZERO
        qty: dict[str, Decimal] = {}
        leverage: dict[str, int] = {}
        mults = self.mults
        for symbol, pos in acct.positions.items():
            if pos.qty:
                mark = marks[symbol]
                upnl += pos.qty * mults[symbol] * (mark - pos.entry)
                gross += abs(pos.qty) * mark
                qty[symbol] = pos.qty
                leverage[symbol] = self.leverage(acct, symbol)
        return AccountFigures(acct.wallet + upnl, self.available(acct, upnl), qty, gross, leverage)

    def equity_and_gross(self, account: str) -> tuple[Decimal, Decimal]:
        """Return the account's equity and gross notional at the marks (what monitors watch)."""
        acct = self._account(account)
        marks = self.marks()
        mults = self.mults
        upnl = ZERO
        gross = ZERO
        for symbol, pos in acct.positions.items():
            if pos.qty:
                mark = marks[symbol]
                upnl += pos.qty * mults[symbol] * (mark - pos.entry)
                gross += abs(pos.qty) * mark
        return acct.wallet + upnl, gross

    def _liq_price(
        self, acct: SimAccount, symbol: str, marks: dict[str, Decimal]
    ) -> Decimal | None:
        return self._liq_from_terms(acct, symbol, self._pnl_terms(acct, marks))

    def _liq_from_terms(
        self, acct: SimAccount, symbol: str, terms: dict[str, Decimal]
    ) -> Decimal | None:
        """Return ``symbol``'s liquidation price; ``terms`` are `_pnl_terms` at the marks."""
        pos = acct.positions[symbol]
        if acct.margin_mode.get(symbol, MarginMode.CROSS) is MarginMode.ISOLATED:
            margin = pos.isolated_margin
        else:
            # Cross: the wallet plus the other positions' PnL carries this one.
            others = ZERO
            for s, term in terms.items():
                if s != symbol:
                    others += term
            margin = acct.wallet + others
        mult = self.mults[symbol]
        return liquidation_price(pos.qty, pos.entry, margin, mult, self.config.maintenance_margin)

    def _refresh_liq(self, acct: SimAccount) -> None:
        """Bring ``acct``'s liquidation prices up to date after its wallet, positions or a
        mark changed: each becomes due at the current marks and is worked out when its
        symbol's bounds are next needed (`_liq_bounds`), not now.

        Exact: every change of the account's wallet, positions or margin mode refreshes it,
        which replaces what is due, so a price worked out later from these marks and the
        account as it then is equals the one an eager refresh computes now.
        """
        marks = self.marks()
        name = acct.name
        held = 0
        for symbol, pos in acct.positions.items():
            if pos.qty:
                held += 1
                self._due_liq[symbol][name] = marks
                self._bounds.pop(symbol, None)
            else:
                self._due_liq[symbol].pop(name, None)
                if self._acct_liq[symbol].pop(name, None) is not None:
                    self._bounds.pop(symbol, None)
        if held > 1:
            self._multi.add(name)
        else:
            self._multi.discard(name)

    def _liq_bounds(self, symbol: str) -> tuple[float, float]:
        """Return the highest long and lowest short liquidation price on ``symbol`` (cached)."""
        cached = self._bounds.get(symbol)
        if cached is not None:
            return cached
        due = self._due_liq[symbol]
        if due:
            by_account = self._acct_liq[symbol]
            for name, marks in due.items():
                acct = self.accounts[name]
                price = self._liq_from_terms(acct, symbol, self._pnl_terms(acct, marks))
                if price is None:
                    by_account.pop(name, None)
                else:
                    by_account[name] = (float(price), 1 if acct.positions[symbol].qty > 0 else -1)
            due.clear()
        down, up = -_INF, _INF
        for px, sign in self._acct_liq[symbol].values():
            if sign > 0:
                down = max(down, px)
            else:
                up = min(up, px)
        self._bounds[symbol] = (down, up)
        return down, up

    # --- the clock ---------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        """Tell whether every market has been replayed."""
        return all(m.done for m in self.markets.values())

    def step(self) -> None:
        """Advance every market one tick, settling funding and filling what the path crosses."""
        for market in self.markets.values():
            self.step_market(market)

    def step_market(self, market: SimMarket) -> None:
        """Advance one market one tick (a no-op once its data has ended)."""
        if market.done:
            return
        if market.funding is not None:
            self._pay_funding(market)
        a, b, gap = market.segment()
        self._walk(market, a, b, gap)
        market.finish_tick(b)
        self._marks = None
        if market.phase == 0:
            # A cross account's liquidation price in one symbol moves with its other
            # positions' marks: refresh those accounts at every close.
            for name in self._multi:
                self._refresh_liq(self.accounts[name])
        if self.market_listeners:
            tick = MarketTick(
                market.symbol,
                market.price_decimal,
                market.ts_ms(),
                market.i - (1 if market.phase == 0 else 0),
                (market.phase - 1) % 4,
            )
            for listener in self.market_listeners:
                listener(tick)

    def _pay_funding(self, market: SimMarket) -> None:
        for rate, ts in market.due_funding():
            mark = Decimal(repr(float(market.candles.open[market.i])))
            for acct in self.accounts.values():
                amount = acct.apply_funding(
                    market.symbol, mark, Decimal(repr(rate)), self.mults[market.symbol]
                )
                if amount:
                    self._refresh_liq(acct)
                    self._emit(
                        acct.name, FundingPaid(market.symbol, amount, Decimal(repr(rate)), ts)
                    )

    def _walk(self, market: SimMarket, a: float, b: float, gap: bool) -> None:
        """Move ``market`` from ``a`` to ``b`` handling every crossed order in price order."""
        if a == b:
            return
        book = self.books[market.symbol]
        cross = self.config.fill_rule == "cross"
        down = b < a
        sgn = -1.0 if down else 1.0
        cur = a
        while True:
            best = _INF
            kind = ""
            limit = book.best_buy() if down else book.best_sell()
            if (
                (b < limit if cross else b <= limit)
                if down
                else (b > limit if cross else b >= limit)
            ):
                best, kind = max(0.0, sgn * (limit - cur)), "limit"
            liq_down, liq_up = self._liq_bounds(market.symbol)
            liq = liq_down if down else liq_up
            if sgn * (b - liq) >= 0 and max(0.0, sgn * (liq - cur)) < best:
                best, kind = max(0.0, sgn * (liq - cur)), "liq"
            stop = book.best_stop_down() if down else book.best_stop_up()
            if sgn * (b - stop) >= 0 and max(0.0, sgn * (stop - cur)) < best:
                best, kind = max(0.0, sgn * (stop - cur)), "stop"
            if not kind:
                return
            at = cur + sgn * best
            self._moved(market, at)
            if kind == "limit":
                order = (book.buys if down else book.sells)[0][1]
                book.remove(order)
                self._execute(order, order.request.price or ZERO, True)
            elif kind == "stop":
                order = (book.stops_down if down else book.stops_up)[0][1]
                book.remove(order)
                trigger = Decimal(repr(b if gap else at))
                self._execute(order, self._slipped(market, trigger, order.side), False)
            else:
                self._liquidate(market, liq, Decimal(repr(b if gap else at)))
            cur = at

    def _liquidate(self, market: SimMarket, liq: float, price: Decimal) -> None:
        """Close every position whose liquidation price is ``liq`` on this symbol.

        A cross position's price was worked out at the marks of its last refresh; if the other
        symbols' marks have moved since, the price the walk reached (``liq``) is no longer its
        liquidation price. It is then replaced by the current one, so the walk goes on: it
        liquidates there if the path reaches it (at once if the price is already through it).
        """
        marks = self.marks()
        recorded = self._acct_liq[market.symbol]
        for acct in list(self.accounts.values()):
            pos = acct.positions.get(market.symbol)
            if pos is None or pos.qty == 0:
                continue
            px = self._liq_price(acct, market.symbol, marks)
            if px is None or float(px) != liq:
                mine = recorded.get(acct.name)
                if mine is not None and mine[0] == liq:
                    self._due_liq[market.symbol].pop(acct.name, None)
                    if px is None:
                        del recorded[acct.name]
                    else:
                        recorded[acct.name] = (float(px), mine[1])
                    self._bounds.pop(market.symbol, None)
                continue
            isolated = acct.margin_mode.get(market.symbol) is MarginMode.ISOLATED
            for order in list(self.orders[acct.name].values()):
                if order.status.is_open and (not isolated or order.request.symbol == market.symbol):
                    self._close(order, OrderStatus.CANCELED)
            symbols = (
                [market.symbol] if isolated else [s for s, p in acct.positions.items() if p.qty]
            )
            for symbol in symbols:
                self._force_close(acct, symbol, price if symbol == market.symbol else marks[symbol])
            if isolated:
                loss = max(ZERO, acct.positions[market.symbol].isolated_margin)
            else:
                loss = acct.wallet
            acct.wallet -= loss
            acct.liquidation_loss += loss
            self._refresh_liq(acct)

    def _force_close(self, acct: SimAccount, symbol: str, price: Decimal) -> None:
        pos = acct.positions[symbol]
        qty = abs(pos.qty)
        side = -1 if pos.qty > 0 else 1
        mult = self.mults[symbol]
        fee = money(price * qty * mult * self.config.taker_fee)
        realized = acct.apply_fill(symbol, side, price, qty, fee, mult)
        market = self.markets[symbol]
        self._trades += 1
        fill = Fill(
            trade_id=f"{symbol}-{self._trades}",
            symbol=symbol,
            client_id=f"liquidation-{self._trades}",
            venue_order_id="0",
            side=Side.BUY if side > 0 else Side.SELL,
            price=price,
            qty=qty,
            fee=fee,
            liquidity=Liquidity.TAKER,
            realized_pnl=realized,
            ts_ms=market.ts_ms(),
            fee_asset=self.config.asset,
            candle=market.i,
        )
        self.fills[acct.name].append(fill)
        self._emit(acct.name, FillEvent(fill))
        self._emit(acct.name, Liquidated(symbol, price, qty, market.ts_ms()))
