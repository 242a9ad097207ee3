"""Order placement through ccxt against the sim venue's HTTP facade, beside a bare endpoint.

The real ``ccxt.async_support.binanceusdm`` client signs and sends ``create_order`` (limit
orders that rest on the book, ``newOrderRespType=RESULT``) with several requests in flight, on
loopback. Each server runs in its own process (uvicorn, h11, one event loop) so client and
server do not share a GIL:

* ``facade``: `create_app` over a generated BTCUSDT market, one account, limits raised so they
  never throttle the run;
* ``bare``: a FastAPI app whose ``POST /fapi/v1/order`` returns a fixed order body — what
  ccxt + HTTP + FastAPI cost without signature checks, middlewares or the matching engine.

Run: ``uv run --frozen python bench/bench_facade.py [--orders 2000] [--concurrency 8]
[--rounds 3]``.
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import socket
import statistics
import time
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

KEY, SECRET, ACCOUNT = "bench-key", "bench-secret", "bench"
SYMBOL = "BTC/USDT:USDT"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _serve_facade(port: int) -> None:
    from gridarena.marketdata import generate_market
    from gridarena.venues.facade import FacadeConfig, LimitConfig, create_app
    from gridarena.venues.facade.markets import build_exchange
    from gridarena.venues.facade.server import make_server

    exchange = build_exchange(
        [(generate_market(seed=3, n_candles=2_000), None)], [ACCOUNT], Decimal(10) ** 12
    )
    exchange.step()  # open the first candle
    limits = LimitConfig(weight_per_minute=10**9, orders_per_minute=10**9, orders_per_10s=10**9)
    app = create_app(exchange, {KEY: (SECRET, ACCOUNT)}, FacadeConfig(limits=limits))
    make_server(app, "127.0.0.1", port).run()


def _serve_bare(port: int) -> None:
    from gridarena.venues.facade.server import make_server

    app = FastAPI()
    seq = [0]

    @app.post("/fapi/v1/order")
    async def order(request: Request) -> JSONResponse:
        body = (await request.body()).decode()
        cid = next((p[17:] for p in body.split("&") if p.startswith("newClientOrderId=")), "x")
        seq[0] += 1
        return JSONResponse(
            {
                "orderId": seq[0],
                "symbol": "BTCUSDT",
                "status": "NEW",
                "clientOrderId": cid,
                "price": "30000.0",
                "avgPrice": "0.00000000",
                "origQty": "0.004",
                "executedQty": "0.000",
                "cumQty": "0.000",
                "cumQuote": "0.00000000",
                "timeInForce": "GTC",
                "type": "LIMIT",
                "reduceOnly": False,
                "closePosition": False,
                "side": "BUY",
                "positionSide": "BOTH",
                "stopPrice": "0.0",
                "workingType": "CONTRACT_PRICE",
                "priceProtect": False,
                "origType": "LIMIT",
                "updateTime": 1,
            }
        )

    make_server(app, "127.0.0.1", port).run()


def _start(target: Any) -> tuple[mp.Process, str]:
    port = _free_port()
    proc = mp.get_context("spawn").Process(target=target, args=(port,), daemon=True)
    proc.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.post(f"{base}/fapi/v1/order", timeout=1)
            return proc, base
        except httpx.TransportError:
            if time.monotonic() > deadline or not proc.is_alive():
                raise RuntimeError(f"{target.__name__} did not start") from None
            time.sleep(0.02)


async def _run(
    base: str, orders: int, concurrency: int, markets: Any, tag: str
) -> dict[str, float]:
    from gridarena.venues.facade import facade_client

    ex = facade_client(base, KEY, SECRET, asynchronous=True, timeout_ms=30_000)
    ex.timeout_on_exit = 0
    ex.set_markets(markets)
    latencies: list[float] = []
    counter = iter(range(orders))

    async def worker(w: int) -> None:
        for k in counter:
            t0 = time.perf_counter()
            await ex.create_order(
                SYMBOL, "limit", "buy", 0.004, 30_000.0, {"clientOrderId": f"{tag}{w}-{k}"}
            )
            latencies.append(time.perf_counter() - t0)

    try:
        start = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        wall = time.perf_counter() - start
    finally:
        await ex.close()
    q = statistics.quantiles(latencies, n=100)
    return {"orders_s": len(latencies) / wall, "p50_ms": q[49] * 1e3, "p99_ms": q[98] * 1e3}


def main() -> None:
    """Measure both servers and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    facade, facade_url = _start(_serve_facade)
    bare, bare_url = _start(_serve_bare)
    try:
        from gridarena.venues.facade import facade_client

        loader = facade_client(facade_url, KEY, SECRET)
        markets = loader.load_markets()
        loader.close()
        servers = (("bare FastAPI", bare_url), ("facade", facade_url))
        for _, url in servers:
            asyncio.run(_run(url, min(200, args.orders), args.concurrency, markets, "warm"))
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name, _ in servers}
        for r in range(args.rounds):  # interleaved, so machine noise hits both alike
            for name, url in servers:
                figures = _run(url, args.orders, args.concurrency, markets, f"r{r}-")
                rounds[name].append(asyncio.run(figures))
        results = {
            name: {k: statistics.median(x[k] for x in runs) for k in runs[0]}
            for name, runs in rounds.items()
        }
    finally:
        for proc in (facade, bare):
            proc.terminate()
            proc.join(10)
    print(
        f"\n== ccxt async create_order on loopback: {args.orders:,} limit orders, "
        f"{args.concurrency} in flight, median of {args.rounds} interleaved rounds =="
    )
    print(f"  {'server':<14}{'orders/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, r in results.items():
        print(f"  {name:<14}{r['orders_s']:>10,.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}")
    ratio = results["bare FastAPI"]["orders_s"] / results["facade"]["orders_s"]
    print(f"  facade cost vs bare endpoint: {ratio:.2f}× the time per order")


if __name__ == "__main__":
    main()
