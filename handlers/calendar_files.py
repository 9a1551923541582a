"""/calendar 12: the person's deadlines on a case as an .ics file; /timeline 12: a picture of the case.

What goes in each comes from `workflows.calendar_feed`; this module only renders: the calendar with
`icalendar` (events with stable UIDs and alarms, importable in Outlook and Google Calendar), the picture
with matplotlib's Agg backend when the optional `chart` extra is installed, else the timeline as text.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from html import escape
from itertools import pairwise
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from telegram import InputFile, Update
from telegram.ext import CommandHandler, filters

from handlers.context import Handler, InspectContext
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, reply
from handlers.render import case_title
from handlers.timeline import hidden, visible_timeline
from store.errors import NotFound
from store.models import AuditEntry, Case, Person
from workflows.audience import nothing_dated
from workflows.calendar_feed import (
    CalendarEntry,
    ChartData,
    Status,
    calendar_entries,
    chart_points,
    sequence_of,
)
from workflows.dates import format_date
from workflows.kinds import get_kind

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

PRODUCT = "-//inspectbot//Ofsted inspection deadlines//EN"
#: The picture's size: inches at DPI dots per inch (1200 x 675 pixels).
FIGURE_INCHES, DPI = (12.0, 6.75), 100
#: The least room, in pixels, between two date labels.
TICK_GAP = 8
COLOURS = {Status.DONE: "#2e7d32", Status.DUE: "#1565c0", Status.OVERDUE: "#c62828"}


def ics_bytes(
    case: Case, entries: Sequence[CalendarEntry], zone: ZoneInfo, now: datetime, sequence: int
) -> bytes:
    """An RFC 5545 calendar of `entries` (`CalendarEntry`), each at `sequence` (`sequence_of` the case's
    last audited change), so a file made after a change wins over an older one in calendars that keep
    the events, and a cancelled entry withdraws the event an older file added."""
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"#{case.ref} {case.setting.name}")
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", now)
        event.add("sequence", sequence)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        event.add("summary", f"#{case.ref} {entry.label}")
        event.add("description", f"{entry.owner}. Rule: {entry.rule}.")
        event.add("transp", "TRANSPARENT")
        if entry.at is None:
            event.add("dtstart", entry.first_day)
            event.add("dtend", entry.last_day + timedelta(days=1))
        else:
            start = entry.starts(zone)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(minutes=30))
        for trigger in entry.alarms:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"#{case.ref} {entry.label}")
            alarm.add("trigger", trigger)
            event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def timeline_text(case: Case, data: ChartData) -> str:
    """The picture's content in words, for when matplotlib is not installed."""
    marks = {Status.DONE: "✓ done", Status.DUE: "• due", Status.OVERDUE: "! overdue"}
    lines = [f"Timeline of <b>{case_title(case)}</b> (today is {format_date(data.today)}):"]
    for point in data.points:
        until = f" to {format_date(point.last_day)}" if point.last_day != point.day else ""
        lines.append(f"{marks[point.status]} {format_date(point.day)}{until}: {escape(point.label)}")
    return "\n".join(lines)


def _x(day: date) -> Any:
    """A date as matplotlib's axes take it (its stubs ask for numbers; it converts dates itself)."""
    return day


