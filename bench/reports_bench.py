"""Follow-ups + KPIs + health together on the 100k-interaction hub (target <= 10 s, <= 1 GB).

The hub is governance_bench's (20k accounts, 50k contacts, 30k deals) with its interactions made
full: dates over 120 days, staff, channels, directions, promised actions (a third of them open),
plus opportunities with their stage dates and tickets. The jobs run through their services against
an in-memory store, mails into a counting mailer: the figure is the work, not the disk.
"""

from __future__ import annotations

import copy
import random
import resource
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from governance_bench import generate

STAFF = [
    {
        "Email": f"staff{i:02d}@mikano.example",
        "Full Name": f"Staff Member {i}",
        "Role": "Sales" if i % 3 else "Service",
        "Division": ["Motors", "Power", "Construction", "Medical", "GRAS", "Cube 65 Clinic"][i % 6],
        "Manager Email": f"manager{i % 4}@mikano.example",
        "Active": "Yes",
    }
    for i in range(40)
] + [{"Email": f"manager{i}@mikano.example", "Role": "Manager", "Active": "Yes"} for i in range(4)]
CHANNELS = ["Phone", "WhatsApp", "Email", "Meeting", "Walk-in", "Social Media", "Website"]
DIVISIONS = ["Motors", "Power", "Construction", "Medical", "GRAS", "Cube 65 Clinic"]
STAGES = ["Inquiry", "Qualified", "Test Drive / Site Visit", "Quote / PFI", "Negotiation", "Won", "Lost"]


