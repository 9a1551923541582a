"""/calendar and /timeline without Telegram: which deadlines, their alarms and UIDs; the .ics parses with
`icalendar`; the PNG has the expected size; the text stands in when matplotlib is missing."""

from __future__ import annotations

import re
import struct
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from handlers.calendar_files import (
    DPI,
    FIGURE_INCHES,
    _caption,
    _runs,
    earlier_outcomes,
    ics_bytes,
    timeline_figure,
    timeline_png,
    timeline_text,
)
from store.models import AuditEntry, Case, Setting
from workflows.access import Role
from workflows.calendar import WorkingCalendar
from workflows.calendar_feed import (
    SEQUENCE_BASE,
    ChartData,
    Status,
    calendar_entries,
    chart_points,
    entry_uid,
    sequence_of,
)
from workflows.deadlines import CaseDates, compute_timeline
from workflows.kinds import get_kind
from workflows.reminders import Hours
from workflows.rules import Actor

if TYPE_CHECKING:
    from matplotlib.transforms import Bbox

LONDON = ZoneInfo("Europe/London")
NINE = Hours(LONDON)  # INSPECTBOT_REMIND_AT's default
CAL = WorkingCalendar()
START = date(2026, 3, 3)  # a Tuesday
TODAY = date(2026, 3, 2)


def _timeline(**records: date) -> list:  # type: ignore[type-arg]
    dates = CaseDates(start=START, end=None, records=records, judgement=None, concerns=False)
    return compute_timeline(get_kind("ch-full"), dates, CAL)


def _case() -> Case:
    return Case(
        id=1,
        ref=12,
        kind="ch-full",
        setting=Setting(1, "Oak House", None),
        planned_start=START,
        planned_end=None,
        status="open",
        judgement=None,
        concerns=False,
        events={},
        members=(),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        closed_at=None,
        purged_at=None,
        close_reason=None,
        close_note=None,
    )


def test_each_role_gets_its_own_deadlines_with_stable_uids() -> None:
    timeline = _timeline()
    mine = calendar_entries(12, Role.INSPECTOR, timeline, TODAY, CAL, NINE, "bot")
    assert mine and all(d.actor is Actor.INSPECTOR for d in timeline if d.key in {e.key for e in mine})
    assert {e.key for e in mine} == {
        d.key for d in timeline if d.actor is Actor.INSPECTOR and d.open_on(TODAY)
    }
    provider = calendar_entries(12, Role.PROVIDER, timeline, TODAY, CAL, NINE, "bot")
    assert provider and not {e.key for e in provider} & {e.key for e in mine}
    everything = calendar_entries(12, Role.MANAGER, timeline, TODAY, CAL, NINE, "bot")
    assert {e.key for e in mine} | {e.key for e in provider} <= {e.key for e in everything}

    # recording one cancels it under the same UID; the others keep theirs (an updated file moves
    # events, adds none)
    first = mine[0]
    later = calendar_entries(12, Role.INSPECTOR, _timeline(**{first.key: TODAY}), TODAY, CAL, NINE, "bot")
    assert first.key not in {e.key for e in later if not e.cancelled}
    assert [e.uid for e in later if e.cancelled] == [first.uid]
    assert {e.uid for e in later} == {e.uid for e in mine}
    assert first.uid == entry_uid(12, first.key, "bot") == f"case-12-{first.key}@bot"


def test_alarms_are_at_the_reminder_times() -> None:
    entries = calendar_entries(12, Role.MANAGER, _timeline(), TODAY, CAL, NINE, "bot")
    all_day = next(e for e in entries if e.at is None and e.first_day == e.last_day)
    two_before = CAL.add_working_days(all_day.first_day, -2)
    assert all_day.alarms == (
        datetime.combine(two_before, time(9, 0), LONDON)
        - datetime.combine(all_day.first_day, time(0), LONDON),
        timedelta(hours=9),  # 9am on the day of an all-day event
    )
    timed = [e for e in entries if e.at is not None]
    for entry in timed:
        assert max(entry.alarms) <= timedelta(0)  # never after a deadline with a time of day


