"""Compose an arena from settings: the built-in baselines plus every configured provider."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from gridarena.arena.runner import Competitor
from gridarena.config.providers import ProviderConfig
from gridarena.providers.factory import build_provider

if TYPE_CHECKING:
    from gridarena.config.providers import ProvidersSettings
    from gridarena.engine.clock import Clock

__all__ = ["BUILTIN_PROVIDERS", "builtin_configs", "competitors_from"]

BUILTIN_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("static-grid", "static_grid"),
    ("atr-grid", "atr_grid"),
    ("indicator-voter", "indicator_voter"),
    ("buy-and-hold", "buy_and_hold"),
    ("random", "random"),
)


def builtin_configs(seed: int = 42) -> list[ProviderConfig]:
    """Return the offline baselines every arena runs (always available, no keys)."""
    out = []
    for name, kind in BUILTIN_PROVIDERS:
        data: dict[str, object] = {"name": name, "kind": kind}
        if kind == "random":
            data["rule"] = {"seed": seed}
        out.append(ProviderConfig.model_validate(data))
    return out


def competitors_from(
    configs: Sequence[ProviderConfig],
    *,
    settings: ProvidersSettings | None = None,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Competitor]:
    """Build a competitor for each config (raises ProviderBuildError naming what is missing)."""
    out = []
    for cfg in configs:
        provider = build_provider(cfg, clock=clock, settings=settings, env=env)
        timeout = (cfg.timeout_s or 60.0) * max(1, cfg.max_attempts) + 5.0
        out.append(
            Competitor(
                provider=provider,
                model=cfg.model,
                base_url=str(cfg.base_url) if cfg.base_url else None,
                api_key_env=cfg.api_key_env,
                timeout_s=timeout if cfg.is_llm else 30.0,
                symbols=tuple(cfg.symbols),
                interval_s=float(cfg.interval_s),
            )
        )
    return out
