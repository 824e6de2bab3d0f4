"""Settings in one place: defaults < TOML file < environment < explicit overrides.

Every knob has one name. In the TOML file it is the bare name (``profile = "sd-turbo"``);
in the environment it is ``IMAGECHAT_`` + the upper-cased name (``IMAGECHAT_PROFILE``),
except the Telegram ones which use the names people already know
(``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_ALLOWED_USERS``, ``TELEGRAM_ADMIN_ID``).
The TOML file is ``$IMAGECHAT_CONFIG`` or ``<home>/config.toml`` when it exists.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from errors import ConfigError

# Environment names that do not follow the IMAGECHAT_<NAME> rule.
_ENV_ALIASES = {
    "telegram_token": "TELEGRAM_BOT_TOKEN",
    "telegram_allowed_users": "TELEGRAM_ALLOWED_USERS",
    "telegram_admin_id": "TELEGRAM_ADMIN_ID",
}


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; build it with :meth:`Settings.load`."""

    home: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir("imagechat")))
    profile: str = "tiny"
    db_url: str = ""  # empty: SQLite file under home
    device: str = ""  # empty: cuda > mps > cpu
    dtype: str = ""  # empty: fp16 on cuda/mps, fp32 on cpu
    planner: str = "rules"  # rules | openai | transformers
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    rewrite_backend: str = ""  # empty: the profile's (rules); "llm": the planner's LLM rewrites
    lexicon: str = ""  # extra entity lexicon TSV, consulted after the shipped one
    telegram_token: str = ""
    telegram_allowed_users: str = ""
    telegram_admin_id: str = ""
    model_cache: str = ""  # empty: <home>/models (tests share one cache across homes)
    max_queue: int = 100  # jobs waiting for the accelerator before new ones are refused
    index_exact_limit: int = 50_000  # above this many images retrieval uses an approximate index

    # --- derived locations -------------------------------------------------------------
    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.home / 'imagechat.db'}"

    @property
    def images_dir(self) -> Path:
        return self.home / "images"

    @property
    def models_dir(self) -> Path:
        return Path(self.model_cache).expanduser() if self.model_cache else self.home / "models"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    # --- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Resolve settings from the TOML file, the environment and ``overrides``.

        ``overrides`` whose value is ``None`` are ignored, so argparse results can be
        passed straight in.
        """
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        names = {f.name: f for f in dataclasses.fields(cls)}

        home = overrides.get("home") or env.get("IMAGECHAT_HOME")
        config_path = Path(env["IMAGECHAT_CONFIG"]) if env.get("IMAGECHAT_CONFIG") else None
        if config_path is None:
            base = Path(home) if home else cls().home
            candidate = base / "config.toml"
            config_path = candidate if candidate.is_file() else None
        if config_path is not None:
            values.update(_read_toml(config_path, names))

        for name in names:
            key = _ENV_ALIASES.get(name, f"IMAGECHAT_{name.upper()}")
            if env.get(key):
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})

        unknown = set(values) - set(names)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**{k: _coerce(names[k], v) for k, v in values.items()})

    def with_(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _read_toml(path: Path, names: dict[str, dataclasses.Field]) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"config file {path} does not exist") from e
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read config file {path}: {e}") from e
    unknown = set(data) - set(names)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    return data


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    if f.name == "home":
        return Path(value).expanduser()
    if f.type in ("int", int):
        try:
            return int(value)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"setting {f.name} must be a whole number, got {value!r}") from e
    return str(value)
