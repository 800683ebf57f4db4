"""The weekly KPI digest mail: one section per division, then the charts, as HTML and plain text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hub.kpis.compute import tone
from hub.kpis.definitions import ALL, DIVISIONS, Kpi, KpiTargets
from hub.kpis.frames import monday_of
from hub.kpis.sources import Breakdown
from hub.rendering import environment

# What each chart of hub.charts shows, in the order the digest shows them.
CHART_CAPTIONS: dict[str, str] = {
    "pipeline_funnel": "Pipeline: opportunities that entered each stage this week, by division.",
    "first_response_histogram": (
        "Hours from each inbound inquiry to the first reply; the dashed line is the {hours:g}-hour standard."
    ),
    "csat_trend": (
        "CSAT, last 8 weeks, all divisions: share of ratings that are 4 or 5; green is the pilot target."
    ),
    "interactions_by_channel": "Interactions logged this week, by channel.",
}

# (text colour, cell background) per tone
_COLOURS: dict[str, tuple[str, str]] = {
    "good": ("#1a7f37", "#dafbe1"),
    "bad": ("#b42318", "#ffebe9"),
    "neutral": ("#57606a", "#ffffff"),
}
_FOOTER = (
    "Computed from the CX Hub workbook; each week runs Monday 00:00 to Sunday 23:59, Lagos time. "
    "The same numbers are on the hub's Dashboard tab."
)


def digest_subject(week: date) -> str:
    return f"CX Hub: customer KPIs, week of {_week_label(monday_of(week))}"


def format_value(kpi: Kpi) -> str:
    """A value as a manager reads it: "75 %", "5.3 h", "₦1,250,000", "no data"."""
    v = kpi.value
    if v is None:
        return "no data"
    match kpi.unit:
        case "%":
            return f"{_short(v)} %"
        case "hours":
            return f"{_short(v)} h"
        case "NGN":
            return f"₦{v:,.0f}"
        case "count":
            return f"{v:,.0f}"
        case "interactions/staff":
            return f"{_short(v)} per person"
        case "orders/account":
            return f"{_short(v)} per account"
        case "days" | "business days":
            return f"{_short(v)} {kpi.unit if v != 1 else kpi.unit[:-1]}"
        case _:
            return f"{_short(v)} {kpi.unit}"


def render_kpi_digest(
    kpis: list[Kpi],
    week: date,
    chart_cids: dict[str, str],
    targets: KpiTargets | None = None,
    breakdowns: Sequence[Breakdown] = (),
) -> tuple[str, str]:
    """(html, plain_text) of the digest. `chart_cids` maps a chart name (a key of CHART_CAPTIONS,
    as hub.kpis.charts.CHARTS names them) to the content ID its PNG is attached under; charts show
    in CHART_CAPTIONS order."""
    monday = monday_of(week)
    sections = _sections(kpis)
    by_name = chart_cids
    hours = (targets or KpiTargets()).response_hours
    charts = [
        {"cid": by_name[name], "caption": caption.format(hours=hours)}
        for name, caption in CHART_CAPTIONS.items()
        if name in by_name
    ]
    # A chart this module does not know yet is still shown, captioned by its name.
    charts += [{"cid": cid, "caption": n} for n, cid in by_name.items() if n not in CHART_CAPTIONS]
    summary = _summary(kpis)
    html = (
        environment()
        .get_template("kpi_digest.html.j2")
        .render(
            title=digest_subject(monday),
            week_label=_week_label(monday),
            summary=summary,
            sections=sections,
            charts=charts,
            breakdowns=breakdowns,
            footer=_FOOTER,
        )
    )
    lines = [f"Customer KPIs, week of {_week_label(monday)}", summary, ""]
    for section in sections:
        lines.append(section["title"].upper())
        for row in section["rows"]:
            line = f"- {row['kpi']}: {row['value']}"
            if row["target"] and row["status"] != "no data":
                line += f" (target {row['target']}: {row['status']})"
            lines.append(line)
        lines.append("")
    for breakdown in breakdowns:
        lines.append(breakdown.title.upper())
        lines += [f"- {label}: {n:,}" for label, n in breakdown.rows] or ["- none"]
        lines.append("")
    if charts:
        lines.append("Charts (in the HTML version of this mail):")
        lines += [f"- {c['caption']}" for c in charts]
        lines.append("")
    lines.append(_FOOTER)
    return html, "\n".join(lines)


def _sections(kpis: list[Kpi]) -> list[dict]:
    order = [*DIVISIONS, ALL]
    order += sorted({k.division for k in kpis} - set(order))
    sections = []
    for division in order:
        rows = [_row(k) for k in kpis if k.division == division]
        if rows:
            title = "All divisions" if division == ALL else division
            sections.append({"division": division, "title": title, "rows": rows})
    return sections


def _row(kpi: Kpi) -> dict[str, str]:
    colour, background = _COLOURS[tone(kpi)]
    return {
        "kpi": kpi.kpi,
        "value": format_value(kpi),
        "target": kpi.target,
        "status": kpi.status,
        "colour": colour,
        "background": background,
    }


def _summary(kpis: list[Kpi]) -> str:
    targeted = [k for k in kpis if k.target and k.value is not None]
    good = sum(tone(k) == "good" for k in targeted)
    missing = sum(k.value is None for k in kpis)
    text = f"{good} of {len(targeted)} KPIs with a target and data meet or beat it"
    return text + (f"; {missing} of {len(kpis)} have no data this week." if missing else ".")


def _week_label(monday: date) -> str:
    return f"Monday {monday.day} {monday:%B %Y}"


def _short(value: float) -> str:
    """One decimal, without a trailing ".0"."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text
