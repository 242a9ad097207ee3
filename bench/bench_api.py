"""The HTTP API's hot reads under load: ``GET /grid/status`` and ``GET /dashboard/stats``.

64 keep-alive connections on loopback hammer one endpoint at a time; each figure is req/s and
p50/p90/p99 latency, for SQLite and for Postgres, beside a bare FastAPI endpoint measured in
the same run. Every server runs in its own process, started the way ``gridarena serve``
starts (``gridarena.api.cli.run_app``: uvicorn, uvloop, h11, one event loop, GC frozen after
start-up), logging at WARNING, so the load generator does not share its GIL. The load
generator is a minimal asyncio HTTP/1.1 client (lighter than httpx, so it is not the
bottleneck). The two CPUs are shared by server and client.

* ``bare``: ``FastAPI()`` with one ``GET /bare`` returning a small dict; no middleware;
* ``api``: ``gridarena.api.create_app`` over a seeded store (6 models with grids, 3,000
  orders, 30,000 prices, 6,000 equity points, 600 decisions), authenticated by an API key
  (``Authorization: Bearer``), rate limit raised so it never refuses, every middleware on
  (request id, metrics, access log filtered by level), hot reads cached for 0.5 s.

Rounds alternate bare / status / dashboard, so each ratio compares figures taken under the
same machine load; the best round of each endpoint is reported (and the median beside it).

Run: ``uv run --frozen python bench/bench_api.py [--seconds 4] [--rounds 3]
[--connections 64] [--backends sqlite,postgres]``. Postgres is 127.0.0.1:5432 as user
``postgres`` (override with ``GRIDARENA_BENCH_PG_URL``); a throw-away database is created and
dropped. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

PG_SERVER_URL = os.environ.get(
    "GRIDARENA_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime.now(UTC).replace(microsecond=0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# ---------------------------------------------------------------- servers (child processes)


def _serve(kind: str, port: int, db: str | None, cache_ttl: float) -> None:
    from fastapi import FastAPI

    from gridarena.api.cli import run_app
    from gridarena.obs.logging import configure_logging

    configure_logging(json=True, level="WARNING")
    if kind == "bare":
        app = FastAPI()

        @app.get("/bare")
        async def bare() -> dict[str, object]:
            return {"status": "ok", "model": "claude", "open_orders": 3}

    else:
        from gridarena.api import create_app
        from gridarena.config import ApiSettings, Settings

        assert db is not None
        settings = Settings(api=ApiSettings(rate_limit_per_minute=10**9))
        app = create_app(settings=settings, store_url=db, cache_ttl_s=cache_ttl)
    # The same server set-up as `gridarena serve` (uvloop, h11, GC frozen after start-up).
    run_app(app, host="127.0.0.1", port=port, log_level="warning")


class _Server:
    def __init__(self, kind: str, db: str | None = None, cache_ttl: float = 0.5) -> None:
        self.port = _free_port()
        args = [sys.executable, __file__, "--serve", kind, "--port", str(self.port)]
        args += ["--cache-ttl", str(cache_ttl)]
        if db is not None:
            args += ["--db", db]
        self.proc = subprocess.Popen(args)

    def __enter__(self) -> _Server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)


# ---------------------------------------------------------------- load generator


@dataclass
class Result:
    label: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else float("nan")


async def _worker(
    port: int, request: bytes, stop: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(int(head[9:12]))
    finally:
        writer.close()


async def _load(
    port: int, path: str, headers: dict[str, str], connections: int, seconds: float
) -> tuple[int, int, float, list[float]]:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    # Warm-up: connections, caches, first queries.
    await asyncio.gather(
        *(_worker(port, request, time.perf_counter() + 0.5, [], []) for _ in range(connections))
    )
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(
        *(_worker(port, request, start + seconds, latencies, errors) for _ in range(connections))
    )
    elapsed = time.perf_counter() - start
    return len(latencies), len(errors), elapsed, latencies


def measure(
    label: str, port: int, path: str, headers: dict[str, str], connections: int, seconds: float
) -> Result:
    import uvloop

    n, errors, elapsed, latencies = uvloop.run(_load(port, path, headers, connections, seconds))
    return Result(label, n, errors, elapsed, latencies)


# ---------------------------------------------------------------- store


def _seed(url: str) -> tuple[str, str, str]:
    """Migrate and fill a store; return (API key, a model, its grid's symbol)."""
    from gridarena.api.keys import create_key
    from gridarena.domain.types import Side
    from gridarena.grid.spec import GridSpec
    from gridarena.store import make_engine, session_factory, transaction
    from gridarena.store.enums import OrderStatus, OrderType, ProviderKind
    from gridarena.store.migrate import upgrade
    from gridarena.store.models import LlmDecision, PnlSnapshot, PricePoint
    from gridarena.store.repo import (
        create_account,
        create_grid_session,
        create_provider,
        record_order_intent,
        save_grid_config,
        transition_order,
        upsert_balance,
        upsert_position,
    )

    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "ASTERUSDT"]
    with transaction(factory) as s:
        key = create_key(s, name="bench", scope="read").key
        # Bulk rows (the repository functions upsert one row at a time: minutes to seed).
        s.add_all(
            PricePoint(
                symbol=symbol,
                ts=NOW - timedelta(minutes=minute),
                close=Decimal(100 + sym_i * 50) + Decimal(minute % 97) / 10,
            )
            for sym_i, symbol in enumerate(symbols)
            for minute in range(6000)
        )
        for m in range(6):
            name = f"model{m}"
            provider = create_provider(s, name=f"{name}-p", kind=ProviderKind.OPENAI, at=NOW)
            acc = create_account(
                s, name=name, provider_id=provider.id, venue="sim", starting_balance=500, at=NOW
            )
            upsert_balance(s, account_id=acc.id, asset="USDT", wallet=500, available=450, at=NOW)
            for symbol in symbols[:2]:
                upsert_position(s, account_id=acc.id, symbol=symbol, qty=1, entry_price=100)
            s.add_all(
                PnlSnapshot(
                    account_id=acc.id,
                    ts=NOW - timedelta(minutes=i),
                    equity=Decimal(500 + i % 13),
                    realized=Decimal(i % 7),
                    unrealized=Decimal(1),
                    fees=Decimal(0),
                    funding=Decimal(0),
                )
                for i in range(1000)
            )
            s.add_all(
                LlmDecision(
                    account_id=acc.id,
                    provider_id=provider.id,
                    symbol=symbols[d % 5],
                    prompt="p",
                    kind="hold",
                    created_at=NOW - timedelta(minutes=d),
                )
                for d in range(100)
            )
            for symbol in symbols[:2]:
                spec = GridSpec.model_validate(
                    {
                        "symbol": symbol,
                        "lower": 90,
                        "upper": 110,
                        "grids": 20,
                        "base_allocation": 1000,
                    }
                ).model_dump(mode="json")
                config = save_grid_config(s, account_id=acc.id, symbol=symbol, spec=spec)
                sid = f"{name}-{symbol}"
                create_grid_session(
                    s, session_id=sid, account_id=acc.id, config_id=config.id, symbol=symbol
                )
                for i in range(250):
                    order = record_order_intent(
                        s,
                        account_id=acc.id,
                        client_order_id=f"{sid}-{i}",
                        symbol=symbol,
                        side=Side.BUY if i % 2 else Side.SELL,
                        order_type=OrderType.LIMIT,
                        qty=Decimal("0.1"),
                        price=Decimal(90 + i % 20),
                        session_id=sid,
                        at=NOW - timedelta(seconds=i),
                    )
                    status = OrderStatus.ACKNOWLEDGED if i % 3 else OrderStatus.FILLED
                    transition_order(s, order_id=order.id, status=status)
    engine.dispose()
    return key, "model0", "BTCUSDT"


