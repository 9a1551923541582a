"""The inspection programme as CSV: reading a file of planned inspections and writing one back.

One row per inspection: kind, setting name, URN, first and last on-site day, and the inspector's Telegram
id (blank: an invitation is made for the inspector instead), and optionally whether the provider is a
single individual (yes/no/blank; an adoption support agency's notice depends on it, 003 L433): files
written before that column was added still read. Reading checks every row and returns every
problem with its line number, so an operator fixes a file in one go; the store decides what it can only
know itself (which Telegram ids are inspectors).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from workflows.dates import parse_date
from workflows.errors import DateParseError
from workflows.kinds import KINDS, single_individual_matters

#: The columns every file has; files written since issue 18 add OPTIONAL_COLUMNS.
COLUMNS = ("kind", "setting", "urn", "first_day", "last_day", "inspector")
OPTIONAL_COLUMNS = ("single_individual",)
#: What write_programme writes.
ALL_COLUMNS = (*COLUMNS, *OPTIONAL_COLUMNS)

#: Longest file accepted, in rows: a year's programme is a few thousand at most.
MAX_ROWS = 20_000


@dataclass(frozen=True)
class ProgrammeRow:
    """One planned inspection; `line` is where it was read (1 is the header)."""

    line: int
    kind: str
    setting: str
    urn: str | None
    first_day: date
    last_day: date | None
    inspector: int | None  # a Telegram user id; None: invite an inspector
    single_individual: bool = False  # the provider is a single individual (003 L433)


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


R = TypeVar("R")


class CsvLines(Protocol):
    """What `csv.reader` gives: its rows, and the line the last one ended on."""

    @property
    def line_num(self) -> int: ...

    def __iter__(self) -> Iterator[list[str]]: ...


def read_rows(
    reader: CsvLines, limit: int, read_row: Callable[[int, list[str]], R]
) -> tuple[list[R], list[RowProblem]]:
    """The rows after a CSV file's header, each read by `read_row(line, cells)` (a ValueError is that
    line's problem), blank lines skipped, and reading stopped past `limit` rows: every good row and every
    problem, so an import can name all of them at once (the programme and the settings register)."""
    rows: list[R] = []
    problems: list[RowProblem] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(problems) >= limit:
            problems.append(RowProblem(line, f"the file has more than {limit} rows: split it"))
            break
        try:
            rows.append(read_row(line, cells))
        except ValueError as error:
            problems.append(RowProblem(line, str(error)))
    return rows, problems


def _day(text: str, today: date, column: str) -> date:
    try:
        return parse_date(text, today)
    except DateParseError:
        raise ValueError(f"{column} '{text}' is not a date (write it like 2026-03-03 or 3/3/2026)") from None


def _row(line: int, cells: list[str], today: date, columns: tuple[str, ...] = COLUMNS) -> ProgrammeRow:
    """One row, or a ValueError saying everything wrong with it."""
    if len(cells) != len(columns):
        raise ValueError(f"expected {len(columns)} columns ({', '.join(columns)}), found {len(cells)}")
    kind, setting, urn, first, last, inspector = (cell.strip() for cell in cells[: len(COLUMNS)])
    single_text = cells[len(COLUMNS)].strip().lower() if len(columns) > len(COLUMNS) else ""
    problems: list[str] = []
    if kind not in KINDS:
        problems.append(f"unknown kind '{kind}' (the kinds are {', '.join(KINDS)})")
    if single_text not in ("", "yes", "no"):
        problems.append(f"single_individual '{single_text[:20]}' is not yes, no or blank")
    single = single_text == "yes"
    if single and kind in KINDS and not single_individual_matters(kind):
        problems.append(f"single_individual is for adoption support agencies only, not {kind}")
    if not setting:
        problems.append("the setting's name is empty")
    first_day: date | None = None
    last_day: date | None = None
    if not first:
        problems.append("first_day is empty")
    else:
        try:
            first_day = _day(first, today, "first_day")
        except ValueError as error:
            problems.append(str(error))
    if last:
        try:
            last_day = _day(last, today, "last_day")
        except ValueError as error:
            problems.append(str(error))
    if first_day is not None and last_day is not None and last_day < first_day:
        problems.append("last_day is before first_day")
    if inspector and not (inspector.isdecimal() and int(inspector) > 0):
        problems.append(f"inspector '{inspector}' is not a Telegram user id (a whole number), nor blank")
    if problems or first_day is None:
        raise ValueError("; ".join(problems))
    return ProgrammeRow(
        line=line,
        kind=kind,
        setting=setting,
        urn=urn or None,
        first_day=first_day,
        last_day=last_day,
        inspector=int(inspector) if inspector else None,
        single_individual=single,
    )


def read_programme(text: str, today: date) -> tuple[list[ProgrammeRow], list[RowProblem]]:
    """Every good row and every problem; blank lines are skipped. `today` reads words like 'tomorrow'."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))  # a spreadsheet's byte-order mark
    header = next(reader, None)
    names = tuple(cell.strip().lower() for cell in header or ())
    if names not in (COLUMNS, ALL_COLUMNS):
        return [], [
            RowProblem(1, f"the first line must be the header {','.join(ALL_COLUMNS)} (the last optional)")
        ]
    return read_rows(reader, MAX_ROWS, lambda line, cells: _row(line, cells, today, names))


def write_programme(rows: Iterable[ProgrammeRow]) -> str:
    """The CSV text `read_programme` reads back: dates as ISO, a blank inspector for an invitation."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ALL_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.kind,
                row.setting,
                row.urn or "",
                row.first_day.isoformat(),
                row.last_day.isoformat() if row.last_day else "",
                "" if row.inspector is None else str(row.inspector),
                "yes" if row.single_individual else "",
            ]
        )
    return out.getvalue()
