"""Positions and balances are one current row each; PnL snapshots append."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from store_helpers import at

from gridarena.store.enums import MarginMode
from gridarena.store.models import Account, Position
from gridarena.store.repo import (
    add_pnl_snapshot,
    get_balances,
    get_position,
    pnl_snapshots,
    upsert_balance,
    upsert_position,
)


def test_upsert_position_when_written_twice_then_one_row_with_latest_values(
    db_session: Session, account: Account
) -> None:
    upsert_position(
        db_session,
        account_id=account.id,
        symbol="BTCUSDT",
        qty=Decimal("0.002"),
        entry_price=Decimal("64250.1"),
        at=at(0),
    )

    pos = upsert_position(
        db_session,
        account_id=account.id,
        symbol="BTCUSDT",
        qty=Decimal("-0.001"),
        entry_price=Decimal("64300.25"),
        leverage=5,
        margin_mode=MarginMode.ISOLATED,
        liquidation_price=Decimal("77000.5"),
        unrealized=Decimal("-0.05"),
        at=at(1),
    )

    count = db_session.scalar(
        select(func.count()).select_from(Position).where(Position.account_id == account.id)
    )
    assert count == 1
    assert (pos.qty, pos.entry_price, pos.leverage, pos.margin_mode) == (
        Decimal("-0.001"),
        Decimal("64300.25"),
        Decimal(5),
        MarginMode.ISOLATED,
    )
    assert (pos.liquidation_price, pos.unrealized, pos.updated_at) == (
        Decimal("77000.5"),
        Decimal("-0.05"),
        at(1),
    )
    assert get_position(db_session, account_id=account.id, symbol="ETHUSDT") is None


def test_upsert_balance_when_assets_updated_then_current_values_by_asset(
    db_session: Session, account: Account
) -> None:
    upsert_balance(db_session, account_id=account.id, asset="USDT", wallet=500, available=500)
    upsert_balance(db_session, account_id=account.id, asset="BNB", wallet=1, available=1)
    upsert_balance(
        db_session,
        account_id=account.id,
        asset="USDT",
        wallet=Decimal("499.9743"),
        available=Decimal("371.4"),
    )

    balances = get_balances(db_session, account_id=account.id)

    assert [(b.asset, b.wallet, b.available) for b in balances] == [
        ("BNB", Decimal(1), Decimal(1)),
        ("USDT", Decimal("499.9743"), Decimal("371.4")),
    ]


def test_add_pnl_snapshot_when_appended_then_curve_in_time_order(
    db_session: Session, account: Account
) -> None:
    for second, equity in [(60, "501.5"), (0, "500"), (120, "499.25")]:
        add_pnl_snapshot(
            db_session,
            account_id=account.id,
            equity=Decimal(equity),
            realized=Decimal("0.1"),
            unrealized=Decimal("-0.2"),
            fees=Decimal("0.0257"),
            funding=Decimal("-0.001"),
            ts=at(second),
        )

    curve = pnl_snapshots(db_session, account_id=account.id, since=at(60))

    assert [(s.ts, s.equity) for s in curve] == [
        (at(60), Decimal("501.5")),
        (at(120), Decimal("499.25")),
    ]
    assert curve[0].funding == Decimal("-0.001")
