"""Reading a CSV export into records honestly: strict decoding, and quotes that must balance.

A UTF-8 file with one stray Windows-1252 byte is not a Windows-1252 file: its good lines are read
as UTF-8 and the bad line is rejected with its line and byte. A file none of whose lines is
non-ASCII UTF-8 is a real Windows-1252 export and is read as one. A quote left open must not
silently swallow the records after it: that record is rejected with its line number and reading
starts again on the next line.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hub.governance.erp_limits import ErpLimits, too_many_columns, too_many_rows
from hub.text import clean_text

DELIMITERS = ",;\t"  # ties go to the earlier one


@dataclass(frozen=True)
class Record:
    line: int
    cells: list[Any]
    raw: str
    problem: str | None = None  # set when the line itself could not be read (encoding, quotes)


@dataclass(frozen=True)
class Decoded:
    text: str
    bad_lines: dict[int, str]  # physical line -> why it cannot be trusted (a mixed encoding)


def decode(data: bytes) -> Decoded:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" export: UTF-16 with a BOM, tab-delimited.
        return Decoded(data.decode("utf-16", errors="replace"), {})
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return Decoded(data.decode("utf-8"), {})
    except UnicodeDecodeError:
        pass
    lines = data.splitlines(keepends=True)  # the same line breaks the CSV reader counts
    bad: dict[int, UnicodeDecodeError] = {}
    utf8_lines = 0
    for number, line in enumerate(lines, 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            bad[number] = error
        else:
            utf8_lines += not line.isascii()
    if not utf8_lines:
        # Every non-ASCII byte is invalid UTF-8: a Windows-1252 export. Five byte values are
        # undefined there; a replacement character beats refusing the file.
        return Decoded(data.decode("cp1252", errors="replace"), {})
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    reasons = {
        n: (
            f"byte 0x{e.object[e.start]:02X} at byte {offsets[n - 1] + e.start + 1:,} of the file (column "
            f"{e.start + 1} of line {n}) is not UTF-8, while the rest of the file is; save the file "
            "as UTF-8 again and re-import it"
        )
        for n, e in bad.items()
    }
    text = "".join(line.decode("utf-8", errors="replace") for line in lines)
    return Decoded(text, reasons)


def csv_records(file_name: str, decoded: Decoded, limits: ErpLimits) -> Iterator[Record]:
    # newline="" keeps line endings as written, so quoted newlines stay inside their field.
    lines = io.StringIO(decoded.text, newline="").readlines()
    header_line = next((line for line in lines if clean_text(line).strip(' ,;"')), None)
    if header_line is None:
        return  # nothing but blank lines
    delimiter = max(DELIMITERS, key=lambda d: _outside_quotes(header_line, d))
    for count, record in enumerate(_records(lines, delimiter, decoded.bad_lines), 1):
        if count > limits.max_rows + 1:  # + the header
            raise too_many_rows(file_name, count, limits)
        if len(record.cells) > limits.max_columns:
            raise too_many_columns(file_name, f"line {record.line}", len(record.cells), limits)
        yield record


def _records(lines: list[str], delimiter: str, bad_lines: dict[int, str]) -> Iterator[Record]:
    pos = 0  # index in `lines` of the first line the current reader has not read
    while pos < len(lines):
        reader = csv.reader(
            (lines[i] for i in range(pos, len(lines))), delimiter=delimiter, skipinitialspace=True
        )
        restart = None
        while restart is None:
            first = pos + reader.line_num  # index of the record's first line
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a field past the field size limit
                end = pos + reader.line_num
                if end <= first:
                    return  # nothing consumed: retrying would loop forever
                yield Record(first + 1, [], _raw(lines, first, end), f"cannot be read as CSV ({error})")
                continue
            end = pos + reader.line_num
            if end - first > 1 and _swallowed(lines, first, end, delimiter):
                yield Record(
                    first + 1,
                    [],
                    lines[first].rstrip("\r\n"),
                    f"a quote opened on line {first + 1} is not closed before line {first + 2} starts "
                    "another record; close the quote (or double it inside the text) and re-import",
                )
                restart = first + 1
                continue
            bad = None
            if bad_lines:  # only a file of mixed encodings has any
                bad = next((bad_lines[n] for n in range(first + 1, end + 1) if n in bad_lines), None)
            yield Record(first + 1, [] if bad else cells, _raw(lines, first, end), bad)
        pos = restart


def _swallowed(lines: list[str], first: int, end: int, delimiter: str) -> bool:
    """Whether a record read across lines took in a record of its own. A quote left open is closed
    by the next quote the reader meets, which in a real record opens a field, so text follows it
    where a strict reader wants a delimiter; or no quote follows and the record runs to the end of
    the file inside quotes. A properly quoted multi-line field passes both checks, however many
    cells its record has."""
    if end == len(lines) and _raw(lines, first, end).count('"') % 2 == 1:
        return True
    strict = csv.reader(lines[first:end], delimiter=delimiter, skipinitialspace=True, strict=True)
    try:
        for _ in strict:
            pass
    except csv.Error:
        return True
    return False


def _outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _raw(lines: list[str], first: int, end: int) -> str:
    return "".join(lines[first:end]).rstrip("\r\n")
