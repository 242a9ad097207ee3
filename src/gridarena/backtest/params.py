"""Typed kernel parameters: the bridge between validated specs and the compiled kernel."""

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

from gridarena.backtest import layout as k

FILL_RULES = {"touch": 0, "cross": 1}
PATHS = {"nearest": 0, "ohlc": 1, "olhc": 2}
RANGE_EXITS = {"none": 0, "stop": 1, "stop_and_close": 2}
DIRECTIONS = {"long": 1, "short": -1, "neutral": 0}


@dataclass(frozen=True, slots=True)
class GridParams:
    """Everything the kernel needs besides candles, levels and slot sizes.

    Fees and slippage are fractions (0.0002 = 2 bp). ``tp_pct``/``sl_pct`` are fractions of the
    allocation (0.03 = stop with +3 % equity). Prices set to 0 mean "off".
    """

    allocation: float
    direction: str = "neutral"
    leverage: float = 1.0
    maker_fee: float = 0.0002
    taker_fee: float = 0.0005
    slippage: float = 0.0
    maintenance_margin: float = 0.004
    multiplier: float = 1.0
    tp_pct: float = 0.0
    sl_pct: float = 0.0
    stop_top: float = 0.0
    stop_bottom: float = 0.0
    trigger_price: float = 0.0
    range_exit: str = "none"
    trailing_up: bool = False
    trailing_down: bool = False
    fill_rule: str = "touch"
    path: str = "nearest"
    geometric: bool = False
    tick: float = 0.0
    step: float = 0.0
    entry_maker: bool = False

    def __post_init__(self) -> None:
        for name, table, value in (
            ("direction", DIRECTIONS, self.direction),
            ("fill_rule", FILL_RULES, self.fill_rule),
            ("path", PATHS, self.path),
            ("range_exit", RANGE_EXITS, self.range_exit),
        ):
            if value not in table:
                raise ValueError(f"{name}: {value!r} is not one of {sorted(table)}")
        if not self.allocation > 0:
            raise ValueError(f"allocation: must be > 0, got {self.allocation}")
        if not self.leverage > 0:
            raise ValueError(f"leverage: must be > 0, got {self.leverage}")

    def vector(self) -> NDArray[np.float64]:
        """Return the kernel's parameter vector."""
        v = np.zeros(k.N_PARAMS, np.float64)
        v[k.P_DIRECTION] = DIRECTIONS[self.direction]
        v[k.P_MAKER] = self.maker_fee
        v[k.P_TAKER] = self.taker_fee
        v[k.P_SLIPPAGE] = self.slippage
        v[k.P_LEVERAGE] = self.leverage
        v[k.P_MMR] = self.maintenance_margin
        v[k.P_MULT] = self.multiplier
        v[k.P_ALLOCATION] = self.allocation
        v[k.P_TP] = self.tp_pct
        v[k.P_SL] = self.sl_pct
        v[k.P_STOP_TOP] = self.stop_top
        v[k.P_STOP_BOTTOM] = self.stop_bottom
        v[k.P_TRIGGER] = self.trigger_price
        v[k.P_RANGE_EXIT] = RANGE_EXITS[self.range_exit]
        v[k.P_TRAIL_UP] = float(self.trailing_up)
        v[k.P_TRAIL_DOWN] = float(self.trailing_down)
        v[k.P_FILL_RULE] = FILL_RULES[self.fill_rule]
        v[k.P_PATH] = PATHS[self.path]
        v[k.P_GEOMETRIC] = float(self.geometric)
        v[k.P_TICK] = self.tick
        v[k.P_STEP] = self.step
        v[k.P_ENTRY_MAKER] = float(self.entry_maker)
        return v

    def to_dict(self) -> dict[str, object]:
        """Return the parameters as plain data (recorded in every report)."""
        return asdict(self)
