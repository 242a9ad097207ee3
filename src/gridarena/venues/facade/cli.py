"""``gridarena sim-venue``: serve a simulated exchange over Binance USD-M's REST protocol."""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gridarena.cli_common import ConfigOpt, DataOpt, fail, simulation_config
from gridarena.venues.facade.config import FAULT_KINDS, FacadeConfig, FaultConfig, LimitConfig

KEY_ENV = "GRIDARENA_SIM_API_KEY"
SECRET_ENV = "GRIDARENA_SIM_API_SECRET"


def account_names(spec: str) -> list[str]:
    """Parse ``--accounts``: a count (``3`` → acct1..acct3) or comma-separated names."""
    text = spec.strip()
    if text.isdigit():
        n = int(text)
        if n < 1:
            raise ValueError("--accounts: need at least one account")
        return [f"acct{k}" for k in range(1, n + 1)]
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"--accounts: {spec!r} must be a count or distinct comma-separated names")
    return names


def resolve_keys(
    accounts: list[str],
    api_keys: list[str],
    api_secrets: list[str],
    keys_file: Path | None,
    env: dict[str, str],
) -> dict[str, tuple[str, str]]:
    """Map API keys to (secret, account): options pair up with accounts in order.

    Without options, ``GRIDARENA_SIM_API_KEY``/``GRIDARENA_SIM_API_SECRET`` give the first
    account's key. A keys file is a JSON list of ``{"api_key", "api_secret", "account"}``.
    """
    if len(api_keys) != len(api_secrets):
        raise ValueError("give as many --api-secret as --api-key")
    if not api_keys and env.get(KEY_ENV) and env.get(SECRET_ENV):
        api_keys, api_secrets = [env[KEY_ENV]], [env[SECRET_ENV]]
    if len(api_keys) > len(accounts):
        raise ValueError(f"{len(api_keys)} API keys for {len(accounts)} accounts")
    keys = {k: (s, a) for k, s, a in zip(api_keys, api_secrets, accounts, strict=False)}
    if keys_file is not None:
        try:
            entries = json.loads(keys_file.read_text())
            for e in entries:
                keys[str(e["api_key"])] = (str(e["api_secret"]), str(e["account"]))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"--keys-file: cannot read {keys_file}: {exc!r}") from None
    if not keys:
        raise ValueError(
            f"no API key: pass --api-key/--api-secret, set {KEY_ENV}/{SECRET_ENV}, "
            "or give --keys-file"
        )
    return keys


def _mask(key: str) -> str:
    return key[:4] + "…" if len(key) > 4 else "…"


def sim_venue_command(
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8900,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    data: DataOpt = None,
    symbols: Annotated[
        list[str] | None, typer.Option("--symbols", help="Symbols to serve (repeatable).")
    ] = None,
    clock: Annotated[str, typer.Option(help="manual (POST /sim/advance) or replay.")] = "manual",
    speed: Annotated[float, typer.Option(help="Replay speed × real time; 0 = flat out.")] = 1.0,
    api_key: Annotated[
        list[str] | None, typer.Option("--api-key", help="API key (repeat: one per account).")
    ] = None,
    api_secret: Annotated[
        list[str] | None, typer.Option("--api-secret", help="Secret of each --api-key.")
    ] = None,
    keys_file: Annotated[
        Path | None, typer.Option(help='JSON list of {"api_key","api_secret","account"}.')
    ] = None,
    accounts: Annotated[str, typer.Option(help="Account count or comma names.")] = "1",
    balance: Annotated[str, typer.Option(help="Starting wallet of each account.")] = "10000",
    fault_rate: Annotated[float, typer.Option(help="Share of requests that fail (0..1).")] = 0.0,
    fault_kinds: Annotated[
        str, typer.Option(help=f"Comma list from {','.join(FAULT_KINDS)}.")
    ] = ",".join(FAULT_KINDS),
    fault_endpoints: Annotated[
        list[str] | None,
        typer.Option("--fault-endpoints", help="'POST /fapi/v1/order' or a path (repeatable)."),
    ] = None,
    fault_delay: Annotated[
        float, typer.Option(help="Seconds a timeout_after_accept answer is held.")
    ] = 30.0,
    seed: Annotated[int, typer.Option(help="Fault RNG seed.")] = 0,
    weight_limit: Annotated[int, typer.Option(help="Request weight per minute.")] = 2400,
    order_limit: Annotated[int, typer.Option(help="Orders per minute per account.")] = 1200,
    config_file: ConfigOpt = None,
) -> None:
    """Serve the simulated venue over the Binance USD-M futures REST API."""
    from gridarena.venues.facade.app import create_app
    from gridarena.venues.facade.markets import build_exchange, generated_markets, load_markets
    from gridarena.venues.facade.server import make_server

    try:
        names = account_names(accounts)
        keys = resolve_keys(names, api_key or [], api_secret or [], keys_file, dict(os.environ))
        faults = FaultConfig(
            rate=fault_rate,
            kinds=tuple(k.strip() for k in fault_kinds.split(",") if k.strip()),
            endpoints=tuple(fault_endpoints or ()),
            seed=seed,
            timeout_delay_s=fault_delay,
        )
        limits = LimitConfig(weight_per_minute=weight_limit, orders_per_minute=order_limit)
        if clock not in ("manual", "replay"):
            raise ValueError(f"--clock: {clock!r} is not manual or replay")
        config = FacadeConfig(
            clock="replay" if clock == "replay" else "manual",
            speed=speed,
            limits=limits,
            faults=faults,
        )
        wallet = Decimal(balance)
    except (ValueError, InvalidOperation) as exc:
        raise fail(str(exc)) from exc
    for path in data or []:
        if not path.exists():
            raise fail(f"--data: file not found: {path}")
    try:
        markets = load_markets(data, symbols) if data else generated_markets(symbols)
    except (ValueError, OSError) as exc:
        raise fail(f"--data: {exc}") from exc
    exchange = build_exchange(markets, names, wallet, simulation_config(config_file))
    app = create_app(exchange, keys, config)
    console = Console(stderr=True)
    by_account = {a: [_mask(k) for k, (_, acc) in keys.items() if acc == a] for a in names}
    console.print(
        f"sim venue on http://{host}:{port} — clock {clock}, markets {list(exchange.markets)}"
    )
    for name, masked in by_account.items():
        console.print(f"  account {name}: balance {wallet}, keys {masked or 'none'}")
    make_server(app, host, port, log_level="info").run()
