"""Realistic generated Form submissions for the demo, the benchmarks and end-to-end tests.

Nigerian company and person names across all divisions, pipelines that move through their
stages over weeks, service tickets, and the mess real staff produce: near-duplicate company
names, phone numbers in every format, repeated deliveries and a share of bad submissions.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hub_schema.lists import LISTS

COMPANIES = [
    ("Dangote Industries Ltd", "Manufacturing"),
    ("Okonkwo & Sons Nigeria Ltd", "Trading"),
    ("Adebayo Logistics Limited", "Logistics"),
    ("Zuma Steel Works Plc", "Manufacturing"),
    ("Chukwuemeka Farms Ltd", "Agriculture"),
    ("Eko Atlantic Builders Ltd", "Construction"),
    ("Abuja Crest Hotels Ltd", "Hospitality"),
    ("Kano Textile Mills Plc", "Manufacturing"),
    ("Ibadan Agro Allied Ltd", "Agriculture"),
    ("Port Harcourt Marine Services Ltd", "Oil & Gas"),
    ("Enugu Coal Energy Ltd", "Energy"),
    ("The Sahel Grains Company", "Agriculture"),
    ("Niger Delta Oil Services Ltd", "Oil & Gas"),
    ("Benue Fresh Foods Ltd", "Food"),
    ("Calabar Cargo Express", "Logistics"),
    ("Kaduna Power Solutions Ltd", "Energy"),
    ("Owerri Medical Supplies Ltd", "Healthcare"),
    ("St. Luke's Specialist Hospital", "Healthcare"),
    ("Aba Leather Works Enterprises", "Manufacturing"),
    ("Sokoto Rice Mills Ltd", "Agriculture"),
    ("Akure Timber & Sawmill Ltd", "Construction"),
    ("Lekki Gardens Estates Ltd", "Real Estate"),
    ("Oando Clinics Nig. Ltd", "Healthcare"),
    ("Jos Plateau Dairies Ltd", "Food"),
    ("Federal Medical Centre Yola", "Healthcare"),
    ("Ilorin Auto Mart", "Retail"),
    ("Landmark Telecoms Plc", "Telecoms"),
    ("Gateway Cement Company", "Construction"),
    ("Bonny Island Shipyard Ltd", "Oil & Gas"),
    ("Redstone Schools Ltd", "Education"),
]
# How staff actually type some of them: the writer must link these, not duplicate them.
VARIANTS = {
    "Dangote Industries Ltd": [
        "DANGOTE INDUSTRIES LIMITED",
        "Dangote Industries Ltd.",
        "Dangote Industris Ltd",
    ],
    "Okonkwo & Sons Nigeria Ltd": ["Okonkwo and Sons (Nig) Ltd", "OKONKWO & SONS LTD"],
    "Adebayo Logistics Limited": ["Adebayo Logistic Ltd", "adebayo logistics"],
    "Kaduna Power Solutions Ltd": ["Kaduna Power Solution Limited"],
    "Owerri Medical Supplies Ltd": ["Owerri Medicals Supplies Ltd"],
}
FIRST = [
    "Adaeze",
    "Chinedu",
    "Ngozi",
    "Emeka",
    "Oluwaseun",
    "Funmilayo",
    "Ibrahim",
    "Aisha",
    "Musa",
    "Zainab",
    "Tunde",
    "Yetunde",
    "Obinna",
    "Chiamaka",
    "Kelechi",
    "Bola",
    "Sani",
    "Hauwa",
    "Uche",
    "Femi",
    "Amaka",
    "Segun",
    "Halima",
    "Ifeanyi",
    "Bukola",
    "Nneka",
    "Garba",
    "Tobi",
]
LAST = [
    "Okafor",
    "Adeyemi",
    "Bello",
    "Okonkwo",
    "Abubakar",
    "Eze",
    "Olawale",
    "Nwosu",
    "Mohammed",
    "Balogun",
    "Onyeka",
    "Danjuma",
    "Ogunleye",
    "Ibekwe",
    "Yusuf",
    "Adebayo",
    "Nnamdi",
    "Lawal",
    "Chukwu",
    "Afolabi",
    "Umar",
    "Obi",
    "Akinola",
    "Ekwueme",
]
TITLES = [
    "Procurement Manager",
    "Managing Director",
    "Facility Manager",
    "Head of Admin",
    "Chief Engineer",
    "Fleet Manager",
    "Medical Director",
    "Finance Manager",
    "CEO",
]
STAFF = [
    ("ada.okafor@mikano.example", "Ada Okafor", "Motors", "Sales"),
    ("tunde.bello@mikano.example", "Tunde Bello", "Motors", "Sales"),
    ("kemi.adeyemi@mikano.example", "Kemi Adeyemi", "Motors", "Service"),
    ("musa.danjuma@mikano.example", "Musa Danjuma", "Power", "Sales"),
    ("ngozi.eze@mikano.example", "Ngozi Eze", "Power", "Service"),
    ("femi.lawal@mikano.example", "Femi Lawal", "Construction", "Sales"),
    ("halima.yusuf@mikano.example", "Halima Yusuf", "Medical", "Sales"),
    ("obinna.nwosu@mikano.example", "Obinna Nwosu", "Medical", "Service"),
    ("bola.afolabi@mikano.example", "Bola Afolabi", "GRAS", "Sales"),
    ("zainab.umar@mikano.example", "Zainab Umar", "Cube 65 Clinic", "Service"),
]
DEMO_STEWARD = "ifeoma.nnadi@mikano.example"
MANAGERS = {
    "Motors": "chinedu.obi@mikano.example",
    "Power": "sani.abubakar@mikano.example",
    "Construction": "sani.abubakar@mikano.example",
    "Medical": "amaka.chukwu@mikano.example",
    "GRAS": "yetunde.akinola@mikano.example",
    "Cube 65 Clinic": "yetunde.akinola@mikano.example",
}
PRODUCTS = {
    "Motors": ["Changan CS35 Plus", "Geely Coolray", "Hyundai Tucson", "Toyota Hilux", "Kia Sportage"],
    "Power": ["500 kVA diesel generator", "1 MVA gas generator", "Solar hybrid system", "AMF panel"],
    "Construction": ["Warehouse build", "Site clearing", "Office fit-out", "Access road"],
    "Medical": ["Ultrasound scanner", "Hospital beds", "Lab reagents supply", "Patient monitors"],
}
MOTORS_STAGES = ["Inquiry", "Qualified", "Test Drive / Site Visit", "Quote / PFI", "Negotiation"]
B2B_STAGES = ["Inquiry", "Qualified", "Test Drive / Site Visit", "Quote / PFI", "Negotiation"]
PREFIXES = [
    "0803",
    "0806",
    "0813",
    "0816",
    "0703",
    "0706",
    "0810",
    "0805",
    "0807",
    "0815",
    "0905",
    "0802",
    "0808",
    "0812",
    "0701",
    "0902",
]
CHANNELS = ["Phone", "WhatsApp", "Email", "Meeting", "Walk-in", "Social Media", "Website"]
# Issue 15's Form answers are drawn from their own generator (seed + 15), so adding them left every
# other generated answer as it was.
BRANCHES = {
    "Motors": ["Victoria Island", "Victoria Island", "Ikeja"],  # the pilot: VI sales, Ikeja after-sales
    "Power": ["Ikeja", "Abuja", "Port Harcourt"],
    "Construction": ["Abuja", "Victoria Island"],
    "Medical": ["Ikeja", "Abuja", "Kano"],
    "GRAS": ["Victoria Island"],
    "Cube 65 Clinic": ["Victoria Island"],
}
LEAD_SOURCES = [s for s in LISTS["Lead Sources"] if s != "Other"]
LOST_REASONS = ["Price", "Price", "Stock / delivery time", "Competitor", "Financing", "No response"]
# (name, channel, utm source, utm medium, utm campaign, days before the demo's day it started)
CAMPAIGNS = [
    ("Motors Black Friday 2026", "Facebook / Instagram ad", "facebook", "paid_social", "bf2026", 45),
    ("Changan CS35 launch", "Website / landing page", "google", "cpc", "cs35_launch", 60),
    ("Solar hybrid roadshow", "Walk-in", "roadshow", "event", "solar_roadshow", 30),
]


@dataclass
class Generated:
    bodies: list[bytes]
    expected_bad: int  # how many were generated to be rejected
    repeats: int  # how many are exact re-deliveries of an earlier body


def staff_rows() -> list[dict[str, Any]]:
    rows = [
        {
            "Email": email,
            "Full Name": name,
            "Division": division,
            "Role": role,
            "Manager Email": MANAGERS[division],
            "Active": "Yes",
            # How the ERP spells the salesperson on invoices (Oracle: "SURNAME, FIRST").
            "ERP Salesperson Name": f"{name.split()[-1]}, {name.split()[0]}".upper()
            if role == "Sales"
            else None,
        }
        for email, name, division, role in STAFF
    ]
    managers = sorted(set(MANAGERS.values()))
    rows += [
        {
            "Email": m,
            "Full Name": m.split("@")[0].replace(".", " ").title(),
            "Role": "Manager",
            "Active": "Yes",
        }
        for m in managers
    ]
    # A data steward for Motors: the steward digest and its Merge / Not duplicate links go to her;
    # the other divisions' items go to the admins.
    rows.append(
        {
            "Email": DEMO_STEWARD,
            "Full Name": "Ifeoma Nnadi",
            "Division": "Motors",
            "Role": "Data Steward",
            "Manager Email": MANAGERS["Motors"],
            "Active": "Yes",
        }
    )
    return rows


def generate(
    count: int, now: datetime, seed: int = 65, *, bad_share: float = 0.08, repeat_share: float = 0.05
) -> Generated:
    """`count` submission bodies dated over the 60 days before `now` (aware, UTC)."""
    rng = random.Random(seed)
    extra = random.Random(seed + 15)
    people: dict[str, tuple[str, str, str]] = {}
    bodies: list[tuple[datetime, dict[str, Any]]] = []
    n = 0

    def person(company: str) -> tuple[str, str, str]:
        if company not in people:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            domain = "".join(c for c in company.split()[0].lower() if c.isalpha()) + ".com.ng"
            people[company] = (f"{first} {last}", f"{first}.{last}@{domain}".lower(), _phone(rng))
        return people[company]

    def body(when: datetime, division: str, answers: dict[str, Any]) -> dict[str, Any]:
        nonlocal n
        n += 1
        staff = [s for s in STAFF if s[2] == division] or STAFF
        submitted = when + timedelta(minutes=rng.randint(5, 300))
        submitted = min(submitted, now - timedelta(minutes=1))
        return {
            "responseId": f"demo-{seed}-{n:05d}",
            "submittedAt": submitted.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "responder": rng.choice(staff)[0],
            "answers": {
                "division": division,
                "occurred_at": _as_typed(rng, when),
                "branch": extra.choice(BRANCHES[division]),
                **_channel_of_today(extra, answers),
            },
        }

    while len(bodies) < count:
        when = now - timedelta(days=rng.uniform(1, 60))
        division = rng.choices([*list(PRODUCTS), "GRAS", "Cube 65 Clinic"], weights=[5, 3, 2, 2, 1, 1])[0]
        if division in PRODUCTS:
            company, industry = rng.choice(COMPANIES)
            name, email, phone = person(company)
            typed = rng.choice([company, company, company, *VARIANTS.get(company, [])])
            product = rng.choice(PRODUCTS[division])
            stages = MOTORS_STAGES if division == "Motors" else B2B_STAGES
            steps = rng.randint(1, len(stages))
            outcome = rng.choice([None, "Won", "Lost"]) if steps == len(stages) else None
            for i, stage in enumerate([*stages[:steps], *([outcome] if outcome else [])]):
                step_when = when + timedelta(days=3 * i, hours=rng.randint(0, 8))
                if step_when > now - timedelta(hours=1):
                    break
                answers = {
                    "company_name": typed,
                    "industry": industry,
                    "contact_name": name,
                    "contact_email": email if rng.random() < 0.7 else None,
                    "contact_phone": _format_phone(rng, phone),
                    "job_title": rng.choice(TITLES),
                    "channel": rng.choice(CHANNELS),
                    "direction": rng.choice(["Inbound", "Outbound"]),
                    "interaction_type": "Inquiry" if stage == "Inquiry" else "Follow-up",
                    "notes": _notes(rng, stage, product),
                    "opportunity_stage": stage,
                    "product": product,
                    "deal_value": f"₦{rng.randint(2, 400) * 250_000:,}" if stage != "Inquiry" else None,
                    **_how_they_found_us(extra, stage, division),
                }
                answers.update(_maybe_a_promise(rng, step_when))
                bodies.append((step_when, body(step_when, division, answers)))
            last_step = when + timedelta(days=3 * steps)
            bodies += _after_the_sale(extra, body, (outcome, division), last_step, now, (typed, name))
            if division in ("Motors", "Power") and rng.random() < 0.25:
                bodies.append((when, body(when, division, _service_request(rng, typed, name, phone))))
        else:  # B2C: a person at the restaurant or the clinic
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            answers = {
                "account_type": "Individual",
                "contact_name": name,
                "contact_phone": _format_phone(rng, _phone(rng)),
                "channel": rng.choice(["Walk-in", "Phone", "WhatsApp"]),
                "direction": "Inbound",
                "interaction_type": rng.choice(["Order", "Inquiry", "Feedback"]),
                "notes": rng.choice(
                    [
                        "Booked a table for 6.",
                        "Asked about consultation fees.",
                        "Ordered catering for an office party.",
                        "Follow-up appointment booked.",
                    ]
                ),
                "csat": str(rng.choice([3, 4, 5, 5])) if rng.random() < 0.6 else None,
            }
            bodies.append((when, body(when, division, answers)))

    bodies.sort(key=lambda item: item[0])
    payloads = [b for _, b in bodies[:count]]
    bad = round(count * bad_share)
    for i in rng.sample(range(len(payloads)), bad):
        _spoil(rng, payloads[i], now)
    out = [json.dumps(p, ensure_ascii=False).encode() for p in payloads]
    repeats = round(count * repeat_share)
    for i in sorted(rng.sample(range(len(out)), repeats), reverse=True):
        out.insert(min(len(out), i + rng.randint(1, 20)), out[i])
    return Generated(out, bad, repeats)


def _maybe_a_promise(rng: random.Random, when: datetime) -> dict[str, Any]:
    """Half the pipeline touches promise something, due within ten days."""
    if rng.random() >= 0.5:
        return {}
    promised = rng.choice(["Send PFI", "Call back", "Arrange test drive", "Site visit", "Send brochure"])
    due = when + timedelta(days=rng.randint(1, 10))
    return {"next_action": promised, "action_due_date": due.strftime("%d/%m/%Y")}


def _service_request(rng: random.Random, company: str, name: str, phone: str) -> dict[str, Any]:
    """A fault reported on the phone: a ticket with its quote, final bill and the customer's rating."""
    quote = rng.randint(2, 40) * 50_000
    final = int(quote * rng.choice([1.0, 1.05, 1.2]))
    return {
        "company_name": company,
        "contact_name": name,
        "contact_phone": _format_phone(rng, phone),
        "channel": "Phone",
        "direction": "Inbound",
        "interaction_type": "Service Request",
        "notes": "Customer reported a fault; technician assigned.",
        "ticket_category": rng.choice(["Service Request", "Warranty", "Complaint"]),
        "ticket_status": rng.choice(["Open", "In Progress", "Resolved"]),
        "quote_amount": f"{quote:,}",
        "final_amount": f"{final:,}",
        "csat": str(rng.choice([2, 3, 4, 4, 5, 5])),
    }


