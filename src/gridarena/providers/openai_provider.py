"""OpenAI-compatible chat completions: ChatGPT, Grok (xAI), DeepSeek and local servers.

Structured output is asked for in one of four ways (``output_mode``): a JSON-schema
``response_format``, a forced function tool call, ``json_object`` mode, or plain text with
the JSON described in the prompt. A server that rejects the structured request with HTTP 400
is asked again in plain text, and this provider stays in plain text from then on. Replies
are parsed the same way whatever the mode (a tool call's arguments, or JSON in the content,
fenced or not).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final, Literal

import httpx2
import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import SecretStr

from gridarena.config.providers import ModelPrice, OutputMode
from gridarena.engine.clock import Clock
from gridarena.providers.llm import Completion, LlmProvider, Turn, retry_message
from gridarena.providers.prompt import Prompt
from gridarena.providers.schema import TOOL_DESCRIPTION, TOOL_NAME, decision_schema
from gridarena.providers.types import DecisionContext, Outcome
from gridarena.store.enums import ProviderKind

__all__ = ["ConcreteMode", "OpenAIProvider", "resolve_output_mode"]

log = logging.getLogger(__name__)

ConcreteMode = Literal["json_schema", "json_object", "tool", "text"]
# DeepSeek's API knows json_object but not json_schema; the others take a schema.
_AUTO_MODES: Final[dict[ProviderKind, ConcreteMode]] = {
    ProviderKind.OPENAI: "json_schema",
    ProviderKind.XAI: "json_schema",
    ProviderKind.DEEPSEEK: "json_object",
    ProviderKind.LOCAL: "json_schema",
}
# A local server needs no key, but the SDK insists on one.
_NO_KEY: Final = "not-needed"


def resolve_output_mode(kind: ProviderKind, mode: OutputMode) -> ConcreteMode:
    """Return the structured-output mode to use: ``mode``, or the family's default for auto."""
    if mode == "auto":
        return _AUTO_MODES.get(kind, "json_schema")
    return mode


class OpenAIProvider(LlmProvider):
    """A provider speaking the OpenAI chat-completions protocol through ``openai.AsyncOpenAI``."""

    def __init__(
        self,
        *,
        name: str,
        model: str,
        base_url: str,
        api_key: SecretStr | None,
        kind: ProviderKind = ProviderKind.OPENAI,
        output_mode: OutputMode = "auto",
        temperature: float = 0.2,
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
            kind=kind,
            model=model,
            max_attempts=max_attempts,
            price=price,
            clock=clock,
            secrets=(key,) if key else (),
        )
        self._mode: ConcreteMode = resolve_output_mode(kind, output_mode)
        self._temperature = temperature
        self._max_tokens = max_tokens
        self._client = AsyncOpenAI(
            base_url=base_url,
            api_key=key or _NO_KEY,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=http_client,
        )

    @property
    def output_mode(self) -> ConcreteMode:
        """Return the structured-output mode in use (``text`` after a fallback)."""
        return self._mode

    async def aclose(self) -> None:
        """Close the SDK client."""
        await self._client.close()

    def _classify(self, exc: Exception) -> Outcome:
        if isinstance(exc, openai.APITimeoutError | TimeoutError):
            return "timeout"
        if isinstance(exc, openai.RateLimitError):
            return "rate_limited"
        return "error"

    async def _complete(
        self, prompt: Prompt, ctx: DecisionContext, history: Sequence[Turn]
    ) -> Completion:
        messages = _messages(prompt, history)
        try:
            reply = await self._create(messages, ctx, self._mode)
        except openai.BadRequestError:
            if self._mode == "text":
                raise
            log.warning(
                "provider %s: server refused output_mode=%s; falling back to plain JSON",
                self.name,
                self._mode,
            )
            self._mode = "text"
            reply = await self._create(messages, ctx, self._mode)
            return _completion(reply, calls=2)
        return _completion(reply, calls=1)

    async def _create(
        self, messages: list[ChatCompletionMessageParam], ctx: DecisionContext, mode: ConcreteMode
    ) -> ChatCompletion:
        extra: dict[str, Any] = {}
        schema = decision_schema(ctx.rules)
        if mode == "json_schema":
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "decision", "schema": schema, "strict": False},
            }
        elif mode == "json_object":
            extra["response_format"] = {"type": "json_object"}
        elif mode == "tool":
            extra["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": TOOL_NAME,
                        "description": TOOL_DESCRIPTION,
                        "parameters": schema,
                    },
                }
            ]
            extra["tool_choice"] = {"type": "function", "function": {"name": TOOL_NAME}}
        # OpenAI's own API wants max_completion_tokens; compatible servers know max_tokens.
        limit = "max_completion_tokens" if self.kind is ProviderKind.OPENAI else "max_tokens"
        extra[limit] = self._max_tokens
        reply: ChatCompletion = await self._client.chat.completions.create(
            model=self.model, messages=messages, temperature=self._temperature, **extra
        )
        return reply


def _messages(prompt: Prompt, history: Sequence[Turn]) -> list[ChatCompletionMessageParam]:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": prompt.system},
        {"role": "user", "content": prompt.user},
    ]
    for turn in history:
        messages.append({"role": "assistant", "content": turn.raw})
        messages.append({"role": "user", "content": retry_message(turn.error)})
    return messages


def _completion(reply: ChatCompletion, *, calls: int) -> Completion:
    raw: str | None = None
    if reply.choices:
        message = reply.choices[0].message
        for call in message.tool_calls or ():
            if call.type == "function":
                raw = call.function.arguments
                break
        if raw is None:
            raw = message.content
        if raw is None and message.refusal:
            raw = f"(refused) {message.refusal}"
    usage = reply.usage
    return Completion(
        raw=raw,
        tokens_in=usage.prompt_tokens if usage else None,
        tokens_out=usage.completion_tokens if usage else None,
        calls=calls,
    )
