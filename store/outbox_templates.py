"""The templates an outbox row can name (`outbox.template`): a row holds one of these and its parameters,
never text, and handlers/outbox_messages.py renders each at send time. The values are stored: never
rename one."""

from __future__ import annotations

from enum import StrEnum


class OutboxTemplate(StrEnum):
    REMIND = "remind"  # a deadline due soon, due today or overdue (workflows.reminders)
    MOVED = "moved"  # a deadline moved by a change (workflows.reminders.notices)
    DRAFT_SENT = "draft_sent"  # the draft report sent to the provider
    ASSIGNED = "assigned"  # put on a case by someone else (store.cases.add_member)
    JUDGEMENT_CHANGED = "judgement_changed"  # the judgement changed after the feedback
    UNREACHABLE = "unreachable"  # someone blocked the bot (their managers are told)
    REPLY = "reply"  # a change's confirmation, written when it was made
    PROGRAMME_OVERDUE = "programme_overdue"  # store.setting_programme.OVERDUE_TEMPLATE
    DIGEST = "digest"  # a manager's morning digest
    REQUEST = "request"  # a request's event, told to the others on the case (store.outbox.tell_request)
    REQUEST_EDIT = "request_edit"  # a decided request's copy, edited (store.outbox.edit_request_copy)


#: Every stored value, for telling a known template from a row written by a newer version.
KNOWN = frozenset(template.value for template in OutboxTemplate)
