"""Open a workbook in a real LibreOffice (headless, over UNO) and report what LibreOffice sees.

Run with a Python that has the `uno` module (Debian: /usr/bin/python3 with python3-uno):
    python3 tests/tools/libreoffice_probe.py HUB.xlsx
Prints JSON: the sheets, the database ranges (LibreOffice's name for Excel tables), and for
each sheet the list-validation source of every column that has one. `--headers HUB.xlsx OUT.pdf`:
each tab's print set-up and header widths; `--shown HUB.xlsx SHEET…`: the text each cell shows.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Any]:
    """The workbook loaded (hidden) in a LibreOffice of its own, or None if it cannot be opened."""
    port = _free_port()
    desktop = None
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    proc = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 60
        while True:
            try:
                ctx = resolver.resolve(
                    f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"
                )
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(path.resolve().as_uri(), "_blank", 0, (_prop("Hidden", True),))
        try:
            yield doc
        finally:
            if doc is not None:
                doc.close(True)
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):
                desktop.terminate()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _prop(name: str, value: Any) -> PropertyValue:
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def probe(path: Path) -> dict:
    with opened(path) as doc:
        if doc is None:
            return {"opened": False}
        ranges = {}
        for name in doc.DatabaseRanges.ElementNames:
            area = doc.DatabaseRanges.getByName(name).DataArea
            ranges[name] = {"sheet": doc.Sheets.getByIndex(area.Sheet).Name, "columns": area.EndColumn + 1}
        validations: dict[str, dict[str, str]] = {}
        for sheet in doc.Sheets:
            header = sheet.getCellRangeByPosition(0, 0, 60, 0).DataArray[0]
            for col, title in enumerate(header):
                if not title:
                    continue
                validation = sheet.getCellByPosition(col, 5).Validation  # a row staff will fill later
                if validation.Type.value == "LIST":
                    validations.setdefault(sheet.Name, {})[title] = validation.getFormula1()
        list_values = {}
        # The lists' names are formulas over the Lists table (they grow with it): LibreOffice is
        # asked for their values through a scratch cell, as a dropdown would evaluate them.
        scratch = doc.Sheets.getByIndex(0).getCellByPosition(200, 0)
        for formula in {f for cols in validations.values() for f in cols.values()}:
            if doc.NamedRanges.hasByName(formula):
                scratch.setFormula(f"=ROWS({formula})")
                doc.calculateAll()
                values = []
                for i in range(1, int(scratch.getValue()) + 1):
                    scratch.setFormula(f"=INDEX({formula};{i})")
                    doc.calculateAll()
                    values.append(scratch.getString())
                list_values[formula] = values
                scratch.setString("")
        return {
            "opened": True,
            "sheets": list(doc.Sheets.ElementNames),
            "database_ranges": ranges,
            "validations": validations,
            "lists": list_values,
        }


def headers(path: Path, pdf: Path) -> dict:
    """Every tab printed to `pdf` as LibreOffice renders it, then per tab its print set-up and, per
    header cell, the font, the column's width and the width LibreOffice needs to show that header
    (its optimal width, filter button included; measured on a hub with no data rows), in 1/100 mm."""
    with opened(path) as doc:
        doc.storeToURL(pdf.resolve().as_uri(), (_prop("FilterName", "calc_pdf_Export"),))
        styles = doc.StyleFamilies.getByName("PageStyles")
        out: dict[str, Any] = {}
        for sheet in doc.Sheets:
            style = styles.getByName(sheet.PageStyle)
            titles = sheet.TitleRows
            columns = []
            for col, title in enumerate(sheet.getCellRangeByPosition(0, 0, 60, 0).DataArray[0]):
                if not title:
                    break
                column = sheet.Columns.getByIndex(col)
                cell = sheet.getCellByPosition(col, 0)
                width = column.Width
                column.OptimalWidth = True
                columns.append(
                    {
                        "header": title,
                        "font": cell.CharFontName,
                        "bold": cell.CharWeight > 100,
                        "width": width,
                        "needed": column.Width,
                    }
                )
            out[sheet.Name] = {
                "landscape": style.IsLandscape,
                "pages_wide": style.ScaleToPagesX,
                "title_rows": [titles.StartRow, titles.EndRow] if sheet.PrintTitleRows else None,
                "columns": columns,
            }
        return out


def shown(path: Path, sheets: list[str], rows: int = 20) -> dict:
    """Per sheet and header, the text LibreOffice shows in each of the first data rows (the cell's
    number format applied, as a person reads it)."""
    with opened(path) as doc:
        out: dict[str, dict[str, list[str]]] = {}
        for name in sheets:
            sheet = doc.Sheets.getByName(name)
            header = sheet.getCellRangeByPosition(0, 0, 60, 0).DataArray[0]
            out[name] = {
                str(title): [sheet.getCellByPosition(col, row).getString() for row in range(1, rows + 1)]
                for col, title in enumerate(header)
                if title
            }
        return out


if __name__ == "__main__":
    if sys.argv[1] == "--headers":  # --headers HUB.xlsx OUT.pdf
        print(json.dumps(headers(Path(sys.argv[2]), Path(sys.argv[3]))))
    elif sys.argv[1] == "--shown":  # --shown HUB.xlsx SHEET [SHEET …]
        print(json.dumps(shown(Path(sys.argv[2]), sys.argv[3:])))
    else:
        print(json.dumps(probe(Path(sys.argv[1]))))
