"""Load Settings from defaults, an optional TOML/YAML file and the environment."""

from __future__ import annotations

import difflib
import json
import os
import tomllib
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

import yaml
from pydantic import AliasChoices, BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from gridarena.config.settings import Settings

__all__ = [
    "CONFIG_PATH_ENV",
    "ENV_PREFIX",
    "ConfigError",
    "ConfigFileSource",
    "EnvBinding",
    "MappingEnvSource",
    "env_bindings",
    "load_settings",
]

ENV_PREFIX: Final = "GRIDARENA_"
CONFIG_PATH_ENV: Final = "GRIDARENA_CONFIG"
_NESTED_DELIMITER: Final = "__"
_SUFFIXES: Final = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml"}

KeyPath = tuple[str, ...]


class ConfigError(ValueError):
    """Configuration could not be loaded; the message names the file and the keys."""

    def __init__(self, message: str, *, file: Path | None = None, keys: tuple[str, ...] = ()):
        super().__init__(message)
        self.file = file
        self.keys = keys


@dataclass(frozen=True, slots=True)
class EnvBinding:
    """Environment variable names that set one leaf setting, highest priority first."""

    path: KeyPath
    names: tuple[str, ...]
    kind: Literal["scalar", "list", "json"]

    @property
    def key(self) -> str:
        """Return the dotted key path, e.g. ``risk.max_leverage``."""
        return ".".join(self.path)


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` to reach the type that decides parsing."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _model_type(annotation: Any) -> type[BaseModel] | None:
    inner = _unwrap(annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner
    return None


def _element_model(annotation: Any) -> type[BaseModel] | None:
    inner = _unwrap(annotation)
    if get_origin(inner) in (tuple, list):
        return next((m for m in map(_model_type, get_args(inner)) if m is not None), None)
    return None


def _kind(annotation: Any) -> Literal["scalar", "list", "json"]:
    inner = _unwrap(annotation)
    origin = get_origin(inner)
    if origin is dict or _element_model(annotation) is not None:
        return "json"
    if origin in (tuple, list, set, frozenset):
        return "list"
    return "scalar"


def _alias_names(info: FieldInfo) -> tuple[str, ...]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(choice for choice in alias.choices if isinstance(choice, str))
    if isinstance(alias, str):
        return (alias,)
    return ()


def env_bindings(model: type[BaseModel] = Settings, prefix: KeyPath = ()) -> tuple[EnvBinding, ...]:
    """List every leaf setting with the env var names that set it.

    Each leaf answers to ``GRIDARENA_<SECTION>__<FIELD>`` (e.g.
    ``GRIDARENA_RISK__MAX_LEVERAGE``) and to the seed names declared as the field's
    validation aliases (e.g. ``RISK_MAX_LEVERAGE``); the generic name wins if both are set.
    """
    bindings: list[EnvBinding] = []
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        nested = _model_type(info.annotation)
        if nested is not None:
            bindings.extend(env_bindings(nested, path))
            continue
        generic = ENV_PREFIX + _NESTED_DELIMITER.join(path).upper()
        names = (generic, *(n for n in _alias_names(info) if n != generic))
        bindings.append(EnvBinding(path=path, names=names, kind=_kind(info.annotation)))
    return tuple(bindings)


def _set_path(target: dict[str, Any], path: KeyPath, value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(current, value)
        else:
            merged[key] = value
    return merged


class MappingEnvSource(PydanticBaseSettingsSource):
    """Read settings from an environment mapping (``os.environ`` or one a test injects).

    Empty values count as unset, so a blank ``REDIS_URL=`` in a .env template is harmless.
    List settings take JSON (``["a", "b"]``) or comma-separated text; lists of tables
    take JSON.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._environ = environ
        self.origins: dict[KeyPath, str] = {}

    def get_field_value(
        self,
        field: FieldInfo,  # noqa: ARG002 - signature fixed by PydanticBaseSettingsSource
        field_name: str,
    ) -> tuple[Any, str, bool]:
        """Return the value collected for one top-level field."""
        value = self().get(field_name)
        return value, field_name, isinstance(value, dict)

    def __call__(self) -> dict[str, Any]:
        """Return the nested settings dict built from the environment."""
        data: dict[str, Any] = {}
        for binding in env_bindings(self.settings_cls):
            for name in binding.names:
                raw = self._environ.get(name, "").strip()
                if raw:
                    _set_path(data, binding.path, _parse_env(name, raw, binding.kind))
                    self.origins[binding.path] = f"env {name}"
                    break
        return data


def _parse_env(name: str, raw: str, kind: Literal["scalar", "list", "json"]) -> Any:
    if kind == "scalar":
        return raw
    if kind == "list" and not raw.startswith("["):
        return [item.strip() for item in raw.split(",") if item.strip()]
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        # The value may be a secret: report the position, not the text.
        msg = f"env {name}: invalid JSON ({exc.msg} at position {exc.pos})"
        raise ConfigError(msg, keys=(name,)) from None


class ConfigFileSource(PydanticBaseSettingsSource):
    """Read settings from a ``.toml``, ``.yaml`` or ``.yml`` file.

    Keys are the snake_case field names, one table per section (``[risk]``); a field's
    seed env name is accepted as a synonym and renamed to the field name.
    """

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(
        self,
        field: FieldInfo,  # noqa: ARG002 - signature fixed by PydanticBaseSettingsSource
        field_name: str,
    ) -> tuple[Any, str, bool]:
        """Return the value the file gives one top-level field."""
        value = self().get(field_name)
        return value, field_name, isinstance(value, dict)

    def __call__(self) -> dict[str, Any]:
        """Parse the file; raise ConfigError naming it when it cannot be used."""
        path = self.path
        fmt = _SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            shown = path.suffix or "(none)"
            msg = f"config file {path}: unsupported extension {shown!r}; use .toml, .yaml or .yml"
            raise ConfigError(msg, file=path)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist", file=path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"config file {path}: not UTF-8 text", file=path) from None
        except OSError as exc:
            raise ConfigError(f"config file {path}: {exc.strerror}", file=path) from None
        data = _parse_toml(path, text) if fmt == "toml" else _parse_yaml(path, text)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise ConfigError(
                f"config file {path}: top level must be a table of sections", file=path
            )
        return _canonical_keys(self.settings_cls, data, path, ())


def _parse_toml(path: Path, text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib messages carry line and column but not the offending text.
        raise ConfigError(f"config file {path}: invalid TOML: {exc}", file=path) from None


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # Quote only the problem and its position: PyYAML's full message includes a
        # snippet of the line, which may hold a secret.
        where, problem = "", "syntax error"
        if isinstance(exc, yaml.MarkedYAMLError):
            problem = exc.problem or problem
            if exc.problem_mark is not None:
                mark = exc.problem_mark
                where = f" at line {mark.line + 1}, column {mark.column + 1}"
        raise ConfigError(
            f"config file {path}: invalid YAML{where}: {problem}", file=path
        ) from None


def _canonical_keys(
    model: type[BaseModel], data: dict[Any, Any], file: Path, prefix: KeyPath
) -> dict[Any, Any]:
    """Rename alias keys to field names so env (which uses field names) can override them."""
    by_alias = {
        alias: name for name, info in model.model_fields.items() for alias in _alias_names(info)
    }
    result: dict[Any, Any] = {}
    for key, value in data.items():
        name = by_alias.get(key, key) if isinstance(key, str) else key
        if name in result:
            dotted = ".".join((*prefix, name))
            msg = f"config file {file}: {dotted} is given twice (as {name} and {key})"
            raise ConfigError(msg, file=file, keys=(dotted,))
        info = model.model_fields.get(name) if isinstance(name, str) else None
        nested = _model_type(info.annotation) if info is not None else None
        if nested is not None and isinstance(value, dict):
            value = _canonical_keys(nested, value, file, (*prefix, name))
        result[name] = value
    return result


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Return the model class that owns the last element of an error location."""
    model: type[BaseModel] | None = Settings
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            return None
        model = _model_type(info.annotation) or _element_model(info.annotation)
    return model


def _reason(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        owner = _model_at(loc)
        reason = "unknown key"
        if owner is not None and loc:
            candidates = list(owner.model_fields)
            close = difflib.get_close_matches(str(loc[-1]), candidates, n=1, cutoff=0.6)
            if close:
                reason += f" (did you mean {close[0]!r}?)"
        return reason
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _has_path(data: Mapping[str, Any], loc: tuple[Any, ...]) -> bool:
    node: Any = data
    for part in loc:
        in_table = isinstance(node, Mapping) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_table or in_list):
            return False
        node = node[part]
    return True


def _origin(
    loc: tuple[Any, ...],
    env_origins: Mapping[KeyPath, str],
    file: Path | None,
    file_data: Mapping[str, Any],
) -> str | None:
    key = tuple(str(part) for part in loc)
    for end in range(len(key), 0, -1):
        hit = env_origins.get(key[:end])
        if hit is not None:
            return hit
    sources: list[str] = []
    if file is not None and _has_path(file_data, loc):
        sources.append(str(file))
    # A section-level error (e.g. a key without its secret) is caused by the values
    # below it, so name every env var that fed that section.
    sources.extend(o for path, o in env_origins.items() if key and path[: len(key)] == key)
    return ", ".join(sources) or None


def _lines(
    exc: ValidationError,
    env_origins: Mapping[KeyPath, str],
    file: Path | None,
    file_data: Mapping[str, Any],
) -> Iterator[tuple[str, str]]:
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = tuple(error["loc"])
        key = ".".join(str(part) for part in loc) or "(settings)"
        origin = _origin(loc, env_origins, file, file_data)
        suffix = f" [from {origin}]" if origin else ""
        yield key, f"  {key}: {_reason(error)}{suffix}"


def load_settings(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Settings:
    """Build the effective Settings; raise ConfigError naming the file and key on failure.

    Precedence, highest first:

    1. environment variables: the seed names (``RISK_MAX_LEVERAGE``, ``DATABASE_URL``,
       ``ASTER_API_KEY``...) or the generic ``GRIDARENA_<SECTION>__<FIELD>``;
    2. the config file: *path*, else the file named by ``GRIDARENA_CONFIG``
       (``.toml``, ``.yaml`` or ``.yml``); no file is read when neither is given;
    3. the defaults declared on the models.

    *env* replaces ``os.environ`` (tests inject a dict). A missing file, an unsupported
    extension, a parse error, an unknown key or an invalid value raises ConfigError.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    if path is None and environ.get(CONFIG_PATH_ENV, "").strip():
        path = Path(environ[CONFIG_PATH_ENV].strip())
    file = Path(path).expanduser() if path is not None else None
    file_data = ConfigFileSource(Settings, file)() if file is not None else {}
    env_source = MappingEnvSource(Settings, environ)
    merged = _deep_merge(file_data, env_source())
    try:
        return Settings(**merged)
    except ValidationError as exc:
        found = list(_lines(exc, env_source.origins, file, file_data))
        where = f" (file {file})" if file is not None else ""
        body = "\n".join(line for _, line in found)
        message = f"invalid configuration{where}:\n{body}"
        raise ConfigError(message, file=file, keys=tuple(key for key, _ in found)) from None
