"""What `cxhub submit` and `cxhub export` say beyond the counts: rows another writer took first,
cells Excel would take for formulas."""

from __future__ import annotations

import csv
import io
import json
import re

from cxhub.settings import Settings
from hub.text import looks_like_formula
from hub_schema.columns import INTERACTION_ID


def response_id(raw: bytes) -> str | None:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    rid = value.get("responseId") if isinstance(value, dict) else None
    return str(rid) if rid is not None else None


def written_elsewhere(settings: Settings, bodies: list[bytes]) -> dict[str, str]:
    """Source Response ID -> Interaction ID of the hub's rows for these bodies (read once)."""
    from cxhub import wiring

    wanted = {rid for rid in map(response_id, bodies) if rid}
    with wiring.open_store(settings) as store:
        rows = store.read_tables(
            ["Interactions"], columns={"Interactions": [INTERACTION_ID, "Source Response ID"]}
        )
    return {
        str(r["Source Response ID"]): str(r[INTERACTION_ID])
        for r in rows["Interactions"]
        if str(r.get("Source Response ID")) in wanted
    }


def formula_like_cells(data: bytes) -> int:
    """Cells of a CSV that Excel would take for a formula; "+234 803 …" phone numbers aside,
    which it only turns into numbers (and every contact has one)."""
    phone = re.compile(r"\+[\d ()-]+")
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return sum(1 for row in rows for cell in row if looks_like_formula(cell) and not phone.fullmatch(cell))
