"""How deadlines and cases read in chat: HTML, answer first, the rule on its own line (chat-style.md).

A base module: every feature module may import it, and it imports none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from html import escape

from telegram import InlineKeyboardMarkup

from handlers.buttons import ForCase
from store.audit import CLI_LABEL, SYSTEM_LABEL
from store.lists import CaseRef
from store.models import AuditEntry, Case, CaseStatus, CloseReason, Role
from workflows.actions import Action
from workflows.audience import sees_sources, source_for
from workflows.calendar import WorkingCalendar
from workflows.changes import Change, ChangeKind
from workflows.dates import format_date, format_time
from workflows.deadlines import Deadline
from workflows.kinds import KINDS, get_kind
from workflows.lateness import distance
from workflows.recording import EVENT_LABELS

#: Telegram refuses longer messages; pages stay a little under it.
MESSAGE_LIMIT = 4096
_PAGE_BUDGET = 3800

#: Anything quoted back from what a person typed is cut to this many characters.
QUOTE_LIMIT = 40


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """What someone typed, cut with an ellipsis and escaped, to show back inside a reply."""
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def setting_name(case: Case | CaseRef) -> str:
    return case.setting_name if isinstance(case, CaseRef) else case.setting.name


def case_title(case: Case | CaseRef) -> str:
    closed = " (closed)" if case.status == CaseStatus.CLOSED else ""
    return f"#{case.ref} {escape(setting_name(case))}{closed}"


def kind_name(kind_id: str) -> str:
    kind = KINDS.get(kind_id)
    return escape(kind.name if kind else kind_id)


def relative(due: date, today: date, calendar: WorkingCalendar) -> str:
    """'4 working days from today', 'today', '2 working days late' (workflows.lateness)."""
    return str(distance(due, today, calendar))


def when(deadline: Deadline) -> str:
    """The date (and time, and window) as a person says it; an extended one says what it waits for."""
    text = format_date(deadline.due)
    if deadline.extended:
        return f"extended until a formal complaint is answered (normally {text})"
    if deadline.due_until is not None:
        return f"between {text} and {format_date(deadline.due_until)}"
    if deadline.time is not None:
        return f"{format_time(deadline.time)} on {text}"
    return text


def deadline_answer(
    case: Case, deadline: Deadline, today: date, calendar: WorkingCalendar, role: Role, *, head: str = ""
) -> str:
    """One short message: the answer, who owns it, the rule, any note where the guidance disagrees.

    Sources and notes (which cite seed lines) are for Ofsted staff (workflows.audience).
    """
    lines = [head or _answer_head(case, deadline, today, calendar), f"Owner: {escape(deadline.actor.label)}"]
    lines.append(rule_line(deadline.rule, deadline.source, role))
    if sees_sources(role):
        lines += [f"Note: {escape(note)}" for note in deadline.notes]
    return "\n".join(lines)


def rule_line(rule: str, source: str, role: Role) -> str:
    """The one wording of a rule, everywhere a deadline is given: 'Rule: 18 working days after the end of
    the inspection (SCCIF children's homes, Timeframe)' for staff, without the source for providers
    (workflows.audience.source_for)."""
    return f"Rule: {escape(rule)}{cited(source, role)}"


def cited(source: object, role: Role) -> str:
    """' (SCCIF children's homes, Complaints)' after a step or a rule for staff; '' for providers. `source`
    is a rule's source text or a workflows.rules.Source."""
    words = source_for(role, str(source))
    return "" if words is None else f" ({escape(words)})"


