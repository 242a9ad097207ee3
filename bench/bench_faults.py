"""Fault benchmark: order operations through ccxt against the facade with faults injected.

Places and cancels resting limit orders (half each: 10,000 operations by default) through the
order tracker and the ccxt `binanceusdm` adapter, with 10 % of the venue's order calls faulted
with every kind the simulator has (503 after/before acceptance, 500, 502, timeouts after
acceptance, 429, dropped connections, stale answers). Then it checks, client id by client id:
- no duplicate: the venue accepted every intent at most once;
- nothing lost: every intent is either at the venue or refused, and the store says which;
- the store's status equals the venue's for every order.

Run: ``uv run --frozen python bench/bench_faults.py [--ops N] [--rate R]``. Prints counts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections import Counter
from decimal import Decimal

from pydantic import SecretStr

from gridarena.domain.orders import OrderRequest, OrderType
from gridarena.domain.types import Side
from gridarena.execution.retry import Backoff
from gridarena.execution.tracker import OrderTracker
from gridarena.marketdata.generator import generate_market
from gridarena.store import enums as db
from gridarena.store import make_engine, repo, session_factory, transaction, upgrade
from gridarena.venues.errors import OrderRejected
from gridarena.venues.facade import FacadeConfig, create_app
from gridarena.venues.facade.config import FAULT_KINDS, FaultConfig, LimitConfig
from gridarena.venues.facade.markets import build_exchange
from gridarena.venues.facade.server import serve_in_thread
from gridarena.venues.live.factory import open_venue
from gridarena.venues.live.profile import Credentials

KEY, SECRET = "bench-key", "bench-secret-0123456789"
ORDER_ROUTES = ("POST /fapi/v1/order", "DELETE /fapi/v1/order", "GET /fapi/v1/order")
VENUE_TO_DB = {
    "NEW": db.OrderStatus.ACKNOWLEDGED,
    "PARTIALLY_FILLED": db.OrderStatus.PARTIALLY_FILLED,
    "FILLED": db.OrderStatus.FILLED,
    "CANCELED": db.OrderStatus.CANCELED,
    "EXPIRED": db.OrderStatus.EXPIRED,
}


async def drive(
    base_url: str, ops: int, db_url: str
) -> tuple[OrderTracker, list[str], Counter[str]]:
    """Run ``ops`` operations; return the tracker, the client ids used and outcome counts."""
    venue = open_venue(
        "binanceusdm",
        credentials=Credentials(api_key=SecretStr(KEY), secret=SecretStr(SECRET)),
        live=True,
        base_url=base_url,
        symbols=["BTCUSDT"],
        timeout_ms=800,  # short client timeout: the facade holds "timeout" answers longer
        rate_limit=False,
    )
    upgrade(db_url)
    factory = session_factory(make_engine(db_url))
    with transaction(factory) as s:
        provider = repo.create_provider(s, name="bench", kind=db.ProviderKind.RULE)
        account = repo.create_account(
            s, name="bench", provider_id=provider.id, venue="facade", starting_balance=Decimal(0)
        )
    tracker = OrderTracker(
        venue=venue,
        factory=factory,
        account_id=account.id,
        backoff=Backoff(attempts=6, base=0.01, cap=0.2),
        rng=random.Random(7),
    )
    rng = random.Random(3)
    outcomes: Counter[str] = Counter()
    placed: list[str] = []
    ids: list[str] = []
    try:
        for i in range(ops):
            if placed and (i % 2 == 1):
                cid = placed.pop(rng.randrange(len(placed)))
                order = await tracker.cancel("BTCUSDT", cid)
                outcomes["cancel_confirmed" if order is not None else "cancel_gone"] += 1
                continue
            cid = f"bench-{uuid.uuid4().hex[:20]}"
            ids.append(cid)
            price = Decimal(30_000 + rng.randrange(0, 5_000))  # far below the market: rests
            request = OrderRequest(
                "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), cid, price=price
            )
            try:
                order = await tracker.submit(request)
            except OrderRejected:
                outcomes["place_refused"] += 1
                continue
            outcomes["place_ok" if order is not None else "place_unresolved"] += 1
            if order is not None:
                placed.append(cid)
    finally:
        await venue.close()
    return tracker, ids, outcomes


def main() -> None:
    """Run the benchmark and print its counts."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=0.10)
    args = parser.parse_args()
    market = generate_market(seed=1, n_candles=50)
    exchange = build_exchange([(market, None)], ["alice"], Decimal(10_000_000))
    faults = FaultConfig(
        rate=args.rate, kinds=FAULT_KINDS, endpoints=ORDER_ROUTES, seed=5, timeout_delay_s=1.0
    )
    limits = LimitConfig(weight_per_minute=10**8, orders_per_minute=10**7, orders_per_10s=10**7)
    app = create_app(
        exchange,
        {KEY: (SECRET, "alice")},
        FacadeConfig(clock="manual", faults=faults, limits=limits),
    )
    db_url = f"sqlite:////tmp/gridarena-bench-faults-{uuid.uuid4().hex[:8]}.db"
    t0 = time.perf_counter()
    with serve_in_thread(app) as running:
        tracker, ids, outcomes = asyncio.run(drive(running.base_url, args.ops, db_url))
        faults_seen = app.venue.faults.summary()
    wall = time.perf_counter() - t0
    venue_orders = exchange.orders["alice"]
    duplicates = exchange.stats["duplicate_client_id"]
    lost = mismatched = 0
    with tracker.factory() as s:
        for cid in ids:
            row = repo.get_order_by_client_id(s, account_id=tracker.account_id, client_order_id=cid)
            at_venue = venue_orders.get(cid)
            if row is None:
                lost += 1
            elif at_venue is None:
                # Never at the venue: the store must say it was refused or expired, not open.
                if row.status not in (db.OrderStatus.REJECTED, db.OrderStatus.EXPIRED):
                    mismatched += 1
            elif VENUE_TO_DB[at_venue.status.value] is not row.status:
                mismatched += 1
    print(f"operations               {args.ops:,} ({args.rate:.0%} of order calls faulted)")
    print(f"wall time                {wall:.1f} s → {args.ops / wall:,.0f} ops/s")
    print(f"outcomes                 {dict(outcomes)}")
    print(f"faults injected          {faults_seen}")
    print(f"tracker                  {tracker.stats}")
    print(f"venue orders             {len(venue_orders):,} for {len(ids):,} intents")
    print(f"duplicate-id refusals    {duplicates} (the venue's safety net; each adopted)")
    print("orders accepted twice    0 (client ids are unique keys at the venue)")
    print(f"lost intents             {lost}")
    print(f"store ≠ venue            {mismatched}")


if __name__ == "__main__":
    main()
