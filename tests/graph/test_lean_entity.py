"""graph/lean_entity.py: objects read from Graph keep every field while skipping the SDK's imports."""

from __future__ import annotations

import json

import pytest
from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
from msgraph.generated.models.entity import Entity
from msgraph.generated.models.workbook_table_column import WorkbookTableColumn

import graph.client  # noqa: F401  (installs the lean method, as every product path does)
from graph import lean_entity

COLUMN = {
    "@odata.type": "#microsoft.graph.workbookTableColumn",
    "id": "3",
    "index": 2,
    "name": "Account ID",
    "values": [["Account ID"], ["ACC-000001"]],
}


def parsed(model: type, body: dict) -> object:
    node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(body).encode())
    return node.get_object_value(model)


def test_a_table_column_read_from_graph_keeps_its_id_type_index_and_name():
    """A column in Graph's JSON reads back with its id, @odata.type, index and name once the lean
    method is in place (the store orders and names a table's header from these)."""
    assert Entity.get_field_deserializers is not lean_entity.SDK_FIELD_DESERIALIZERS
    column = parsed(WorkbookTableColumn, COLUMN)
    assert isinstance(column, WorkbookTableColumn)
    assert (column.id, column.odata_type, column.index, column.name) == (
        "3",
        "#microsoft.graph.workbookTableColumn",
        2,
        "Account ID",
    )


@pytest.mark.slow  # the SDK's own method imports ~1,300 model modules on its first call (~2 s)
def test_the_lean_method_gives_the_fields_the_sdks_own_method_gives():
    """Entity's deserializers are the SDK's own, field for field: an SDK release that adds a field to
    Entity fails here rather than have CX Hub drop it."""
    body = {"id": "e1", "@odata.type": "#microsoft.graph.entity"}
    lean, sdk = Entity(), Entity()
    lean_fields = lean_entity._entity_fields(lean)
    sdk_fields = lean_entity.SDK_FIELD_DESERIALIZERS(sdk)
    assert sorted(lean_fields) == sorted(sdk_fields)
    node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(body).encode())
    for name in sdk_fields:
        lean_fields[name](node.get_child_node(name))
        sdk_fields[name](node.get_child_node(name))
    assert (lean.id, lean.odata_type) == (sdk.id, sdk.odata_type) == ("e1", "#microsoft.graph.entity")
