"""What an LLM call cost: tokens times a per-model price (USD per one million tokens)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from gridarena.config.providers import ModelPrice

__all__ = ["DEFAULT_PRICES", "FREE", "call_cost", "price_for"]


def _price(input_per_m: str, output_per_m: str) -> ModelPrice:
    return ModelPrice(input_per_m=Decimal(input_per_m), output_per_m=Decimal(output_per_m))


FREE: Final = _price("0", "0")
# List prices at the time of writing; override per provider with ProviderConfig.prices.
# Keys match a model name exactly or as a prefix ("claude-sonnet-4-5-20250929").
DEFAULT_PRICES: Final[Mapping[str, ModelPrice]] = {
    "gpt-4o-mini": _price("0.15", "0.60"),
    "gpt-4o": _price("2.50", "10.00"),
    "gpt-4.1-mini": _price("0.40", "1.60"),
    "gpt-4.1": _price("2.00", "8.00"),
    "claude-sonnet": _price("3.00", "15.00"),
    "claude-3-5-sonnet": _price("3.00", "15.00"),
    "claude-3-7-sonnet": _price("3.00", "15.00"),
    "claude-haiku": _price("1.00", "5.00"),
    "grok-3-mini": _price("0.30", "0.50"),
    "grok-3": _price("3.00", "15.00"),
    "grok-4": _price("3.00", "15.00"),
    "deepseek-chat": _price("0.27", "1.10"),
    "deepseek-reasoner": _price("0.55", "2.19"),
}
_PER: Final = Decimal(1_000_000)
_QUANTUM: Final = Decimal("0.00000001")


def price_for(
    model: str,
    *,
    local: bool = False,
    override: ModelPrice | None = None,
    table: Mapping[str, ModelPrice] = DEFAULT_PRICES,
) -> ModelPrice | None:
    """Return the price of ``model``: the override, free when local, else the table.

    The longest table key that equals or prefixes the model name wins; None when the
    model is unknown (its cost is then unknown, not zero).
    """
    if override is not None:
        return override
    if local:
        return FREE
    name = model.lower()
    matches = [key for key in table if name == key or name.startswith(key)]
    if not matches:
        return None
    return table[max(matches, key=len)]


def call_cost(
    price: ModelPrice | None, tokens_in: int | None, tokens_out: int | None
) -> Decimal | None:
    """Return the USD cost of a call, or None when the price or the token counts are unknown."""
    if price is None or tokens_in is None or tokens_out is None:
        return None
    total = tokens_in * price.input_per_m + tokens_out * price.output_per_m
    return (total / _PER).quantize(_QUANTUM)
