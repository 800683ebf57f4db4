"""msgraph-sdk's Entity.get_field_deserializers without its 2,388 imports.

Every object the SDK reads from Graph (a table column, a range, a row, a drive item, a user, a
session) derives from Entity, and deserializing one calls Entity.get_field_deserializers. In
msgraph-sdk 1.x that method runs 2,388 `from .x import X` statements (one per model deriving from
Entity; nothing uses them) before returning the two fields Entity has: "id" and "@odata.type".
That is ~10 ms of CPU per object read (the header of one 20-column table: 0.2 s; every column of
the hub: seconds per writer run), and its first call imports some 1,300 model modules (~2 s).
Reported upstream as microsoftgraph/msgraph-sdk-python#584 (open).

`install()` (run by graph.client, through which all SDK use goes) replaces the method with one
returning the same two deserializers. tests/graph/test_lean_entity.py compares it with the SDK's
own, so an SDK release that gives Entity another field fails there instead of losing it.
"""

from __future__ import annotations

from collections.abc import Callable

from kiota_abstractions.serialization import ParseNode
from msgraph.generated.models.entity import Entity

SDK_FIELD_DESERIALIZERS = Entity.get_field_deserializers


def _entity_fields(self: Entity) -> dict[str, Callable[[ParseNode], None]]:
    """Entity's own fields, as the SDK's method returns them."""
    return {
        "id": lambda n: setattr(self, "id", n.get_str_value()),
        "@odata.type": lambda n: setattr(self, "odata_type", n.get_str_value()),
    }


def install() -> None:
    """Make every Entity subclass deserialize without the SDK's per-object imports."""
    Entity.get_field_deserializers = _entity_fields  # type: ignore[method-assign]
