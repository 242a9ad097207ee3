"""Turn a provider's raw reply into a decision that satisfies the rules, or say why not.

One parser serves every provider (LLM replies, tool-call arguments, replayed responses), so
a stored reply re-parses to the same decision. Error messages are written for the model:
they are fed back on a retry and must say what to change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from pydantic import ValidationError

from gridarena.grid.spec import GridSpec, GridSpecError
from gridarena.providers.types import (
    Action,
    ActionDecision,
    Decision,
    DecisionContext,
    GridDecision,
)

__all__ = [
    "DecisionError",
    "check_decision",
    "extract_json",
    "format_validation_error",
    "parse_decision",
    "to_wire",
]

_FENCE: Final = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_ACTION_KEYS: Final = frozenset(Action.model_fields)
_ENVELOPE_KEYS: Final = frozenset({"action", "symbol", "confidence", "reasoning", "grid"})


class DecisionError(ValueError):
    """A reply that is not a valid decision under the rules; the message says why."""


def format_validation_error(exc: ValidationError) -> str:
    """Return a pydantic error as ``field: message; ...`` without echoing input values."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "decision"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def extract_json(text: str) -> dict[str, Any]:
    """Return the JSON object in ``text``: bare, inside a ```json fence, or amid prose."""
    candidates = [text.strip()]
    candidates += [m.strip() for m in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise DecisionError("no JSON object found in the reply; answer with one JSON object")


def parse_decision(
    reply: str | Mapping[str, Any], ctx: DecisionContext, *, source: str | None = None
) -> Decision:
    """Parse ``reply`` (JSON text or an already-decoded object) and check it against the rules.

    Accepted shapes: the action envelope ``{"action": "BUY", ...}``, a grid in the envelope
    ``{"action": "GRID", "grid": {...}}``, or a bare seed grid signal
    ``{"strategy": "grid", ...}``. ``source`` fills a grid's ``model`` when it has none.
    Raise DecisionError saying what is wrong.
    """
    payload = extract_json(reply) if isinstance(reply, str) else dict(reply)
    decision = _build(payload, ctx, source)
    check_decision(decision, ctx)
    return decision


def _build(payload: dict[str, Any], ctx: DecisionContext, source: str | None) -> Decision:
    if str(payload.get("strategy", "")).lower() == "grid":
        return GridDecision(spec=_grid_spec(payload, ctx, source))
    name = payload.get("action")
    if not isinstance(name, str):
        raise DecisionError('"action" is missing: use one of BUY, SELL, CLOSE, HOLD or GRID')
    if name.strip().upper() == "GRID":
        return _grid_envelope(payload, ctx, source)
    fields = {k: v for k, v in payload.items() if not (k == "grid" and v is None)}
    fields.setdefault("symbol", ctx.symbol)
    fields = {k: v for k, v in fields.items() if not (k in _ACTION_KEYS and v is None)}
    try:
        return ActionDecision(action=Action.model_validate(fields))
    except ValidationError as exc:
        raise DecisionError(format_validation_error(exc)) from None


def _grid_envelope(payload: dict[str, Any], ctx: DecisionContext, source: str | None) -> Decision:
    unknown = sorted(set(payload) - _ENVELOPE_KEYS)
    if unknown:
        raise DecisionError(f"unknown keys for a GRID decision: {', '.join(unknown)}")
    grid = payload.get("grid")
    if not isinstance(grid, dict):
        raise DecisionError('action GRID needs a "grid" object with the grid settings')
    signal = dict(grid)
    if payload.get("symbol") is not None:
        signal.setdefault("symbol", payload["symbol"])
    spec = _grid_spec(signal, ctx, source)
    try:
        return GridDecision(
            spec=spec,
            confidence=payload.get("confidence"),
            reasoning=payload.get("reasoning") or "",
        )
    except ValidationError as exc:
        raise DecisionError(format_validation_error(exc)) from None


def _grid_spec(signal: dict[str, Any], ctx: DecisionContext, source: str | None) -> GridSpec:
    fields = {k: v for k, v in signal.items() if v is not None}
    fields.setdefault("symbol", ctx.symbol)
    if isinstance(fields["symbol"], str):
        fields["symbol"] = fields["symbol"].strip().upper()
    if source is not None:
        fields.setdefault("model", source[:64])
    try:
        return GridSpec.from_signal(fields)
    except ValidationError as exc:
        raise DecisionError("grid: " + format_validation_error(exc)) from None


def check_decision(decision: Decision, ctx: DecisionContext) -> None:
    """Raise DecisionError unless ``decision`` obeys ``ctx.rules`` at ``ctx``'s price."""
    if isinstance(decision, GridDecision):
        _check_grid(decision.spec, ctx)
    else:
        _check_action(decision.action, ctx)


def _check_symbol(symbol: str, ctx: DecisionContext) -> None:
    if symbol.upper() != ctx.symbol.upper():
        raise DecisionError(f"symbol must be {ctx.symbol} (the market shown), not {symbol}")
    if ctx.symbol.upper() not in ctx.rules.symbols:
        raise DecisionError(f"{ctx.symbol} is not tradable; answer HOLD")


def _check_leverage(leverage: Decimal, ctx: DecisionContext) -> None:
    low, high = ctx.rules.min_leverage, ctx.rules.max_leverage
    if not low <= leverage <= high:
        raise DecisionError(f"leverage {leverage} is outside the allowed {low}x to {high}x")


def _check_margin(margin: Decimal, what: str, ctx: DecisionContext) -> None:
    account, rules = ctx.account, ctx.rules
    cap = rules.max_position_pct * account.balance
    if margin > cap:
        raise DecisionError(
            f"{what} commits {margin:f} USDT, above {rules.max_position_pct:%} of the balance "
            f"({cap:f} USDT); use size_pct at most {rules.max_position_pct}"
        )
    if margin > account.available:
        raise DecisionError(
            f"{what} commits {margin:f} USDT, more than the {account.available} USDT available"
        )


def _check_action(action: Action, ctx: DecisionContext) -> None:
    if action.action == "HOLD":
        # HOLD is always allowed: it is the fallback; only the symbol has to match.
        if action.symbol != ctx.symbol.upper():
            raise DecisionError(f"symbol must be {ctx.symbol} (the market shown)")
        return
    _check_symbol(action.symbol, ctx)
    if action.action not in ctx.rules.allowed_actions:
        allowed = ", ".join(ctx.rules.allowed_actions)
        raise DecisionError(f"action {action.action} is not allowed; use one of {allowed}")
    if action.action == "CLOSE":
        if ctx.account.position(ctx.symbol) is None:
            raise DecisionError(f"CLOSE needs an open position in {ctx.symbol}; there is none")
        return
    # Action's own validation guarantees both for BUY and SELL.
    assert action.size_pct is not None
    assert action.leverage is not None
    _check_leverage(action.leverage, ctx)
    _check_margin(action.size_pct * ctx.account.balance, f"size_pct {action.size_pct}", ctx)
    price = Decimal(repr(ctx.snapshot.price))
    tp, sl = action.take_profit, action.stop_loss
    if action.action == "BUY":
        if tp is not None and tp <= price:
            raise DecisionError(f"BUY take_profit {tp} must be above the price {price}")
        if sl is not None and sl >= price:
            raise DecisionError(f"BUY stop_loss {sl} must be below the price {price}")
    else:
        if tp is not None and tp >= price:
            raise DecisionError(f"SELL take_profit {tp} must be below the price {price}")
        if sl is not None and sl <= price:
            raise DecisionError(f"SELL stop_loss {sl} must be above the price {price}")


def _check_grid(spec: GridSpec, ctx: DecisionContext) -> None:
    if not ctx.rules.allow_grid:
        raise DecisionError("grid decisions are not allowed; use BUY, SELL, CLOSE or HOLD")
    _check_symbol(spec.symbol, ctx)
    _check_leverage(Decimal(spec.leverage), ctx)
    _check_margin(spec.base_allocation, f"grid base_allocation {spec.base_allocation}", ctx)
    try:
        spec.check_spacing(
            ctx.rules.maker_fee, reference_price=ctx.snapshot.price, atr=ctx.snapshot.indicators.atr
        )
    except GridSpecError as exc:
        raise DecisionError(f"grid: {exc}") from None


def to_wire(decision: Decision) -> str:
    """Return ``decision`` as the JSON an LLM would write; ``parse_decision`` reads it back."""
    if isinstance(decision, GridDecision):
        payload: dict[str, Any] = {
            "action": "GRID",
            "symbol": decision.spec.symbol,
            "confidence": decision.confidence,
            "reasoning": decision.reasoning,
            "grid": decision.spec.model_dump(mode="json", exclude_none=True),
        }
    else:
        payload = decision.action.model_dump(mode="json", exclude_none=True)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))
