"""``sim-venue``: options, keys, markets from real USD-M files, and the served command."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
import numpy as np
import pytest
import typer
from test_facade_support import advance, signed, swing_candles
from typer.testing import CliRunner

from gridarena.marketdata import save_candles, shared_market_dir
from gridarena.venues.facade import create_app, facade_client, serve_in_thread
from gridarena.venues.facade.cli import account_names, resolve_keys, sim_venue_command
from gridarena.venues.facade.markets import build_exchange, generated_markets, load_markets

USDM = shared_market_dir() / "binance_usdm_1m_2025-05"


def test_account_names_when_count_or_names_then_listed() -> None:
    assert account_names("3") == ["acct1", "acct2", "acct3"]
    assert account_names("gpt, grok") == ["gpt", "grok"]
    with pytest.raises(ValueError, match="distinct"):
        account_names("a,a")


def test_resolve_keys_when_options_env_and_file_then_each_key_maps_an_account(
    tmp_path: Path,
) -> None:
    names = ["gpt", "grok"]
    assert resolve_keys(names, ["k1", "k2"], ["s1", "s2"], None, {}) == {
        "k1": ("s1", "gpt"),
        "k2": ("s2", "grok"),
    }
    env = {"GRIDARENA_SIM_API_KEY": "ek", "GRIDARENA_SIM_API_SECRET": "es"}
    assert resolve_keys(names, [], [], None, env) == {"ek": ("es", "gpt")}
    file = tmp_path / "keys.json"
    file.write_text(json.dumps([{"api_key": "fk", "api_secret": "fs", "account": "grok"}]))
    assert resolve_keys(names, [], [], file, {}) == {"fk": ("fs", "grok")}
    with pytest.raises(ValueError, match="no API key"):
        resolve_keys(names, [], [], None, {})
    with pytest.raises(ValueError, match="as many"):
        resolve_keys(names, ["k1"], [], None, {})


def test_command_when_options_invalid_then_exit_code_2() -> None:
    app = typer.Typer()
    app.command()(sim_venue_command)
    runner = CliRunner()
    for args in (
        ["--fault-rate", "2"],
        ["--api-key", "k", "--api-secret", "s", "--clock", "wall"],
        ["--api-key", "k", "--api-secret", "s", "--fault-kinds", "meteor"],
        ["--api-key", "k", "--api-secret", "s", "--data", "/nonexistent.parquet"],
    ):
        result = runner.invoke(app, args, env={"GRIDARENA_SIM_API_KEY": ""})
        assert result.exit_code == 2, (args, result.output)


def test_generated_markets_when_symbols_given_then_one_market_each() -> None:
    markets = generated_markets(["BTCUSDT", "eth/usdt"], n_candles=50)
    assert [c.symbol for c, _ in markets] == ["BTCUSDT", "ETHUSDT"]
    assert 1_000 < markets[1][0].open[0] < 10_000


@pytest.mark.skipif(not USDM.is_dir(), reason=f"shared USD-M data not found at {USDM}")
def test_facade_when_real_usdm_files_then_funding_and_two_symbols_served() -> None:
    files = [USDM / "BTCUSDT_PERP_1m.parquet", USDM / "ETHUSDT_PERP_1m.parquet"]
    markets = load_markets(files)
    assert sorted(c.symbol for c, _ in markets) == ["BTCUSDT", "ETHUSDT"]
    assert all(f is not None for _, f in markets)
    exchange = build_exchange(markets, ["main"], Decimal(50_000))
    app = create_app(exchange, {"k": ("s", "main")})
    btc, fund = next((c, f) for c, f in markets if c.symbol == "BTCUSDT")
    assert fund is not None
    with serve_in_thread(app) as venue:
        advance(venue.base_url, candles=600)
        ex = facade_client(venue.base_url, "k", "s")
        try:
            ex.load_markets()
            assert set(ex.symbols) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
            now = ex.fetch_time()
            rate = ex.fetch_funding_rate("BTC/USDT:USDT")
            k = int(np.searchsorted(fund.ts_ms, now, "right"))
            assert rate["fundingRate"] == pytest.approx(float(fund.rate[k - 1]))
            assert rate["fundingTimestamp"] == int(fund.ts_ms[k])
            last = ex.fetch_ohlcv("BTC/USDT:USDT", "1m", limit=1)[0]
            assert last[0] == int(btc.ts_ms[599])
            assert last[4] == pytest.approx(float(btc.close[599]))
            tickers = ex.fetch_tickers()
            assert set(tickers) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
        finally:
            ex.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_sim_venue_command_when_run_then_serves_signed_requests(tmp_path: Path) -> None:
    port = _free_port()
    small = swing_candles(n=50, base=3_000.0, swing=5.0, symbol="ETHUSDT")
    data = save_candles(small, tmp_path / "ETHUSDT_1m.parquet")
    code = (
        "import typer; from gridarena.venues.facade.cli import sim_venue_command; "
        "typer.run(sim_venue_command)"
    )
    env = {**os.environ, "GRIDARENA_SIM_API_KEY": "cli-key", "GRIDARENA_SIM_API_SECRET": "cli-s"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "--port",
            str(port),
            "--data",
            str(data),
            "--accounts",
            "gpt,grok",
            "--balance",
            "2500",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/fapi/v1/ping").raise_for_status()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1].decode()
                assert time.monotonic() < deadline
                time.sleep(0.005)
        resp = httpx.get(
            f"{base}/fapi/v2/balance?{signed({}, 'cli-s')}", headers={"X-MBX-APIKEY": "cli-key"}
        )
        assert resp.status_code == 200
        assert resp.json()[0]["balance"] == "2500.00000000"
        state = httpx.get(f"{base}/sim/state").json()
        assert list(state["accounts"]) == ["gpt", "grok"]
        assert list(state["markets"]) == ["ETHUSDT"]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert b"cli-s" not in err
