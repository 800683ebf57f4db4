"""Every column name the code uses is a column of the hub as hub_schema declares it: a typo such as
row["Acount ID"] fails here instead of reading blank forever. An ast scan of the product packages
(hub/ and the adapters and wiring around it), no imports of them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import hub_schema.columns as column_constants
from hub_schema.lists import LISTS
from hub_schema.tabs import TABS, tab

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = {c.name for t in TABS for c in t.columns}
TAB_NAMES = {t.name for t in TABS} | {"Lists"}
# Keys that look like column names (capitalised) but are not, each with its reason.
NOT_COLUMNS: dict[str, str] = {
    "H": "a named group of the time regexes (hub/values.py, erp_parse.py)",
    "M": "a named group of the time regexes",
    "S": "a named group of the time regexes",
    "Content-Length": "an HTTP header (cxhub/local_intake.py, graph/client.py)",
    "Retry-After": "an HTTP header (graph/admin.py)",
    "From": "a mail header (local/outbox.py)",
    "To": "a mail header",
    "Cc": "a mail header",
    "Subject": "a mail header",
    "Message-ID": "a mail header",
}
# The packages whose row keys are checked: the rules, and the wiring and adapters that read rows too.
PACKAGES = ("hub", "cxhub", "graph", "local", "cloud")
# Modules whose dict literals are another system's records, not hub rows (their row reads are
# still checked): the CRM exports are keyed by HubSpot's and Dynamics 365's own import columns.
FOREIGN_RECORDS = ("hub/upgrade/exports/",)
# The KPI frames are indexed by division and stage names, which are values of the Lists tab.
LIST_VALUES = {value for values in LISTS.values() for value in values}
KNOWN = COLUMNS | TAB_NAMES | set(LISTS) | LIST_VALUES | set(NOT_COLUMNS)


def looks_like_a_column(key: str) -> bool:
    """Hub columns are capitalised ("Account ID", "Status"); message and frame keys are not."""
    return key[:1].isupper()


CONSTANTS = {k: v for k, v in vars(column_constants).items() if k.isupper() and isinstance(v, str)}


def _string(node: ast.AST | None) -> str | None:
    """A string literal, or the value of a hub_schema.columns constant (ACCOUNT_ID)."""
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return CONSTANTS[node.id]
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _column_list(node: ast.AST | None) -> list[str]:
    """The strings of a tuple or list of column names; a *spread of another list is skipped."""
    elements = node.elts if isinstance(node, ast.Tuple | ast.List) else []
    return [v for v in map(_string, elements) if v is not None]


def _named_columns(node: ast.AST) -> ast.AST | None:
    """The value of `X_COLUMNS = (...)` (a list of columns by its name), else None."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    else:
        return None
    named = any(isinstance(t, ast.Name) and t.id.endswith("COLUMNS") for t in targets)
    return node.value if named else None


def _strings(node: ast.AST) -> list[str] | None:
    values = [_string(e) for e in node.elts] if isinstance(node, ast.Tuple | ast.List) else []
    return [v for v in values if v is not None] if values and None not in values else None


def row_keys(tree: ast.AST, literals: bool = True) -> Iterator[tuple[int, str, str | None]]:
    """(line, key, tab it must belong to or None for any tab) for every key used on a row."""
    seen: set[int] = set()  # dicts already read as a RowUpdate's values
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and (key := _string(node.slice)) is not None:
            yield node.lineno, key, None  # row["X"]
        elif isinstance(node, ast.Call):
            yield from _call_keys(node, seen)
        elif (value := _named_columns(node)) is not None:
            for key in _column_list(value):
                yield node.lineno, key, None  # FOLLOW_UP_COLUMNS = ("X", "Y")
        elif isinstance(node, ast.Dict) and id(node) not in seen:
            yield from _dict_keys(node, literals)


