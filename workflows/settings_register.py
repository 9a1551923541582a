"""A register of settings as CSV (`inspectbot settings import FILE.csv`): kind, name, URN, registration date
and, optionally, the provider's contact (issue 22: "kind, name, URN, registration date, provider contact").

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
from workflows.programme import RowProblem, read_rows
from workflows.programme_windows import SettingKind

COLUMNS = ("kind", "name", "urn", "registered")
#: The column a register may add: how to reach the provider (a name, an email, a phone number), one line.
#: A file without it leaves the contacts already kept as they are.
CONTACT = "provider_contact"
MAX_CONTACT = 200
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
    #: The provider's contact; None when blank or when the file has no such column (`contact_given`).
    contact: str | None = None
    contact_given: bool = False


def clean_contact(text: str) -> str | None:
    """The provider's contact as kept: one line, spaces collapsed, up to MAX_CONTACT characters; blank is
    None. Minimal data: it names how to reach the provider, never a child."""
    if any(ch in text for ch in "\r\n") or any(not ch.isprintable() and not ch.isspace() for ch in text):
        raise ValueError(f"{CONTACT} must be one line of text")
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_CONTACT:
        raise ValueError(f"{CONTACT} is {len(cleaned)} characters: keep it under {MAX_CONTACT}")
    return cleaned or None


def _row(line: int, cells: list[str], today: date, columns: tuple[str, ...]) -> RegisterRow:
    if len(cells) != len(columns):
        raise ValueError(f"{len(cells)} columns, not {len(columns)} ({','.join(columns)})")
    kind_text, name, urn, registered = (cell.strip() for cell in cells[: len(COLUMNS)])
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
    if len(columns) == len(COLUMNS):
        return RegisterRow(line, kind, name, urn or None, day)
    return RegisterRow(line, kind, name, urn or None, day, clean_contact(cells[-1]), contact_given=True)


def read_register(text: str, today: date) -> tuple[list[RegisterRow], list[RowProblem]]:
    """Every good row and every problem (blank lines skipped); names and URNs are checked by the store."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = tuple(cell.strip().lower() for cell in next(reader, None) or ())
    if header not in (COLUMNS, (*COLUMNS, CONTACT)):
        return [], [
            RowProblem(1, f"the first line must be the header {','.join(COLUMNS)} (and, if given, {CONTACT})")
        ]
    return read_rows(reader, MAX_ROWS, lambda line, cells: _row(line, cells, today, header))
