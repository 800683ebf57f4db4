"""Every Graph request the product made (as the fake recorded it), checked against Microsoft's
description of Graph v1.0 (graph/openapi/graph-v1.0-cxhub.json, cut from msgraph-metadata by
tools/cut_graph_openapi.py): the path and method exist, the query options are allowed, the JSON
body is valid against the operation's schema; and each 2xx JSON answer of the fake against the
response schema. The fake can then no longer drift from Graph without a test saying so."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

DESCRIPTION = Path(__file__).resolve().parents[2] / "graph" / "openapi" / "graph-v1.0-cxhub.json"
# Query options Graph puts in the @odata.nextLink of a collection it pages.
PAGING = {"$skiptoken"}
CHECKED = {"requests": 0, "responses": 0}


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


@cache
def description() -> dict[str, Any]:
    return json.loads(DESCRIPTION.read_text("utf-8"))


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for template, methods in description()["paths"].items():
        for method, spec in methods.items():
            found.append(Operation(template, method.upper(), _pattern(template), spec))
    return tuple(found)


def _pattern(template: str) -> re.Pattern[str]:
    """A template as a regex: keys are one segment; sites and drive items may also be addressed
    by path (host:/server-relative-path:, root:/path:, {parent-id}:/{name}:), as the driveItem and
    site reference pages document."""
    out = ""
    for piece in re.split(r"(/items/\{driveItem-id\}|\{[^}]+\})", template):
        if piece == "/items/{driveItem-id}":
            out += r"(?:/items/[^/:]+|/root)(?::/[^:]+:)?"
        elif piece == "{site-id}":
            out += r"[^/:]+(?::/[^:]*:?)?"
        elif piece.startswith("{"):
            out += r"[^/]+"
        else:
            out += re.escape(piece)
    return re.compile(out)


def _schema_problems(schema: dict[str, Any], value: Any) -> list[str]:
    rooted = {"allOf": [schema], "components": description()["components"]}
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in Draft202012Validator(rooted).iter_errors(value)
    ][:3]


def _json_schema(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    content = (spec or {}).get("content", {}).get("application/json")
    return content["schema"] if content else None


def check_request(method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
    """What is wrong with one request, in words (empty when it matches the description)."""
    if not path.startswith("/v1.0/"):
        return []  # token endpoints, pre-authenticated upload and download URLs: not Graph
    graph_path = path[len("/v1.0") :]
    matches = [op for op in operations() if op.method == method and op.pattern.fullmatch(graph_path)]
    if not matches:
        return [f"{method} {graph_path}: no such operation in Graph v1.0"]
    op = matches[0]
    CHECKED["requests"] += 1
    allowed = {p["name"] for p in op.spec.get("parameters", []) if p.get("in") == "query"}
    if "$top" in allowed:
        allowed |= PAGING
    problems = [f"{method} {op.template}: query option {q} not allowed" for q in query if q not in allowed]
    schema = _json_schema(op.spec.get("requestBody"))
    if schema is not None and body is not None:
        if op.spec.get("x-cxhub-case-insensitive-parameters") and isinstance(body, dict):
            names = {n.lower(): n for n in schema.get("properties", {})}
            body = {names.get(k.lower(), k): v for k, v in body.items()}
        problems += [f"{method} {op.template} body: {p}" for p in _schema_problems(schema, body)]
    return problems


def check_response(method: str, path: str, status: int, answer: Any) -> list[str]:
    if not path.startswith("/v1.0/") or not 200 <= status < 300 or answer is None:
        return []
    graph_path = path[len("/v1.0") :]
    op = next((o for o in operations() if o.method == method and o.pattern.fullmatch(graph_path)), None)
    schema = _json_schema(((op.spec.get("responses") or {}).get("2XX")) if op else None)
    if op is None or schema is None:
        return []
    CHECKED["responses"] += 1
    return [f"{method} {op.template} answer: {p}" for p in _schema_problems(schema, answer)]


def check_recorded(requests: list[Any]) -> list[str]:
    """Problems in every recorded request and (unfaulted) answer of a fake Graph."""
    problems: list[str] = []
    for r in requests:
        problems += check_request(r.method, r.path, r.query, r.body)
        if r.fault is None:
            problems += check_response(r.method, r.path, r.status, r.response)
    return list(dict.fromkeys(problems))