def timeline_png(title: str, data: ChartData) -> bytes | None:
    """The timeline drawn with matplotlib (Agg, no display), or None when matplotlib is not installed."""
    figure = timeline_figure(title, data)
    if figure is None:
        return None
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def timeline_figure(title: str, data: ChartData) -> Figure | None:
    """The picture laid out and drawn once (so its geometry can be checked), or None without matplotlib.

    The legend sits above the axes, outside them, so it covers no milestone however long the case; the
    date labels are months (with years once the range crosses a year) or Mondays on a short case, thinned
    until no two touch."""
    try:
        from matplotlib import rcParams
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.dates import date2num
        from matplotlib.figure import Figure
        from matplotlib.font_manager import FontProperties
    except ImportError:
        return None
    figure = Figure(figsize=FIGURE_INCHES, dpi=DPI, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for first, last in _runs(data.closed_days):  # weekends, bank holidays, closures: one band each
        axes.axvspan(_x(first), _x(last + timedelta(days=1)), color="#eeeeee", zorder=0)
    rows = list(range(len(data.points)))
    for row, point in zip(rows, data.points, strict=True):
        colour = COLOURS[point.status]
        if point.last_day != point.day:
            width = (point.last_day - point.day).days + 1
            axes.barh(row, width, left=_x(point.day), height=0.4, color=colour, alpha=0.35)
        axes.plot([_x(point.day)], [row], marker="o", color=colour, markersize=8)
    axes.axvline(_x(data.today), color="#ff8f00", linewidth=2)
    axes.set_yticks(rows, [point.label for point in data.points], fontsize=_label_size(len(rows)))
    axes.invert_yaxis()
    axes.set_xlim(_x(data.first), _x(data.last + timedelta(days=1)))
    axes.set_title(title)
    handles = [axes.plot([], [], marker="o", linestyle="", color=c)[0] for c in COLOURS.values()]
    handles.append(axes.plot([], [], color="#ff8f00", linewidth=2)[0])
    figure.legend(
        handles, [*(s.value for s in COLOURS), "today"], loc="outside upper right", ncols=len(handles)
    )
    canvas.draw()  # type: ignore[no-untyped-call]  # lays the figure out: the axes' width is known
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    font = FontProperties(size=rcParams["xtick.labelsize"])
    for ticks in _tick_choices(data.first, data.last):  # fewer and fewer labels until none overlap
        texts = [_tick_text(d, data.first, data.last) for d in ticks]
        centres = [axes.transData.transform((date2num(d), 0.0))[0] for d in ticks]  # type: ignore[no-untyped-call]
        halves = [renderer.get_text_width_height_descent(t, font, ismath=False)[0] / 2 for t in texts]
        spans = [(x - h, x + h) for x, h in zip(centres, halves, strict=True)]
        if not any(a[1] + TICK_GAP > b[0] for a, b in pairwise(spans)):
            break
    axes.set_xticks([_x(d) for d in ticks], texts)
    return figure


def _runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: a weekend is one band, not two (a long case has hundreds)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _label_size(rows: int) -> float:
    """The milestones' font size: matplotlib's 10 points while the rows fit, smaller on a crowded case."""
    return max(6.0, min(10.0, 10.0 * 34 / max(rows, 1)))


def _tick_choices(first: date, last: date) -> list[list[date]]:
    """Candidate date labels, densest first: Mondays (on a range of up to about four months), then the
    first of every 1, 2, 3, 6 or 12 months."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    mondays = [d for d in days if d.weekday() == 0]
    months = [d for d in days if d.day == 1]
    choices = [mondays[::step] for step in (1, 2, 4)] if len(days) <= 130 else []
    choices += [[d for d in months if (d.month - 1) % step == 0] for step in (1, 2, 3, 6, 12)]
    return [c for c in choices if c] or [[first]]


def _tick_text(day: date, first: date, last: date) -> str:
    """A label: "03 Mar" within a year; with the year once the range crosses one ("Mar 2027" for a
    month's first day)."""
    if first.year == last.year:
        return day.strftime("%d %b")
    return day.strftime("%b %Y") if day.day == 1 else day.strftime("%d %b %Y")


async def _the_case(update: Update, context: InspectContext, person: Person, command: str) -> Case | None:
    """The case named after the command, or the only open one; otherwise say how to name it."""
    assert update.effective_message is not None
    ref = parse_ref(command_text(update.effective_message.text or "").strip())
    if ref is None:
        cases = await context.services.db.lists.pick(person)
        if cases.total == 1:
            return await context.services.db.cases.get(person, cases.items[0].ref)
        await reply(update, f"Which case? Send it with its number, like <code>/{command} 12</code>.")
        return None
    try:
        return await context.services.db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return None


async def calendar_command(update: Update, context: InspectContext) -> None:
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    case = await _the_case(update, context, person, "calendar")
    if case is None:
        return
    services = context.services
    today = services.today()
    if hidden(case, person, services.calendar, today):  # a provider is given no date of a hidden visit
        await reply(update, _nothing(case))
        return
    history = await services.db.audit.for_case(person, case.ref)
    domain = f"{services.bot_username or 'inspectbot'}.t.me"
    entries = calendar_entries(
        case.ref,
        person.role,
        visible_timeline(case, person, services.calendar, today),
        today,
        services.calendar,
        services.db.reminding.config.hours,  # alarms at INSPECTBOT_REMIND_AT in INSPECTBOT_TZ
        domain,
        earlier=[
            visible_timeline(past, person, services.calendar, today)
            for past in earlier_outcomes(case, history)
        ],
    )
    coming = sum(not e.cancelled for e in entries)
    if not entries:
        await reply(update, f"None of your deadlines on {case_title(case)} is still to come.")
        return
    sequence = sequence_of(max((entry.id for entry in history), default=0))
    data = ics_bytes(case, entries, services.zone, datetime.now(services.zone), sequence)
    withdrawn = len(entries) - coming
    await update.effective_message.reply_document(
        InputFile(io.BytesIO(data), filename=f"case-{case.ref}-deadlines.ics"),
        caption=_caption(case, coming, withdrawn),
        parse_mode="HTML",
        do_quote=False,
    )
    log.info(
        "calendar: case %d, %d event(s) and %d cancelled for person %d",
        case.ref,
        coming,
        withdrawn,
        person.id,
    )


def _caption(case: Case, coming: int, withdrawn: int) -> str:
    """What the file holds: the deadlines to come, and those it cancels in a calendar that has them."""
    cancels = f"{withdrawn} done or dropped, marked cancelled"
    if not coming:
        return (
            f"None of your deadlines on {case_title(case)} is still to come; this file has the {cancels}."
            " Open it to take them out of your calendar."
        )
    return (
        f"{coming} of your deadlines on {case_title(case)}, with reminders"
        + (f", and {cancels}" if withdrawn else "")
        + ". Open the file to add them to your calendar; a newer file moves them rather than adding them"
        " again."
    )


def earlier_outcomes(case: Case, history: Sequence[AuditEntry]) -> list[Case]:
    """The case under each judgement and concerns it had before, from the audit trail's before and after
    values: the deadlines those outcomes brought that the present one doesn't are cancelled in the file."""
    seen = {(case.judgement, case.concerns)}
    earlier: list[Case] = []
    for entry in history:
        for values in (entry.before, entry.after):
            if not values or not ({"judgement", "concerns"} & values.keys()):
                continue
            judgement = values.get("judgement", case.judgement)
            outcome = (
                None if judgement is None else str(judgement),
                bool(values.get("concerns", case.concerns)),
            )
            if outcome not in seen:
                seen.add(outcome)
                earlier.append(replace(case, judgement=outcome[0], concerns=outcome[1]))
    return earlier


async def timeline_command(update: Update, context: InspectContext) -> None:
    person = await current_person(update, context)
    if person is None or update.effective_message is None:
        return
    case = await _the_case(update, context, person, "timeline")
    if case is None:
        return
    services = context.services
    today: date = services.today()
    data = chart_points(
        visible_timeline(case, person, services.calendar, today), person.role, today, services.calendar
    )
    if not data.points:
        concealed = hidden(case, person, services.calendar, today)
        await reply(update, _nothing(case) if concealed else f"Nothing to show on {case_title(case)}.")
        return
    title = f"#{case.ref} {case.setting.name}"
    picture = await asyncio.to_thread(timeline_png, title, data)
    if picture is None:
        await reply(update, timeline_text(case, data))
        return
    await update.effective_message.reply_document(
        InputFile(io.BytesIO(picture), filename=f"case-{case.ref}-timeline.png"),
        caption=f"Timeline of {case_title(case)}: done, due and overdue; grey days are not working days.",
        parse_mode="HTML",
        do_quote=False,
    )


def _nothing(case: Case) -> str:
    """For the provider of a visit kept from them: what a case with no visit planned would say."""
    return f"{case_title(case)}: {escape(nothing_dated(get_kind(case.kind)))}"


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("calendar", calendar_command, filters=private),
        CommandHandler("timeline", timeline_command, filters=private),
    ]