def _answer_head(case: Case, deadline: Deadline, today: date, calendar: WorkingCalendar) -> str:
    """'Label for #12 Oak Lodge: due <date> (...)': the labels name events and documents ("Provider's
    comments on the draft report", "Report published ..."), so "<label> is due" would not read as English
    for most of them; the colon form fits every label, as "done on" and "ended on" already do."""
    label = escape(deadline.label)
    if deadline.recorded is not None:
        return f"{label} for {case_title(case)}: done on <b>{format_date(deadline.recorded)}</b>."
    if not deadline.open_on(today):
        return f"{label} for {case_title(case)}: ended on <b>{format_date(deadline.last_day)}</b>."
    if deadline.extended:
        return f"{label} for {case_title(case)}: <b>{escape(when(deadline))}</b>."
    return (
        f"{label} for {case_title(case)}: due <b>{escape(when(deadline))}</b> "
        f"({relative(deadline.last_day, today, calendar)})."
    )


def deadline_line(deadline: Deadline, today: date, calendar: WorkingCalendar, mine: bool) -> str:
    """One row of a list: date first, then what, whose, how far away."""
    marker = " <i>(yours)</i>" if mine else ""
    if deadline.recorded is not None:
        return f"✓ {escape(deadline.label)}: done {format_date(deadline.recorded)}"
    if not deadline.open_on(today):
        return f"◦ {escape(deadline.label)}: ended {format_date(deadline.last_day)}"
    due = deadline.due_until or deadline.due
    if deadline.extended:
        owner = escape(deadline.actor.label)
        return f"• <b>{escape(when(deadline))}</b>: {escape(deadline.label)}{marker}, {owner}"
    return (
        f"• <b>{escape(when(deadline))}</b>: {escape(deadline.label)}{marker}, "
        f"{escape(deadline.actor.label)} ({relative(due, today, calendar)})"
    )


#: Why a case was closed, as people read it, by the stored reason (`store.models.CloseReason`).
CLOSE_REASONS: dict[str, str] = {
    CloseReason.COMPLETED: "completed",
    CloseReason.MISTAKE: "entered by mistake",
    CloseReason.WITHDRAWN: "withdrawn",
    CloseReason.OTHER: "other",
}


def closed_because(case: Case | CaseRef) -> str:
    """'closed on Monday 30 November 2026: entered by mistake'."""
    reason = CLOSE_REASONS.get(case.close_reason or "", "no reason given")
    if case.close_reason is CloseReason.OTHER:
        reason = escape(case.close_note) if case.close_note else "other (the reason has been removed)"
    on = f" on {format_date(case.closed_at.date())}" if case.closed_at else ""
    return f"closed{on}: {reason}"


#: Actions open until a day (a window), rather than due by one.
_UNTIL = frozenset({"defer", "comment", "complain"})


def action_line(action: Action) -> str:
    """'Ask to defer the inspection: open until Friday 20 March 2026 (/defer 12)': not "defer until", which
    reads as the new date; what someone must do has "by". /help's "What you can do now" and the answer to
    "what do I need to do?" say an action alike."""
    what = escape(action.what[:1].upper() + action.what[1:])
    if action.last_day is None:
        text = what
    elif action.late:
        late = " (late: still accepted, marked late)" if action.key == "comment" else " (late)"
        text = f"{what}: it was due by {format_date(action.last_day)}{late}"
    else:
        word = ": open until" if action.key in _UNTIL else " by"
        text = f"{what}{word} {format_date(action.last_day)}"
    return text + (f" ({action.command})" if action.command else "")


def change_line(change: Change) -> str:
    """One moved, new, gone or done deadline, as 'Label: old -> new (N working days later)'."""
    d = change.deadline
    label = escape(d.label)
    if change.kind is ChangeKind.ADDED:
        return f"• {label}: now due {escape(when(d))}"
    if change.kind is ChangeKind.REMOVED:
        return f"• {label}: no longer applies"
    if change.kind is ChangeKind.DONE:
        assert d.recorded is not None
        return f"• {label}: done on {format_date(d.recorded)}"
    if change.kind is ChangeKind.UNDONE:
        return f"• {label}: no longer recorded as done; due {escape(when(d))}"
    assert change.before is not None
    days = abs(change.working_days)
    direction = "later" if change.working_days > 0 else "earlier"
    by = f" ({days} working day{'s' if days != 1 else ''} {direction})"
    return f"• {label}: {escape(when(change.before))} → <b>{escape(when(d))}</b>{by if days else ''}"


