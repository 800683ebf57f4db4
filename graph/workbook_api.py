"""Requests and answers of the Excel workbook API as plain Python: $select/$top configurations,
untyped `values` grids, range addresses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from openpyxl.utils import column_index_from_string

from hub.ports import HubSchemaError


def values_of(result: Any) -> list[list[Any]]:
    data = (getattr(result, "additional_data", None) or {}).get("values") if result is not None else None
    return [list(plain(r)) for r in (plain(data) or [])]


def plain(node: Any) -> Any:
    """Kiota hands back untyped JSON as UntypedNode objects; turn them into Python values."""
    value = getattr(node, "get_value", None)
    if value is None:
        return node
    inner = node.get_value()
    if isinstance(inner, list):
        return [plain(v) for v in inner]
    if isinstance(inner, dict):
        return {k: plain(v) for k, v in inner.items()}
    return inner


_ADDRESS = re.compile(r"^(?:'?(?P<sheet>[^!]+?)'?!)?\$?(?P<col>[A-Z]+)\$?(?P<row>\d+)")


def origin(address: str) -> tuple[str, int, int]:
    m = _ADDRESS.match(address)
    if not m:
        raise HubSchemaError(f"cannot read the range address {address!r}")
    return (m["sheet"] or "").replace("''", "'"), column_index_from_string(m["col"]), int(m["row"])


def with_select(config: RequestConfiguration, fields: Sequence[str]) -> RequestConfiguration:
    """The same headers with $select: a column listing without it carries every column's values."""
    from msgraph.generated.drives.item.items.item.workbook.tables.item.columns import columns_request_builder

    builder = columns_request_builder.ColumnsRequestBuilder

    query = builder.ColumnsRequestBuilderGetQueryParameters(select=list(fields) or None)
    out: RequestConfiguration = RequestConfiguration(query_parameters=query)
    out.headers = config.headers
    return out


def with_top(config: RequestConfiguration, n: int) -> RequestConfiguration:
    from msgraph.generated.drives.item.items.item.workbook.tables.item.rows.rows_request_builder import (
        RowsRequestBuilder,
    )

    query = RowsRequestBuilder.RowsRequestBuilderGetQueryParameters(top=n)
    out: RequestConfiguration = RequestConfiguration(query_parameters=query)
    out.headers = config.headers
    return out
