"""Process drills on the live path: `gridarena sim-venue` and `gridarena paper --venue` as
separate processes, the engine killed with SIGKILL and restarted, and two engines racing.
"""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gridarena.marketdata.generator import generate_market
from gridarena.marketdata.writer import save_candles

GRIDARENA = [sys.executable, "-m", "gridarena.cli"]
KEY, SECRET = "drill-key", "drill-secret-0123456789"
ENV = {**os.environ, "GRIDARENA_SIM_API_KEY": KEY, "GRIDARENA_SIM_API_SECRET": SECRET}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("drill")
    # Long enough (~4,000 ticks) that twenty kills land before the replay ends.
    candles = generate_market(seed=8, n_candles=1000)
    data = save_candles(candles, root / "BTCUSDT_1m.parquet")
    spec = {
        "symbol": "BTCUSDT",
        "lower": round(float(candles.low.min()), 1),
        "upper": round(float(candles.high.max()), 1),
        "grids": 12,
        "direction": "neutral",
        "base_allocation": 10_000,
        "leverage": 2,
        "entry_mode": "taker",
    }
    spec_path = root / "spec.json"
    spec_path.write_text(json.dumps(spec))
    return data, spec_path


def _venue(data: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            *GRIDARENA,
            "sim-venue",
            "--port",
            str(port),
            "--data",
            str(data),
            "--clock",
            "manual",
            "--api-key",
            KEY,
            "--api-secret",
            SECRET,
            "--balance",
            "100000",
            "--weight-limit",
            "10000000",
            "--order-limit",
            "1000000",
        ],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/fapi/v1/ping").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)  # waiting for a child process to listen; no clock to inject here
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _engine(
    url: str, market: tuple[Path, Path], db: Path, session: str, engine: str
) -> subprocess.Popen[str]:
    data, spec = market
    return subprocess.Popen(
        [
            *GRIDARENA,
            "paper",
            "--venue",
            "binanceusdm",
            "--venue-url",
            url,
            "--data",
            str(data),
            "--spec",
            str(spec),
            "--db",
            f"sqlite:///{db}",
            "--session-id",
            session,
            "--engine-id",
            engine,
            "--json",
        ],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    return dict(json.loads(out))


def _venue_truth(url: str) -> tuple[list[str], dict[str, Any]]:
    orders = httpx.get(f"{url}/sim/orders").json()["accounts"]
    (account,) = orders.values()
    open_ids = sorted(
        cid for cid, o in account.items() if o["status"] in ("NEW", "PARTIALLY_FILLED")
    )
    return open_ids, account


def test_crash_drill_when_engine_killed_twenty_times_then_nothing_doubled_or_lost(
    market: tuple[Path, Path], tmp_path: Path
) -> None:
    venue_clean = _venue(market[0])
    clean_url = next(venue_clean)
    clean = _finish(_engine(clean_url, market, tmp_path / "clean.db", "drill", "e1"))
    venue_clean.close()

    venue = _venue(market[0])
    url = next(venue)
    rng = random.Random(20)
    kills = 0
    db = tmp_path / "crash.db"
    while kills < 20:
        proc = _engine(url, market, db, "drill", "e1")
        time.sleep(rng.uniform(0.5, 3.5))  # a random moment: the point of the drill
        if proc.poll() is not None:
            proc.communicate()
            break  # it finished before we got to it
        proc.send_signal(signal.SIGKILL)
        proc.communicate()  # reap it and close its pipes
        kills += 1
    final = _finish(_engine(url, market, db, "drill", "e1"))
    open_ids, orders = _venue_truth(url)
    venue.close()

    assert kills == 20
    assert final["resumed"]
    # Same trading as an undisturbed run: the kills changed nothing.
    assert final["fill_rows"] == clean["fill_rows"]
    assert final["realized_pnl"] == pytest.approx(clean["realized_pnl"], abs=1e-9)
    # No orphaned open order: the engine knows exactly what rests at the venue.
    assert final["open_orders"] == open_ids
    # The ledger equals the venue.
    assert final["engine_position"] == final["position"]
    filled = [f for o in orders.values() for f in o["fills"]]
    assert len(filled) == final["fills"]
    # Never two live orders for one slot: one id per (slot, cycle), one open order per slot.
    slots = [cid.split("-")[2] for cid in open_ids]
    assert len(slots) == len(set(slots))


def test_lease_when_second_engine_starts_on_same_session_then_it_refuses_and_says_why(
    market: tuple[Path, Path], tmp_path: Path
) -> None:
    venue = _venue(market[0])
    url = next(venue)
    db = tmp_path / "lease.db"
    first = _engine(url, market, db, "shared", "engine-A")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not db.exists():
        time.sleep(0.05)  # until the first engine has created its store and taken the lease
    time.sleep(1.5)
    second = _engine(url, market, db, "shared", "engine-B")
    _out, err = second.communicate(timeout=120)
    assert second.returncode == 2
    assert "engine-A" in err
    assert "refusing" in err
    result = _finish(first)
    assert result["fills"] > 0
    venue.close()
