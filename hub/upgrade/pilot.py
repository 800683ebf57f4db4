"""The pilot success report (The pilot report): every measure of the pilot over
a period, each with its figure, its target and a verdict, who logged and who went quiet, the
steward's hours and what staff answered on the feedback Form. Written on demand by
`cxhub report pilot`, beside the CRM Requirements Document.

The figures are the weekly KPIs' own (hub.kpis.period runs the same families over the period), so
a measure means the same thing in the digest and here. Pure: rows in, a report out, no clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from hub import defaults
from hub.kpis.definitions import ADOPTION, CSAT, DATA_QUALITY, FIRST_RESPONSE, INQUIRY_TO_WON, Kpi, KpiTargets
from hub.kpis.period import TICKET_RESOLUTION, period_kpis
from hub.pilot import PilotScope
from hub.rendering import environment
from hub.staff import is_active_staff
from hub_schema.cells import as_day
from hub_schema.columns import FULL_NAME
from hub_schema.form import Question, answer_key, feedback_questions

# Where the seeds set no number, the report says which target it holds the pilot to.
DATA_QUALITY_TARGET = 80.0  # % of key cells filled: four in five, so gaps are the exception
LOWER_IS_BETTER = frozenset({TICKET_RESOLUTION, FIRST_RESPONSE})


@dataclass(frozen=True)
class Line:
    measure: str
    figure: str
    target: str
    verdict: str  # "met", "not met", "better than the target", "no data"
    detail: str = ""


@dataclass(frozen=True)
class FeedbackAnswer:
    question: str
    kind: str  # "rating" | "choice" | "text"
    summary: str  # "4.2 of 5 (12 answers)", "Motors 7, Power 2", "3 answers"
    texts: tuple[str, ...] = ()


@dataclass
class PilotReport:
    scope: str
    first: date
    last: date
    lines: list[Line]
    logged: list[tuple[str, int]] = field(default_factory=list)  # (who, interactions)
    quiet: list[tuple[str, str]] = field(default_factory=list)  # (who, "never logged" / "last logged …")
    feedback: list[FeedbackAnswer] = field(default_factory=list)
    responses: int = 0


def _verdict(kpi: Kpi) -> str:
    if kpi.status == "no data":
        return "no data"
    if kpi.status == "on target":
        return "met"
    better = (kpi.status == "below target") == (kpi.kpi in LOWER_IS_BETTER)
    return "better than the target" if better else "not met"


def _figure(kpi: Kpi) -> str:
    if kpi.value is None:
        return "no data"
    unit = {"%": " %", "hours": " h", "business days": " business days"}.get(kpi.unit, f" {kpi.unit}")
    return f"{kpi.value:,.1f}{unit}"


def _kpi_line(measure: str, kpi: Kpi, detail: str = "") -> Line:
    return Line(measure, _figure(kpi), kpi.target, _verdict(kpi), detail)


def build_pilot_report(
    tables: Mapping[str, list[dict]],
    first: date,
    last: date,
    now: datetime,
    scope: PilotScope,
    targets: KpiTargets,
    feedback_rows: Sequence[Mapping[str, Any]] = (),
    quiet_days: int = defaults.QUIET_DAYS,
    steward_limit: float = defaults.HEALTH_MAX_STEWARD_HOURS,
    timezone: str = defaults.TIMEZONE,
) -> PilotReport:
    """The report over `first`..`last` (both included) for the pilot's rows."""
    seen = scope.tables(tables)
    kpis = period_kpis(seen, first, last, now, targets, timezone)
    report = PilotReport(scope.describe(), first, last, [])
    report.logged, report.quiet = _adoption(seen, first, last, quiet_days)
    active = len(report.logged) + sum(1 for _, why in report.quiet if why == "never logged")
    report.lines = [
        _kpi_line("Conversion, lead to won", kpis[INQUIRY_TO_WON]),
        _kpi_line("Ticket resolution", kpis[TICKET_RESOLUTION], "median, Opened to Resolved"),
        _kpi_line("CSAT (4s and 5s)", kpis[CSAT], "tickets rated 4 or 5 of those rated"),
        _kpi_line("First response", kpis[FIRST_RESPONSE], "median hours to the first reply"),
        _adoption_line(kpis[ADOPTION], report, active),
        _quality_line(kpis[DATA_QUALITY]),
        _steward_line(seen.get("Steward Log", []), first, last, steward_limit),
    ]
    report.feedback, report.responses = summarise_feedback(feedback_rows)
    return report


