"""gridarena configuration: typed, frozen settings from defaults, a file and the environment.

Use :func:`load_settings` in the composition root; ``Settings()`` alone is the pure
defaults. Precedence is environment > config file (TOML/YAML) > defaults. The env var
names of the systems gridarena replaces keep working (``RISK_MAX_LEVERAGE``,
``DATABASE_URL``, ``ASTER_API_KEY``, ``TELEGRAM_BOT_TOKEN``, ``DRY_RUN``...), and every
leaf setting also answers to ``GRIDARENA_<SECTION>__<FIELD>``; :func:`env_bindings`
lists them all. Secrets are ``SecretStr``: they never print, and
``Settings.redacted_dict()`` gives a printable view.
"""

from gridarena.config.loader import (
    CONFIG_PATH_ENV,
    ENV_PREFIX,
    ConfigError,
    ConfigFileSource,
    EnvBinding,
    MappingEnvSource,
    env_bindings,
    load_settings,
)
from gridarena.config.providers import (
    AnthropicSettings,
    ArenaAccount,
    ArenaSettings,
    DeepSeekSettings,
    LlmSettings,
    LocalLlmSettings,
    OpenAISettings,
    ProvidersSettings,
    XaiSettings,
)
from gridarena.config.service import AlertsSettings, ApiSettings, JobsSettings, LoggingSettings
from gridarena.config.settings import Settings
from gridarena.config.trading import (
    ExecutionSettings,
    GridSettings,
    HedgeSettings,
    IndicatorSettings,
    RetrySettings,
    RiskSettings,
)
from gridarena.config.venues import (
    AsterSettings,
    BinanceSettings,
    FiriSettings,
    HyperliquidSettings,
    OrderlySettings,
    SimSettings,
    TopstepXSettings,
    VenueName,
    VenuesSettings,
)

__all__ = [
    "CONFIG_PATH_ENV",
    "ENV_PREFIX",
    "AlertsSettings",
    "AnthropicSettings",
    "ApiSettings",
    "ArenaAccount",
    "ArenaSettings",
    "AsterSettings",
    "BinanceSettings",
    "ConfigError",
    "ConfigFileSource",
    "DeepSeekSettings",
    "EnvBinding",
    "ExecutionSettings",
    "FiriSettings",
    "GridSettings",
    "HedgeSettings",
    "HyperliquidSettings",
    "IndicatorSettings",
    "JobsSettings",
    "LlmSettings",
    "LocalLlmSettings",
    "LoggingSettings",
    "MappingEnvSource",
    "OpenAISettings",
    "OrderlySettings",
    "ProvidersSettings",
    "RetrySettings",
    "RiskSettings",
    "Settings",
    "SimSettings",
    "TopstepXSettings",
    "VenueName",
    "VenuesSettings",
    "XaiSettings",
    "env_bindings",
    "load_settings",
]