def campaign_rows(now: datetime) -> list[dict[str, Any]]:
    """The demo's Campaigns tab: what a marketing steward keeps, and what staff pick on the Form."""
    today = now.date()
    return [
        {
            "Campaign Name": name,
            "Channel": channel,
            "UTM Source": source,
            "UTM Medium": medium,
            "UTM Campaign": code,
            "Start": today - timedelta(days=started),
            "End": today + timedelta(days=30),
        }
        for name, channel, source, medium, code, started in CAMPAIGNS
    ]


def _how_they_found_us(extra: random.Random, stage: str, division: str) -> dict[str, Any]:
    """On a first inquiry: the lead source, and now and then the campaign that brought them; on a
    lost sale, why."""
    if stage == "Lost":
        return {"lost_reason": extra.choice(LOST_REASONS)}
    if stage != "Inquiry":
        return {}
    campaigns = [c for c in CAMPAIGNS if (c[0].startswith("Solar")) == (division == "Power")]
    if campaigns and extra.random() < 0.3:
        return {"campaign": extra.choice(campaigns)[0]}  # the lead source comes from the campaign
    return {"lead_source": extra.choice(LEAD_SOURCES)}


def _channel_of_today(extra: random.Random, answers: dict[str, Any]) -> dict[str, Any]:
    """The hotline and SMS, which the Form gained with issue 15, for a share of the inbound touches."""
    if answers.get("direction") == "Inbound" and extra.random() < 0.12:
        return {**answers, "channel": extra.choice(["Hotline / Call centre", "SMS"])}
    return answers


