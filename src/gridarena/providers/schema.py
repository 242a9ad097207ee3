"""The JSON schema of a decision as an LLM writes it (response format and tool input)."""

from __future__ import annotations

from typing import Any, Final

from gridarena.domain.types import Direction, Spacing
from gridarena.grid.spec import MAX_GRIDS
from gridarena.providers.types import MAX_REASONING, Rules

__all__ = ["TOOL_DESCRIPTION", "TOOL_NAME", "decision_schema"]

TOOL_NAME: Final = "submit_decision"
TOOL_DESCRIPTION: Final = "Submit your trading decision for the symbol shown."


def _nullable(kind: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], "description": description, **extra}


def _grid_schema(rules: Rules) -> dict[str, Any]:
    max_lev = int(rules.max_leverage)
    props: dict[str, Any] = {
        "spacing": {
            "type": "string",
            "enum": [s.value for s in Spacing],
            "description": "arithmetic/geometric need lower, upper, grids; "
            "atr needs atr_multiplier and grid_levels_each_side.",
        },
        "lower": _nullable("number", "Lowest grid price."),
        "upper": _nullable("number", "Highest grid price."),
        "grids": _nullable("integer", "Number of grid slots (levels - 1).", minimum=2),
        "grid_levels_each_side": _nullable(
            "integer", "Levels on each side of the price (atr spacing).", minimum=1
        ),
        "atr_multiplier": _nullable("number", "Level spacing in ATRs (atr spacing)."),
        "grid_ratio": _nullable("number", "Step ratio (geometric_from_price spacing)."),
        "base_allocation": {"type": "number", "description": "Margin committed, in USDT."},
        "leverage": {"type": "integer", "minimum": 1, "maximum": max_lev},
        "direction": {"type": "string", "enum": [d.value for d in Direction]},
        "tp_pct": _nullable("number", "Take profit as a fraction, 0.03 = 3 %."),
        "sl_pct": _nullable("number", "Stop loss as a fraction, 0.05 = 5 %."),
    }
    props["grids"]["maximum"] = MAX_GRIDS
    return {
        "type": ["object", "null"],
        "description": "The grid to run when action is GRID; null otherwise.",
        "properties": props,
        "required": ["spacing", "base_allocation", "leverage"],
        "additionalProperties": False,
    }


def decision_schema(rules: Rules) -> dict[str, Any]:
    """Return the JSON schema of one decision under ``rules`` (a single object at the root)."""
    actions: list[str] = list(rules.allowed_actions)
    if rules.allow_grid:
        actions.append("GRID")
    props: dict[str, Any] = {
        "action": {
            "type": "string",
            "enum": actions,
            "description": "BUY opens a long, SELL opens a short, CLOSE closes the position, "
            "HOLD waits" + (", GRID runs the grid given in 'grid'." if rules.allow_grid else "."),
        },
        "symbol": {"type": "string", "enum": list(rules.symbols)},
        "size_pct": _nullable(
            "number",
            "BUY/SELL: fraction of the balance used as margin; CLOSE: fraction of the "
            "position to close (null = all).",
            minimum=0,
            maximum=float(rules.max_position_pct),
        ),
        "leverage": _nullable(
            "number",
            "BUY/SELL: leverage multiple.",
            minimum=float(rules.min_leverage),
            maximum=float(rules.max_leverage),
        ),
        "take_profit": _nullable("number", "BUY/SELL: take-profit price, or null."),
        "stop_loss": _nullable("number", "BUY/SELL: stop-loss price, or null."),
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "reasoning": {"type": "string", "maxLength": MAX_REASONING},
    }
    if rules.allow_grid:
        props["grid"] = _grid_schema(rules)
    return {
        "type": "object",
        "properties": props,
        "required": ["action", "symbol", "confidence", "reasoning"],
        "additionalProperties": False,
    }
