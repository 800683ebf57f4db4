"""The writer's half of acting from the mail: action messages in, hub changes and Audit rows out.

Pure, like the recorder. An action message is applied once: its Action ID (derived from the link)
is written on its Audit row, and a message whose ID is already there is a duplicate, exactly like a
submission's Source Response ID. A record that changed since the mail (closed by someone else,
merged, already decided) is left alone: the outcome says so and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from hub.actions.rules import TAB_OF, apply_effect, changed_since
from hub.actions.tokens import ACTIONS, ActionToken
from hub.ports import HubChanges, Row, RowUpdate
from hub.tables import Table, add_audit, changes_of
from hub_schema.columns import INTERACTION_ID

KIND = "action"
# Columns the writer needs beyond the recorder's for a batch with action messages.
ACTION_COLUMNS = {
    "Interactions": (
        INTERACTION_ID,
        "Source Response ID",
        "Action Status",
        "Action Due Date",
        "Logged By",
        "Action Owner",
        "Completed At",
        "Completed By",
        "Snooze Count",
    ),
    "Audit": ("Audit ID", "Action ID"),
}

ActionStatus = Literal["applied", "duplicate", "stale", "invalid"]


@dataclass(frozen=True)
class ActionOutcome:
    action_id: str
    action: str
    record: str
    status: ActionStatus
    note: str = ""


def action_message(
    token_text: str, token: ActionToken, action_id: str, by: str, choice: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """What the confirm page queues: everything the writer needs, nothing it must look up again."""
    return {
        "kind": KIND,
        "actionId": action_id,
        "action": token.action,
        "record": token.record,
        "for": token.person,
        "by": by,
        "mail": token.mail,
        "choice": dict(choice),
        "postedAt": now.astimezone(UTC).isoformat(),
    }


def is_action(message: Mapping[str, Any]) -> bool:
    return message.get("kind") == KIND


def apply_actions(
    tables: Mapping[str, list[Row]], messages: Sequence[Mapping[str, Any]], now: datetime
) -> tuple[HubChanges, list[ActionOutcome]]:
    """Apply action messages in order; `now` is hub wall-clock time (naive). Outcomes line up."""
    t = {name: Table(name, [dict(r) for r in tables.get(name, [])]) for name in set(TAB_OF.values())}
    t["Audit"] = Table("Audit", [dict(r) for r in tables.get("Audit", [])])
    done = {str(r["Action ID"]) for r in t["Audit"].rows if r.get("Action ID")}
    lookup = {name: t[name].rows for name in t} | {
        name: list(tables.get(name, [])) for name in ("Accounts", "Contacts")
    }
    outcomes = []
    for m in messages:
        try:
            outcomes.append(_apply_one(t, lookup, done, m, now))
        except (KeyError, ValueError, TypeError) as e:  # a malformed message: final, never retried
            outcomes.append(
                ActionOutcome(
                    str(m.get("actionId")),
                    str(m.get("action")),
                    str(m.get("record")),
                    "invalid",
                    type(e).__name__,
                )
            )
    return changes_of(t), outcomes


def _apply_one(
    t: Mapping[str, Table],
    lookup: Mapping[str, list[Row]],
    done: set[str],
    m: Mapping[str, Any],
    now: datetime,
) -> ActionOutcome:
    action_id, action, record = str(m.get("actionId")), str(m.get("action")), str(m.get("record") or "")
    if action not in ACTIONS or not record or not m.get("by"):
        return ActionOutcome(action_id, action, record, "invalid", "not an action this version knows")
    if action_id in done:
        return ActionOutcome(action_id, action, record, "duplicate", "already applied")
    token = ActionToken(
        action, record.upper(), str(m.get("for") or ""), datetime.now(UTC), str(m.get("mail") or "")
    )
    table = t[TAB_OF[action]]
    row = table.by_key.get(record.upper())
    stale = changed_since(lookup, token, row)
    if stale is not None or row is None:
        return ActionOutcome(action_id, action, record, "stale", stale or "")
    by = str(m["by"]).lower()
    effect = apply_effect(table, token, row, m.get("choice") or {}, by, now)
    add_audit(
        t["Audit"],
        now,
        by,
        effect.action,
        token.record,
        before=effect.before,
        after=effect.after,
        reason=f"{by} used the link in the {token.mail or 'CX Hub mail'} sent to {token.person}",
    )
    t["Audit"].new[-1]["Action ID"] = action_id
    done.add(action_id)
    return ActionOutcome(action_id, action, record, "applied")


def overlay(tables: Mapping[str, list[Row]], changes: HubChanges) -> dict[str, list[Row]]:
    """The tables as they will be once `changes` is written (copies; the input is untouched)."""
    from hub_schema.tabs import tab

    out = {name: [dict(r) for r in rows] for name, rows in tables.items()}
    for update in changes.updates:
        key = tab(update.tab).key
        for row in out.get(update.tab, []):
            if key and str(row.get(key) or "").upper() == update.key.upper():
                row.update(update.values)
    for name, rows in changes.appends.items():
        out.setdefault(name, []).extend(dict(r) for r in rows)
    return out


def merge_changes(first: HubChanges, second: HubChanges) -> HubChanges:
    """One write of two sets of changes; `second` was computed on `overlay(tables, first)`.

    An update of a row `first` appends is folded into that row; updates of the same existing row are
    combined, so each row is written once.
    """
    from hub_schema.tabs import tab

    appends = {name: list(rows) for name, rows in first.appends.items()}
    for name, rows in second.appends.items():
        appends.setdefault(name, []).extend(rows)
    combined: dict[tuple[str, str], dict[str, Any]] = {}
    for update in [*first.updates, *second.updates]:
        key = tab(update.tab).key
        fresh = next(
            (
                r
                for r in first.appends.get(update.tab, [])
                if key and str(r.get(key) or "").upper() == update.key.upper()
            ),
            None,
        )
        if fresh is not None:
            fresh.update(update.values)
            continue
        combined.setdefault((update.tab, update.key), {}).update(update.values)
    return HubChanges(appends, [RowUpdate(name, key, values) for (name, key), values in combined.items()])