def _after_the_sale(
    extra: random.Random,
    body: Callable[[datetime, str, dict[str, Any]], dict[str, Any]],
    outcome: tuple[str | None, str],
    last_step: datetime,
    now: datetime,
    customer: tuple[str, str],
) -> list[tuple[datetime, dict[str, Any]]]:
    """A Motors sale won: the car handed over a few days after the last step, if that is past."""
    won, division = outcome
    if won != "Won" or division != "Motors":
        return []
    delivered = last_step + timedelta(days=extra.randint(2, 6))
    if delivered >= now - timedelta(hours=1):
        return []
    return [(delivered, body(delivered, division, _delivery(extra, delivered, *customer)))]


def _delivery(extra: random.Random, delivered: datetime, company: str, name: str) -> dict[str, Any]:
    """After the sale: the car handed over, its first service booked there and then."""
    first_service = delivered + timedelta(days=extra.randint(10, 40))
    return {
        "company_name": company,
        "contact_name": name,
        "channel": "Meeting",
        "direction": "Outbound",
        "interaction_type": "Delivery",
        "notes": "Vehicle delivered with the checklist; warranty documents sent on WhatsApp.",
        "first_service_date": (first_service + timedelta(hours=1)).strftime("%d/%m/%Y"),
    }


def _spoil(rng: random.Random, payload: dict[str, Any], now: datetime) -> None:
    answers = payload["answers"]
    kind = rng.choice(["division", "phone", "due", "future", "channel", "csat", "notes", "email"])
    if kind == "division":
        answers.pop("division")
    elif kind == "phone":
        answers["contact_phone"] = "0803 12"
    elif kind == "due":
        answers["next_action"] = "Call back"
        answers["action_due_date"] = "01/01/2020"
    elif kind == "future":
        answers["occurred_at"] = (now + timedelta(days=9)).strftime("%d/%m/%Y")
    elif kind == "channel":
        answers["channel"] = "Carrier pigeon"
    elif kind == "csat":
        answers["csat"] = "7"
    elif kind == "notes":
        answers["notes"] = ""
    else:
        answers["contact_email"] = "not-an-email@"


