"""A register of settings as CSV (`inspectbot settings import FILE.csv`): kind, name, URN, registration date.

Read here (pure); checked against the database and written all-or-nothing in store/setting_programme.py.
Every bad line is named; a file with any problem writes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from workflows.dates import parse_date
from workflows.errors import DateParseError
from workflows.programme import RowProblem
from workflows.programme_windows import SettingKind

COLUMNS = ("kind", "name", "urn", "registered")
MAX_ROWS = 50_000
#: How a register may name a kind: its value, or the words people write.
KIND_WORDS: dict[str, SettingKind] = {
    **{kind.value: kind for kind in SettingKind},
    "children's home": SettingKind.CHILDRENS_HOME,
    "childrens home": SettingKind.CHILDRENS_HOME,
    "ch": SettingKind.CHILDRENS_HOME,
    "adoption support agency": SettingKind.ADOPTION_SUPPORT_AGENCY,
    "asa": SettingKind.ADOPTION_SUPPORT_AGENCY,
    "local authority": SettingKind.LOCAL_AUTHORITY,
    "la": SettingKind.LOCAL_AUTHORITY,
}


@dataclass(frozen=True)
class RegisterRow:
    line: int
    kind: SettingKind
    name: str
    urn: str | None
    registered: date | None


def _row(line: int, cells: list[str], today: date) -> RegisterRow:
    if len(cells) != len(COLUMNS):
        raise ValueError(f"{len(cells)} columns, not {len(COLUMNS)} ({','.join(COLUMNS)})")
    kind_text, name, urn, registered = (cell.strip() for cell in cells)
    words = " ".join(kind_text.lower().replace("_", " ").split())
    kind = KIND_WORDS.get(words) or KIND_WORDS.get(words.replace(" ", "_"))
    if kind is None:
        raise ValueError(f"kind '{kind_text}' is not one of {', '.join(k.value for k in SettingKind)}")
    day: date | None = None
    if registered:
        try:
            day = parse_date(registered, today)
        except DateParseError:
            raise ValueError(f"registered '{registered}' is not a date (write it like 2024-05-20)") from None
        if day > today:
            raise ValueError(f"registered '{registered}' is in the future")
    return RegisterRow(line, kind, name, urn or None, day)


def read_register(text: str, today: date) -> tuple[list[RegisterRow], list[RowProblem]]:
    """Every good row and every problem (blank lines skipped); names and URNs are checked by the store."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = tuple(cell.strip().lower() for cell in next(reader, None) or ())
    if header != COLUMNS:
        return [], [RowProblem(1, f"the first line must be the header {','.join(COLUMNS)}")]
    rows: list[RegisterRow] = []
    problems: list[RowProblem] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(RowProblem(line, f"the file has more than {MAX_ROWS} rows: split it"))
            break
        try:
            rows.append(_row(line, cells, today))
        except ValueError as error:
            problems.append(RowProblem(line, str(error)))
    return rows, problems
