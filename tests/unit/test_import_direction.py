"""Arrows point down: entrypoints -> cxhub.wiring -> adapters -> hub core <- hub_schema (which
imports nothing of ours but itself). An ast scan of every import, lazy ones inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "hub_schema", "cxhub", "functions", "graph", "local", "cloud")
ADAPTERS = ("graph", "local", "cloud")
CLOUD_LIBRARIES = ("azure", "msal", "httpx", "msgraph", "msgraph_core", "kiota_abstractions", "kiota_http")

# A capability package may use another only through the core; each exception says why.
CAPABILITY_ALLOWED: dict[tuple[str, str], str] = {
    ("customers", "web"): "the customer pages are pages: hub.web is the shared page shape and access rule",
    ("followups", "actions"): "reminders and digests carry the one-tap action links (hub.actions.links)",
    ("intake", "actions"): "the writer applies the action messages that share the submissions queue",
    (
        "upgrade",
        "kpis",
    ): "the pilot report's figures are the weekly KPIs over its period: one meaning per measure",
}
# Packages of hub/ that are core, not capabilities: hub/web is what every server-rendered page
# (the action confirm page, the customer card) is built on.
CORE_PACKAGES = ("web",)


def top(name: str) -> str:
    return name.split(".")[0]


def capability(module: str) -> str | None:
    """'hub.kpis.weekly' -> 'kpis'; None for a core module such as hub.ports."""
    parts = module.split(".")
    return parts[1] if parts[0] == "hub" and len(parts) > 2 and parts[1] not in CORE_PACKAGES else None


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def wrong_way(source: str, target: str) -> str | None:
    """Why importing `target` from module `source` runs the wrong way, or None when it is fine."""
    src, dst = top(source), top(target)
    if src == "hub_schema" and dst in ("hub", "cxhub", "functions", "function_app", *ADAPTERS):
        return "hub_schema imports nothing from the code that reads it"
    if src == "hub" and dst in ("cxhub", "functions", "function_app", *ADAPTERS, *CLOUD_LIBRARIES):
        return "the rules know no entrypoint, adapter or cloud SDK"
    if src in ADAPTERS and dst != src and dst in (*ADAPTERS, "cxhub", "functions", "function_app"):
        return "an adapter depends only on the core (shared logic belongs in hub/)"
    if src == "cxhub" and (dst in ("functions", "function_app") or target.startswith("azure.functions")):
        return "the CLI must not need the Functions SDK"
    if src == "hub" and dst == "hub":
        mine, theirs = capability(source), capability(target)
        if mine is None and theirs is not None:
            return "a core module must not depend on a capability"
        if mine and theirs and mine != theirs and (mine, theirs) not in CAPABILITY_ALLOWED:
            return "one capability uses another only through the core"
    return None


def violations(root: Path = ROOT) -> list[str]:
    out = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            source = module_name(path, root)
            for line, target in imports(path):
                reason = wrong_way(source, target)
                if reason:
                    out.append(f"{path.relative_to(root)}:{line} imports {target}: {reason}")
    return out


def test_no_import_runs_the_wrong_way():
    """Every import in the product code points down the layers (the list names each one that does not)."""
    assert violations() == []


def test_the_scan_catches_each_kind_of_wrong_way_import():
    """A schema importing the core, the core importing an adapter or msal, adapters importing each
    other, the CLI importing the Functions, the core importing a capability, and capability to
    capability are all refused; the allowed directions are not."""
    refused = [
        ("hub_schema.cells", "hub.ports"),
        ("hub.intake.writer", "local.journal_queue"),
        ("hub.governance.jobs", "cxhub.wiring"),
        ("hub.kpis.weekly", "azure.functions"),
        ("hub.ports", "msal"),
        ("graph.forms_workbook", "local.forms_workbook"),
        ("local.state", "cloud.blob_state"),
        ("cloud.blob_lock", "cxhub.settings"),
        ("cxhub.local_intake", "functions.intake"),
        ("cxhub.cli", "azure.functions"),
        ("hub.tables", "hub.intake.recorder"),
        ("hub.kpis.weekly", "hub.upgrade.triggers"),
    ]
    allowed = [
        ("functions.intake", "cxhub.wiring"),
        ("cxhub.wiring", "graph.client"),
        ("graph.workbook_store", "hub.ports"),
        ("hub.kpis.weekly", "hub.ports"),
        ("hub.kpis.weekly", "hub_schema.tabs"),
        ("hub.intake.writer", "hub.intake.recorder"),
        ("hub.ports", "hub_schema.tabs"),
        ("graph.client", "httpx"),
    ]
    assert all(wrong_way(s, t) for s, t in refused)
    assert not any(wrong_way(s, t) for s, t in allowed)