class MemoryStore:
    def __init__(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        self.tables = tables
        self.appended = 0
        self.updated = 0

    def read_tables(self, tabs, *, fresh=False, columns=None):
        return {name: self.tables.get(name, []) for name in tabs}

    def apply(self, changes) -> None:
        for name, rows in changes.appends.items():
            self.tables.setdefault(name, []).extend(rows)
            self.appended += len(rows)
        self.updated += len(changes.updates)

    def close(self) -> None:
        pass

    def ensure_exists(self) -> bool:
        return False

    def size_bytes(self) -> int:
        return 150_000_000

    def measure_open(self) -> float:
        return 4.0


class CountingMailer:
    def __init__(self) -> None:
        self.sent = 0
        self.bytes = 0

    def send(self, message) -> None:
        self.sent += 1
        self.bytes += len(message.html) + sum(len(i.data) for i in message.images)


class MemoryState(dict):
    def set(self, key, value):
        self[key] = value


def full_hub(now: datetime, scale: float) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(8)
    tables, _ = generate(scale)
    staff_emails = [s["Email"] for s in STAFF if s["Role"] != "Manager"]
    for k, row in enumerate(tables["Interactions"]):
        when = now - timedelta(days=rng.uniform(0, 120))
        promised = rng.random() < 0.33
        row.update(
            {
                "Date": when.replace(microsecond=0),
                "Channel": rng.choice(CHANNELS),
                "Notes": f"Discussed order {k}; customer asked for delivery dates and a revised quote.",
                "Next Action": "Call back with the revised quote" if promised else None,
                "Action Due Date": (when + timedelta(days=rng.randint(1, 14))).replace(
                    hour=0, minute=0, second=0
                )
                if promised
                else None,
                "Action Status": rng.choice(["Open", "Open", "Done"]) if promised else None,
                "Logged By": rng.choice(staff_emails),
                "Division": rng.choice(DIVISIONS),
                "Direction": rng.choice(["Inbound", "Outbound"]),
                "Type": rng.choice(["Inquiry", "Follow-up", "Quote / PFI", "Order", "Service Request"]),
                "Submitted At": (when + timedelta(minutes=rng.randint(1, 120))).replace(microsecond=0),
            }
        )
    accounts = tables["Accounts"]
    opportunities = []
    for k in range(int(15_000 * scale)):
        opened = now - timedelta(days=rng.uniform(0, 200))
        reached = rng.randint(0, len(STAGES) - 2)
        stage = STAGES[reached] if reached < 5 else rng.choice(["Won", "Lost"])
        row = {
            "Opportunity ID": f"OPP-{k + 1:06d}",
            "Account ID": rng.choice(accounts)["Account ID"],
            "Division": rng.choice(DIVISIONS),
            "Stage": stage,
            "Value": float(rng.randrange(1_000_000, 90_000_000)),
            "Opened": opened,
            "Closed": opened + timedelta(days=rng.randint(5, 90)) if stage in ("Won", "Lost") else None,
        }
        for i, name in enumerate(STAGES[: min(reached, 4) + 1]):
            row[f"Date Entered {name}"] = opened + timedelta(days=3 * i)
        if stage in ("Won", "Lost"):
            row[f"Date Entered {stage}"] = row["Closed"]
        opportunities.append(row)
    tickets = []
    for k in range(int(5_000 * scale)):
        opened = now - timedelta(days=rng.uniform(0, 90))
        resolved = rng.random() < 0.7
        quote = float(rng.randrange(100_000, 5_000_000))
        tickets.append(
            {
                "Ticket ID": f"TKT-{k + 1:06d}",
                "Account ID": rng.choice(accounts)["Account ID"],
                "Division": rng.choice(DIVISIONS),
                "Category": rng.choice(["Service Request", "Complaint", "Warranty", "Quality Flag"]),
                "Status": "Resolved" if resolved else rng.choice(["Open", "In Progress"]),
                "Opened": opened,
                "First Response": opened + timedelta(hours=rng.uniform(0.5, 30)),
                "Resolved": opened + timedelta(days=rng.uniform(1, 9)) if resolved else None,
                "Quote Amount": quote,
                "Final Amount": quote * rng.uniform(0.9, 1.25),
                "Manager Approved": rng.choice(["Yes", "No", None]),
                "CSAT": rng.choice([None, 3, 4, 5, 5, 2]) if resolved else None,
                "Owner": rng.choice(staff_emails),
            }
        )
    tables.update(
        {
            "Opportunities": opportunities,
            "Tickets": tickets,
            "Staff": STAFF,
            "Steward Log": [
                {"Week": now - timedelta(days=7), "Steward": "steward@mikano.example", "Hours": 3.0}
            ],
            "Health": [],
            "Dashboard": [],
            "Rejected": [],
            "Price List": [],
            "Lists": [],
        }
    )
    return tables


def bench_reports(emit, quick: bool) -> None:
    from hub.followups.daily import run_followups
    from hub.followups.plan import FollowUpRules
    from hub.kpis.weekly import run_kpis
    from hub.upgrade.attachments import upgrade_attachments
    from hub.upgrade.triggers import Thresholds
    from hub.upgrade.weekly import run_health

    clock = lambda: datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # noqa: E731  Monday 07:00 in Lagos
    tables = full_hub(datetime(2026, 11, 23, 7, 0), 0.2 if quick else 1.0)
    store, mailer, state = MemoryStore(copy.copy(tables)), CountingMailer(), MemoryState()
    timings = {}
    started = time.perf_counter()
    followups = run_followups(store, mailer, state, clock, FollowUpRules(), "Africa/Lagos")
    timings["followups_s"] = time.perf_counter() - started
    started = time.perf_counter()
    kpis = run_kpis(store, mailer, state, clock, "Africa/Lagos", ("manager0@mikano.example",))
    timings["kpis_s"] = time.perf_counter() - started
    started = time.perf_counter()
    health = run_health(
        store, mailer, state, clock, Thresholds(), "Africa/Lagos", ("it@mikano.example",), upgrade_attachments
    )
    timings["health_s"] = time.perf_counter() - started
    total = sum(timings.values())
    emit(
        "followups_kpis_health",
        total,
        "s",
        target="<= 10",
        interactions=len(tables["Interactions"]),
        **{k: round(v, 2) for k, v in timings.items()},
        reminders=followups.reminders_sent,
        digests=followups.digests_sent,
        dashboard_rows=kpis.rows_written,
        health_triggers=health.row["Triggers Met"],
        admin_mail=health.mailed,
        mails=mailer.sent,
        mail_mb=round(mailer.bytes / 1e6, 2),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        rss_target="<= 1024",
    )
