"""Typed settings, read from the environment (Azure app settings, local.settings.json, a shell).

Every setting the code reads is declared here, with its default. Secrets are only ever read
from here and never logged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub import defaults as D

if TYPE_CHECKING:
    from hub.governance.erp_limits import ErpLimits

DEFAULT_QUEUE_NAME = "cxhub-submissions"


class SettingsError(ValueError):
    """A setting has a value the app cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    hub_path: Path
    queue_path: Path
    # CXHUB_QUEUE: where the runtime keeps its own data: the queue, small state, the job lock and the
    # token cache ("local": SQLite journal and files; "azure": Storage queue and blobs).
    storage_backend: str
    storage_connection: str | None
    intake_secret: str | None
    timezone: str
    phone_region: str
    fuzzy_strong: float
    fuzzy_review: float
    max_attempts: int
    batch_size: int
    hub_backend: str = "local"  # CXHUB_BACKEND: the hub (and mail): "local" .xlsx or "graph" SharePoint
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    authority_host: str = "https://login.microsoftonline.com"
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    client_cert_path: Path | None = None
    use_managed_identity: bool = False
    managed_identity_client_id: str | None = None
    # "delegated" (a service account signed in with cxhub login: what Microsoft documents for the
    # Excel workbook API) or "app" (app-only: the reference pages say "Application: Not supported";
    # an opt-in for tenants where cxhub doctor shows it working).
    auth_mode: str = "delegated"
    token_cache_path: Path = Path.home() / ".cxhub" / "token-cache.json"
    hub_drive_id: str | None = None
    hub_item_id: str | None = None
    mail_sender: str | None = None
    admin_emails: tuple[str, ...] = ()
    ca_bundle: str | None = None
    forms_workbook: Path | None = None  # local copy of a Forms-linked workbook (no-premium path)
    forms_drive_id: str | None = None
    forms_item_id: str | None = None
    state_path: Path | None = None
    owner_rule: str = D.OWNER_RULE  # "largest" (Owner by largest invoice) or "latest"
    dup_strong: float = D.DUP_STRONG
    dup_review: float = D.DUP_REVIEW
    dup_max_block: int = D.DUP_MAX_BLOCK
    erp_mappings: Path | None = None  # an admin's own ERP column mappings (TOML)
    erp_folder: Path | None = None  # local ERP drop folder
    erp_drive_id: str | None = None  # SharePoint "ERP Exports" folder
    erp_folder_id: str | None = None
    outbox: Path | None = None  # local mail: .eml files here (default: <hub folder>/outbox)
    mail_per_minute: int = D.MAIL_PER_MINUTE
    response_hours: float = D.RESPONSE_HOURS
    overrun_percent: float = D.OVERRUN_PERCENT
    ticket_open_days: int = D.TICKET_OPEN_DAYS
    quiet_days: int = D.QUIET_DAYS
    health_max_mb: float = D.HEALTH_MAX_MB
    health_max_open_seconds: float = D.HEALTH_MAX_OPEN_SECONDS
    health_max_steward_hours: float = D.HEALTH_MAX_STEWARD_HOURS
    health_max_users: int = D.HEALTH_MAX_USERS
    pilot: str = D.PILOT  # CXHUB_PILOT: divisions and/or branches; mails and KPIs limited to them
    retention_days: int = D.RETENTION_DAYS  # raw payloads of rejected submissions and local mail (NDPA 2023)
    response_warn_hours: float = 8.0  # an unanswered inquiry's owner is warned this far into the window
    sla_business_hours: tuple[time, time] = (time(8), time(18))  # when warnings may be mailed (Lagos)
    sla_quiet_days: frozenset[int] = frozenset({6})  # weekdays without warnings (Monday 0); Sunday
    receipts: bool = False  # a receipt mail for each accepted Form submission
    # Bounds of an ERP export (hub/governance/erp_limits.py says why each one exists).
    # CXHUB_ERP_MAX_*, CXHUB_ERP_PARSE_* (ERP_LIMIT_SETTINGS); None = ErpLimits' own defaults.
    erp_limits: ErpLimits | None = None
    # Pages (hub/web): trust App Service Authentication's sign-in headers only when it is on.
    app_service_auth: bool = False
    public_url: str = "http://127.0.0.1:7071"  # the base of every link in a mail
    # The key that signs the action links (HMAC-SHA256); unset = one generated and kept in the state store.
    action_key: str | None = field(default=None, repr=False)
    action_link_days: int = 14

    @property
    def backend(self) -> str:
        """Old name of hub_backend, for code written before the rename."""
        return self.hub_backend

    @property
    def queue_backend(self) -> str:
        """Old name of storage_backend, for code written before the rename."""
        return self.storage_backend

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
        timezone = get("CXHUB_TIMEZONE", D.TIMEZONE) or D.TIMEZONE
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"CXHUB_TIMEZONE {timezone!r} is not a known time zone") from None
        strong = _number(get, "CXHUB_FUZZY_STRONG", D.FUZZY_STRONG)
        review = _number(get, "CXHUB_FUZZY_REVIEW", D.FUZZY_REVIEW)
        if not 0 < review <= strong <= 100:
            raise SettingsError("need 0 < CXHUB_FUZZY_REVIEW <= CXHUB_FUZZY_STRONG <= 100")
        graph = _graph_settings(get)
        return cls(
            **graph,
            **_governance_settings(get),
            **_followup_settings(get),
            **_erp_limit_settings(get),
            **_web_settings(get),
            hub_path=hub_path,
            queue_path=Path(get("CXHUB_QUEUE_PATH") or queue_default),
            storage_backend=backend,
            storage_connection=connection,
            intake_secret=get("CXHUB_INTAKE_SECRET"),
            timezone=timezone,
            phone_region=(get("CXHUB_PHONE_REGION", D.PHONE_REGION) or D.PHONE_REGION).upper(),
            fuzzy_strong=strong,
            fuzzy_review=review,
            max_attempts=_count(get, "CXHUB_MAX_ATTEMPTS", D.MAX_ATTEMPTS),
            batch_size=_count(get, "CXHUB_WRITER_BATCH", D.BATCH_SIZE),
        )


