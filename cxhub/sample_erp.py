"""Messy ERP exports as Oracle really produces them, for the demo and the tests.

Customers: UTF-8 with a BOM, ';'-delimited, Oracle headers. Invoices: Windows-1252, ','-delimited,
plain-word headers, "NGN 12,500,000.00", credits in brackets, Oracle and dd/mm/yyyy dates.
Prices: an .xlsx with real number and date cells. Each has rows that must be rejected.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

CUSTOMERS = [
    # (number, name, type, industry, address, city, state, phone, email)
    (
        "C1001",
        "DANGOTE INDUSTRIES LIMITED",
        "ORGANIZATION",
        "MANUFACTURING",
        "1 Alfred Rewane Road",
        "Ikoyi",
        "Lagos",
        "0803 200 1001",
        "accounts@dangote.example",
    ),
    (
        "C1002",
        "Okonkwo and Sons Nig Ltd",
        "ORGANIZATION",
        "TRADING",
        "12 Ariaria Market Rd",
        "Aba",
        "Abia",
        "-",
        "",
    ),
    (
        "C1003",
        "Adebayo Logistcs Ltd",
        "ORGANIZATION",
        "LOGISTICS",
        "4 Apapa Wharf Rd",
        "Apapa",
        "Lagos",
        "+234 809 555 0103",
        "",
    ),
    (
        "C1004",
        "Mikano International Ltd",
        "ORGANIZATION",
        "POWER",
        "Plot 34 Block 1 Ikeja",
        "Ikeja",
        "Lagos",
        "01 270 0000",
        "",
    ),
    (
        "C1005",
        "Eko Hotels & Suites",
        "ORGANIZATION",
        "HOSPITALITY",
        "Plot 1415 Adetokunbo Ademola",
        "Victoria Island",
        "Lagos",
        "N/A",
        "",
    ),
    ("C1006", "ADEWALE JOHNSON", "PERSON", "", "7 Allen Avenue", "Ikeja", "Lagos", "0806 123 9876", ""),
    ("C1007", "", "ORGANIZATION", "RETAIL", "", "Kano", "Kano", "", ""),  # no name: rejected
    (
        "C1008",
        "  Gateway   Cement Company  ",
        "ORGANIZATION",
        "CONSTRUCTION",
        "Ewekoro",
        "Ewekoro",
        "Ogun",
        "",
        "",
    ),
]


def write_samples(directory: Path, today: date) -> dict[str, Path]:
    """Write one export of each kind into `directory`; returns kind -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "customers": _customers(directory / "customers_oracle_export.csv"),
        "invoices": _invoices(directory / "invoices_export.csv", today),
        "prices": _prices(directory / "prices_list.xlsx", today),
    }


def _customers(path: Path) -> Path:
    header = (
        "CUSTOMER_NUMBER;CUSTOMER_NAME;CUSTOMER_TYPE;INDUSTRY;ADDRESS1;CITY;STATE;PHONE_NUMBER;EMAIL_ADDRESS"
    )
    lines = [header] + [";".join(row) for row in CUSTOMERS] + ["", ";;;;;;;;", ""]
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    return path


def _invoices(path: Path, today: date) -> Path:
    def oracle(d: date) -> str:
        return d.strftime("%d-%b-%y").upper()

    def dmy(d: date) -> str:
        return d.strftime("%d/%m/%Y")

    ago = [today - timedelta(days=n) for n in (20, 45, 90, 150, 200, 400)]
    rows = [
        "Invoice Number,Customer Number,Invoice Date,Amount,Sales Person,Division,Status,Type",
        f'INV-4411,C1001,{oracle(ago[3])},"NGN 12,500,000.00","OKAFOR, ADA",Mikano Motors,Closed,INV',
        f'INV-4412,C1001,{dmy(ago[0])},"4,750,000","BELLO, TUNDE",Mikano Motors,Open,INV',
        f'INV-4413,C1001,{dmy(ago[1])},"90,000,000.00","BELLO, TUNDE",Mikano Motors,Cancelled,INV',
        f'CM-0091,C1001,{dmy(ago[1])},"(1,200,000.00)","OKAFOR, ADA",Mikano Motors,Open,CM',
        f'INV-4414,C1004,{oracle(ago[2])},"38,000,000.00","DANJUMA, MUSA",Mikano Power,Open,INV',
        f'INV-4415,C1002,{dmy(ago[4])},"2,100,000.00","ADEBAYO, KUNLE",Mikano Motors,Open,INV',
        f'INV-4416,C1005,{dmy(ago[5])},"55,000,000.00","LAWAL, FEMI",Construction,Paid,INV',
        f'INV-4417,C9999,{dmy(ago[0])},"1,000,000.00","OKAFOR, ADA",Mikano Motors,Open,INV',
        f'INV-4418,C1003,{dmy(ago[0])},"12,5x0","OKAFOR, ADA",  Mikano Motors  ,Open,INV',
        'INV-4419,C1008,31/02/2026,"3,000,000.00","LAWAL, FEMI",Construction,Open,INV',
        "",
        "",
    ]
    path.write_bytes("\r\n".join(rows).encode("cp1252"))
    return path


def _prices(path: Path, today: date) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Price List"
    ws.append(["ITEM_NUMBER", "DESCRIPTION", "DIVISION", "LIST_PRICE", "CURRENCY_CODE", "START_DATE_ACTIVE"])
    first = date(today.year, 1, 1)
    ws.append(["MM-HILUX-24", "Toyota Hilux 2.4 D-4D", "Motors", 48_500_000, "NGN", first])
    ws.append(["MM-LC300", "Land Cruiser 300", "Motors", 185_000_000.0, "NGN", first])
    ws.append(["MP-GEN-500", "Mikano 500 kVA generator", "Power", "₦92,000,000.00", "NGN", first])
    ws.append(["MP-GEN-20", "Mikano 20 kVA generator", "Power", "not priced", "NGN", first])  # rejected
    ws.append([None, None, None, None, None, None])
    wb.save(path)
    return path