def _call_keys(node: ast.Call, seen: set[int]) -> Iterator[tuple[int, str, str | None]]:
    """Keys named by a call: row.get("X"), RowUpdate("Tab", id, {"X": ...}), columns_frame(rows, ("X",))."""
    called = node.func.id if isinstance(node.func, ast.Name) else None
    if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        if (key := _string(node.args[0])) is not None:
            yield node.lineno, key, None
    elif called == "RowUpdate":
        tab_name = _string(node.args[0]) if node.args else None
        values = node.args[2] if len(node.args) > 2 else None
        if isinstance(values, ast.Dict):
            seen.add(id(values))  # its keys belong to `tab_name`, not to any tab
            for k in values.keys:
                if (key := _string(k)) is not None:
                    yield node.lineno, key, tab_name
    elif called == "columns_frame":
        for key in _column_list(node.args[1] if len(node.args) > 1 else None):
            yield node.lineno, key, None  # a frame of these columns


def _dict_keys(node: ast.Dict, literals: bool) -> Iterator[tuple[int, str, str | None]]:
    """{"Tab": ("X", "Y")}: the columns read from each tab (READ_COLUMNS and the like); with
    `literals`, a row literal {"X": ...} (a dict with no hub column at all is something else)."""
    keys = [_string(k) for k in node.keys]
    if keys and all(k in TAB_NAMES for k in keys):
        for k, value in zip(keys, node.values, strict=True):
            for key in _strings(value) or ():
                yield node.lineno, key, k
    elif literals and any(k in COLUMNS for k in keys):
        for k in keys:
            if k is not None:
                yield node.lineno, k, None


def unknown_keys(root: Path = ROOT) -> list[str]:
    out = []
    paths = (path for package in PACKAGES for path in sorted((root / package).rglob("*.py")))
    for path in paths:
        name = path.relative_to(root).as_posix()
        literals = not name.startswith(FOREIGN_RECORDS)
        for line, key, tab_name in row_keys(ast.parse(path.read_text(encoding="utf-8")), literals):
            where = f"{name}:{line}"
            if tab_name is not None and tab_name in TAB_NAMES - {"Lists"}:
                if key not in tab(tab_name).column_names:
                    out.append(f"{where}: {key!r} is not a column of the {tab_name} tab")
            elif looks_like_a_column(key) and key not in KNOWN:
                out.append(f"{where}: {key!r} is not a column of any tab in hub_schema")
    return out


def test_every_column_name_used_in_the_code_is_declared_in_hub_schema():
    """Row keys, RowUpdate fields and column lists in hub/, wiring and adapters name declared columns."""
    assert unknown_keys() == []


def test_a_misspelt_column_is_caught(tmp_path):
    """The scan really fails on a typo: in a row lookup, a RowUpdate and a per-tab column list."""
    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "typo.py").write_text(
        "def f(row, RowUpdate):\n"
        '    a = row["Acount ID"]\n'
        '    b = row.get("Company Nmae")\n'
        '    c = RowUpdate("Interactions", "INT-1", {"Last Remindd": 1})\n'
        '    d = {"Audit": ("Audit Id",), "Staff": (ACCOUNT_ID,)}\n'
        '    e = row["Account ID"], row.get("answers"), {"Accounts": ("Account ID",)}\n'
        'F_COLUMNS = (ACCOUNT_ID, "Acton Status")\n'
        'g = columns_frame(rows, ("Division", "Stag"))\n'
    )
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "store.py").write_text('h = row.get("Contakt ID")\n')
    found = unknown_keys(tmp_path)
    assert sorted(f.split(": ", 1)[1] for f in found) == sorted(
        [
            "'Acount ID' is not a column of any tab in hub_schema",
            "'Company Nmae' is not a column of any tab in hub_schema",
            "'Last Remindd' is not a column of the Interactions tab",
            "'Audit Id' is not a column of the Audit tab",
            "'Account ID' is not a column of the Staff tab",
            "'Acton Status' is not a column of any tab in hub_schema",
            "'Stag' is not a column of any tab in hub_schema",
            "'Contakt ID' is not a column of any tab in hub_schema",
        ]
    )


def test_the_column_constants_name_declared_columns():
    """hub_schema.columns' constants (ACCOUNT_ID...) are each a declared column."""
    assert CONSTANTS and all(v in COLUMNS for v in CONSTANTS.values())
