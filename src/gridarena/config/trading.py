"""Trading settings: risk limits, execution and fill model, grid, hedge and indicator defaults."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, AliasChoices, Field, field_validator, model_validator

from gridarena.config.types import (
    ConfigModel,
    Fraction,
    Money,
    PositiveDecimal,
    Seconds,
    TimezoneName,
)

__all__ = [
    "ExecutionSettings",
    "GridSettings",
    "HedgeSettings",
    "IndicatorSettings",
    "RetrySettings",
    "RiskSettings",
]


def _loss_magnitude(value: Decimal) -> Decimal:
    # Seed 000 writes the limit as a signed PnL (RISK_MAX_DAILY_LOSS=-200), seed 003 as
    # a positive amount ($900); both mean "stop after losing this much".
    magnitude = abs(value)
    if magnitude == 0:
        raise ValueError("daily loss limit must be non-zero, e.g. 200 (or -200)")
    return magnitude


class RiskSettings(ConfigModel):
    """Limits every order passes (human, webhook, LLM or grid), checked by the risk gate."""

    trading_enabled: bool = Field(
        default=True,
        description="Kill switch: false stops new orders; resting orders stay (seed 004).",
    )
    max_leverage: PositiveDecimal = Field(
        default=Decimal(10),
        validation_alias=AliasChoices("RISK_MAX_LEVERAGE"),
        description="Hard leverage cap for any position; wins over the provider band.",
    )
    provider_min_leverage: PositiveDecimal = Field(
        default=Decimal(3), description="Lowest leverage an LLM decision may ask for (seed 001)."
    )
    provider_max_leverage: PositiveDecimal = Field(
        default=Decimal(10), description="Highest leverage an LLM decision may ask for (seed 001)."
    )
    max_daily_loss: Annotated[Decimal, AfterValidator(_loss_magnitude)] = Field(
        default=Decimal(200),
        allow_inf_nan=False,
        validation_alias=AliasChoices("RISK_MAX_DAILY_LOSS"),
        description="Loss per trading day that flattens and halts the account; sign ignored.",
    )
    max_symbol_exposure: PositiveDecimal = Field(
        default=Decimal(5000),
        validation_alias=AliasChoices("RISK_MAX_SYMBOL_EXPOSURE"),
        description="Largest notional per symbol, in quote currency.",
    )
    max_position_per_trade: Fraction = Field(
        default=Decimal("0.20"), description="Share of equity one trade may commit (seed 001)."
    )
    max_capital_per_symbol: Fraction = Field(
        default=Decimal("0.20"), description="Share of equity allocated to one symbol (seed 004)."
    )
    max_total_exposure: PositiveDecimal = Field(
        default=Decimal("0.80"),
        description="Total notional as a multiple of equity (0.80 = 80 %, seed 004).",
    )
    max_net_exposure: Money | None = Field(
        default=None, description="Net notional above which no position is opened (seed 003)."
    )
    min_order_value: Money = Field(
        default=Decimal(5),
        description="Smallest order notional in quote currency (seed 004 used 100 NOK on Firi).",
    )
    min_spread_pct: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)] = Field(
        default=Decimal("0.05"),
        description="Narrowest grid step, in % of price, worth quoting (seed 004 min_spread_pct).",
    )
    max_book_spread_pct: PositiveDecimal | None = Field(
        default=None, description="Refuse new orders while the bid-ask spread is wider (in %)."
    )
    atr_spike_circuit_breaker: PositiveDecimal = Field(
        default=Decimal("0.30"),
        description="Pause grids when ATR changes by more than this fraction in one candle.",
    )
    trailing_drawdown: PositiveDecimal | None = Field(
        default=None, description="Drawdown from the equity peak that flattens (seed 003: 1800)."
    )
    daily_profit_target: PositiveDecimal | None = Field(
        default=None, description="Daily PnL after which no position is opened (seed 003: 500)."
    )
    flatten_at: time | None = Field(
        default=None, description="Session end: flatten every position at this local time."
    )
    session_timezone: TimezoneName = Field(
        default="UTC", description="Time zone for flatten_at and for the daily PnL window."
    )

    @field_validator("flatten_at", mode="before")
    @classmethod
    def _time_must_be_text(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 15:55 as the base-60 integer 955, which pydantic
        # would silently accept as 00:15:55; insist on text.
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError('write the time as quoted text, e.g. "15:55"')
        return value

    @model_validator(mode="after")
    def _leverage_band_ordered(self) -> Self:
        if self.provider_min_leverage > self.provider_max_leverage:
            raise ValueError("provider_min_leverage must not exceed provider_max_leverage")
        return self


class RetrySettings(ConfigModel):
    """Back-off for venue calls that failed with a retryable error (seed 004 RetryConfig)."""

    max_retries: int = Field(default=5, ge=0, le=100)
    base_delay_s: Seconds = 0.5
    max_delay_s: Seconds = 60.0
    backoff_factor: float = Field(default=2.0, ge=1, allow_inf_nan=False)
    request_timeout_s: Seconds = 15.0

    @model_validator(mode="after")
    def _delays_ordered(self) -> Self:
        if self.base_delay_s > self.max_delay_s:
            raise ValueError("base_delay_s must not exceed max_delay_s")
        return self


class ExecutionSettings(ConfigModel):
    """How orders are sent, priced and, in simulation, filled (DESIGN §3)."""

    dry_run: bool = Field(
        default=True,
        validation_alias=AliasChoices("DRY_RUN"),
        description="Log orders instead of sending them; live trading needs DRY_RUN=false.",
    )
    slippage_bps: Annotated[Decimal, Field(ge=0, le=10_000, allow_inf_nan=False)] = Field(
        default=Decimal(10),
        validation_alias=AliasChoices("SLIPPAGE_BPS"),
        description="Slippage tolerated on market orders and assumed for them in simulation.",
    )
    # Negative maker fees are rebates, which some venues pay.
    maker_fee_bps: Annotated[Decimal, Field(ge=-100, le=1_000, allow_inf_nan=False)] = Decimal(2)
    taker_fee_bps: Annotated[Decimal, Field(ge=0, le=1_000, allow_inf_nan=False)] = Decimal(5)
    fill_rule: Literal["touch", "cross"] = Field(
        default="cross",
        description="A resting buy fills when low <= p (touch) or low < p (cross). Cross is "
        "the default because a mere touch does not prove the queue reached the order.",
    )
    intrabar_path: Literal["nearest", "ohlc", "olhc"] = Field(
        default="nearest",
        description="Assumed path inside a candle: open, nearer extreme, farther extreme, "
        "close (nearest); or always high first (ohlc) / low first (olhc).",
    )
    retry: RetrySettings = Field(default_factory=RetrySettings)


class GridSettings(ConfigModel):
    """Defaults for grids whose decision leaves a parameter open (seeds 002, 003, 004)."""

    levels_per_side: int = Field(default=5, ge=1, le=200)
    spacing: Literal["arithmetic", "geometric", "atr"] = "atr"
    direction: Literal["long", "short", "both"] = "both"
    atr_period: int = Field(default=14, ge=1, le=1_000)
    spacing_atr_multiplier: PositiveDecimal = Field(
        default=Decimal("0.45"), description="Grid step = ATR x this (seed 003; seed 004 used 0.5)."
    )
    take_profit_atr_multiplier: PositiveDecimal = Field(
        default=Decimal("1.5"), description="Take-profit distance = ATR x this (seed 004)."
    )
    geometric_ratio_min: PositiveDecimal = Decimal("0.01")
    geometric_ratio_max: PositiveDecimal = Decimal("0.10")
    risk_per_trade: PositiveDecimal = Field(
        default=Decimal(150), description="Money risked per level, sizes the lot (seed 003 R)."
    )
    pyramiding_alpha: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)] = Field(
        default=Decimal(0), description="lot_n = base_lot x (1 + alpha x n); 0 = flat (seed 003)."
    )
    trend_filter: bool = Field(
        default=True, description="Pause a grid while the trend is strongly against it (seed 004)."
    )

    @model_validator(mode="after")
    def _ratio_band_ordered(self) -> Self:
        if self.geometric_ratio_min > self.geometric_ratio_max:
            raise ValueError("geometric_ratio_min must not exceed geometric_ratio_max")
        return self


class HedgeSettings(ConfigModel):
    """Cross-asset hedge of the primary instrument with a correlated one (seed 003)."""

    enabled: bool = False
    primary_instrument: str = "MES"
    hedge_instrument: str = "MNQ"
    trigger_spacing_multiple: PositiveDecimal = Field(
        default=Decimal("1.5"), description="Hedge once price is this many steps from the middle."
    )
    lookback_bars: int = Field(
        default=100, ge=2, description="Bars used for correlation and the volatility ratio."
    )


class IndicatorSettings(ConfigModel):
    """Indicator parameters fed to decisions (seed 001)."""

    price_change_window_s: Seconds = 180.0
    macd_fast: int = Field(default=12, ge=1)
    macd_slow: int = Field(default=26, ge=2)
    macd_signal: int = Field(default=9, ge=1)
    rsi_period: int = Field(default=14, ge=1)
    rsi_overbought: float = Field(default=70.0, gt=0, lt=100)
    rsi_oversold: float = Field(default=30.0, gt=0, lt=100)
    kdj_period: int = Field(default=9, ge=1)
    kdj_k_smoothing: int = Field(default=3, ge=1)
    kdj_d_smoothing: int = Field(default=3, ge=1)
    kdj_overbought: float = 80.0
    kdj_oversold: float = 20.0
    depth_levels: int = Field(default=20, ge=1, le=1_000)

    @model_validator(mode="after")
    def _bands_ordered(self) -> Self:
        if self.macd_fast >= self.macd_slow:
            raise ValueError("macd_fast must be shorter than macd_slow")
        if self.rsi_oversold >= self.rsi_overbought:
            raise ValueError("rsi_oversold must be below rsi_overbought")
        if self.kdj_oversold >= self.kdj_overbought:
            raise ValueError("kdj_oversold must be below kdj_overbought")
        return self