def _choice(get, name: str, default: str, options: tuple[str, ...]) -> str:
    value = (get(name, default) or default).lower()
    if value not in options:
        raise SettingsError(f"{name} must be {' or '.join(repr(o) for o in options)}, not {value!r}")
    return value


def _path(get, name: str) -> Path | None:
    value = get(name)
    return Path(value) if value else None


def _url(get, name: str, default: str) -> str:
    return (get(name) or default).rstrip("/")


def _graph_settings(get) -> dict:
    backend = _choice(get, "CXHUB_BACKEND", "local", ("local", "graph"))
    auth_mode = _choice(get, "CXHUB_AUTH_MODE", "delegated", ("app", "delegated"))
    use_mi = (get("CXHUB_USE_MANAGED_IDENTITY", "") or "").lower() in ("1", "true", "yes")
    if use_mi and auth_mode == "delegated":
        raise SettingsError(
            "CXHUB_USE_MANAGED_IDENTITY gives app-only tokens: set CXHUB_AUTH_MODE=app with it (the "
            "opt-in: Microsoft documents the Excel workbook API for delegated access only; run "
            "'cxhub doctor' to see app-only work in this tenant), or leave it off and run 'cxhub login'"
        )
    out = {
        "hub_backend": backend,
        "graph_base_url": _url(get, "CXHUB_GRAPH_BASE_URL", "https://graph.microsoft.com/v1.0"),
        "authority_host": _url(get, "CXHUB_AUTHORITY_HOST", "https://login.microsoftonline.com"),
        "tenant_id": get("CXHUB_TENANT_ID"),
        "client_id": get("CXHUB_CLIENT_ID"),
        "client_secret": get("CXHUB_CLIENT_SECRET"),
        "client_cert_path": _path(get, "CXHUB_CLIENT_CERT_PATH"),
        "use_managed_identity": use_mi,
        "managed_identity_client_id": get("CXHUB_MANAGED_IDENTITY_CLIENT_ID"),
        "auth_mode": auth_mode,
        "token_cache_path": Path(get("CXHUB_TOKEN_CACHE") or Path.home() / ".cxhub" / "token-cache.json"),
        "hub_drive_id": get("CXHUB_HUB_DRIVE_ID"),
        "hub_item_id": get("CXHUB_HUB_ITEM_ID"),
        "mail_sender": get("CXHUB_MAIL_SENDER"),
        "admin_emails": tuple(
            e.strip().lower() for e in (get("CXHUB_ADMIN_EMAILS") or "").split(",") if e.strip()
        ),
        "ca_bundle": get("CXHUB_CA_BUNDLE"),
        "forms_workbook": _path(get, "CXHUB_FORMS_WORKBOOK"),
        "forms_drive_id": get("CXHUB_FORMS_DRIVE_ID"),
        "forms_item_id": get("CXHUB_FORMS_ITEM_ID"),
        "state_path": _path(get, "CXHUB_STATE_PATH"),
    }
    if backend == "graph":
        _check_graph(out)
    return out


