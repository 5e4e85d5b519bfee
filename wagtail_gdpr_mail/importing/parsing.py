"""Reading an import file as rows of text: CSV (encoding and delimiter detected) or XLSX.

Streaming: rows are read one at a time, never the whole file. Every way a file can
be unreadable ends in one :class:`~wagtail_gdpr_mail.exceptions.ImportFileError` with
a message for the editor; a row that is merely wrong is the caller's per-row error.
Row numbers are those a spreadsheet shows: the heading is row 1, data starts at row 2.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from ..conf import app_settings
from ..exceptions import ImportFileError

#: Bytes looked at to detect the encoding and the delimiter.
SAMPLE_BYTES = 64 * 1024
DELIMITERS = ",;\t"
#: Encodings tried in this order; the legacy two are told apart by their letters.
UTF8, CP1250, LATIN2 = "utf-8", "cp1250", "iso-8859-2"
# Czech and Slovak letters (š ž ť ś ź and capitals) where the two legacy code pages
# differ: 0x8A-0x9F are letters in Windows-1250 and control codes in ISO-8859-2.
_CP1250_ONLY = frozenset(b"\x8a\x8c\x8d\x8e\x8f\x9a\x9c\x9d\x9e\x9f")
_LATIN2_ONLY = frozenset(b"\xa9\xab\xae\xb9\xbb\xbe\xa6\xb6\xac\xbc")


@dataclass
class Table:
    """An import file's heading and a way to stream its data rows."""

    path: Path
    kind: str  # "csv" or "xlsx"
    headers: list[str]
    encoding: str = ""
    delimiter: str = ""
    _max_rows: int = field(default=0, repr=False)

    def rows(self, after: int = 0) -> Iterator[tuple[int, list[str]]]:
        """``(row number, cells)`` of the data rows numbered above ``after``."""
        reader = _csv_rows(self) if self.kind == "csv" else _xlsx_rows(self)
        for number, cells in reader:
            if number <= after:
                continue
            if number - 1 > self._max_rows:
                raise ImportFileError(
                    _("The file has more than %(max)s rows; split it into smaller files.")
                    % {"max": f"{self._max_rows:,}"}
                )
            yield number, cells

    def preview(self, count: int = 5) -> list[tuple[int, list[str]]]:
        rows = []
        for item in self.rows():
            rows.append(item)
            if len(rows) >= count:
                break
        return rows


def open_table(path: str | Path) -> Table:
    """Detect what ``path`` holds and read its heading row."""
    path = Path(path)
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise ImportFileError(_("The file is empty."))
    max_rows = app_settings.IMPORT_MAX_ROWS
    if sample.startswith(b"PK\x03\x04"):
        _check_zip(path)
        table = Table(path, "xlsx", [], _max_rows=max_rows)
    else:
        if b"\x00" in sample:
            raise ImportFileError(
                _("This is neither a CSV nor an XLSX file. Save it as CSV (UTF-8) or XLSX.")
            )
        encoding = detect_encoding(sample)
        text = _decode_sample(sample, encoding)
        table = Table(
            path, "csv", [], encoding=encoding, delimiter=detect_delimiter(text), _max_rows=max_rows
        )
    table.headers = _heading(table)
    return table


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) if the sample decodes as such, else Windows-1250
    or ISO-8859-2, whichever the Czech letters point to (Windows-1250 on a tie)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # final=False: the sample may end inside a multi-byte character.
        codecs.getincrementaldecoder(UTF8)().decode(sample, final=False)
        return UTF8
    except UnicodeDecodeError:
        pass
    cp1250 = sum(1 for b in sample if b in _CP1250_ONLY)
    latin2 = sum(1 for b in sample if b in _LATIN2_ONLY)
    return LATIN2 if latin2 > cp1250 else CP1250


def _decode_sample(sample: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)


def detect_delimiter(text: str) -> str:
    """``,``, ``;`` or a tab, as ``csv.Sniffer`` finds it in the first lines; ``,``
    when it cannot tell (a file of one column)."""
    lines = text.splitlines()[:50]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _heading(table: Table) -> list[str]:
    reader = _csv_rows(table, heading=True) if table.kind == "csv" else _xlsx_rows(table, True)
    for _number, cells in reader:
        headers = [" ".join(c.split()) for c in cells]
        if any(headers):
            limit = app_settings.IMPORT_MAX_CELL_CHARS
            return [
                (h[:limit] or _("Column %(number)s") % {"number": i + 1})
                for i, h in enumerate(headers)
            ]
    raise ImportFileError(_("The file is empty."))


def _csv_rows(table: Table, heading: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV file; the first non-empty row is the heading (row 1).

    Each physical line is decoded on its own, so a line in another encoding is
    reported with its row number (a text wrapper would fail a chunk ahead).
    """
    number = 0
    with table.path.open("rb") as raw:
        lines = (line.decode(table.encoding) for line in raw)
        reader = csv.reader(lines, delimiter=table.delimiter)
        try:
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue  # blank lines are no rows
                number += 1
                if heading or number > 1:
                    yield number, cells
                    if heading:
                        return
        except UnicodeDecodeError:
            raise ImportFileError(
                _(
                    "Row %(row)s is not in the file's encoding (%(encoding)s): the file mixes "
                    "encodings. Save it again as CSV (UTF-8)."
                )
                % {"row": number + 1, "encoding": table.encoding}
            ) from None
        except csv.Error:
            raise ImportFileError(
                _(
                    "Row %(row)s cannot be read: a cell is too large or a quote is not closed. "
                    "Nothing was imported."
                )
                % {"row": number + 1}
            ) from None


def _check_zip(path: Path) -> None:
    """Refuse what openpyxl must not open: no zip, no workbook, or a zip bomb (the
    uncompressed sizes the archive declares are checked before anything is inflated)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(
            _("This is neither a CSV nor an XLSX file. Save it as CSV (UTF-8) or XLSX.")
        ) from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise ImportFileError(
            _("This zip file is not an XLSX workbook. Save it as CSV (UTF-8) or XLSX.")
        )
    limit = app_settings.IMPORT_MAX_XLSX_BYTES
    total = sum(info.file_size for info in infos)
    ratio = max((info.file_size / max(info.compress_size, 1) for info in infos), default=0)
    if total > limit or (ratio > 1000 and total > 10 * 1024 * 1024):
        raise ImportFileError(
            _(
                "The workbook unpacks to more than %(size)s MB: too large to import (or not a "
                "real workbook). Split it, or save it as CSV."
            )
            % {"size": limit // (1024 * 1024)}
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(table: Table, heading: bool = False) -> Iterator[tuple[int, list[str]]]:
    import openpyxl  # a dependency of Wagtail's own spreadsheet export
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(table.path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFileError(
            _("The workbook cannot be opened. Save it again as XLSX or as CSV (UTF-8).")
        ) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The workbook has no sheet."))
        number = 0
        try:
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                cells = [_cell_text(v) for v in values]
                while cells and not cells[-1]:
                    cells.pop()
                if not any(c.strip() for c in cells):
                    continue
                number += 1
                if heading or number > 1:
                    yield number, cells
                    if heading:
                        return
        except ImportFileError:
            raise
        except Exception:  # noqa: BLE001 - openpyxl raises anything on broken XML
            raise ImportFileError(
                _("Row %(row)s of the workbook cannot be read. Nothing was imported.")
                % {"row": number + 1}
            ) from None
    finally:
        workbook.close()
