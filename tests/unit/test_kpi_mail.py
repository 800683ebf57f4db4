"""The weekly KPI digest: Outlook-safe HTML, plain text, and the charts it shows."""

from __future__ import annotations

import struct
from datetime import date, datetime
from html.parser import HTMLParser

import pytest

from hub.kpis.charts import CHARTS, ChartData, csat_trend
from hub.kpis.compute import ALL, Kpi, KpiTargets, compute_kpis
from hub.kpis.mail import CHART_CAPTIONS, format_value, render_kpi_digest
from hub_schema.lists import LISTS

WEEK = date(2026, 11, 16)
NOW = datetime(2026, 11, 23, 8, 0)
CIDS = {name: f"{name}.20261116@cxhub" for name in CHARTS}

HUB: dict[str, list[dict]] = {
    "Opportunities": [
        {"Division": "Motors", "Stage": "Inquiry", "Opened": datetime(2026, 11, 16, 9)},
        {
            "Division": "Power",
            "Stage": "Quote / PFI",
            "Opened": datetime(2026, 11, 17, 9),
            "Date Entered Quote / PFI": datetime(2026, 11, 18, 9),
        },
    ],
    "Interactions": [
        {
            "Date": datetime(2026, 11, 16, 9),
            "Account ID": "ACC-1",
            "Division": "Motors",
            "Channel": "WhatsApp",
            "Direction": "Inbound",
            "Type": "Inquiry",
        },
        {
            "Date": datetime(2026, 11, 16, 15),
            "Account ID": "ACC-1",
            "Division": "Motors",
            "Channel": "Phone",
            "Direction": "Outbound",
            "Type": "Follow-up",
        },
    ],
    "Tickets": [
        {"Division": "Motors", "Resolved": datetime(2026, 11, 10 + i, 9), "CSAT": 1 + i % 5}
        for i in range(10)
    ],
    "Staff": [{"Email": "ada@mikano.example", "Division": "Motors", "Active": "Yes"}],
}


class StrictParser(HTMLParser):
    """Fails on unbalanced tags and collects what the tests look at."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.headings: list[str] = []
        self._in_h2 = False
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag not in self.VOID:
            self.stack.append(tag)
        self._in_h2 = tag == "h2"

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        self._in_h2 = False

    def handle_data(self, data):
        if self._in_h2 and data.strip():
            self.headings.append(data.strip())


@pytest.fixture(scope="module")
def digest() -> tuple[str, str]:
    return render_kpi_digest(compute_kpis(HUB, WEEK, NOW), WEEK, CIDS)


def parse(html: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(html)
    parser.close()
    assert parser.stack == [], f"unclosed tags: {parser.stack}"
    return parser


def png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def test_the_html_parses_with_every_tag_closed(digest):
    """html.parser reads the digest without error and every opened tag is closed."""
    parse(digest[0])


def test_there_is_a_section_per_division_and_one_for_all(digest):
    """One heading per division of the Lists tab, then "All divisions", then the charts."""
    assert parse(digest[0]).headings == [*LISTS["Divisions"], "All divisions", "Charts"]


def test_every_chart_is_an_inline_cid_image_within_600_px(digest):
    """Each chart's content ID is referenced as cid:, at most 600 px wide, with alt text."""
    images = parse(digest[0]).images
    assert [img["src"] for img in images] == [f"cid:{CIDS[name]}" for name in CHART_CAPTIONS]
    assert all(int(str(img["width"])) <= 600 and "max-width" in str(img["style"]) for img in images)
    assert all(img["alt"] for img in images)


def test_nothing_outlook_or_a_phone_would_block(digest):
    """No script, no style block, no external image: styles are inline only."""
    html = digest[0].lower()
    assert "<script" not in html and "<style" not in html and "http" not in html


def test_the_response_chart_caption_names_the_configured_response_standard():
    """With an 8-hour standard (CXHUB_RESPONSE_HOURS), the caption says 8-hour, not 12."""
    html, _ = render_kpi_digest([], WEEK, CIDS, KpiTargets(response_hours=8))
    assert "the dashed line is the 8-hour standard" in html and "12-hour" not in html


def test_each_chart_has_its_caption(digest):
    """The one-line caption of every chart is under it."""
    html = digest[0]
    assert all(caption.format(hours=12) in html for caption in CHART_CAPTIONS.values())


def test_status_is_coloured_by_whether_it_is_good_news():
    """A conversion above target is green; a response time above target is red."""
    kpis = [
        Kpi(WEEK, "Motors", "Inquiry → won rate", 10.0, "%", "5–8 %", "above target"),
        Kpi(WEEK, "Motors", "Median first response", 20.0, "hours", "< 12 h", "above target"),
    ]
    html, _ = render_kpi_digest(kpis, WEEK, {})
    won, response = html.split("Inquiry → won rate")[1].split("Median first response")
    assert "color:#1a7f37" in won and "color:#b42318" in response


def test_text_from_the_hub_is_escaped():
    """A division or KPI name with markup in it is shown, not run."""
    kpis = [Kpi(WEEK, "<b>R&D</b>", "<img src=x>", 1.0, "count", "", "no target")]
    html, _ = render_kpi_digest(kpis, WEEK, {})
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in html and "<img src=x>" not in html


def test_the_plain_text_lists_every_division_and_value(digest):
    """The text version has each division's heading and readable values."""
    text = digest[1]
    assert all(d.upper() in text for d in LISTS["Divisions"]) and "ALL DIVISIONS" in text
    assert "- Inquiry → quote rate: 0 %" in text  # 1 Motors inquiry, no quote
    assert "no data" in text


def test_values_read_as_a_manager_expects():
    """Percent, hours, naira, counts and missing values are written for people."""

    def show(value, unit):
        return format_value(Kpi(WEEK, ALL, "x", value, unit, "", "no target"))

    assert [
        show(66.67, "%"),
        show(75.0, "%"),
        show(13.25, "hours"),
        show(2_000_000.0, "NGN"),
        show(1.0, "count"),
        show(4.0, "business days"),
        show(1.0, "days"),
        show(3.5, "interactions/staff"),
        show(None, "%"),
    ] == [
        "66.7 %",
        "75 %",
        "13.2 h",
        "₦2,000,000",
        "1",
        "4 business days",
        "1 day",
        "3.5 per person",
        "no data",
    ]


@pytest.mark.parametrize("tables", [HUB, {}], ids=["small hub", "empty hub"])
def test_every_chart_is_a_600_by_300_png(tables):
    """All four charts are PNGs of about 600×300 px, including for a hub with no rows."""
    charts = {name: draw(ChartData(tables, WEEK)) for name, draw in CHARTS.items()}
    assert set(charts) == set(CHART_CAPTIONS)
    for png in charts.values():
        assert png.startswith(b"\x89PNG") and png_size(png) == (600, 300)


def test_a_chart_of_unreadable_data_is_still_a_png():
    """Ratings that are not numbers, dates that are not dates: a PNG, never an exception."""
    tables = {"Tickets": [{"Division": "Motors", "Resolved": "soon", "CSAT": "great"}]}
    assert csat_trend(ChartData(tables, WEEK)).startswith(b"\x89PNG")