def paginate(lines: Iterable[str], header: str = "") -> list[str]:
    """Split lines into messages under Telegram's limit, never cutting a line (or HTML tag) in two."""
    pages: list[str] = []
    current = header
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > _PAGE_BUDGET and current:
            pages.append(current)
            current = line
        else:
            current = candidate
    if current:
        pages.append(current)
    return pages


#: A keyboard longer than this is hard to use on a phone; further cases are reached by typing their number.
CASE_BUTTON_LIMIT = 20


#: Telegram shows about this much of a button's text on a phone before it cuts it off itself.
BUTTON_TEXT = 60


def button_text(text: str, limit: int = BUTTON_TEXT) -> str:
    """A button's label within `limit` characters, cut at a word with "…" (not mid-word)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return (cut or text[: limit - 1]) + "…"


def case_keyboard(cases: Sequence[Case | CaseRef], button: ForCase) -> InlineKeyboardMarkup:
    """One button per case (the first `CASE_BUTTON_LIMIT`), made by `button` for its number: `ShowCase.at`
    (a `handlers.buttons.CaseButton`), or a lambda for a button with more fields."""
    return InlineKeyboardMarkup(
        [
            [button(c.ref).button(button_text(f"#{c.ref} {setting_name(c)}"))]
            for c in cases[:CASE_BUTTON_LIMIT]
        ]
    )


def which_case(
    question: str, cases: Sequence[Case | CaseRef], typed_form: str, total: int | None = None
) -> str:
    """The question above a case keyboard, saying so when some cases are not on it (`total`: how many
    there are, when `cases` is only the first of them)."""
    count = len(cases) if total is None else total
    if count <= CASE_BUTTON_LIMIT:
        return question
    return (
        f"{question} (The first {CASE_BUTTON_LIMIT} of your {count} cases are shown; for another, "
        f"type its number, for example {typed_form}.)"
    )


def event_label(case_kind: str, key: str) -> str:
    """What a recordable key is called in chat: 'Visit ended (feedback given)', 'Draft report sent...'."""
    kind = get_kind(case_kind)
    rule, trigger = kind.milestone(key), kind.trigger(key)  # numbered too: compliance_date_2
    found = EVENT_LABELS.get(key) or (rule and rule.label) or (trigger and trigger.label)
    return found or key.replace("_", " ").capitalize()


def single_individual_line(single: bool) -> str:
    """Whether the agency is a single individual, and the notice that gives it (003 L433, L501); the seed
    lines are not shown: providers see this line too."""
    if single:
        return "Single individual: yes (20 working days' notice, not 10)"
    return "Single individual: no (10 working days' notice; 20 for a single individual)"


# --- a case's history, in words -------------------------------------------------------------------------

#: Changes that read the same whatever their values.
_PLAIN_HISTORY = {
    "case.create": "Case set up",
    "case.undo": "Last thing recorded taken back",
    "case.reopen": "Reopened",
    "case.planned": "Planned on-site days changed",
    "setting.rename": "Setting's name corrected",
    "setting.urn": "URN corrected",
    "case.note": "Note added",
    "invite.redeem": "Joined with an invitation",
    # The request workflows (workflows.request_kinds), "request.<kind>.<event>".
    "request.notification.notify": "Provider notified of the inspection",
    "request.notification.acknowledge": "Notice of inspection acknowledged by the provider",
    "request.notification.withdraw": "Notice of inspection withdrawn",
    "request.deferral.ask": "Deferral asked for by the provider",
    "request.deferral.approve": "Deferral approved",
    "request.deferral.decline": "Deferral declined",
    "request.deferral.withdraw": "Deferral request withdrawn by the provider",
    "request.comments.submit": "Comments sent by the provider",
    "request.comments.see": "Provider's comments read",
    "request.complaint.make": "Formal complaint made by the provider",
    "request.complaint.respond": "Formal complaint answered",
    "request.complaint.withdraw": "Formal complaint withdrawn by the provider",
    "request.survey.offer": "Survey offered",
    "request.survey.answer": "Survey question answered",
    "request.survey.finish": "Survey finished by the provider",
    "request.survey.decline": "Survey declined by the provider",
    "request.case_review.start": "Case review started",
    "request.case_review.debrief": "Case review debrief recorded",
    "request.case_review.decide": "Case review decided",
}

#: Who made a change when no name is known: the trail's label ("manager:1", "system", "cli") in words.
_ROLE_WORDS = {"manager": "a manager", "inspector": "an inspector", "provider": "the provider"}


def history_who(entry: AuditEntry, names: Mapping[int, str]) -> str:
    """Who made a change: their display name now (the trail keeps only role and id, so a name removed by
    retention is not brought back), else their role in words; the bot or the operator."""
    if entry.actor_label == SYSTEM_LABEL:
        return "the bot"
    if entry.actor_label == CLI_LABEL:
        return "the operator"
    if entry.actor_id is not None and entry.actor_id in names:
        return names[entry.actor_id]
    return _ROLE_WORDS.get(entry.actor_label.split(":", 1)[0], "someone")


def history_what(case: Case, entry: AuditEntry, names: Mapping[int, str]) -> str:
    """What a change did, in words ("Survey offered", "Comments sent by the provider"), never the trail's
    own action names."""
    before, after = entry.before or {}, entry.after or {}
    what = _PLAIN_HISTORY.get(entry.action)
    if entry.action == "case.event":
        label = event_label(case.kind, str(after.get("key") or before.get("key")))
        return f"{label}: " + (f"recorded as {_iso_day(after['day'])}" if after.get("day") else "taken back")
    if entry.action == "case.outcome":
        judgement = after.get("judgement")
        if after.get("concerns") != before.get("concerns") and not judgement:
            return f"Serious or widespread concerns: {'yes' if after.get('concerns') else 'no'}"
        return f"Judgement recorded: {str(judgement).replace('_', ' ')}" if judgement else "Outcome recorded"
    if entry.action == "case.close":
        return f"Closed: {CLOSE_REASONS.get(str(after.get('reason')), 'no reason given')}"
    if entry.action == "case.kind":
        kinds = [getattr(KINDS.get(str(v.get("kind"))), "name", str(v.get("kind"))) for v in (before, after)]
        return f"Kind corrected from {kinds[0]} to {kinds[1]}"
    if entry.action == "case.single_individual":
        return f"Single individual: {'yes' if after.get('single_individual') else 'no'}"
    if entry.action == "case.member":
        role = str(after.get("role") or "someone")
        added = after.get("person_id")
        who = names.get(int(added)) if isinstance(added, int) else None
        return f"{who} added as {role}" if who else f"{role.capitalize()} added"
    if entry.action == "invite.create":
        return f"Invitation sent ({after.get('role', 'someone')})"
    if what is None and entry.action.startswith("request."):
        return entry.action.split(".", 2)[-1].replace("_", " ").capitalize()
    return what or entry.action.replace(".", " ").replace("_", " ").capitalize()


def history_people(entries: Iterable[AuditEntry]) -> set[int]:
    """The people a history names: who made each change, and whom a change added to the case."""
    found = {e.actor_id for e in entries if e.actor_id is not None}
    added = (e.after.get("person_id") for e in entries if e.action == "case.member" and e.after)
    return found | {p for p in added if isinstance(p, int)}


def history_line(case: Case, entry: AuditEntry, names: Mapping[int, str] | None = None) -> str:
    """One change from the audit trail in words: when, what, by whom (their name, else their role)."""
    known = names or {}
    what, who = history_what(case, entry, known), history_who(entry, known)
    return f"• {format_date(entry.at.date())}: {escape(what)} ({escape(who)})"


def _iso_day(text: object) -> str:
    return format_date(date.fromisoformat(str(text)))