def _adoption(
    tables: Mapping[str, list[dict]], first: date, last: date, quiet_days: int
) -> tuple[list[tuple[str, int]], list[tuple[str, str]]]:
    """Who logged in the period (most first), and the active staff who went quiet: nothing at all,
    or nothing in the last `quiet_days` of it (the Quiet staff rule)."""
    counts: Counter[str] = Counter()
    latest: dict[str, date] = {}
    for row in tables.get("Interactions", []):
        when, who = as_day(row.get("Date")), str(row.get("Logged By") or "").strip().lower()
        if when is None or not who or not first <= when <= last:
            continue
        counts[who] += 1
        latest[who] = max(latest.get(who, when), when)
    names = {
        str(s.get("Email") or "").lower(): str(s.get(FULL_NAME) or s.get("Email"))
        for s in tables.get("Staff", [])
    }
    logged = [(names.get(who, who), n) for who, n in counts.most_common()]
    quiet = []
    for member in tables.get("Staff", []):
        email = str(member.get("Email") or "").strip().lower()
        if not email or not is_active_staff(member):
            continue
        if email not in counts:
            quiet.append((names[email], "never logged"))
        elif (last - latest[email]).days >= quiet_days:
            quiet.append((names[email], f"last logged {latest[email]:%d %b}"))
    return logged, sorted(quiet)


def _adoption_line(kpi: Kpi, report: PilotReport, active: int) -> Line:
    never = sum(1 for _, why in report.quiet if why == "never logged")
    if not active:
        return Line("Adoption", "no data", "every active member of staff logs", "no data")
    figure = f"{active - never} of {active} active staff logged"
    verdict = "met" if not report.quiet else "not met"
    detail = f"{kpi.value:,.1f} interactions per active member of staff" if kpi.value is not None else ""
    return Line("Adoption", figure, "every active member of staff logs, none goes quiet", verdict, detail)


def _quality_line(kpi: Kpi) -> Line:
    target = f"≥ {DATA_QUALITY_TARGET:g} % of key cells filled"
    if kpi.value is None:
        return Line("Data quality", "no data", target, "no data")
    verdict = "met" if kpi.value >= DATA_QUALITY_TARGET else "not met"
    return Line(
        "Data quality", _figure(kpi), target, verdict, "key cells of accounts, contacts and interactions"
    )


def _steward_line(log: Sequence[Mapping[str, Any]], first: date, last: date, limit: float) -> Line:
    """The busiest steward-week of the period: each steward's own hours a week against the limit."""
    weeks: dict[tuple[date, str], float] = {}
    for row in log:
        week, hours = as_day(row.get("Week")), row.get("Hours")
        if week is None or not isinstance(hours, int | float) or not first <= week <= last:
            continue
        monday = week - timedelta(days=week.weekday())
        key = (monday, str(row.get("Steward") or "").strip().lower())
        weeks[key] = weeks.get(key, 0.0) + float(hours)
    target = f"≤ {limit:g} h a week per steward"
    if not weeks:
        return Line(
            "Steward hours", "no data", target, "no data", "nothing in the Steward Log for the period"
        )
    (monday, steward), hours = max(weeks.items(), key=lambda item: item[1])
    verdict = "met" if hours <= limit else "not met"
    detail = f"busiest: {steward}, week of {monday:%d %b}; {len({s for _, s in weeks})} steward(s) logged"
    return Line("Steward hours", f"{hours:,.1f} h", target, verdict, detail)


def summarise_feedback(rows: Sequence[Mapping[str, Any]]) -> tuple[list[FeedbackAnswer], int]:
    """Each feedback question's answers: ratings averaged, choices counted, words kept as given.
    `rows` are the response bodies' answers (question title or key -> text)."""
    questions = feedback_questions()
    by_key = {answer_key(name): q for q in questions for name in (q.key, q.title)}
    given: dict[str, list[str]] = {q.key: [] for q in questions}
    for answers in rows:
        for name, value in answers.items():
            q = by_key.get(answer_key(str(name)))
            if q is not None and str(value or "").strip():
                given[q.key].append(str(value).strip())
    return [_summary(q, given[q.key]) for q in questions], len(rows)


def _summary(q: Question, values: list[str]) -> FeedbackAnswer:
    if q.type == "rating":
        numbers = [float(v) for v in values if v.replace(".", "", 1).isdigit() and 1 <= float(v) <= 5]
        summary = (
            f"{sum(numbers) / len(numbers):.1f} of 5 ({len(numbers)} answers)" if numbers else "no answers"
        )
        return FeedbackAnswer(q.title, "rating", summary)
    if q.type == "choice":
        counted = Counter(values).most_common()
        return FeedbackAnswer(q.title, "choice", ", ".join(f"{v} {n}" for v, n in counted) or "no answers")
    return FeedbackAnswer(
        q.title, "text", f"{len(values)} answers" if values else "no answers", tuple(values)
    )


def render_pilot_report(report: PilotReport, company: str = "Mikano International") -> str:
    """The report as one HTML page that reads on a phone (375 px) as on a desk."""
    return environment().get_template("pilot_report.html.j2").render(r=report, company=company)


def report_text(report: PilotReport) -> str:
    """One line per measure, for the command's output."""
    return "\n".join(
        f"{line.measure}: {line.figure} (target {line.target}; {line.verdict})" for line in report.lines
    )