def _phone(rng: random.Random) -> str:
    return rng.choice(PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(7))


def _format_phone(rng: random.Random, national: str) -> str:
    digits = national[1:]
    return rng.choice(
        [
            f"{national[:4]} {national[4:7]} {national[7:]}",
            f"+234 {digits[:3]} {digits[3:6]} {digits[6:]}",
            f"234{digits}",
            national,
        ]
    )


def _as_typed(rng: random.Random, when: datetime) -> str:
    local = when + timedelta(hours=1)  # Lagos is UTC+1
    return rng.choice(
        [local.strftime("%d/%m/%Y"), local.strftime("%d/%m/%Y %H:%M"), local.strftime("%Y-%m-%d")]
    )


def _notes(rng: random.Random, stage: str, product: str) -> str:
    return {
        "Inquiry": f"Customer asked about the {product}; wants price and delivery time.",
        "Qualified": f"Budget confirmed for the {product}; decision maker identified.",
        "Test Drive / Site Visit": f"Visit done for the {product}; customer positive.",
        "Quote / PFI": f"PFI sent for the {product}.",
        "Negotiation": f"Negotiating discount and payment terms on the {product}.",
        "Won": f"Customer paid for the {product}. Delivery scheduled.",
        "Lost": f"Customer chose a competitor for the {product} (price).",
    }[stage] + rng.choice(["", " Follow up next week.", " Customer prefers WhatsApp."])


