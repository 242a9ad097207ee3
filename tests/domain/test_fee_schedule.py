from decimal import Decimal

import pytest

from gridarena.domain.fees import BINANCE_USDM_FEES, FeeSchedule


def test_fee_schedule_when_default_then_binance_usdm_rates() -> None:
    assert FeeSchedule(Decimal("0.0002"), Decimal("0.0005")) == BINANCE_USDM_FEES


def test_fee_when_maker_and_taker_then_rate_times_notional() -> None:
    fees = FeeSchedule()
    assert fees.fee("1000", maker=True) == Decimal("0.2")
    assert fees.fee(1000, maker=False) == Decimal("0.5")


def test_fee_schedule_when_float_rates_then_stored_as_exact_decimal() -> None:
    fees = FeeSchedule(0.0001, 0.0004)  # type: ignore[arg-type]
    assert fees.maker == Decimal("0.0001")
    assert fees.taker == Decimal("0.0004")


def test_fee_schedule_when_maker_rebate_then_negative_fee() -> None:
    assert FeeSchedule(Decimal("-0.0001")).fee(1000, maker=True) == Decimal("-0.1")


@pytest.mark.parametrize(("maker", "taker"), [("1", "0.0005"), ("0.0002", "-0.1")])
def test_fee_schedule_when_rate_out_of_range_then_raises(maker: str, taker: str) -> None:
    with pytest.raises(ValueError, match="fee"):
        FeeSchedule(Decimal(maker), Decimal(taker))
