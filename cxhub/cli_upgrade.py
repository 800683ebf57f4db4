"""`cxhub upgrade-hub`: bring a hub made by an older CX Hub up to this schema, keeping every row."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cxhub.cli_common import EXIT_HUB_BROKEN, EXIT_NOT_WRITTEN, EXIT_OK
from cxhub.settings import Settings


def cmd_upgrade_hub(args: Any, settings: Settings) -> int:
    from cxhub import wiring
    from hub.ports import HubBroken, HubUnavailable
    from hub_schema.upgrade import UpgradeRefused

    dry_run = bool(args.dry_run)
    try:
        # One writer at a time: the writer, the nightly run and the ERP import hold the same lock.
        with wiring.build_job_lock(settings).hold("hub"):
            where, plan, backup, by_hand = _upgrade(settings, dry_run)
    except HubBroken:
        raise  # no hub, or one that cannot be read: nothing was started (cxhub says so, exit 4)
    except HubUnavailable as e:
        # Throttled, an outage, the workbook held: what was done stays done, the next run plans
        # from the hub as it is then and finishes.
        print(
            f"cxhub: the upgrade stopped part-way: {e}. Run `cxhub upgrade-hub` again to finish it.",
            file=sys.stderr,
        )
        return EXIT_NOT_WRITTEN
    except UpgradeRefused as e:
        print(f"cxhub: {where_of(settings)} cannot be upgraded safely; nothing was changed:", file=sys.stderr)
        for problem in e.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_HUB_BROKEN
    if plan.empty:
        print(f"{where} already has every tab, column, list value and dropdown of this CX Hub: nothing to do")
    else:
        print(f"{'Would upgrade' if dry_run else 'Upgraded'} {where}:")
        for line in plan.lines(done=not dry_run):
            print(f"  - {line}")
        if dry_run:
            print("Dry run: nothing was changed. Run without --dry-run to upgrade.")
        elif backup:
            print(f"The hub as it was is kept in {backup}")
    if by_hand:
        print("Left for you to do in Excel (the workbook API cannot):")
        for line in by_hand:
            print(f"  - {line}")
    return EXIT_OK


def where_of(settings: Settings) -> str:
    if settings.hub_backend == "graph":
        return f"the hub workbook {settings.hub_item_id}"
    return str(settings.hub_path)


def _upgrade(settings: Settings, dry_run: bool):
    if settings.hub_backend == "graph":
        return _upgrade_graph(settings, dry_run)
    from local.xlsx_upgrade import upgrade_xlsx

    result = upgrade_xlsx(settings.hub_path, dry_run=dry_run)
    return where_of(settings), result.plan, result.backup, []


def _upgrade_graph(settings: Settings, dry_run: bool):
    from cxhub import wiring
    from graph.workbook_upgrade import upgrade_workbook

    stamp = wiring.clock().strftime("%Y%m%d-%H%M%S")
    backup = Path(f"hub-before-upgrade-{stamp}.xlsx").resolve()
    with wiring.open_store(settings) as store:
        plan, by_hand = upgrade_workbook(store, dry_run=dry_run, backup=backup)  # type: ignore[arg-type]
    done = not dry_run and not plan.empty
    return where_of(settings), plan, backup if done else None, by_hand
