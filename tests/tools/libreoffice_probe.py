"""Open a workbook in a real LibreOffice (headless, over UNO) and report what LibreOffice sees.

Run with a Python that has the `uno` module (Debian: /usr/bin/python3 with python3-uno):
    python3 tests/tools/libreoffice_probe.py HUB.xlsx
Prints JSON: the sheets, the database ranges (LibreOffice's name for Excel tables), and for
each sheet the list-validation source of every column that has one.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(path: Path) -> dict:
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
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        doc = desktop.loadComponentFromURL(path.resolve().as_uri(), "_blank", 0, (hidden,))
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
        sheets = list(doc.Sheets.ElementNames)
        doc.close(True)
        return {
            "opened": True,
            "sheets": sheets,
            "database_ranges": ranges,
            "validations": validations,
            "lists": list_values,
        }
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):
                desktop.terminate()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    print(json.dumps(probe(Path(sys.argv[1]))))
