"""The command menu Telegram shows: a short one for everyone, and each person's role's once it is known."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat

from handlers.context import InspectContext
from store.models import Role

_ALL = {
    "cases": "Your cases and their next deadlines",
    "due": "Upcoming deadlines of a case",
    "case": "Everything recorded on a case",
    "calendar": "Your deadlines of a case, for your calendar",
    "timeline": "A picture of a case's timeline",
    "newcase": "Set up an inspection",
    "record": "Record what happened",
    "undo": "Take back the last thing recorded",
    "edit": "Correct a case's days, name, URN or kind",
    "close": "Close a case",
    "reopen": "Reopen a closed case",
    "invite": "Invite someone",
    "assign": "Put an inspector on a case",
    "reminders": "Your coming reminders",
    "mute": "Stop a case's reminders",
    "unmute": "Start a case's reminders again",
    "status": "Messages sent, waiting and failed",
    "defer": "Ask to defer an inspection",
    "complain": "Make a formal complaint",
    "comments": "Comment on the draft report",
    "notify": "Record that the provider was notified",
    "survey": "Answer the post-inspection survey",
    "feedback": "Survey answers per case and in summary",
    "review": "Start or see a case review",
    "programme": "Settings due for inspection, overdue first",
    "setting": "A setting's inspections and next window",
    "help": "What I can do for you",
    "cancel": "Stop what you are doing",
}
#: The menu Telegram shows, by role (workflows.access decides what each may do; this is what they see).
_MENU: dict[Role, tuple[str, ...]] = {
    Role.PROVIDER: (
        *("cases", "due", "case", "calendar", "timeline", "reminders", "mute", "unmute", "help", "cancel"),
        *("defer", "complain", "comments", "survey"),
    ),
    Role.INSPECTOR: (
        *("cases", "due", "case", "calendar", "timeline", "newcase", "record", "undo", "edit", "close"),
        *("invite", "reminders", "mute", "unmute", "help", "cancel", "notify"),
    ),
    Role.MANAGER: tuple(name for name in _ALL if name not in ("defer", "complain", "comments", "survey")),
}
#: Everyone's menu until the bot knows their role: nothing a provider can't use.
COMMANDS = [BotCommand(name, _ALL[name]) for name in _MENU[Role.PROVIDER]]
#: Every command anyone has, for "did you mean" after a slip.
KNOWN_COMMANDS = tuple(_ALL)


def menu_for(role: Role) -> list[BotCommand]:
    return [BotCommand(name, _ALL[name]) for name in _MENU[role]]


async def set_menu(context: InspectContext, chat_id: int, role: Role) -> None:
    """Show this person the commands of their role (a menu per chat, set when the role is known)."""
    await context.bot.set_my_commands(menu_for(role), scope=BotCommandScopeChat(chat_id))
