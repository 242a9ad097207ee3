"""Fills: recorded once per (account, trade id), queried by time, summed exactly."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from store_helpers import at, new_account

from gridarena.domain.types import Side
from gridarena.store.enums import Liquidity, OrderType
from gridarena.store.models import Account, Fill
from gridarena.store.repo import fill_totals, fills_since, record_fill, record_order_intent


def _fill(session: Session, account: Account, trade_id: str, **kw: object) -> bool:
    args: dict[str, object] = {
        "account_id": account.id,
        "trade_id": trade_id,
        "symbol": "BTCUSDT",
        "side": Side.BUY,
        "price": Decimal("64250.1"),
        "qty": Decimal("0.002"),
        "fee": Decimal("0.0257"),
        "fee_asset": "USDT",
        "liquidity": Liquidity.MAKER,
        "ts": at(0),
    }
    args.update(kw)
    return record_fill(session, **args)  # type: ignore[arg-type]


def _fills(session: Session, account: Account) -> list[Fill]:
    session.expire_all()
    stmt = select(Fill).where(Fill.account_id == account.id).order_by(Fill.id)
    return list(session.scalars(stmt))


def test_record_fill_when_new_then_true_and_stored_exactly(
    db_session: Session, account: Account
) -> None:
    assert _fill(db_session, account, "t1", candle_index=17) is True

    [fill] = _fills(db_session, account)
    assert (fill.price, fill.qty, fill.fee) == (
        Decimal("64250.1"),
        Decimal("0.002"),
        Decimal("0.0257"),
    )
    assert fill.liquidity is Liquidity.MAKER
    assert fill.candle_index == 17
    assert fill.ts == at(0)


def test_record_fill_when_trade_id_repeated_then_false_and_nothing_changes(
    db_session: Session, account: Account
) -> None:
    _fill(db_session, account, "t1")

    again = _fill(db_session, account, "t1", price=Decimal(1), qty=Decimal(9), ts=at(60))

    assert again is False
    [fill] = _fills(db_session, account)
    assert (fill.price, fill.qty, fill.ts) == (Decimal("64250.1"), Decimal("0.002"), at(0))


def test_record_fill_when_same_trade_id_other_account_then_recorded(
    db_session: Session, account: Account
) -> None:
    other = new_account(db_session, "grok")
    _fill(db_session, account, "t1")

    assert _fill(db_session, other, "t1") is True


def test_record_fill_when_client_id_known_then_linked_to_order(
    db_session: Session, account: Account
) -> None:
    order = record_order_intent(
        db_session,
        account_id=account.id,
        client_order_id="ga-cid-1",
        symbol="BTCUSDT",
        side=Side.BUY,
        order_type=OrderType.MARKET,
        qty=Decimal("0.002"),
    )

    _fill(db_session, account, "t1", client_order_id="ga-cid-1", liquidity=Liquidity.TAKER)

    [fill] = _fills(db_session, account)
    assert fill.order_id == order.id


def test_fills_since_when_queried_then_inclusive_oldest_first_per_account(
    db_session: Session, account: Account
) -> None:
    other = new_account(db_session, "grok")
    for i, second in enumerate([30, 10, 20, 5]):
        _fill(db_session, account, f"t{i}", ts=at(second))
    _fill(db_session, other, "x", ts=at(15))

    found = fills_since(db_session, account_id=account.id, since=at(10))

    assert [f.ts for f in found] == [at(10), at(20), at(30)]
    assert len(fills_since(db_session, account_id=account.id, since=at(10), limit=1)) == 1
    assert fills_since(db_session, account_id=account.id, since=at(0), symbol="ETHUSDT") == []


def test_fill_totals_when_many_tenths_then_sum_is_exact(
    db_session: Session, account: Account
) -> None:
    for i in range(10):
        _fill(db_session, account, f"t{i}", realized_pnl=Decimal("0.1"), fee=Decimal("0.01"))
    _fill(db_session, account, "bnb", fee=Decimal("0.000001"), fee_asset="BNB")

    totals = fill_totals(db_session, account_id=account.id)

    assert totals.count == 11
    assert totals.realized_pnl == Decimal(1)  # floats would give 0.9999999999999999
    assert totals.fees == {"USDT": Decimal("0.1"), "BNB": Decimal("0.000001")}
