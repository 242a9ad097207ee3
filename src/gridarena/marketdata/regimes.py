"""Market regimes and the Markov chain that switches between them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray


class Regime(IntEnum):
    """Regime codes stored per candle by the generator."""

    RANGE = 0
    TREND_UP = 1
    TREND_DOWN = 2
    CRASH = 3
    SQUEEZE = 4
    BREAKOUT = 5  # the exit of a squeeze: a short, violent move that usually starts a trend


@dataclass(frozen=True, slots=True)
class RegimeSpec:
    """Behaviour of one regime in 1-minute units.

    ``drift_per_day`` is the log drift, ``vol_mult`` multiplies the base volatility,
    ``mean_minutes`` is the mean (geometric) duration and ``half_life_minutes`` the
    mean-reversion half-life towards the level at the regime start (0 = no pull).
    """

    drift_per_day: float
    vol_mult: float
    mean_minutes: float
    half_life_minutes: float = 0.0


DEFAULT_REGIMES: dict[Regime, RegimeSpec] = {
    Regime.RANGE: RegimeSpec(0.0, 0.85, 2_160.0, 480.0),
    Regime.TREND_UP: RegimeSpec(0.025, 1.0, 1_440.0),
    Regime.TREND_DOWN: RegimeSpec(-0.027, 1.15, 1_200.0),
    Regime.CRASH: RegimeSpec(-0.6, 2.8, 120.0),
    Regime.SQUEEZE: RegimeSpec(0.0, 0.4, 600.0, 90.0),
    Regime.BREAKOUT: RegimeSpec(0.35, 2.2, 45.0),  # drift sign is drawn per breakout
}

# Embedded jump chain (probability of the next regime when one ends; no self-transitions).
# Squeezes always end in a breakout; a breakout continues as a trend in its direction
# (TREND_UP stands for "same direction" in its row) or calms into a range.
DEFAULT_TRANSITIONS: dict[Regime, dict[Regime, float]] = {
    Regime.RANGE: {
        Regime.TREND_UP: 0.36,
        Regime.TREND_DOWN: 0.32,
        Regime.CRASH: 0.02,
        Regime.SQUEEZE: 0.30,
    },
    Regime.TREND_UP: {
        Regime.RANGE: 0.57,
        Regime.TREND_DOWN: 0.10,
        Regime.CRASH: 0.04,
        Regime.SQUEEZE: 0.29,
    },
    Regime.TREND_DOWN: {
        Regime.RANGE: 0.57,
        Regime.TREND_UP: 0.18,
        Regime.CRASH: 0.04,
        Regime.SQUEEZE: 0.21,
    },
    Regime.CRASH: {Regime.RANGE: 0.55, Regime.TREND_DOWN: 0.25, Regime.TREND_UP: 0.20},
    Regime.SQUEEZE: {Regime.BREAKOUT: 1.0},
    Regime.BREAKOUT: {Regime.TREND_UP: 0.7, Regime.RANGE: 0.3},
}


@dataclass(frozen=True, slots=True)
class RegimePath:
    """Per-candle regime code and drift sign (+1/-1; only breakouts use -1 and +1 freely)."""

    regime: NDArray[np.int8]
    sign: NDArray[np.int8]
    starts: NDArray[np.bool_]


def sample_regimes(
    rng: np.random.Generator,
    n: int,
    minutes_per_candle: float,
    *,
    specs: dict[Regime, RegimeSpec] = DEFAULT_REGIMES,
    transitions: dict[Regime, dict[Regime, float]] = DEFAULT_TRANSITIONS,
    first: Regime = Regime.RANGE,
) -> RegimePath:
    """Sample ``n`` candles of regimes: a Markov chain with geometric durations.

    Geometric durations with a per-candle stay probability make this exactly a per-candle
    Markov chain; sampling whole episodes keeps the Python loop to a few hundred steps.
    """
    codes: list[int] = []
    signs: list[int] = []
    lengths: list[int] = []
    state, sign, total = first, 1, 0
    while total < n:
        mean_candles = max(specs[state].mean_minutes / minutes_per_candle, 1.0)
        length = int(rng.geometric(1.0 / mean_candles))
        codes.append(int(state))
        signs.append(sign)
        lengths.append(length)
        total += length
        state, sign = _next_state(rng, state, sign, transitions)
    reps = np.asarray(lengths, dtype=np.int64)
    starts = np.zeros(int(reps.sum()), dtype=np.bool_)
    starts[np.cumsum(reps) - reps] = True
    return RegimePath(
        regime=np.repeat(np.asarray(codes, dtype=np.int8), reps)[:n],
        sign=np.repeat(np.asarray(signs, dtype=np.int8), reps)[:n],
        starts=starts[:n],
    )


def _next_state(
    rng: np.random.Generator,
    state: Regime,
    sign: int,
    transitions: dict[Regime, dict[Regime, float]],
) -> tuple[Regime, int]:
    row = transitions[state]
    targets = list(row)
    probs = np.asarray([row[t] for t in targets], dtype=np.float64)
    nxt = targets[int(rng.choice(len(targets), p=probs / probs.sum()))]
    if nxt == Regime.BREAKOUT:
        return nxt, 1 if rng.random() < 0.5 else -1
    if state == Regime.BREAKOUT and nxt == Regime.TREND_UP and sign < 0:
        # "Same direction" continuation of a downside breakout.
        return Regime.TREND_DOWN, 1
    return nxt, 1