def _pg_database() -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    from gridarena.store import make_engine

    name = f"gridarena_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_SERVER_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False), name


def _drop_pg(name: str) -> None:
    from gridarena.store import make_engine

    admin = make_engine(PG_SERVER_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


# ---------------------------------------------------------------- main


def _row(result: Result, bare: Result | None) -> str:
    ratio = f"{result.rps / bare.rps:6.0%}" if bare is not None else "     -"
    return (
        f"{result.label:<34}{result.rps:>9,.0f}{result.pct(0.5):>9.2f}{result.pct(0.9):>9.2f}"
        f"{result.pct(0.99):>9.2f}{ratio:>9}{result.errors:>8}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--serve", choices=["bare", "api"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--db")
    parser.add_argument(
        "--cache-ttl", type=float, default=0.5, help="Hot-read cache TTL of the API (s)."
    )
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.port, args.db, args.cache_ttl)
        return
    conns, secs = args.connections, args.seconds
    print(f"{conns} connections, {secs:g} s per endpoint and round, {args.rounds} rounds, ", end="")
    print(f"{os.cpu_count()} CPUs; best round (median req/s of all rounds)\n")
    print(
        f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'vs bare':>9}{'errors':>8}{'median':>9}"
    )
    with _Server("bare") as bare_server:
        for backend in args.backends.split(","):
            _run_backend(backend, bare_server, args)


def _best(results: list[Result]) -> tuple[Result, float]:
    best = max(results, key=lambda r: r.rps)
    return best, sorted(r.rps for r in results)[len(results) // 2]


def _run_backend(backend: str, bare_server: _Server, args: argparse.Namespace) -> None:
    conns, secs = args.connections, args.seconds
    tmp = tempfile.TemporaryDirectory()
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    else:
        try:
            url, pg_name = _pg_database()
        except Exception as exc:
            print(f"{backend}: skipped ({type(exc).__name__}: Postgres unreachable)")
            return
    try:
        started = time.perf_counter()
        key, model, symbol = _seed(url)
        seeded = time.perf_counter() - started
        headers = {"Authorization": f"Bearer {key}"}
        paths = {
            f"{backend:<8} GET /grid/status": f"/grid/status?model={model}&symbol={symbol}",
            f"{backend:<8} GET /dashboard/stats": "/dashboard/stats",
        }
        runs: dict[str, list[Result]] = {"bare": [], **{label: [] for label in paths}}
        with _Server("api", url, args.cache_ttl) as server:
            for _ in range(args.rounds):
                runs["bare"].append(
                    measure("bare FastAPI GET /bare", bare_server.port, "/bare", {}, conns, secs)
                )
                for label, path in paths.items():
                    runs[label].append(measure(label, server.port, path, headers, conns, secs))
        bare, bare_median = _best(runs.pop("bare"))
        print(_row(bare, None) + f"{bare_median:>9,.0f}")
        for results in runs.values():
            best, median = _best(results)
            print(_row(best, bare) + f"{median:>9,.0f}")
        print(f"{'':<34}(store seeded in {seeded:.1f} s)")
    finally:
        if pg_name is not None:
            _drop_pg(pg_name)
        tmp.cleanup()


if __name__ == "__main__":
    main()