def _check_graph(out: dict) -> None:
    """The Graph backend needs the hub's location and a way to sign in; say which setting is missing."""
    use_mi = out["use_managed_identity"]
    needed = {"CXHUB_HUB_DRIVE_ID": out["hub_drive_id"], "CXHUB_HUB_ITEM_ID": out["hub_item_id"]}
    if not use_mi:
        needed |= {"CXHUB_TENANT_ID": out["tenant_id"], "CXHUB_CLIENT_ID": out["client_id"]}
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise SettingsError(f"CXHUB_BACKEND is 'graph' but {', '.join(missing)} not set")
    if out["auth_mode"] == "app" and not (use_mi or out["client_secret"] or out["client_cert_path"]):
        raise SettingsError(
            "CXHUB_BACKEND is 'graph': set CXHUB_CLIENT_SECRET, CXHUB_CLIENT_CERT_PATH or "
            "CXHUB_USE_MANAGED_IDENTITY (or CXHUB_AUTH_MODE=delegated and run 'cxhub login')"
        )


def _followup_settings(get) -> dict:
    outbox = get("CXHUB_OUTBOX")
    out: dict[str, Any] = {
        "outbox": Path(outbox) if outbox else None,
        "mail_per_minute": _count(get, "CXHUB_MAIL_PER_MINUTE", D.MAIL_PER_MINUTE),
        "response_hours": _number(get, "CXHUB_RESPONSE_HOURS", D.RESPONSE_HOURS),
        "overrun_percent": _number(get, "CXHUB_OVERRUN_PERCENT", D.OVERRUN_PERCENT),
        "ticket_open_days": _count(get, "CXHUB_TICKET_OPEN_DAYS", D.TICKET_OPEN_DAYS),
        "quiet_days": _count(get, "CXHUB_QUIET_DAYS", D.QUIET_DAYS),
        "health_max_mb": _number(get, "CXHUB_HEALTH_MAX_MB", D.HEALTH_MAX_MB),
        "health_max_open_seconds": _number(get, "CXHUB_HEALTH_MAX_OPEN_SECONDS", D.HEALTH_MAX_OPEN_SECONDS),
        "health_max_steward_hours": _number(
            get, "CXHUB_HEALTH_MAX_STEWARD_HOURS", D.HEALTH_MAX_STEWARD_HOURS
        ),
        "health_max_users": _count(get, "CXHUB_HEALTH_MAX_USERS", D.HEALTH_MAX_USERS),
        "retention_days": _count(get, "CXHUB_RETENTION_DAYS", D.RETENTION_DAYS),
        "response_warn_hours": _number(get, "CXHUB_RESPONSE_WARN_HOURS", 8.0),
    }
    pilot = (get("CXHUB_PILOT", D.PILOT) or "").strip()
    for name, value in out.items():
        if isinstance(value, int | float) and value <= 0:
            raise SettingsError(f"the setting for {name.replace('_', ' ')} must be above zero")
    if out["response_warn_hours"] >= out["response_hours"]:
        raise SettingsError("CXHUB_RESPONSE_WARN_HOURS must be below CXHUB_RESPONSE_HOURS")
    return out | _sla_settings(get) | {"pilot": pilot}


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _sla_settings(get) -> dict:
    hours = get("CXHUB_SLA_BUSINESS_HOURS", "08:00-18:00") or "08:00-18:00"
    try:
        start, end = (time.fromisoformat(part.strip().zfill(5)) for part in hours.split("-"))
    except ValueError:
        raise SettingsError(f"CXHUB_SLA_BUSINESS_HOURS must read like 08:00-18:00, not {hours!r}") from None
    if not start < end:
        raise SettingsError("CXHUB_SLA_BUSINESS_HOURS must start before it ends")
    quiet_text = (get("CXHUB_SLA_QUIET_DAYS", "Sun") or "Sun").lower()
    quiet = set()
    for word in (w.strip()[:3] for w in quiet_text.split(",") if w.strip() and quiet_text != "none"):
        if word not in _WEEKDAYS:
            raise SettingsError(f"CXHUB_SLA_QUIET_DAYS: {word!r} is not a weekday (Mon … Sun, or none)")
        quiet.add(_WEEKDAYS.index(word))
    receipts = (get("CXHUB_RECEIPTS", "false") or "false").lower()
    if receipts not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"CXHUB_RECEIPTS must be true or false, not {receipts!r}")
    return {
        "sla_business_hours": (start, end),
        "sla_quiet_days": frozenset(quiet),
        "receipts": receipts in ("true", "1", "yes"),
    }


