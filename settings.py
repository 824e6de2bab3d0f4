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


def _setting(help: str, default: Any = "", factory: Any = None) -> Any:
    """A setting with its one-line help, the way datasette's ``Setting`` carries its own."""
    if factory is not None:
        return field(default_factory=factory, metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; build it with :meth:`Settings.load`."""

    home: Path = _setting(
        "database, images, model cache and indexes", factory=lambda: Path(
            platformdirs.user_data_dir("imagechat")))
    profile: str = _setting("which models to use (docs/profiles.md); tiny needs no download",
                            "tiny")
    db_url: str = _setting("any SQLAlchemy URL; empty: SQLite file under home")
    device: str = _setting("cuda, mps or cpu; empty: cuda > mps > cpu")
    dtype: str = _setting("float16, bfloat16 or float32; empty: fp16 on cuda/mps; on cpu bf16 "
                          "for a real profile where the CPU has native bf16, else fp32")
    vae: str = _setting("image decoder: tiny (TAESD, fast), full (the model's own, best "
                        "quality) or auto: tiny on cpu for a real profile, else full", "auto")
    planner: str = _setting("rules (offline) or openai (an OpenAI-compatible LLM)", "rules")
    llm_base_url: str = _setting("the planner LLM's OpenAI-compatible endpoint")
    llm_model: str = _setting("the model name the endpoint serves")
    llm_api_key: str = _setting("the endpoint's API key, if it wants one")
    llm_timeout_s: float = _setting(
        "seconds one LLM request may take, connect to last byte; 0: 12 (a CPU-only local "
        "model wants 60 or more)", 0.0)
    llm_turn_budget_s: float = _setting(
        "seconds of LLM time one turn may use before the built-in planner takes over; 0: 12",
        0.0)
    rewrite_backend: str = _setting(
        "empty: auto with a chat model configured, else the profile's (rules); rules; llm: "
        "the chat model rewrites; both: rules and chat model propose, the better wins; auto: "
        "the chat model only where the rules' result looks wrong; lm: the profile's LM")
    lexicon: str = _setting("your entity lexicon TSV, consulted after the shipped one")
    telegram_token: str = _setting("the Telegram bot token from BotFather")
    telegram_allowed_users: str = _setting("Telegram user ids allowed to chat, or *")
    telegram_admin_id: str = _setting("the Telegram admin's user id")
    model_cache: str = _setting("where models are cached; empty: <home>/models")
    max_queue: int = _setting("jobs waiting for the accelerator before new ones are refused",
                              100)
    broker_url: str = _setting(
        "Celery broker and result backend for image work, e.g. redis://127.0.0.1:6379/0; "
        "empty: image work runs in this process (python bot.py worker runs it elsewhere)")
    job_deadline_s: float = _setting(
        "seconds an image job may wait and run before it is dropped with a message "
        "(workers only); 0: 600", 0.0)
    index_exact_limit: int = _setting(
        "above this many pictures, search uses an approximate (IVF) index", 50_000)
    library_shared: bool = _setting(
        "let every chat user search the operator's indexed folder (file names stay hidden)",
        False)

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
            key = env_name(name)
            if env.get(key):
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})

        unknown = set(values) - set(names)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**{k: _coerce(names[k], v) for k, v in values.items()})

    def with_(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def documented(cls) -> list[tuple[str, str, str]]:
        """(name, environment variable, help) of every setting."""
        return [(f.name, env_name(f.name), f.metadata["help"]) for f in dataclasses.fields(cls)]


def env_name(name: str) -> str:
    """The environment variable of a setting."""
    return _ENV_ALIASES.get(name, f"IMAGECHAT_{name.upper()}")


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
    if f.type in ("bool", bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"setting {f.name} must be true or false, got {value!r}")
    if f.type in ("float", float):
        try:
            number = float(value)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"setting {f.name} must be a number, got {value!r}") from e
        if not 0 <= number <= 3600:
            raise ConfigError(f"setting {f.name} must be between 0 and 3600 seconds")
        return number
    if f.type in ("int", int):
        try:
            return int(value)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"setting {f.name} must be a whole number, got {value!r}") from e
    return str(value)