def test_alarms_ring_at_the_configured_reminding_hour_not_a_fixed_nine() -> None:
    """INSPECTBOT_REMIND_AT=08:30: the file's alarms ring at 08:30 local, when the chat reminds, on the
    day of an all-day deadline and two working days before it; the same in the .ics itself."""
    half_past_eight = Hours(LONDON, time(8, 30))
    entries = calendar_entries(12, Role.MANAGER, _timeline(), TODAY, CAL, half_past_eight, "bot")
    all_day = next(e for e in entries if e.at is None and e.first_day == e.last_day)
    two_before = CAL.add_working_days(all_day.first_day, -2)
    midnight = datetime.combine(all_day.first_day, time(0), LONDON)
    assert all_day.alarms == (
        datetime.combine(two_before, time(8, 30), LONDON) - midnight,
        timedelta(hours=8, minutes=30),
    )
    parsed = Calendar.from_ical(ics_bytes(_case(), entries, LONDON, datetime(2026, 3, 2, tzinfo=UTC), 7))
    event = next(e for e in parsed.walk("VEVENT") if str(e["UID"]) == all_day.uid)
    rings = sorted(midnight + alarm.decoded("TRIGGER") for alarm in event.walk("VALARM"))
    assert [(moment.date(), moment.time()) for moment in rings] == [
        (two_before, time(8, 30)),
        (all_day.first_day, time(8, 30)),
    ]


