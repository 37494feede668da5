"""Reading a CSV export of messages: encoding detection, padding removal, precise errors.

Government systems export UTF-8 (often with a BOM, as Excel writes it) or GB18030/GBK. Each
error names the data row (0-based, the same number the commands print as a row id), the line of
the file it starts on, and the column, so an operator can find and fix the cell.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .errors import TableError
from .text import clean_cell

__all__ = ["Table", "TableError", "parse_time", "read_table"]

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # the file line each data row starts on (1-based)
    encoding: str

    def __len__(self) -> int:
        return len(self.rows)

    def index(self, column: str) -> int:
        if column not in self.header:
            raise TableError(
                f"Column {column!r} is not in the header (line 1). The columns are: {', '.join(self.header)}."
            )
        return self.header.index(column)

    def column(self, column: str) -> list[str]:
        i = self.index(column)
        return [row[i] for row in self.rows]

    def where(self, row: int, column: str) -> str:
        return f"Data row {row} (line {self.lines[row]}), column {column!r}"

    def times(self, column: str) -> list[datetime | None]:
        out = []
        for row, value in enumerate(self.column(column)):
            try:
                out.append(parse_time(value))
            except ValueError:
                raise TableError(f"{self.where(row, column)}: cannot read {value!r} as a date and time.") from None
        return out

    def numbers(self, column: str) -> list[float]:
        out = []
        for row, value in enumerate(self.column(column)):
            try:
                number = float(value.replace(",", "")) if value else 0.0
            except ValueError:
                raise TableError(f"{self.where(row, column)}: {value!r} is not a number.") from None
            if not number >= 0:  # also refuses NaN
                raise TableError(f"{self.where(row, column)}: {value!r} is not a number of zero or more.")
            out.append(number)
        return out


_OTHER_ENCODINGS = {"big5", "big5hkscs", "cp950", "utf_16", "utf_32", "euc_jp", "shift_jis", "cp932", "euc_kr", "cp949"}


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name). UTF-8 is tried first because valid UTF-8 is almost never anything
    else; then GB18030 (a superset of GBK and GB2312); then charset-normalizer's best guess."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise TableError(_undecodable(data, exc, name)) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            # Only other multi-byte encodings are worth trusting: a single-byte code page
            # decodes any bytes at all, and would turn a broken file into garbage text.
            best = from_bytes(data).best()
            if best is not None and best.encoding in _OTHER_ENCODINGS:
                return str(best), best.encoding
            raise TableError(_undecodable(data, utf8_error, "UTF-8 or GB18030")) from None


def _undecodable(data: bytes, exc: UnicodeDecodeError, name: str) -> str:
    line = data[: exc.start].count(b"\n") + 1
    return f"The file is not {name} text: undecodable bytes at byte {exc.start} (line {line})."


def read_table(source: str | Path | bytes) -> Table:
    if isinstance(source, bytes):
        data = source
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise TableError(f"Cannot read {source}: {exc.strerror or exc}.") from None
    if not data.strip():
        raise TableError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    text, encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    header: list[str] | None = None
    rows, lines = [], []
    start_line = 1
    try:
        for record in reader:
            if not record:  # a blank line: no data row, no row number
                start_line = reader.line_num + 1
                continue
            if header is None:
                header = [clean_cell(cell) for cell in record]
                _check_header(header)
            else:
                if len(record) != len(header):
                    raise TableError(
                        f"Data row {len(rows)} (line {start_line}): expected {len(header)} cells as in the "
                        f"header, found {len(record)}."
                    )
                rows.append([clean_cell(cell) for cell in record])
                lines.append(start_line)
            start_line = reader.line_num + 1
    except csv.Error as exc:
        raise TableError(f"Data row {len(rows)} (line {start_line}): malformed CSV ({exc}).") from None
    if header is None:
        raise TableError("The file is empty.")
    if not rows:
        raise TableError("The file has a header but no data rows.")
    return Table(header, rows, lines, encoding)


def _delimiter(text: str) -> str:
    """Comma, unless the header line has more tabs or semicolons (exports from some systems)."""
    first = text.split("\n", 1)[0]
    return max([",", "\t", ";"], key=lambda d: (first.count(d), d == ","))


def _read_xlsx(data: bytes) -> Table:
    """The first sheet of an Excel workbook (the Teddy Cup files, and many exports, are .xlsx)."""
    import openpyxl

    try:
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # a damaged or foreign zip file
        raise TableError(f"The file looks like an Excel workbook but cannot be opened ({exc}).") from None
    header, rows, lines = None, [], []
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else clean_cell(str(v)) for v in values]
        if header is None:
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            header = cells
            _check_header(header)
            continue
        if not any(cells):
            continue
        if any(cells[len(header) :]):
            raise TableError(
                f"Data row {len(rows)} (line {line}): cells beyond the {len(header)} columns of the header."
            )
        rows.append((cells + [""] * len(header))[: len(header)])
        lines.append(line)
    if header is None:
        raise TableError("The file is empty.")
    if not rows:
        raise TableError("The file has a header but no data rows.")
    return Table(header, rows, lines, "xlsx")


def _check_header(header: list[str]) -> None:
    for i, name in enumerate(header):
        if not name:
            raise TableError(f"Header (line 1): column {i + 1} has no name.")
        if name in header[:i]:
            raise TableError(f"Header (line 1): column {name!r} appears twice.")


_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?)?秒?)?"
)


def parse_time(value: str) -> datetime | None:
    """'2019-04-25 09:32:09', '2023-01-16 19:26', '2019/4/5', '2019年4月5日 9:30' …; empty is None
    (unknown). Raises ValueError for anything else."""
    if not value:
        return None
    match = _TIME.fullmatch(value.strip())
    if not match:
        raise ValueError(value)
    parts = [int(p) if p else 0 for p in match.groups()]
    return datetime(*parts)  # type: ignore[arg-type]
