"""`inspectbot timeline`: every deadline of one inspection, as a table for people or JSON for programs.

Bad input gives one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Any, TextIO

from workflows import notices
from workflows.calendar import WorkingCalendar
from workflows.dates import format_date, format_time, parse_date
from workflows.deadlines import LONDON, CaseDates, Deadline, compute_timeline, on_site_days
from workflows.errors import DateParseError, TimelineError
from workflows.kinds import KINDS
from workflows.lateness import distance
from workflows.milestone_table import milestones_markdown
from workflows.rules import END, START, InspectionKind
from workflows.start_warnings import timeline_warnings

EXIT_USAGE = 2


class _UsageError(Exception):
    """A mistake in the command line itself; the message is the whole line shown."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `timeline` to the `inspectbot` command."""
    parser = subparsers.add_parser(
        "timeline",
        help="every deadline of an inspection",
        description="Every deadline of one inspection: when, who, and the rule and document behind it. "
        "Dates are day first: 3/3/2026, 3 March 2026 or 2026-03-03.",
    )
    parser.add_argument("kind", nargs="?", metavar="KIND", help="kind of inspection (see --list)")
    parser.add_argument("--list", action="store_true", help="list the kinds of inspection and stop")
    parser.add_argument(
        "--milestones-md",
        action="store_true",
        help="print the table of every kind's milestones and seed lines (docs/milestones.md) and stop",
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--start",
        metavar="DATE",
        help="first on-site day (planned); for covid-assurance the on-site day, the day after the call",
    )
    when.add_argument("--end", metavar="DATE", help="last on-site (feedback) day (planned)")
    parser.add_argument("--judgement", metavar="GRADE", help="overall judgement, e.g. inadequate")
    parser.add_argument("--concerns", action="store_true", help="serious or widespread concerns were found")
    parser.add_argument(
        "--single-individual",
        action="store_true",
        help="the adoption support agency is a single individual (20 working days' notice, 003 L433)",
    )
    parser.add_argument(
        "--record",
        metavar="KEY=DATE",
        action="append",
        default=[],
        help="a date that actually happened, e.g. draft_report=2026-03-02 (repeatable; each "
        "compliance_date= is one more compliance notice)",
    )
    parser.add_argument(
        "--closure", metavar="DATE", action="append", default=[], help="an extra non-working day (repeatable)"
    )
    parser.add_argument("--today", metavar="DATE", help="count 'from today' from this date instead")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The `timeline` subcommand; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        _run(args, out, err)
    except (_UsageError, TimelineError, DateParseError) as error:
        print(f"inspectbot: {error}", file=err)
        return EXIT_USAGE
    return 0


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    if args.list:
        _print_kinds(args.format, out)
        return
    if args.milestones_md:
        out.write(milestones_markdown())
        return
    if args.kind is None:
        raise _UsageError("name a kind of inspection (try 'inspectbot timeline --list')")
    kind = KINDS.get(args.kind)
    if kind is None:
        raise _UsageError(f"unknown kind '{args.kind}' (try 'inspectbot timeline --list')")
    today = parse_date(args.today, _today()) if args.today else _today()
    records = _records(kind, args.record, today)
    if args.start is None and args.end is None and START not in records and END not in records:
        raise _UsageError("give --start (the first on-site day) or --end (the last on-site day)")
    dates = CaseDates(
        start=parse_date(args.start, today) if args.start else None,
        end=parse_date(args.end, today) if args.end else None,
        records=records,
        judgement=_grade(args.judgement),
        concerns=args.concerns,
        single_individual=args.single_individual,
    )
    calendar = WorkingCalendar(parse_date(text, today) for text in args.closure)
    deadlines = compute_timeline(kind, dates, calendar)
    warnings = timeline_warnings(kind, dates, calendar)
    if args.format == "json":
        # The output stays a list of deadlines; warnings go beside it, one line each on stderr.
        for warning in warnings:
            print(f"inspectbot: warning: {warning}", file=err)
        json.dump([_as_json(d, today, calendar) for d in deadlines], out, indent=2)
        out.write("\n")
    else:
        out.write(_table(kind, dates, deadlines, today, calendar, warnings))


def _today() -> date:
    return datetime.now(LONDON).date()


def _grade(text: str | None) -> str | None:
    """'Requires improvement' and 'requires-improvement' both mean requires_improvement."""
    if text is None:
        return None
    return "_".join(text.strip().lower().replace("-", " ").split())


def _records(kind: InspectionKind, texts: list[str], today: date) -> dict[str, date]:
    """The --record dates by key; each compliance_date= is a further notice (compliance_date_2, ...:
    workflows.notices), other keys as given (a repeated one: the last wins)."""
    records: dict[str, date] = {}
    triggers = {trigger.key for trigger in kind.triggers}
    for text in texts:
        key, day = _record(text, today)
        records[notices.key_for(kind, key, day, records) if key in triggers else key] = day
    return records


