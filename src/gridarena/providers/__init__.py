"""Strategy providers: rule baselines and LLMs that return validated, declarative decisions.

A provider receives a :class:`DecisionContext` (one market snapshot, the provider's account
and the trading rules) and returns a :class:`ProviderResult` holding a ``GridDecision`` or an
``ActionDecision``. Providers never place orders and never raise: every failure becomes a
HOLD with the error and an outcome (``invalid``, ``timeout``, ``rate_limited``, ``error``).
"""

from gridarena.providers.anthropic_provider import AnthropicProvider
from gridarena.providers.baselines import (
    BuyAndHoldProvider,
    IndicatorVoterProvider,
    RandomProvider,
)
from gridarena.providers.factory import (
    ProviderBuildError,
    build_provider,
    close_provider,
)
from gridarena.providers.grids import AtrGridProvider, StaticGridProvider
from gridarena.providers.llm import LlmProvider
from gridarena.providers.openai_provider import OpenAIProvider
from gridarena.providers.pricing import DEFAULT_PRICES, call_cost, price_for
from gridarena.providers.prompt import Prompt, build_prompt
from gridarena.providers.replay import ReplayKey, ReplayProvider, ReplaySource
from gridarena.providers.rule_base import RuleProvider
from gridarena.providers.schema import decision_schema
from gridarena.providers.types import (
    AccountSummary,
    Action,
    ActionDecision,
    ActionName,
    Decision,
    DecisionContext,
    GridDecision,
    Outcome,
    PositionSummary,
    Provider,
    ProviderResult,
    Rules,
    hold,
)
from gridarena.providers.validate import DecisionError, check_decision, parse_decision, to_wire

__all__ = [
    "DEFAULT_PRICES",
    "AccountSummary",
    "Action",
    "ActionDecision",
    "ActionName",
    "AnthropicProvider",
    "AtrGridProvider",
    "BuyAndHoldProvider",
    "Decision",
    "DecisionContext",
    "DecisionError",
    "GridDecision",
    "IndicatorVoterProvider",
    "LlmProvider",
    "OpenAIProvider",
    "Outcome",
    "PositionSummary",
    "Prompt",
    "Provider",
    "ProviderBuildError",
    "ProviderResult",
    "RandomProvider",
    "ReplayKey",
    "ReplayProvider",
    "ReplaySource",
    "RuleProvider",
    "Rules",
    "StaticGridProvider",
    "build_prompt",
    "build_provider",
    "call_cost",
    "check_decision",
    "close_provider",
    "decision_schema",
    "hold",
    "parse_decision",
    "price_for",
    "to_wire",
]
