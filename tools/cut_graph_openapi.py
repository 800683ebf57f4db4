"""Cut the part of Microsoft's Graph v1.0 API description that CX Hub uses, as OpenAPI 3.1 JSON.

    git -C <msgraph-metadata clone> show <commit>:schemas/v1.0-Prod.csdl > v1.0-Prod.csdl
    python tools/cut_graph_openapi.py v1.0-Prod.csdl --commit <commit> > graph/openapi/graph-v1.0-cxhub.json

Source: github.com/microsoftgraph/msgraph-metadata. Microsoft publishes Graph v1.0 there both as
CSDL (schemas/v1.0-Prod.csdl, the service metadata) and as the OpenAPI description generated from
it (openapi/v1.0/openapi.yaml). The yaml is tens of MB and could not be fetched into this
workspace (snapshots skip files over 4 MiB), so this script cuts from the CSDL it is generated
from, following the same conventions (path segments, {type-id} keys, OData query options, bound
actions/functions as /name and /name(), entity and complex types as microsoft.graph.* schemas).

Every operation below is checked to exist in the CSDL (entity set, navigation property, bound
action or function, media stream); the script stops if one does not. A few request shapes are
documented on learn.microsoft.com but not expressible in CSDL (path-based addressing
root:/path:, $select on range functions, PATCH on range(address=)): they are marked
x-cxhub-source "docs" with the page that documents them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
ITEM = "/drives/{drive-id}/items/{driveItem-id}"
WB = ITEM + "/workbook"
TABLE = WB + "/tables/{workbookTable-id}"
SHEET = WB + "/worksheets/{workbookWorksheet-id}"
COLLECTION_QUERY = ["$top", "$skip", "$search", "$filter", "$count", "$orderby", "$select", "$expand"]
ENTITY_QUERY = ["$select", "$expand"]
ROWS = "Collection(graph.workbookTableRow)"

# (path, method, kind, CSDL reference, extra). kinds: set (entity set), entity (a key into a
# set or navigation), nav (navigation property on a type), create (POST to a collection),
# update (PATCH an entity), action, function, stream (media content).
OPERATIONS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("/sites/{site-id}", "get", "entity", "sites", {}),
    ("/sites/{site-id}/drive", "get", "nav", "site.drive", {}),
    ("/sites/{site-id}/permissions", "get", "nav", "site.permissions", {}),
    ("/sites/{site-id}/permissions", "post", "create", "site.permissions", {}),
    ("/sites/{site-id}/permissions/{permission-id}", "get", "entity", "site.permissions", {}),
    ("/sites/{site-id}/permissions/{permission-id}", "patch", "update", "site.permissions", {}),
    (ITEM, "get", "entity", "drive.items", {}),
    (ITEM, "patch", "update", "drive.items", {}),
    (ITEM + "/children", "get", "nav", "driveItem.children", {}),
    (ITEM + "/children", "post", "create", "driveItem.children", {}),
    (ITEM + "/content", "get", "stream", "driveItem.content", {}),
    (
        ITEM + "/content",
        "put",
        "stream",
        "driveItem.content",
        {
            "query": ["@microsoft.graph.conflictBehavior"],
            "docs": "https://learn.microsoft.com/graph/api/resources/driveitem",
        },
    ),
    (ITEM + "/createUploadSession", "post", "action", "createUploadSession@driveItem", {}),
    (WB + "/createSession", "post", "action", "createSession@workbook", {}),
    (WB + "/closeSession", "post", "action", "closeSession@workbook", {}),
    (WB + "/refreshSession", "post", "action", "refreshSession@workbook", {}),
    (WB + "/tables", "get", "nav", "workbook.tables", {}),
    (TABLE + "/columns", "get", "nav", "workbookTable.columns", {}),
    (TABLE + "/rows", "get", "nav", "workbookTable.rows", {}),
    (TABLE + "/rows/add", "post", "action", "add@Collection(graph.workbookTableRow)", {}),
    (TABLE + "/range()", "get", "function", "range@workbookTable", {"select": True}),
    (
        TABLE + "/columns/{workbookTableColumn-id}/dataBodyRange()",
        "get",
        "function",
        "dataBodyRange@workbookTableColumn",
        {"select": True},
    ),
    (
        SHEET + "/usedRange(valuesOnly={valuesOnly})",
        "get",
        "function",
        "usedRange@workbookWorksheet",
        {"select": True},
    ),
    (SHEET + "/range(address='{address}')", "get", "function", "range@workbookWorksheet", {"select": True}),
    (
        SHEET + "/range(address='{address}')",
        "patch",
        "update",
        "range@workbookWorksheet",
        {"docs": "https://learn.microsoft.com/graph/api/range-update"},
    ),
    (SHEET + "/protection", "get", "nav", "workbookWorksheet.protection", {}),
    (SHEET + "/protection/protect", "post", "action", "protect@workbookWorksheetProtection", {}),
    (SHEET + "/protection/unprotect", "post", "action", "unprotect@workbookWorksheetProtection", {}),
    # cxhub upgrade-hub: tabs, tables, columns and dropdown names added to an older hub.
    (WB + "/worksheets", "get", "nav", "workbook.worksheets", {}),
    (WB + "/worksheets/add", "post", "action", "add@Collection(graph.workbookWorksheet)", {}),
    (SHEET + "/tables", "get", "nav", "workbookWorksheet.tables", {}),
    (WB + "/tables/add", "post", "action", "add@Collection(graph.workbookTable)", {}),
    (TABLE, "patch", "update", "workbook.tables", {}),
    (TABLE + "/columns/add", "post", "action", "add@Collection(graph.workbookTableColumn)", {}),
    (WB + "/names", "get", "nav", "workbook.names", {}),
    (WB + "/names/add", "post", "action", "add@Collection(graph.workbookNamedItem)", {}),
    (
        SHEET + "/range(address='{address}')/format",
        "patch",
        "update",
        "workbookRange.format",
        {"docs": "https://learn.microsoft.com/graph/api/rangeformat-update"},
    ),
    (
        SHEET + "/range(address='{address}')/format/protection",
        "patch",
        "update",
        "workbookRangeFormat.protection",
        {"docs": "https://learn.microsoft.com/graph/api/formatprotection-update"},
    ),
    ("/users", "get", "set", "users", {}),
    ("/users/{user-id}/manager", "get", "nav", "user.manager", {}),
    ("/users/{user-id}/sendMail", "post", "action", "sendMail@user", {}),
]
# Navigation properties whose entities travel inline in a body CX Hub sends (sendMail).
INLINED = {("message", "attachments")}
# Types whose subtypes travel in bodies (@odata.type): their derived properties are merged in.
DERIVED = {"attachment": ["fileAttachment"], "directoryObject": ["user"]}


class Csdl:
    def __init__(self, path: Path) -> None:
        root = ElementTree.parse(path).getroot()
        schema = next(root.iter(EDM + "Schema"))
        self.types = {e.get("Name"): e for e in schema if e.tag in (EDM + "EntityType", EDM + "ComplexType")}
        self.enums = {e.get("Name") for e in schema if e.tag == EDM + "EnumType"}
        self.bound = [e for e in schema if e.tag in (EDM + "Action", EDM + "Function")]
        container = next(root.iter(EDM + "EntityContainer"))
        self.sets = {e.get("Name"): _short(e.get("EntityType")) for e in container if e.get("EntityType")}

    def properties(self, name: str) -> list[ElementTree.Element]:
        """Structural and navigation properties, inherited ones first."""
        node = self.types[name]
        base = node.get("BaseType")
        inherited = self.properties(_short(base)) if base else []
        own = [p for p in node if p.tag in (EDM + "Property", EDM + "NavigationProperty")]
        return inherited + own

    def navigation(self, ref: str) -> str:
        owner, name = ref.split(".")
        if owner in self.sets and owner not in self.types:
            owner = self.sets[owner]
        for prop in self.properties(owner):
            if prop.get("Name") == name:
                return prop.get("Type") or ""
        raise SystemExit(f"CSDL: {owner} has no property {name}")

    def operation(self, ref: str) -> ElementTree.Element:
        name, binding = ref.split("@")
        binding = binding if binding.startswith("Collection(") else f"graph.{binding}"
        for op in self.bound:
            params = [p for p in op if p.tag == EDM + "Parameter"]
            if op.get("Name") == name and params and params[0].get("Type") == binding:
                return op
        raise SystemExit(f"CSDL: no {name} bound to {binding}")


def _short(qualified: str | None) -> str:
    return (qualified or "").replace("microsoft.graph.", "").replace("graph.", "")


def type_schema(csdl: Csdl, edm: str, needed: set[str], nullable: bool = True) -> dict[str, Any]:
    if edm.startswith("Collection("):
        return {"type": "array", "items": type_schema(csdl, edm[11:-1], needed, False)}
    prims = {
        "Edm.String": {"type": "string"},
        "Edm.Boolean": {"type": "boolean"},
        "Edm.Int32": {"type": "integer"},
        "Edm.Int64": {"type": "integer"},
        "Edm.Int16": {"type": "integer"},
        "Edm.Byte": {"type": "integer"},
        "Edm.Double": {"type": "number"},
        "Edm.Single": {"type": "number"},
        "Edm.Decimal": {"type": "number"},
        "Edm.Guid": {"type": "string"},
        "Edm.DateTimeOffset": {"type": "string"},
        "Edm.Date": {"type": "string"},
        "Edm.TimeOfDay": {"type": "string"},
        "Edm.Duration": {"type": "string"},
        "Edm.Binary": {"type": "string"},
        "Edm.Stream": {"type": "string"},
    }
    short = _short(edm)
    if edm in prims:
        out = dict(prims[edm])
    elif short == "Json":
        return {}  # graph.Json: any JSON value (workbook values, formulas...)
    elif short in csdl.enums:
        out = {"type": "string"}
    elif short in csdl.types:
        needed.add(short)
        ref = {"$ref": f"#/components/schemas/microsoft.graph.{short}"}
        return {"anyOf": [ref, {"type": "null"}]} if nullable else ref
    else:
        return {}
    if nullable:
        out["type"] = [out["type"], "null"]
    return out


def object_schema(csdl: Csdl, name: str, needed: set[str]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for extra in [name, *DERIVED.get(name, [])]:
        for prop in csdl.properties(extra):
            if prop.tag == EDM + "NavigationProperty" and (extra, prop.get("Name")) not in INLINED:
                continue  # related entities are not in bodies, except those CX Hub sends inline
            props[prop.get("Name") or ""] = type_schema(
                csdl, prop.get("Type") or "", needed, prop.get("Nullable") != "false"
            )
    return {"type": "object", "properties": props, "additionalProperties": True}


def build(csdl: Csdl, commit: str) -> dict[str, Any]:
    needed: set[str] = set()
    paths: dict[str, dict[str, Any]] = {}
    for path, method, kind, ref, extra in OPERATIONS:
        paths.setdefault(path, {})[method] = operation(csdl, path, method, kind, ref, extra, needed)
    schemas: dict[str, Any] = {}
    while needed - set(schemas):
        for name in sorted(needed - set(schemas)):
            schemas[name] = object_schema(csdl, name, needed)
    return {
        "openapi": "3.1.0",  # type lists (["string", "null"]) are JSON Schema 2020-12
        "info": {
            "title": "Microsoft Graph v1.0, the operations CX Hub uses",
            "version": "v1.0",
            "x-source": {
                "repository": "https://github.com/microsoftgraph/msgraph-metadata",
                "commit": commit,
                "file": "schemas/v1.0-Prod.csdl",
                "cut-by": "tools/cut_graph_openapi.py",
            },
        },
        "servers": [{"url": "https://graph.microsoft.com/v1.0"}],
        "paths": paths,
        "components": {"schemas": {f"microsoft.graph.{k}": v for k, v in sorted(schemas.items())}},
    }


def operation(
    csdl: Csdl, path: str, method: str, kind: str, ref: str, extra: dict[str, Any], needed: set[str]
) -> dict[str, Any]:
    op: dict[str, Any] = {"x-cxhub-csdl": ref}
    if kind == "set":
        body, response, query = None, _collection(csdl, csdl.sets[ref], needed), COLLECTION_QUERY
    elif kind in ("nav", "entity", "create", "update") and "@" not in ref:
        body, response, query = _entity_shapes(csdl, kind, ref, needed)
    elif kind == "stream":
        csdl.navigation(ref)  # the media property must exist
        body, query = None, []
        response = type_schema(csdl, "graph.driveItem", needed, False) if method == "put" else None
    else:
        body, response, query = _bound_shapes(csdl, method, kind, ref, extra, needed)
        if kind == "action":
            op["x-cxhub-case-insensitive-parameters"] = True
        if extra.get("select"):
            op["x-cxhub-query-source"] = "docs: https://learn.microsoft.com/graph/api/range-get"
    if extra.get("docs"):
        op["x-cxhub-source"] = "docs: " + extra["docs"]
    query = query + extra.get("query", [])
    op["parameters"] = [{"name": q, "in": "query", "schema": {"type": "string"}} for q in query]
    if body is not None:
        op["requestBody"] = {"content": {"application/json": {"schema": body}}}
    content = {"application/json": {"schema": response}} if response is not None else None
    op["responses"] = {"2XX": {"description": "success", **({"content": content} if content else {})}}
    return op


Shapes = tuple[dict[str, Any] | None, dict[str, Any] | None, list[str]]  # body, response, query


def _entity_shapes(csdl: Csdl, kind: str, ref: str, needed: set[str]) -> Shapes:
    """An entity set's or navigation property's read, create or update."""
    edm = csdl.navigation(ref) if "." in ref else f"graph.{csdl.sets[ref]}"
    target = _short(edm[11:-1] if edm.startswith("Collection(") else edm)
    if kind == "create" or kind == "update":
        body = type_schema(csdl, f"graph.{target}", needed, False)
        return body, body, []
    if edm.startswith("Collection(") and kind == "nav":
        return None, _collection(csdl, target, needed), COLLECTION_QUERY
    return None, type_schema(csdl, f"graph.{target}", needed, False), ENTITY_QUERY


def _bound_shapes(
    csdl: Csdl, method: str, kind: str, ref: str, extra: dict[str, Any], needed: set[str]
) -> Shapes:
    """A bound action's or function's parameters and return type, as the CSDL declares them."""
    found = csdl.operation(ref)
    params = [p for p in found if p.tag == EDM + "Parameter"][1:]
    returns = next((r.get("Type") for r in found if r.tag == EDM + "ReturnType"), None)
    body: dict[str, Any] | None = None
    if kind == "action":
        body = {
            "type": "object",
            "properties": {
                p.get("Name"): type_schema(csdl, p.get("Type") or "", needed, p.get("Nullable") != "false")
                for p in params
            },
            "required": [p.get("Name") for p in params if p.get("Nullable") == "false"],
            "additionalProperties": False,
        }
    if method == "patch":
        body = type_schema(csdl, "graph.workbookRange", needed, False)
    response = type_schema(csdl, returns, needed, False) if returns else None
    return body, response, ["$select"] if extra.get("select") else []


def _parameter(csdl: Csdl, param: ElementTree.Element, needed: set[str]) -> dict[str, Any]:
    return type_schema(csdl, param.get("Type") or "", needed, param.get("Nullable") != "false")


def _collection(csdl: Csdl, target: str, needed: set[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "value": {"type": "array", "items": type_schema(csdl, f"graph.{target}", needed, False)},
            "@odata.nextLink": {"type": ["string", "null"]},
        },
        "required": ["value"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csdl", type=Path)
    parser.add_argument("--commit", required=True, help="the msgraph-metadata commit the CSDL is from")
    args = parser.parse_args(argv)
    json.dump(build(Csdl(args.csdl), args.commit), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
