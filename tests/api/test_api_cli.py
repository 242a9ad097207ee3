"""`gridarena keys` and `gridarena serve` through the real Typer commands and a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import typer
from api_support import make_app
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from gridarena.api.cli import keys_app, serve
from gridarena.api.keys import hash_key
from gridarena.store.migrate import upgrade
from gridarena.store.repo.keys import get_api_key

runner = CliRunner()


def _create(db_url: str, scope: str, name: str = "cli") -> str:
    result = runner.invoke(keys_app, ["create", "--scope", scope, "--name", name, "--db", db_url])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


def test_keys_create_when_trade_scope_then_key_printed_once_and_only_hash_stored(
    db_url: str, db_factory: sessionmaker[Session]
) -> None:
    key = _create(db_url, "trade")

    prefix = key.split("_")[1]
    with db_factory() as session:
        row = get_api_key(session, prefix=prefix)
    assert row is not None
    assert row.key_hash == hash_key(key)
    assert key not in row.key_hash
    assert row.scopes == "read,trade"


def test_keys_create_when_key_used_then_authenticates_with_its_scope(
    db_url: str, db_factory: sessionmaker[Session]
) -> None:
    key = _create(db_url, "read")

    with TestClient(make_app(db_factory)) as client:
        read = client.get("/models", headers={"Authorization": f"Bearer {key}"})
        trade = client.post("/prices/sync", headers={"Authorization": f"Bearer {key}"})

    assert (read.status_code, trade.status_code) == (200, 403)


def test_keys_list_when_keys_exist_then_prefixes_shown_never_keys(db_url: str) -> None:
    key = _create(db_url, "admin", name="ops-laptop")

    result = runner.invoke(keys_app, ["list", "--db", db_url])

    assert result.exit_code == 0
    assert key.split("_")[1] in result.stdout
    assert "ops-laptop" in result.stdout
    assert key not in result.stdout
    assert key.split("_", 2)[2] not in result.stdout


def test_keys_revoke_when_prefix_known_then_key_refused(
    db_url: str, db_factory: sessionmaker[Session]
) -> None:
    key = _create(db_url, "read")

    result = runner.invoke(keys_app, ["revoke", key.split("_")[1], "--db", db_url])

    assert result.exit_code == 0, result.output
    with TestClient(make_app(db_factory)) as client:
        response = client.get("/models", headers={"X-API-Key": key})
    assert response.status_code == 401


def test_keys_revoke_when_prefix_unknown_then_exit_2(db_url: str) -> None:
    result = runner.invoke(keys_app, ["revoke", "000000000000", "--db", db_url])

    assert result.exit_code == 2
    assert "no API key with prefix" in result.output


def test_keys_create_when_scope_invalid_then_exit_2(db_url: str) -> None:
    result = runner.invoke(keys_app, ["create", "--scope", "root", "--db", db_url])

    assert result.exit_code == 2
    assert "--scope must be read, trade or admin" in result.output


def test_keys_create_when_database_not_migrated_then_exit_2_with_hint(tmp_path: Path) -> None:
    result = runner.invoke(keys_app, ["create", "--db", f"sqlite:///{tmp_path / 'empty.db'}"])

    assert result.exit_code == 2
    assert "gridarena db upgrade" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_when_started_then_answers_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade(url)
    port = _free_port()
    code = "import typer; from gridarena.api.cli import serve; typer.run(serve)"
    env = os.environ | {"GRIDARENA_CONFIG": "", "DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--port", str(port), "--log-level", "WARNING"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None
        assert response.status_code == 200
        ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=5)
        assert ready.json()["checks"]["store"]["ok"] is True
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0].decode()
    assert f"gridarena API on http://127.0.0.1:{port}" in output


def test_serve_when_used_as_typer_command_then_has_documented_options() -> None:
    app = typer.Typer()
    app.command()(serve)

    result = runner.invoke(app, ["--help"])

    for option in ("--host", "--port", "--db", "--log-level", "--migrate"):
        assert option in result.stdout
