"""/help's "What you can do now" per role, "how do I complain?", and comments sent as documents, end to
end through the fake Bot API (issue 11). The bot's clock is Wednesday 11 March 2026, 10:00 in London."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from bot.localapi import FakeBotApi
from tests.e2e_helpers import CALENDAR, invite_code, join
from tests.inprocess import InProcessBot
from tests.outbox_world import NOW
from tests.test_e2e_requests import (
    ANNOUNCED,
    INSPECTOR,
    MANAGER,
    PROVIDER,
    _ask_to_defer,
    _case,
    _set_clock,
    _settle,
    running,
)
from workflows.dates import format_date

_NOW_HEAD = "What you can do now"


def _last_day(bot: InProcessBot, ref: int, key: str) -> date:
    rows = bot.query(
        "SELECT d.last_day FROM case_deadlines d JOIN cases c ON c.id = d.case_id"
        " WHERE c.ref = ? AND d.key = ?",
        ref,
        key,
    )
    assert rows, (ref, key)
    return date.fromisoformat(str(rows[0][0]))


def _tables(bot: InProcessBot) -> dict[str, list[tuple[object, ...]]]:
    """What refused input must leave alone: requests, cases and the audit trail."""
    return {
        table: bot.query(f"SELECT * FROM {table} ORDER BY rowid") for table in ("requests", "cases", "audit")
    }


def test_help_lists_what_each_role_can_do_now_with_its_date(api: FakeBotApi, tmp_path: Path) -> None:
    with running(api, tmp_path) as bot:
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        both = [(inspector, "inspector"), (provider, "provider")]
        # Announced (asa-full): deferred before the visit; a children's home once it begins (test_actions).
        coming = _case(api, manager, both, "Oak House", "23/3/2026", kind=ANNOUNCED)
        drafted = _case(api, manager, both, "Oak House", "2/3/2026")
        announced = manager.ask('/newcase asa-full "Ash Agency" 13/4/2026', lambda m: "set up" in m.text)
        agency = int(announced.text.split("#", 1)[1].split()[0])
        assert (
            "Recorded"
            in inspector.ask(f"/record {drafted} draft_report 11/3/2026", lambda m: "Recorded" in m.text).text
        )

        # The provider: defer the coming inspection until the last working day before it; comment on the
        # draft until its deadline; complain until the window's last day. The commands are named.
        helped = provider.ask("/help", lambda m: _NOW_HEAD in m.text)
        # The role's commands stay, each on a case where it works today (issue 20).
        assert f"/comments {drafted}: send your comments" in helped.text
        assert (
            f"Ask to defer the inspection: open until Friday 20 March 2026 (/defer {coming})" in helped.text
        )
        comments_due = _last_day(bot, drafted, "provider_comments")
        assert comments_due == date(2026, 3, 18)
        assert (
            f"Comment on the draft report: open until {format_date(comments_due)} (/comments {drafted})"
            in helped.text
        )
        closes = _last_day(bot, drafted, "complaint_window")
        assert (
            f"Make a formal complaint: open until {format_date(closes)} (/complain {drafted})" in helped.text
        )
        assert f"(/defer {drafted})" not in helped.text  # that visit has started

        # Once asked, deferring is not offered again; the managers have the decision, dated.
        _ask_to_defer(provider, coming)
        again = provider.ask("/help", lambda m: _NOW_HEAD in m.text)
        assert f"(/defer {coming})" not in again.text
        decided = manager.ask("/help", lambda m: _NOW_HEAD in m.text)
        assert "Decide the request to defer by Friday 20 March 2026" in decided.text, decided.text

        # An inadequate judgement: the manager's case review is dated (and already late here).
        judged = inspector.ask(f"/record {drafted} judgement inadequate", lambda m: "Recorded" in m.text)
        assert "inadequate" in judged.text.lower()
        review = _last_day(bot, drafted, "case_review")
        managed = manager.ask("/help", lambda m: _NOW_HEAD in m.text)
        assert f"Case review: it was due by {format_date(review)} (late)" in managed.text, managed.text

        # The inspector: the next thing to record on each of their cases; no provider's actions.
        inspected = inspector.ask("/help", lambda m: _NOW_HEAD in m.text)
        now_part = inspected.text.split(_NOW_HEAD)[1]
        assert f"(/record {drafted})" in now_part, inspected.text
        # The coming visit's report steps wait for its end: /record would refuse them now (issue 18).
        coming_part = now_part.split(f"#{coming} Oak House")[1]
        assert "Record:" not in coming_part and f"(/notify {coming})" in coming_part, inspected.text
        assert "/defer" not in inspected.text.split(_NOW_HEAD)[1]
        assert f"#{agency} " not in inspected.text  # not their case

        # On the announced kind's case the inspector must give 10 working days' notice.
        join_code = manager.ask(f"/invite inspector {agency}", lambda m: "?start=" in m.text)
        assert "joined" in join(inspector, invite_code(join_code, api.username), "joined").text
        notify_by = CALENDAR.add_working_days(date(2026, 4, 13), -10)
        noticed = inspector.ask("/help", lambda m: _NOW_HEAD in m.text)
        assert f"Notify the provider by {format_date(notify_by)} (/notify {agency})" in noticed.text
        assert "Record: notice of inspection" not in noticed.text  # notifying records it
        _settle(api, bot, NOW)


def test_how_do_i_complain_inside_and_outside_the_window(api: FakeBotApi, tmp_path: Path) -> None:
    with running(api, tmp_path) as bot:
        clock = tmp_path / "clock.txt"
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        both = [(inspector, "inspector"), (provider, "provider")]
        coming = _case(api, manager, both, "Oak House", "23/3/2026")
        ended = _case(api, manager, both, "Oak House", "2/3/2026")
        closes = _last_day(bot, ended, "complaint_window")

        # Two open cases: which one? The press answers for the case pressed: inside its window.
        picker = provider.ask("how do I complain?", lambda m: "Which case" in m.text)
        assert [f"#{ended} Oak House"] in picker.buttons, picker.buttons
        inside = provider.press_and_wait(
            f"#{ended} Oak House", lambda m: "formal complaint" in m.text, message=picker
        )
        assert f"can be made until {format_date(closes)}" in inside.text, inside.text
        assert f"Send /complain {ended} to make it here" in inside.text
        assert (
            "\nRule: from the end of the inspection until 5 working days after the final report"
            in inside.text
        )
        assert "The steps" in inside.text and "1. Raise concerns with the inspector" in inside.text
        assert "4. Then make a formal complaint under Ofsted's complaints procedure" in inside.text
        assert "000 L1256" not in inside.text  # providers are not shown seed lines

        # Before the inspection ends: why not yet, and where to go meanwhile, with the steps; a children's
        # home's visit is unannounced (000 L534), so its last day is not named to the provider.
        early = provider.ask(f"how do I complain about #{coming}?", lambda m: "complaint" in m.text)
        assert "can be made from the end of the inspection" in early.text, early.text
        assert "24 March" not in early.text and "2026" not in early.text, early.text
        assert "raise concerns with the inspector" in early.text and "The steps" in early.text

        # Staff asking see each step's seed and line.
        cited = inspector.ask(f"what's the complaints procedure for #{ended}?", lambda m: "steps" in m.text)
        assert "(SCCIF children's homes, Complaints)" in cited.text and "000 L12" not in cited.text, (
            cited.text
        )
        assert "Send /complain" not in cited.text

        # The next working day after the window: closed, with where to go instead; nothing was recorded.
        after = CALENDAR.add_working_days(closes, 1)
        _set_clock(clock, datetime.combine(after, time(10), tzinfo=UTC))
        before = bot.query("SELECT count(*) FROM requests")
        late = provider.ask(f"How do I complain about case {ended}?", lambda m: "complaint" in m.text)
        assert f"The window for a formal complaint closed on {format_date(closes)}" in late.text, late.text
        assert "www.gov.uk/government/publications/complaints-about-ofsted" in late.text
        assert "The steps" in late.text
        assert bot.query("SELECT count(*) FROM requests") == before
        _settle(api, bot, datetime.combine(after, time(10), tzinfo=UTC))


def test_a_document_comment_reaches_the_inspector_with_its_name(api: FakeBotApi, tmp_path: Path) -> None:
    with running(api, tmp_path) as bot:
        clock = tmp_path / "clock.txt"
        manager = api.user(MANAGER, "Mia")
        inspector = api.user(INSPECTOR, "Ian")
        provider = api.user(PROVIDER, "Pat")
        content = b"%PDF-1.4 comments on paragraphs 3 and 7"
        ref = _case(api, manager, [(inspector, "inspector"), (provider, "provider")], "Oak House", "2/3/2026")
        assert (
            "Recorded"
            in inspector.ask(f"/record {ref} draft_report 11/3/2026", lambda m: "Recorded" in m.text).text
        )
        asked = provider.ask(f"/comments {ref}", lambda m: "Type your comments" in m.text)
        assert "as a document" in asked.text

        # A sticker is not comments: a clear message, nothing stored, the step stays.
        before = _tables(bot)
        since = provider.mark()
        provider.send_sticker()
        nudged = provider.wait_next(since, lambda m: "sticker" in m.text, timeout=10)
        assert "not as a photo, sticker" in nudged.text, nudged.text
        assert _tables(bot) == before

        # The document, its caption as the text: the file id, name and size are kept, never the file.
        since, mine = inspector.mark(), provider.mark()
        provider.send_document("reply.pdf", content, caption="See paragraph 3.", mime_type="application/pdf")
        check = provider.wait_next(mine, lambda m: "Send these comments" in m.text, timeout=10)
        assert "You wrote: “See paragraph 3.”" in check.text and "With the document: reply.pdf" in check.text
        sent = provider.press_and_wait("Send the comments", lambda m: "Sent" in m.text, message=check)
        assert "are with the inspector" in sent.text and "late" not in sent.text
        ((payload,),) = bot.query("SELECT payload FROM requests WHERE kind = 'comments'")
        assert "paragraphs 3 and 7" not in str(payload)  # the file's content is not in the database
        (document,) = bot.query(
            "SELECT json_extract(payload, '$.documents[0].file_id'),"
            " json_extract(payload, '$.documents[0].name'), json_extract(payload, '$.documents[0].size'),"
            " json_extract(payload, '$.text') FROM requests WHERE kind = 'comments'"
        )
        assert document[1:] == ("reply.pdf", len(content), "See paragraph 3."), document
        told = inspector.wait_next(since, lambda m: "sent comments" in m.text, timeout=15)
        assert (
            "Pat sent comments on the draft report" in told.text
            and "(due by Wednesday 18 March 2026)" in told.text
        )
        assert "See paragraph 3." in told.text and "With 1 document: reply.pdf" in told.text, told.text
        assert told.buttons == [["Mark as seen"], ["Get reply.pdf"]]

        # Pressed: the bot sends it to the inspector by its file id (the same file, never stored by the bot).
        since = inspector.mark()
        inspector.press("Get reply.pdf", told)
        got = inspector.wait_next(since, lambda m: m.document is not None, timeout=10)
        assert got.document is not None and got.document.file_id == document[0]
        assert got.document.filename == "reply.pdf" and got.document.content == content
        assert "reply.pdf" in got.text

        # A document after the deadline is accepted, marked late, and the inspector is told so.
        _set_clock(clock, datetime(2026, 3, 19, 10, 0, tzinfo=UTC))
        provider.ask(f"/comments {ref}", lambda m: "Type your comments" in m.text)
        since, mine = inspector.mark(), provider.mark()
        provider.send_document("late.docx", b"PK late words", mime_type="application/msword")
        check = provider.wait_next(mine, lambda m: "Send these comments" in m.text, timeout=10)
        late = provider.press_and_wait("Send the comments", lambda m: "Sent" in m.text, message=check)
        assert "These comments are late: they were due by Wednesday 18 March 2026." in late.text
        told = inspector.wait_next(since, lambda m: "sent comments" in m.text, timeout=15)
        assert "late (they were due by Wednesday 18 March 2026)" in told.text and "late.docx" in told.text
        assert bot.query(
            "SELECT json_extract(payload, '$.late') FROM requests WHERE kind = 'comments' ORDER BY id"
        ) == [(0,), (1,)]
        _settle(api, bot, datetime(2026, 3, 19, 10, 0, tzinfo=UTC))
