"""Claude through ``anthropic.AsyncAnthropic``: the decision is a forced tool call.

The tool's ``input_schema`` is the decision schema and ``tool_choice`` names the tool, so
the model must answer with a ``tool_use`` block. Its input is stored as canonical JSON (the
raw response), which is what a replay re-parses. A reply without the tool call falls back to
the JSON in its text blocks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import anthropic
import httpx2
from anthropic import AsyncAnthropic
from anthropic.types import Message, MessageParam
from pydantic import SecretStr

from gridarena.config.providers import ModelPrice
from gridarena.engine.clock import Clock
from gridarena.providers.llm import Completion, LlmProvider, Turn, retry_message
from gridarena.providers.prompt import Prompt
from gridarena.providers.schema import TOOL_DESCRIPTION, TOOL_NAME, decision_schema
from gridarena.providers.types import DecisionContext, Outcome
from gridarena.store.enums import ProviderKind

__all__ = ["AnthropicProvider"]


class AnthropicProvider(LlmProvider):
    """A provider speaking the Anthropic Messages protocol with a forced decision tool."""

    def __init__(
        self,
        *,
        name: str,
        model: str,
        base_url: str,
        api_key: SecretStr | None,
        temperature: float | None = None,
        max_tokens: int = 1024,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        max_attempts: int = 2,
        price: ModelPrice | None = None,
        clock: Clock | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        key = api_key.get_secret_value() if api_key is not None else None
        super().__init__(
            name=name,
            kind=ProviderKind.ANTHROPIC,
            model=model,
            max_attempts=max_attempts,
            price=price,
            clock=clock,
            secrets=(key,) if key else (),
        )
        self._temperature = temperature
        self._max_tokens = max_tokens
        # An explicit key (even empty) stops the SDK from reading credentials elsewhere.
        self._client = AsyncAnthropic(
            base_url=base_url,
            api_key=key or "",
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=http_client,
        )

    async def aclose(self) -> None:
        """Close the SDK client."""
        await self._client.close()

    def _classify(self, exc: Exception) -> Outcome:
        if isinstance(exc, anthropic.APITimeoutError | TimeoutError):
            return "timeout"
        if isinstance(exc, anthropic.RateLimitError):
            return "rate_limited"
        return "error"

    async def _complete(
        self, prompt: Prompt, ctx: DecisionContext, history: Sequence[Turn]
    ) -> Completion:
        messages: list[MessageParam] = [{"role": "user", "content": prompt.user}]
        for turn in history:
            messages.append({"role": "assistant", "content": turn.raw})
            messages.append({"role": "user", "content": retry_message(turn.error)})
        reply = await self._client.messages.create(
            model=self.model,
            max_tokens=self._max_tokens,
            system=prompt.system,
            messages=messages,
            tools=[
                {
                    "name": TOOL_NAME,
                    "description": TOOL_DESCRIPTION,
                    "input_schema": decision_schema(ctx.rules),
                }
            ],
            tool_choice={"type": "tool", "name": TOOL_NAME},
            # This SDK generation has no temperature argument; send it only when asked.
            extra_body=None if self._temperature is None else {"temperature": self._temperature},
        )
        return _completion(reply)


def _completion(reply: Message) -> Completion:
    raw: str | None = None
    texts: list[str] = []
    for block in reply.content:
        if block.type == "tool_use" and block.name == TOOL_NAME:
            raw = json.dumps(block.input, sort_keys=True, separators=(",", ":"))
            break
        if block.type == "text":
            texts.append(block.text)
    if raw is None and texts:
        raw = "\n".join(texts)
    return Completion(
        raw=raw, tokens_in=reply.usage.input_tokens, tokens_out=reply.usage.output_tokens
    )