def _web_settings(get) -> dict:
    flag = (get("CXHUB_APP_SERVICE_AUTH", "false") or "false").lower()
    if flag not in ("1", "true", "yes", "0", "false", "no"):
        raise SettingsError(f"CXHUB_APP_SERVICE_AUTH must be true or false, not {flag!r}")
    url = (get("CXHUB_PUBLIC_URL") or "http://127.0.0.1:7071").rstrip("/")
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise SettingsError(
            f"CXHUB_PUBLIC_URL must be an https:// address (or http://127.0.0.1 locally), not {url!r}"
        )
    key = get("CXHUB_ACTION_KEY")
    if key is not None and len(key) < 32:
        raise SettingsError("CXHUB_ACTION_KEY must be at least 32 characters (a random secret)")
    return {
        "app_service_auth": flag in ("1", "true", "yes"),
        "public_url": url,
        "action_key": key,
        "action_link_days": _count(get, "CXHUB_ACTION_LINK_DAYS", 14),
    }


def _governance_settings(get) -> dict:
    owner_rule = (get("CXHUB_OWNER_RULE", D.OWNER_RULE) or D.OWNER_RULE).lower()
    if owner_rule not in ("largest", "latest"):
        raise SettingsError(f"CXHUB_OWNER_RULE must be 'largest' or 'latest', not {owner_rule!r}")
    strong = _number(get, "CXHUB_DUP_STRONG", D.DUP_STRONG)
    review = _number(get, "CXHUB_DUP_REVIEW", D.DUP_REVIEW)
    if not 0 < review <= strong <= 100:
        raise SettingsError("need 0 < CXHUB_DUP_REVIEW <= CXHUB_DUP_STRONG <= 100")
    max_block = _count(get, "CXHUB_DUP_MAX_BLOCK", D.DUP_MAX_BLOCK)
    if max_block < 2:
        raise SettingsError("CXHUB_DUP_MAX_BLOCK must be at least 2")
    mappings, folder = get("CXHUB_ERP_MAPPINGS"), get("CXHUB_ERP_FOLDER")
    return {
        "owner_rule": owner_rule,
        "dup_strong": strong,
        "dup_review": review,
        "dup_max_block": max_block,
        "erp_mappings": Path(mappings) if mappings else None,
        "erp_folder": Path(folder) if folder else None,
        "erp_drive_id": get("CXHUB_ERP_DRIVE_ID"),
        "erp_folder_id": get("CXHUB_ERP_FOLDER_ID"),
    }


# The setting behind each ErpLimits field.
ERP_LIMIT_SETTINGS = {
    "max_file_mb": "CXHUB_ERP_MAX_FILE_MB",
    "max_unzipped_mb": "CXHUB_ERP_MAX_UNZIPPED_MB",
    "max_ratio": "CXHUB_ERP_MAX_RATIO",
    "max_rows": "CXHUB_ERP_MAX_ROWS",
    "max_columns": "CXHUB_ERP_MAX_COLUMNS",
    "max_cell_chars": "CXHUB_ERP_MAX_CELL_CHARS",
    "parse_memory_mb": "CXHUB_ERP_PARSE_MEMORY_MB",
    "parse_seconds": "CXHUB_ERP_PARSE_SECONDS",
}


def _erp_limit_settings(get) -> dict:
    from hub.governance.erp_limits import DEFAULT_LIMITS, ErpLimits

    # Each limit keeps the type of its default (a count must be a whole number).
    limits: dict[str, Any] = {
        name: (_count if isinstance(default, int) else _number)(get, ERP_LIMIT_SETTINGS[name], default)
        for name, default in vars(DEFAULT_LIMITS).items()
    }
    return {"erp_limits": ErpLimits(**limits)}


def _number(get, name: str, default: float) -> float:
    raw = get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(value):  # "nan" and "inf" parse as floats; neither is a limit or a count
        raise SettingsError(f"{name} must be a number, not {raw!r}")
    if value <= 0:
        raise SettingsError(f"{name} must be above zero")
    return value


def _count(get, name: str, default: int) -> int:
    """A whole number above zero: "2.5" messages per batch is a typo, not 2."""
    value = _number(get, name, default)
    if value != int(value):
        raise SettingsError(f"{name} must be a whole number, not {get(name)!r}")
    return int(value)