def test_the_ics_parses_and_holds_the_entries() -> None:
    entries = calendar_entries(12, Role.MANAGER, _timeline(), TODAY, CAL, NINE, "bot")
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    parsed = Calendar.from_ical(ics_bytes(_case(), entries, LONDON, now, 7))
    events = list(parsed.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [e.uid for e in entries]
    for event, entry in zip(events, entries, strict=True):
        assert str(event["SUMMARY"]) == f"#12 {entry.label}"
        assert str(event["STATUS"]) == "CONFIRMED" and int(str(event["SEQUENCE"])) == 7
        start = event.decoded("DTSTART")
        if entry.at is None:
            assert start == entry.first_day
            assert event.decoded("DTEND") == entry.last_day + timedelta(days=1)
        else:
            assert start == datetime.combine(entry.first_day, entry.at, LONDON)
        triggers = [alarm.decoded("TRIGGER") for alarm in event.walk("VALARM")]
        assert tuple(triggers) == entry.alarms


def test_a_deadline_done_since_an_earlier_file_is_cancelled_with_a_higher_sequence() -> None:
    """Issue 21 found 9: the second file used to drop the event, so calendars kept the old one."""
    opened = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
    before = calendar_entries(12, Role.INSPECTOR, _timeline(), TODAY, CAL, NINE, "bot")
    first_file = Calendar.from_ical(ics_bytes(_case(), before, LONDON, opened, sequence_of(3)))
    done = before[0]
    recorded_at = opened + timedelta(days=3, seconds=1)
    after = calendar_entries(12, Role.INSPECTOR, _timeline(**{done.key: TODAY}), TODAY, CAL, NINE, "bot")
    # re-exported twice, at different times, with no change between: the same SEQUENCE both times
    files = [
        Calendar.from_ical(
            ics_bytes(
                _case(), after, LONDON, recorded_at + timedelta(hours=h), sequence_of(4)
            )  # the record's audit entry
        )
        for h in (1, 30)
    ]
    old = next(e for e in first_file.walk("VEVENT") if str(e["UID"]) == done.uid)
    for second_file in files:
        new = next(e for e in second_file.walk("VEVENT") if str(e["UID"]) == done.uid)
        assert str(old["STATUS"]) == "CONFIRMED" and str(new["STATUS"]) == "CANCELLED"
        assert int(str(new["SEQUENCE"])) > int(str(old["SEQUENCE"]))
        assert not list(new.walk("VALARM"))  # a cancelled event rings no alarm
        assert new.decoded("DTSTART") == old.decoded("DTSTART")
    assert [str(e["SEQUENCE"]) for e in files[0].walk("VEVENT")] == [
        str(e["SEQUENCE"]) for e in files[1].walk("VEVENT")
    ]


def test_sequence_follows_the_last_audited_change_not_the_export() -> None:
    assert sequence_of(41) == sequence_of(41) and sequence_of(42) == sequence_of(41) + 1
    assert sequence_of(0) == SEQUENCE_BASE
    # above what files made before this change carried (minutes since 1970), and within a 32-bit INTEGER
    made = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert sequence_of(1) > int(made.timestamp()) // 60
    assert sequence_of(2_000_000_000) < 2**31


def test_a_deadline_an_earlier_outcome_brought_is_cancelled_when_it_no_longer_applies() -> None:
    kind = get_kind("la-sif")
    start, end = date(2027, 3, 2), date(2027, 3, 25)

    def sif(judgement: str) -> list:  # type: ignore[type-arg]
        records = {"start": start, "end": end}
        return compute_timeline(kind, CaseDates(start, end, records, judgement, False), CAL)

    today = date(2027, 4, 1)
    inadequate = calendar_entries(12, Role.MANAGER, sif("inadequate"), today, CAL, NINE, "bot")
    assert "action_plan" in {e.key for e in inadequate if not e.cancelled}
    good = calendar_entries(
        12, Role.MANAGER, sif("good"), today, CAL, NINE, "bot", earlier=[sif("inadequate")]
    )
    cancelled = {e.key for e in good if e.cancelled}
    assert {"action_plan", "monitoring_visit_1", "reinspection"} <= cancelled
    assert not cancelled & {e.key for e in good if not e.cancelled}
    assert {e.uid for e in inadequate} == {e.uid for e in good}  # every earlier event is in the new file
    # without the earlier outcome nothing is cancelled that never applied
    assert not [
        e for e in calendar_entries(12, Role.MANAGER, sif("good"), today, CAL, NINE, "bot") if e.cancelled
    ]


def test_chart_points_mark_done_due_and_overdue() -> None:
    timeline = _timeline(start=START, end=date(2026, 3, 5), draft_report=date(2026, 3, 25))
    today = date(2026, 5, 20)
    data = chart_points(timeline, Role.MANAGER, today, CAL)
    statuses = {p.status for p in data.points}
    assert Status.DONE in statuses and Status.OVERDUE in statuses
    assert data.first <= min(p.day for p in data.points) and data.last >= today
    assert date(2026, 4, 3) in data.closed_days  # Good Friday
    assert date(2026, 3, 7) in data.closed_days and date(2026, 3, 9) not in data.closed_days


def test_png_has_the_expected_size() -> None:
    pytest.importorskip("matplotlib")
    data = chart_points(_timeline(start=START), Role.MANAGER, date(2026, 3, 20), CAL)
    png = timeline_png("#12 Oak House", data)
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (width, height) == (int(FIGURE_INCHES[0] * DPI), int(FIGURE_INCHES[1] * DPI))
    import io

    from matplotlib.image import imread

    assert imread(io.BytesIO(png)).shape[:2] == (height, width)


def testearlier_outcomes_come_from_the_audit_trail() -> None:
    """The judgements and concerns a case had before, each once, never the present one."""
    at = datetime(2027, 4, 1, tzinfo=UTC)
    trail = [
        AuditEntry(1, at, 1, "manager", "case.create", 12, None, {"kind": "la-sif"}),
        AuditEntry(
            2,
            at,
            1,
            "manager",
            "case.outcome",
            12,
            {"judgement": None, "concerns": False},
            {"judgement": "inadequate", "concerns": False},
        ),
        AuditEntry(
            3,
            at,
            1,
            "manager",
            "case.outcome",
            12,
            {"judgement": "inadequate", "concerns": False},
            {"judgement": "good", "concerns": False},
        ),
    ]
    case = replace(_case(), kind="la-sif", judgement="good")
    assert [(c.judgement, c.concerns) for c in earlier_outcomes(case, trail)] == [
        (None, False),
        ("inadequate", False),
    ]
    assert earlier_outcomes(case, trail[:1]) == []


def test_the_caption_says_what_the_file_cancels() -> None:
    assert _caption(_case(), 3, 0).startswith("3 of your deadlines on #12 Oak House, with reminders. Open")
    assert (
        "3 of your deadlines on #12 Oak House, with reminders, and 2 done or dropped, marked cancelled."
        in (_caption(_case(), 3, 2))
    )
    assert _caption(_case(), 0, 2).startswith(
        "None of your deadlines on #12 Oak House is still to come; this"
    )


def _long_sif_case() -> ChartData:
    """An la-sif case judged inadequate: inspected in March 2027, its re-inspection window ends in 2029."""
    start, end = date(2027, 3, 2), date(2027, 3, 25)
    records = {
        "start": start,
        "end": end,
        "notification": date(2027, 3, 1),
        "draft_report": date(2027, 4, 13),
    }
    dates = CaseDates(start, end, records, "inadequate", False)
    timeline = compute_timeline(get_kind("la-sif"), dates, CAL)
    return chart_points(timeline, Role.MANAGER, date(2027, 6, 1), CAL)


def _overlap(a: Bbox, b: Bbox) -> bool:
    return bool(a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1)


def test_a_long_case_has_labels_apart_with_years_and_a_legend_over_nothing() -> None:
    """Issue 21 found 9: the legend covered the latest milestone; dates overlapped and had no years."""
    pytest.importorskip("matplotlib")
    data = _long_sif_case()
    assert data.first.year == 2027 and data.last.year == 2029
    figure = timeline_figure("#12 Northshire", data)
    assert figure is not None
    figure.canvas.draw()  # as savefig draws it
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    (axes,) = figure.axes
    dates = [t for t in axes.get_xticklabels() if t.get_text()]
    assert len(dates) >= 4
    assert all(re.search(r"\b20(27|28|29)\b", t.get_text()) for t in dates), [t.get_text() for t in dates]
    for labels in (dates, [t for t in axes.get_yticklabels() if t.get_text()]):
        boxes = [t.get_window_extent(renderer) for t in labels]
        assert not [(a, b) for a, b in combinations(boxes, 2) if _overlap(a, b)]
    legend = figure.legends[0].get_window_extent(renderer)
    assert not _overlap(legend, axes.get_window_extent(renderer))  # outside the axes: it covers no point
    assert not _overlap(legend, axes.title.get_window_extent(renderer))
    figure_box = figure.bbox
    assert figure_box.x0 <= legend.x0 and legend.x1 <= figure_box.x1 and legend.y1 <= figure_box.y1
    # every milestone's point is inside the axes, none under the legend
    points = [xy for line in axes.get_lines() for xy in axes.transData.transform(line.get_xydata())]
    assert len(points) >= len(data.points)
    assert not [xy for xy in points if legend.contains(float(xy[0]), float(xy[1]))]


def test_closed_days_are_drawn_as_runs() -> None:
    days = [date(2027, 3, 6), date(2027, 3, 7), date(2027, 3, 13), date(2027, 3, 14), date(2027, 3, 15)]
    assert _runs(days) == [(date(2027, 3, 6), date(2027, 3, 7)), (date(2027, 3, 13), date(2027, 3, 15))]
    assert _runs([]) == []


def test_a_short_case_in_one_year_has_dates_without_years() -> None:
    pytest.importorskip("matplotlib")
    data = chart_points(_timeline(start=START), Role.MANAGER, date(2026, 3, 20), CAL)
    figure = timeline_figure("#12 Oak House", data)
    assert figure is not None
    texts = [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]
    assert len(texts) >= 4 and all(re.fullmatch(r"\d\d [A-Z][a-z]{2}", t) for t in texts), texts


def test_without_matplotlib_the_timeline_is_text(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib... raises ImportError
    data = chart_points(_timeline(draft_report=date(2026, 3, 18)), Role.MANAGER, date(2026, 3, 20), CAL)
    assert timeline_png("#12", data) is None
    text = timeline_text(_case(), data)
    assert text.startswith("Timeline of <b>#12 Oak House</b>")
    assert len(text.splitlines()) == len(data.points) + 1 and "✓ done" in text
