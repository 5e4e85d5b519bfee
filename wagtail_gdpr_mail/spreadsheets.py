"""CSV files the app writes (the record of processing, and every later CSV export).

Two rules for every cell and file:

- A cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return) is prefixed with ``'`` so it shows as
  text: editors and visitors type these texts, and a file opened in Excel must
  not run what they typed (CSV injection).
- The file starts with a UTF-8 byte-order mark, so Excel reads Czech and other
  non-ASCII text as UTF-8 instead of the system's code page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.utils.encoding import force_str

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that no spreadsheet runs as a formula (numbers stay numbers)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = force_str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: safe_cell(value) for key, value in row.items()}


def csv_lines(
    fieldnames: list[str], headings: Mapping[str, Any], rows: Iterable[Mapping]
) -> Iterator[str]:
    """A CSV file piece by piece (for a streamed download): the BOM, a heading row,
    then ``rows``, every cell safe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames)
    writer.writerow(safe_row({key: headings[key] for key in fieldnames}))
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(safe_row(row))
        yield buffer.getvalue()


def csv_text(fieldnames: list[str], headings: Mapping[str, Any], rows: Iterable[Mapping]) -> str:
    """A whole CSV file as text: the BOM, a heading row, then ``rows``, every cell safe."""
    return "".join(csv_lines(fieldnames, headings, rows))


class SafeCsvExportMixin:
    """For Wagtail's spreadsheet export (``SpreadsheetExportMixin``: report and index
    views): CSV cells made safe and the file started with the BOM."""

    def write_csv_row(self, writer: Any, row_dict: Mapping[str, Any]) -> Any:
        return writer.writerow(
            {
                field: safe_cell(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )

    def stream_csv(self, queryset: Any) -> Iterable[bytes]:
        yield BOM.encode("utf-8")
        yield from super().stream_csv(queryset)
