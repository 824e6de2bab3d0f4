"""Who may use the Telegram bot, and how often.

The allow-list is checked before anything else, so a stranger never causes model work;
the per-user rate limit keeps one person from filling the GPU queue.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from errors import ConfigError
from settings import Settings


@dataclass(frozen=True)
class Access:
    """The allow-list: ``everyone``, or the ids in ``allowed`` plus the admin."""

    everyone: bool
    allowed: frozenset[int]
    admin: int | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Access:
        """Parse TELEGRAM_ALLOWED_USERS / TELEGRAM_ADMIN_ID; a bad id is a ConfigError."""
        admin = _parse_id(settings.telegram_admin_id, "TELEGRAM_ADMIN_ID") \
            if settings.telegram_admin_id.strip() else None
        raw = [p.strip() for p in settings.telegram_allowed_users.split(",") if p.strip()]
        everyone = "*" in raw
        ids = frozenset(_parse_id(p, "TELEGRAM_ALLOWED_USERS") for p in raw if p != "*")
        return cls(everyone=everyone, allowed=ids, admin=admin)

    def allows(self, user_id: int) -> bool:
        return self.everyone or user_id in self.allowed or user_id == self.admin

    def is_admin(self, user_id: int) -> bool:
        return self.admin is not None and user_id == self.admin

    def describe(self) -> str:
        """One line for the startup log: who can use the bot and how to change it."""
        admin = (f"admin {self.admin}" if self.admin is not None
                 else "no admin (TELEGRAM_ADMIN_ID unset)")
        if self.everyone:
            return f"access: everyone may use this bot (TELEGRAM_ALLOWED_USERS=*); {admin}"
        if self.allowed:
            ids = ", ".join(str(i) for i in sorted(self.allowed))
            return f"access: only users {ids} and the admin; {admin}"
        if self.admin is not None:
            return (f"access: TELEGRAM_ALLOWED_USERS is unset, so only the admin ({self.admin}) "
                    "may use this bot; set it to a comma-separated list of user ids, or * for "
                    "everyone")
        return ("access: nobody may use this bot: set TELEGRAM_ADMIN_ID to your Telegram user id "
                "and/or TELEGRAM_ALLOWED_USERS (ids, or * for everyone). Refused users are told "
                "their id.")


def _parse_id(value: str, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ConfigError(
            f"{name} must hold numeric Telegram user ids (comma-separated), got {value.strip()!r}"
        ) from None


class UserRateLimit:
    """At most ``limit`` events per user in any ``window`` seconds (a sliding window).

    Album parts share one event: pass the same ``group`` key and only the first counts.
    Not thread safe: used from the event loop only.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[int, deque[float]] = {}
        self._groups: OrderedDict[str, None] = OrderedDict()

    def allow(self, user_id: int, group: str | None = None) -> bool:
        if group is not None and group in self._groups:
            return True
        now = self._clock()
        events = self._events.setdefault(user_id, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        if group is not None:
            self._groups[group] = None
            while len(self._groups) > 1024:
                self._groups.popitem(last=False)
        if len(self._events) > 10_000:  # forget idle users so memory stays bounded
            idle = [u for u, ev in self._events.items() if not ev or now - ev[-1] >= self.window]
            for uid in idle:
                del self._events[uid]
        return True

    def retry_in(self, user_id: int) -> float:
        """Seconds until ``user_id`` may send again (0 when they may now)."""
        events = self._events.get(user_id)
        if not events or len(events) < self.limit:
            return 0.0
        return max(0.0, self.window - (self._clock() - events[0]))