def meeting_burst(
    now: datetime, seed: int = 65, people: int = 30
) -> tuple[list[dict[str, Any]], list[bytes]]:
    """A Monday sales meeting last week where `people` staff each log a call within 12 minutes:
    more concurrent users than the concurrent-users trigger of 25. Returns (Staff rows, submission bodies)."""
    rng = random.Random(seed + 1)
    lagos_today = (now + timedelta(hours=1)).date()
    meeting = datetime.combine(lagos_today - timedelta(days=lagos_today.weekday() + 7), datetime.min.time())
    meeting = meeting.replace(hour=8, tzinfo=UTC)  # 09:00 in Lagos
    staff, bodies = [], []
    for i in range(people):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        email = f"{first}.{last}.{i}@mikano.example".lower()
        division = ["Motors", "Power", "Construction", "Medical", "GRAS", "Cube 65 Clinic"][i % 6]
        staff.append(
            {
                "Email": email,
                "Full Name": f"{first} {last}",
                "Division": division,
                "Role": "Sales",
                "Manager Email": MANAGERS[division],
                "Active": "Yes",
            }
        )
        company, _ = rng.choice(COMPANIES)
        when = meeting + timedelta(minutes=i * 12 / people)
        bodies.append(
            json.dumps(
                {
                    "responseId": f"demo-burst-{seed}-{i:03d}",
                    "submittedAt": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "responder": email,
                    "answers": {
                        "division": division,
                        "company_name": company,
                        "channel": "Phone",
                        "direction": "Outbound",
                        "interaction_type": "Follow-up",
                        "occurred_at": (when + timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"),
                        "notes": "Called after the Monday sales meeting to confirm the delivery schedule.",
                    },
                }
            ).encode()
        )
    return staff, bodies
