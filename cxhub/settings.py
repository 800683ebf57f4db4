"""Typed settings, read from the environment (Azure app settings, local.settings.json, a shell).

Every setting the code reads is declared here, with its default. Secrets are only ever read
from here and never logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_QUEUE_NAME = "cxhub-submissions"


class SettingsError(ValueError):
    """A setting has a value the app cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    hub_path: Path
    queue_path: Path
    queue_backend: str  # "local" (SQLite journal) or "azure" (Storage queue)
    storage_connection: str | None
    intake_secret: str | None
    timezone: str
    phone_region: str
    fuzzy_strong: float
    fuzzy_review: float
    max_attempts: int
    batch_size: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, hub: str | Path | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str, default: str | None = None) -> str | None:
            value = env.get(name, "").strip()
            return value or default

        hub_path = Path(hub or get("CXHUB_HUB", "hub.xlsx") or "hub.xlsx")
        queue_default = hub_path.with_name(hub_path.stem + ".queue.sqlite")
        in_functions_host = bool(get("FUNCTIONS_WORKER_RUNTIME"))
        backend = (get("CXHUB_QUEUE", "azure" if in_functions_host else "local") or "local").lower()
        if backend not in ("local", "azure"):
            raise SettingsError(f"CXHUB_QUEUE must be 'local' or 'azure', not {backend!r}")
        connection = get("CXHUB_STORAGE_CONNECTION") or get("AzureWebJobsStorage")
        if backend == "azure" and not connection:
            raise SettingsError(
                "CXHUB_QUEUE is 'azure' but neither CXHUB_STORAGE_CONNECTION nor AzureWebJobsStorage is set"
            )
        timezone = get("CXHUB_TIMEZONE", "Africa/Lagos") or "Africa/Lagos"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"CXHUB_TIMEZONE {timezone!r} is not a known time zone") from None
        strong = _number(get, "CXHUB_FUZZY_STRONG", 90.0)
        review = _number(get, "CXHUB_FUZZY_REVIEW", 80.0)
        if not 0 < review <= strong <= 100:
            raise SettingsError("need 0 < CXHUB_FUZZY_REVIEW <= CXHUB_FUZZY_STRONG <= 100")
        return cls(
            hub_path=hub_path,
            queue_path=Path(get("CXHUB_QUEUE_PATH") or queue_default),
            queue_backend=backend,
            storage_connection=connection,
            intake_secret=get("CXHUB_INTAKE_SECRET"),
            timezone=timezone,
            phone_region=(get("CXHUB_PHONE_REGION", "NG") or "NG").upper(),
            fuzzy_strong=strong,
            fuzzy_review=review,
            max_attempts=int(_number(get, "CXHUB_MAX_ATTEMPTS", 5)),
            batch_size=int(_number(get, "CXHUB_WRITER_BATCH", 500)),
        )


def _number(get, name: str, default: float) -> float:
    raw = get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be above zero")
    return value
