"""Invitations: one-time, expiring codes that bring a person in with a role (and onto a case).

Only the sha256 of a code is stored. Redeeming is one conditional UPDATE inside `BEGIN IMMEDIATE`, so a
code works once even when two tasks or two processes try it at the same moment.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from store import audit, changes, derived, guard, requests
from store.case_rows import add_member
from store.codec import time_from_text, time_to_text
from store.errors import InvalidInput, InviteInvalid, InviteThrottled, PermissionDenied
from store.models import Invite, Person, Role
from store.person_rows import (
    clean_display_name,
    find_by_telegram_id,
    insert_person,
    load_person,
    update_person,
)
from store.reads import first_row
from workflows import invites as rules
from workflows.access import Scope, can_invite

if TYPE_CHECKING:
    from store.connection import Connection

log = logging.getLogger(__name__)

#: Failed redemptions one Telegram user may make within `FAILURE_WINDOW` before waiting.
FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=10)


class InviteRepository:
    def __init__(self, db: Connection) -> None:
        self._db = db

    async def create(
        self,
        actor: Person | None,
        role: Role,
        *,
        case_ref: int | None = None,
        ttl: timedelta = rules.DEFAULT_TTL,
    ) -> Invite:
        """A new invitation; `actor` None is the operator's command line. The plaintext code is only here."""
        role = Role(role)
        if role is Role.PROVIDER and case_ref is None:
            raise InvalidInput("A provider invitation needs a case: give its number.")
        async with self._db.transaction() as conn:
            now = self._db.now()
            try:
                expires_at = rules.expiry(now, ttl)
            except ValueError as error:
                raise InvalidInput(str(error)) from error
            case_id: int | None = None
            setting_id: int | None = None
            scope: Scope | None = None
            if case_ref is not None:
                row = await guard.visible_case(conn, actor, case_ref)
                if row["status"] != "open":
                    raise InvalidInput(f"Case #{case_ref} is closed, so no one new can join it.")
                case_id, setting_id = row["id"], row["setting_id"]
                scope = await guard.scope_of(conn, row["id"], row["setting_id"])
            if not can_invite(await guard.subject_of(conn, actor), role, scope):
                raise PermissionDenied(
                    "Managers can invite anyone; inspectors can invite a provider onto a case they inspect."
                )
            code = rules.new_code()
            cursor = await conn.execute(
                "INSERT INTO invites (code_hash, role, case_id, setting_id, created_by, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    rules.hash_code(code),
                    role.value,
                    case_id,
                    setting_id,
                    None if actor is None else actor.id,
                    time_to_text(now),
                    time_to_text(expires_at),
                ),
            )
            await audit.record(
                conn,
                now,
                actor,
                "invite.create",
                case_ref,
                None,
                {"invite_id": cursor.lastrowid, "role": role.value, "expires_at": time_to_text(expires_at)},
            )
        return Invite(code=code, role=role, case_ref=case_ref, setting_id=setting_id, expires_at=expires_at)

    async def redeem(self, code: str, telegram_id: int, display_name: str) -> Person:
        """Use a code: create (or reactivate) the person, link a provider to the setting, join the case.

        `InviteInvalid` for an unknown, used or expired code. `InvalidInput` (and the code stays usable)
        when the person already uses the bot in another role or, as a provider, for another setting.
        """
        await self._check_throttle(telegram_id)
        try:
            return await self._redeem(code, telegram_id, display_name)
        except InviteThrottled:
            raise
        except InviteInvalid:
            await self._record_failure(telegram_id)
            raise

    async def joined_case(self, person: Person) -> int | None:
        """The case the person's latest redeemed invitation put them on (None: it named no case), for the
        welcome that names it ("You have joined as an inspector on #12 Oak House")."""
        async with self._db.reading() as conn:
            row = await first_row(
                conn,
                "SELECT c.ref FROM invites i JOIN cases c ON c.id = i.case_id WHERE i.redeemed_by = ?"
                " ORDER BY i.redeemed_at DESC, i.id DESC LIMIT 1",
                (person.id,),
            )
        return None if row is None else int(row["ref"])

    async def _check_throttle(self, telegram_id: int) -> None:
        since = time_to_text(self._db.now() - FAILURE_WINDOW)
        async with self._db.reading() as conn:
            row = await first_row(
                conn,
                "SELECT COUNT(*) FROM invite_failures WHERE telegram_id = ? AND at > ?",
                (telegram_id, since),
            )
        if row is not None and int(row[0]) >= FAILURES_ALLOWED:
            log.warning("invite: telegram id %d throttled after %d failures", telegram_id, int(row[0]))
            raise InviteThrottled()

    async def _record_failure(self, telegram_id: int) -> None:
        now = self._db.now()
        async with self._db.transaction(counted=False) as conn:
            await conn.execute(
                "DELETE FROM invite_failures WHERE at <= ?", (time_to_text(now - FAILURE_WINDOW),)
            )
            await conn.execute(
                "INSERT INTO invite_failures (telegram_id, at) VALUES (?, ?)",
                (telegram_id, time_to_text(now)),
            )
            row = await first_row(
                conn, "SELECT COUNT(*) FROM invite_failures WHERE telegram_id = ?", (telegram_id,)
            )
        log.info("invite: failed redemption by telegram id %d (%d lately)", telegram_id, row[0] if row else 0)

    async def _redeem(self, code: str, telegram_id: int, display_name: str) -> Person:
        if not rules.looks_like_code(code):
            raise InviteInvalid()
        async with self._db.transaction() as conn:
            if (earlier := changes.replayed()) is not None:  # the same update again: the code is used
                again = await load_person(conn, int(earlier))
                if again is not None:
                    return again
            now = self._db.now()
            now_text = time_to_text(now)
            invite = await first_row(
                conn,
                "UPDATE invites SET redeemed_at = ?"
                " WHERE code_hash = ? AND redeemed_at IS NULL AND expires_at > ?"
                " RETURNING id, role, case_id, setting_id, expires_at",
                (now_text, rules.hash_code(code), now_text),
            )
            if invite is None or not rules.is_usable(time_from_text(invite["expires_at"]), None, now):
                raise InviteInvalid()
            role = Role(invite["role"])
            setting_id: int | None = invite["setting_id"] if role is Role.PROVIDER else None
            existing = await find_by_telegram_id(conn, telegram_id)
            if existing is None:
                person = await insert_person(conn, now, telegram_id, display_name, role, setting_id)
                await audit.record(
                    conn,
                    now,
                    person,
                    "person.create",
                    None,
                    None,
                    {"person_id": person.id, "role": role.value, "setting_id": setting_id},
                )
            elif not existing.active:
                # Back with this invitation's role and setting only: settings they had before are not.
                await conn.execute("DELETE FROM provider_settings WHERE person_id = ?", (existing.id,))
                await update_person(conn, existing.id, role=role, active=True, setting_id=setting_id)
                await conn.execute(
                    "UPDATE people SET display_name = ? WHERE id = ?",
                    (clean_display_name(display_name), existing.id),
                )
                await audit.record(
                    conn,
                    now,
                    existing,
                    "person.reactivate",
                    None,
                    {"role": existing.role.value, "active": False, "setting_id": existing.setting_id},
                    {"role": role.value, "active": True, "setting_id": setting_id},
                )
                person = existing
            elif existing.role is not role:
                raise InvalidInput(
                    f"You already use this bot as a {existing.role}, so this {role} invitation isn't for you."
                )
            elif (
                role is Role.PROVIDER
                and setting_id is not None
                and existing.setting_id not in (None, setting_id)
            ):
                # A provider on several settings (an organisation with several homes): each invitation
                # adds its setting; access keeps them to the cases of their settings (workflows.access).
                added = await conn.execute(
                    "INSERT OR IGNORE INTO provider_settings (person_id, setting_id, added_at)"
                    " VALUES (?, ?, ?)",
                    (existing.id, setting_id, now_text),
                )
                if added.rowcount:
                    await audit.record(
                        conn,
                        now,
                        existing,
                        "person.setting_added",
                        None,
                        None,
                        {"person_id": existing.id, "setting_id": setting_id},
                    )
                person = existing
            else:
                if role is Role.PROVIDER and existing.setting_id is None:
                    await update_person(conn, existing.id, role=role, active=True, setting_id=setting_id)
                person = existing
            await conn.execute("UPDATE invites SET redeemed_by = ? WHERE id = ?", (person.id, invite["id"]))
            case_ref: int | None = None
            if invite["case_id"] is not None:
                await add_member(conn, invite["case_id"], person.id, role, now_text)
                await derived.case_changed(
                    conn, invite["case_id"], now, self._db.calendar, self._db.reminding
                )
                found = await first_row(conn, "SELECT ref FROM cases WHERE id = ?", (invite["case_id"],))
                case_ref = None if found is None else int(found["ref"])
                if case_ref is not None:
                    await requests.catch_up_member(conn, self._db.reminding, now, case_ref, person.id, role)
            await audit.record(
                conn,
                now,
                person,
                "invite.redeem",
                case_ref,
                None,
                {"invite_id": invite["id"], "person_id": person.id, "role": role.value},
            )
            current = await load_person(conn, person.id)
            changes.remember(str(person.id))
        if current is None:
            raise RuntimeError("a person vanished inside their own transaction")
        return current