def _record(text: str, today: date) -> tuple[str, date]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise _UsageError(f"--record needs KEY=DATE, for example draft_report=2026-03-02, not '{text}'")
    return key.strip(), parse_date(value, today)


def _print_kinds(output_format: str, out: TextIO) -> None:
    if output_format == "json":
        listing = [
            {
                "id": kind.id,
                "name": kind.name,
                "document": kind.document,
                "grades": list(kind.grades),
                "grade_labels": {grade: kind.grade_label(grade) for grade in kind.grades},
                "start_means": kind.start_text,
                "uses_concerns": kind.uses_concerns,
                "historical": kind.historical,
            }
            for kind in KINDS.values()
        ]
        json.dump(listing, out, indent=2)
        out.write("\n")
        return
    width = max(len(kind_id) for kind_id in KINDS)
    for kind in KINDS.values():
        historical = " (historical)" if kind.historical else ""
        out.write(f"{kind.id:<{width}}  {kind.name}{historical}\n")


def _from_today(deadline: Deadline, today: date, calendar: WorkingCalendar) -> str:
    """The chat's words (workflows.lateness), or when it was done, or that a window ended."""
    if deadline.recorded is not None:
        return f"done {format_date(deadline.recorded)}"
    if not deadline.open_on(today):
        return "ended"
    if deadline.extended:
        return "extended"
    return str(distance(deadline.last_day, today, calendar))


def _working_days_from_today(deadline: Deadline, today: date, calendar: WorkingCalendar) -> int:
    """Positive ahead, negative late: working days since the deadline, as the chat counts them."""
    return distance(deadline.last_day, today, calendar).working_days


def _span(start: date, end: date) -> str:
    if start == end:
        return format_date(start)
    return f"{format_date(start)} to {format_date(end)}"


def _table(
    kind: InspectionKind,
    dates: CaseDates,
    deadlines: list[Deadline],
    today: date,
    calendar: WorkingCalendar,
    warnings: list[str],
) -> str:
    """Columns a person scans (when, how soon, who, what), then the rule, source and notes under each row."""
    start, end = on_site_days(kind, dates, calendar)
    basis = "recorded" if END in dates.records else "planned"
    lines = [
        f"{kind.name} ({kind.id})",
        f"On site {_span(start, end)} ({basis}). Today is {format_date(today)}.",
    ]
    if kind.start_meaning:
        lines.append(f"Start means {kind.start_meaning}.")
    lines += [f"Warning: {warning}" for warning in warnings]
    lines.append("")
    header = ("Due", "Time", "From today", "Who", "Milestone")
    rows = [
        (
            _span(d.due, d.due_until) if d.due_until else format_date(d.due),
            format_time(d.time) if d.time else "-",
            _from_today(d, today, calendar),
            d.actor.label,
            d.label,
        )
        for d in deadlines
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header) - 1)]

    def line(cells: tuple[str, ...]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        return "  ".join([*padded, cells[-1]])

    lines.append(line(header))
    for deadline, row in zip(deadlines, rows, strict=True):
        lines.append(line(row))
        if deadline.due_until is not None:
            lines.append(f"    Window: {format_date(deadline.due)} to {format_date(deadline.due_until)}")
        if deadline.opens is not None:
            lines.append(f"    Open: from {format_date(deadline.opens)} to {format_date(deadline.last_day)}")
        if deadline.internal:
            lines.append("    Internal: Ofsted's own step, shown to inspectors and managers only")
        if deadline.extended:
            lines.append(
                "    Extended: no fixed day until the formal complaint is answered (the normal day shown)"
            )
        lines.append(f"    Rule: {deadline.rule}")
        lines.append(f"    Source: {deadline.source}")
        lines.extend(f"    Note: {note}" for note in deadline.notes)
    if not deadlines:
        lines.append("No deadlines apply.")
    return "\n".join(lines) + "\n"


def _as_json(deadline: Deadline, today: date, calendar: WorkingCalendar) -> dict[str, Any]:
    return {
        "key": deadline.key,
        "label": deadline.label,
        "due": deadline.due.isoformat(),
        "due_until": deadline.due_until.isoformat() if deadline.due_until else None,
        "time": deadline.time.strftime("%H:%M") if deadline.time else None,
        "actor": deadline.actor.value,
        "actor_label": deadline.actor.label,
        "rule": deadline.rule,
        "source": deadline.source,
        "recorded": deadline.recorded.isoformat() if deadline.recorded else None,
        "basis": deadline.basis,
        "condition": deadline.condition.value,
        "internal": deadline.internal,
        "opens": deadline.opens.isoformat() if deadline.opens else None,
        "extended": deadline.extended,
        "working_days_from_today": _working_days_from_today(deadline, today, calendar),
        "notes": list(deadline.notes),
    }
