"""The fake Bot API, checked against python-telegram-bot itself so e2e tests can trust it.

A tiny in-process ``telegram.ext.Application`` (not inspectbot) polls the fake; the test
acts as users through the driver. Waits are on conditions with timeouts, never sleeps.
"""

from __future__ import annotations

import ast
import asyncio
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.localapi import FakeBotApi, FakeUser
from bot.localapi.html_entities import EntityParseError, parse_html

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def raw_call(
    fake: FakeBotApi,
    method: str,
    params: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    form: bool = False,
    timeout: float = 10.0,
) -> tuple[int, dict[str, Any]]:
    """POST to the fake without PTB, to see the exact HTTP answer."""
    url = f"{fake.api_root}/bot{token or fake.token}/{method}"
    if form:
        body = urllib.parse.urlencode(
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in (params or {}).items()}
        ).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body, content_type = json.dumps(params or {}).encode(), "application/json"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with _NO_PROXY.open(request, timeout=timeout) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# ---------------------------------------------------------------- a tiny bot to drive


def keyboard(count: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Count", callback_data=f"count:{count}"),
                InlineKeyboardButton("Done", callback_data="done"),
            ]
        ]
    )


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert (
        update.effective_chat is not None and update.message is not None and update.effective_user is not None
    )
    if update.effective_chat.type != "private":
        await update.message.reply_text("Please talk to me in a private chat.")
        return
    context.bot_data.setdefault("start_args", []).append(list(context.args or []))
    await update.message.reply_text(
        f"Hello <b>{update.effective_user.first_name}</b> &amp; welcome",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(0),
    )


async def on_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("Pick one", reply_markup=ReplyKeyboardMarkup([["Due", "Cases"]]))


async def on_doc(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_chat_action("upload_document")
    await update.message.reply_document(
        document=b"case,due\nA1,2026-01-05\n",
        filename="report.csv",
        caption="Your <i>report</i>",
        parse_mode=ParseMode.HTML,
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if query.data.startswith("count:"):
        count = int(query.data.split(":")[1]) + 1
        await query.answer(f"now {count}")
        await query.edit_message_text(f"Count: {count}", reply_markup=keyboard(count))
    else:
        await query.answer()
        await query.edit_message_text("Finished")  # no reply_markup: Telegram drops the keyboard


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(f"echo: {update.message.text}")


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def app(fake: FakeBotApi) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("menu", on_menu))
    application.add_handler(CommandHandler("doc", on_doc))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    assert fake.unknown_method_calls() == []


# ---------------------------------------------------------------- end to end through PTB


async def test_command_reply_and_echo(
    fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    ann = fake.user(42, "Ann", username="ann")
    reply = await ann.ask_async("/start abc")
    assert reply.text == "Hello Ann & welcome"
    assert reply.html == "Hello <b>Ann</b> &amp; welcome"
    assert reply.entities == ({"type": "bold", "offset": 6, "length": 3},)
    assert reply.buttons == [["Count", "Done"]]
    assert reply.callback_data == {"Count": "count:0", "Done": "done"}
    assert app.bot_data["start_args"] == [["abc"]]  # the bot_command entity made CommandHandler match

    echo = await ann.ask_async("hi there")
    assert echo.text == "echo: hi there"
    assert [m.text for m in ann.messages()] == [reply.text, "echo: hi there"]
    assert ann.last().message_id == echo.message_id
    assert fake.chats_with_messages() == [42]
    assert fake.errors() == []


async def test_button_presses_edit_in_place(
    fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    bob = fake.user(7, "Bob")
    first = await bob.ask_async("/start")
    edited = await bob.press_and_wait_async("Count")
    assert edited.message_id == first.message_id
    assert edited.text == "Count: 1"
    assert edited.callback_data["Count"] == "count:1"
    again = await bob.press_and_wait_async("count:1")  # callback_data works as well as the text
    assert again.text == "Count: 2"
    assert again.history == ["Hello Bob & welcome", "Count: 1"]
    assert again.edit_date is not None

    query_id = bob.press("Done")
    answer = await bob.wait_answer_async(query_id)
    assert answer.text is None and answer.data == "done"
    finished = await bob.wait_for_async("Finished")
    assert finished.buttons == [], "an edit without reply_markup removes the inline keyboard"
    assert [a.text for a in bob.answered_callbacks()] == ["now 1", "now 2", None]
    assert len(bob.messages()) == 1

    with pytest.raises(AssertionError, match="no bot message with inline buttons"):
        bob.press("Count")
    await bob.ask_async("/start")
    with pytest.raises(AssertionError, match=r"'Nope' is not on it.*'Count' -> 'count:0'"):
        bob.press("Nope")


async def test_no_update_is_delivered_twice(
    fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    users = [fake.user(100 + i, f"User{i}") for i in range(3)]
    for round_ in range(3):
        for user in users:
            user.send(f"m{round_}")
    for user in users:
        await user.wait_for_async("echo: m2")
        assert [m.text for m in user.messages()] == ["echo: m0", "echo: m1", "echo: m2"]
    fake.wait_until(
        lambda: not fake.pending_updates(), what="PTB confirming every update with its next offset"
    )
    delivered = fake.delivered_update_ids()
    assert len(delivered) == 9
    assert len(set(delivered)) == len(delivered)


async def test_reply_keyboard_document_and_chat_action(
    fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    cat = fake.user(5, "Cat")
    await cat.ask_async("/menu")
    assert cat.reply_keyboard() == [["Due", "Cases"]]
    assert cat.last().buttons == []

    doc = await cat.ask_async("/doc", match=lambda m: m.document is not None)
    assert doc.document is not None
    assert doc.document.filename == "report.csv"
    assert doc.document.content == b"case,due\nA1,2026-01-05\n"
    assert doc.text == "Your report" and doc.html == "Your <i>report</i>"
    assert cat.chat_actions() == ["upload_document"]
    assert [m.message_id for m in cat.documents()] == [doc.message_id]
    upload = fake.calls("sendDocument")[0]
    assert upload.params["document"].filename == "report.csv"


async def test_group_messages(fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    dan = fake.user(9, "Dan")
    dan.send_in_group("/start@inspectbot_test_bot", -1001234567890, title="Office")
    refusal = await fake.chat(-1001234567890).wait_for_async("private chat")
    assert refusal.raw["chat"] == {"id": -1001234567890, "type": "supergroup", "title": "Office"}
    assert dan.messages() == []


async def test_telegram_validation_reaches_ptb_as_errors(
    fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    eve = fake.user(11, "Eve")
    bot = app.bot
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(11, "hello stranger")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "nobody")
    first = await eve.ask_async("/start")

    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(11, "x" * 4097)
    ok = await bot.send_message(11, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert len(ok.text or "") == 4096  # the limit counts text after entity parsing
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(11, "  \n ")
    with pytest.raises(BadRequest, match="Can't parse entities: can't find end tag"):
        await bot.send_message(11, "<b>unclosed", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match='unsupported start tag "div"'):
        await bot.send_message(11, "<div>x</div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="unsupported start tag"):
        await bot.send_message(11, "1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(
            11, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="é" * 33)]])
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            first.html,
            chat_id=11,
            message_id=first.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(0),
        )
    # Same text without the bold entity is a change, as in Telegram; so is dropping the keyboard.
    await bot.edit_message_text("Hello Eve & welcome", chat_id=11, message_id=first.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=11, message_id=9999)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("no-such-query")

    eve.block()
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(11, "still there?")
    assert [c.status for c in fake.errors()] == [403, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 403]


async def test_wrong_token_is_401(fake: FakeBotApi) -> None:
    status, body = raw_call(fake, "getMe", token="999:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=fake.base_url) as bot:
            await bot.get_me()
    async with Bot(fake.token, base_url=f"{fake.api_root}/bot{{token}}") as bot:  # PTB's {token} form
        assert bot.username == "inspectbot_test_bot"


# ---------------------------------------------------------------- the HTTP surface directly


def test_json_and_form_bodies_and_unknown_methods(fake: FakeBotApi) -> None:
    fake.user(3, "Fay", started=True)
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    status, sent = raw_call(fake, "sendMessage", {"chat_id": 3, "text": "json", "reply_markup": markup})
    assert status == 200 and sent["result"]["reply_markup"] == markup
    status, sent = raw_call(fake, "sendmessage", {"chat_id": "3", "text": "form"}, form=True)
    assert status == 200 and sent["result"]["from"]["is_bot"] is True
    assert [m.text for m in fake.user(3).messages()] == ["json", "form"]

    status, body = raw_call(fake, "sendTelepathy", {"chat_id": 3})
    assert status == 404 and body["ok"] is False
    assert [c.method for c in fake.unknown_method_calls()] == ["sendTelepathy"]
    assert fake.calls("SENDMESSAGE")[1].params == {"chat_id": "3", "text": "form"}


def test_keep_alive_responses_are_not_held_back_by_nagle(fake: FakeBotApi) -> None:
    """Accepted sockets set TCP_NODELAY, or each response waits ~44 ms for the client's delayed ACK."""
    host, port = fake.api_root.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for _ in range(2):  # the same connection twice: the buffered writer must flush every response
            conn.request("POST", f"/bot{fake.token}/getMe", b"{}", {"Content-Type": "application/json"})
            response = conn.getresponse()
            assert response.status == 200
            assert json.loads(response.read())["result"]["username"] == "inspectbot_test_bot"
        assert fake.transport.httpd is not None
        with fake.transport.httpd.connections_lock:
            served = list(fake.transport.httpd.connections)
        assert len(served) == 1
        assert served[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        conn.close()


def test_calls_after_returns_only_new_calls_and_waits_for_one(fake: FakeBotApi) -> None:
    raw_call(fake, "getMe")
    seen = len(fake.calls())
    assert fake.calls_after(seen, timeout=0.05) == []
    threading.Timer(0.05, raw_call, (fake, "getMyName")).start()
    new = fake.calls_after(seen, timeout=10)
    assert [c.method for c in new] == ["getMyName"]
    assert fake.calls_after(seen - 1, timeout=0)[0].method == "getMe"


def test_long_polling_offsets_and_limit(fake: FakeBotApi) -> None:
    gil = fake.user(21, "Gil")
    results: list[tuple[float, dict[str, Any]]] = []

    def poll() -> None:
        started = time.monotonic()
        body = raw_call(fake, "getUpdates", {"timeout": 5})[1]
        results.append((time.monotonic() - started, body))

    poller = threading.Thread(target=poll)
    poller.start()
    fake.wait_until_polling()
    gil.send("/start")
    poller.join(timeout=5)
    elapsed, body = results[0]
    assert elapsed < 2, "a long poll returns as soon as an update arrives"
    (update,) = body["result"]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert update["message"]["chat"] == {"id": 21, "type": "private", "first_name": "Gil"}
    assert abs(update["message"]["date"] - time.time()) < 60

    for text in ("a", "b", "c"):
        gil.send(text)
    first_id = update["update_id"]
    again = raw_call(fake, "getUpdates", {"limit": 2})[1]["result"]
    assert [u["update_id"] for u in again] == [first_id, first_id + 1], "unconfirmed updates are resent"
    rest = raw_call(fake, "getUpdates", {"offset": first_id + 2})[1]["result"]
    assert [u["message"]["text"] for u in rest] == ["b", "c"]
    assert raw_call(fake, "getUpdates", {"offset": first_id + 4})[1]["result"] == []
    assert fake.pending_updates() == []


def test_second_poller_gets_conflict(fake: FakeBotApi) -> None:
    answers: list[tuple[int, dict[str, Any]]] = []
    first = threading.Thread(target=lambda: answers.append(raw_call(fake, "getUpdates", {"timeout": 5})))
    first.start()
    fake.wait_until_polling()
    assert raw_call(fake, "getUpdates", {"timeout": 0}) == (200, {"ok": True, "result": []})
    first.join(timeout=5)
    assert answers[0][0] == 409 and "terminated by other getUpdates" in answers[0][1]["description"]


def test_a_tagged_clients_poll_counts_on_arrival_and_only_for_that_client(fake: FakeBotApi) -> None:
    """BotProcess.start waits for its own process's first poll in flight, not for it to return, and
    never takes another client's (an earlier process's) poll as it."""
    url = f"{fake.client_root('second')}/bot{fake.token}/getUpdates"
    request = urllib.request.Request(
        url, data=b'{"timeout": 2}', headers={"Content-Type": "application/json"}
    )
    answers: list[dict[str, Any]] = []
    raw_call(fake, "getUpdates", {"timeout": 0})  # an untagged client's poll, already over
    poll = threading.Thread(
        target=lambda: answers.append(json.loads(_NO_PROXY.open(request, timeout=5).read()))
    )
    started = time.monotonic()
    poll.start()
    fake.wait_until_polling(timeout=1, client="second")
    assert time.monotonic() - started < 1.5, "counted on arrival, not when the 2 s poll returns"
    assert fake.polls_started("second") == 1 and fake.polls_started("") == 1
    assert [c.client for c in fake.calls("getUpdates")] == [""]  # the tagged poll is still in flight
    with pytest.raises(AssertionError, match="did not start long polling"):
        fake.wait_until_polling(timeout=0.2, client="third")
    poll.join(timeout=5)
    assert answers == [{"ok": True, "result": []}]
    assert [c.client for c in fake.calls("getUpdates")] == ["", "second"]
    with pytest.raises(ValueError, match="client tag"):
        fake.client_root("a/b")


def test_a_wait_naming_no_message_is_refused_where_matches_are_required() -> None:
    """Tests run the fake with require_match: "the next message" could be an outbox notice instead."""
    with FakeBotApi(require_match=True) as strict:
        ann = strict.user(42, "Ann", started=True)
        raw_call(strict, "sendMessage", {"chat_id": 42, "text": "a notice"})
        for wait in (lambda: ann.wait_for(timeout=0.1), lambda: ann.wait_next(ann.mark(), timeout=0.1)):
            with pytest.raises(AssertionError, match="names no message: pass a match"):
                wait()
        assert ann.wait_for("notice", timeout=1).text == "a notice"  # named: found


async def test_a_press_without_a_message_takes_the_latest_that_offers_the_button(
    fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    """A notice with buttons of its own that arrives after the message meant does not take the press."""
    bob = fake.user(8, "Bob")
    first = await bob.ask_async("/start", "welcome")
    notice = {"inline_keyboard": [[{"text": "Acknowledge", "callback_data": "ack"}]]}
    assert raw_call(fake, "sendMessage", {"chat_id": 8, "text": "A notice", "reply_markup": notice})[0] == 200
    counted = await bob.press_and_wait_async("Count", "Count: 1")
    assert counted.message_id == first.message_id


def test_abandoned_long_poll_is_not_an_error_and_delivers_nothing(fake: FakeBotApi) -> None:
    host, port = fake.api_root.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        body = b'{"timeout": 30}'
        client.sendall(
            f"POST /bot{fake.token}/getUpdates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        fake.wait_until_polling()
    fake.wait_until(lambda: bool(fake.calls("getUpdates")), what="the abandoned poll ending")
    assert fake.calls("getUpdates")[0].status == 499
    assert fake.errors() == []
    fake.user(71, "Lou").send("hello")
    assert fake.delivered_update_ids() == [] and len(fake.pending_updates()) == 1


def test_webhook_delivery_and_conflict(fake: FakeBotApi) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    got_one = threading.Event()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            got_one.set()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the assertions say what happened."""

    hook = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=hook.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{hook.server_port}/hook"
        assert raw_call(fake, "setWebhook", {"url": url, "secret_token": "s3cret"})[0] == 200
        assert raw_call(fake, "getUpdates")[0] == 409
        fake.user(31, "Hal").send("/start")
        assert got_one.wait(5)
        fake.wait_until(lambda: bool(fake.webhook_deliveries()), what="the delivery being recorded")
        assert received[0][0] == "s3cret" and received[0][1]["message"]["text"] == "/start"
        info = raw_call(fake, "getWebhookInfo")[1]["result"]
        assert info["url"] == url and info["pending_update_count"] == 0
        assert fake.webhook_deliveries()[0].status == 200
        assert raw_call(fake, "deleteWebhook")[0] == 200
        assert raw_call(fake, "getUpdates")[1]["result"] == []
    finally:
        hook.shutdown()
        hook.server_close()


def test_wait_for_timeout_shows_what_arrived(fake: FakeBotApi) -> None:
    ivy = fake.user(41, "Ivy", started=True)
    raw_call(fake, "sendMessage", {"chat_id": 41, "text": "something else"})
    with pytest.raises(AssertionError) as caught:
        ivy.wait_for("the thing", timeout=0.2)
    report = str(caught.value)
    assert "something else" in report and "never called getUpdates" in report


def test_fake_crash_is_a_500_and_recorded() -> None:
    server = FakeBotApi().start()
    try:

        def broken(_params: Any) -> None:
            raise RuntimeError("boom")

        server.methods.table["getme"] = broken
        status, body = raw_call(server, "getMe")
        assert status == 500 and "RuntimeError: boom" in body["description"]
        assert len(server.internal_errors()) == 1
        with pytest.raises(AssertionError, match="boom"):
            server.assert_no_internal_errors()
    finally:
        server.stop()


def test_user_sends_document_the_bot_can_download(fake: FakeBotApi) -> None:
    jo = fake.user(51, "Jo")
    jo.send_document("cases.csv", b"a,b\n", caption="import")
    (update,) = raw_call(fake, "getUpdates")[1]["result"]
    document = update["message"]["document"]
    assert document["file_name"] == "cases.csv" and update["message"]["caption"] == "import"
    path = raw_call(fake, "getFile", {"file_id": document["file_id"]})[1]["result"]["file_path"]
    with _NO_PROXY.open(f"{fake.base_file_url}{fake.token}/{path}", timeout=5) as response:
        assert response.read() == b"a,b\n"


# ---------------------------------------------------------------- HTML parsing rules


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("<b>bold</b> &lt;x&gt; &quot;q&quot; &#39;s&#x27;", "bold <x> \"q\" 's'", [("bold", 0, 4)]),
        ("😀 <i>é</i>", "😀 é", [("italic", 3, 1)]),  # offsets count UTF-16 units
        ('<a href="https://e.org/?a=1&amp;b=2">link</a>', "link", [("text_link", 0, 4)]),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", [("pre", 0, 5)]),
        ("<blockquote expandable>q</blockquote><u>u</u><s>s</s><code>c</code>", "qusc", None),
        ("a > b", "a > b", []),
    ],
)
def test_html_entities(html: str, text: str, entities: list[tuple[str, int, int]] | None) -> None:
    parsed_text, parsed = parse_html(html)
    assert parsed_text == text
    if entities is not None:
        assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_html_details() -> None:
    assert parse_html('<pre><code class="language-python">x</code></pre>')[1] == [
        {"type": "pre", "language": "python", "offset": 0, "length": 1}
    ]
    assert parse_html('<a href="https://e.org/?a=1&amp;b=2">l</a>')[1][0]["url"] == "https://e.org/?a=1&b=2"
    assert parse_html("a & b", strict_ampersand=False)[0] == "a & b"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("é <b", "Unclosed start tag at byte offset 3"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("fish & chips", "Character '&' at byte offset 5"),
    ],
)
def test_html_errors(html: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(html)
    assert str(caught.value).startswith(error)


def test_user_helpers_are_thread_safe_under_load(fake: FakeBotApi) -> None:
    users: list[FakeUser] = [fake.user(1000 + i, f"U{i}") for i in range(4)]
    threads = [threading.Thread(target=lambda u=u: [u.send(str(n)) for n in range(25)]) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    updates = raw_call(fake, "getUpdates")[1]["result"]
    assert len(updates) == 100
    assert len({u["update_id"] for u in updates}) == 100
    for user in users:
        texts = [u["message"]["text"] for u in updates if u["message"]["chat"]["id"] == user.user_id]
        ids = [u["message"]["message_id"] for u in updates if u["message"]["chat"]["id"] == user.user_id]
        assert texts == [str(n) for n in range(25)] and ids == sorted(ids)


async def test_async_wrappers_do_not_block_the_loop(fake: FakeBotApi) -> None:
    kim = fake.user(61, "Kim", started=True)
    waiter = asyncio.create_task(kim.wait_for_async("late"))
    await asyncio.to_thread(raw_call, fake, "sendMessage", {"chat_id": 61, "text": "late reply"})
    assert (await asyncio.wait_for(waiter, 5)).text == "late reply"


def test_telegram_limits_are_enforced_only_when_asked() -> None:
    with FakeBotApi() as fake:
        for chat in (11, 12, 13, 14):
            fake.user(chat, started=True)
        assert [raw_call(fake, "sendMessage", {"chat_id": 11, "text": "x"})[0] for _ in range(3)] == [200] * 3
        fake.enforce_limits(overall=3, per_chat=1.0)
        assert raw_call(fake, "sendMessage", {"chat_id": 11, "text": "a"})[0] == 200
        status, body = raw_call(fake, "sendMessage", {"chat_id": 11, "text": "b"})  # the same chat at once
        assert status == 429 and body["parameters"] == {"retry_after": 1}
        assert "retry after 1" in body["description"]
        assert raw_call(fake, "sendMessage", {"chat_id": 12, "text": "c"})[0] == 200
        assert raw_call(fake, "sendMessage", {"chat_id": 13, "text": "d"})[0] == 200
        assert raw_call(fake, "sendMessage", {"chat_id": 14, "text": "e"})[0] == 429  # 3 in this second
        assert fake.too_many == 2
        fake.enforce_limits(overall=None, per_chat=None)
        assert raw_call(fake, "sendMessage", {"chat_id": 14, "text": "f"})[0] == 200


def _localapi_imports() -> dict[str, set[str]]:
    """Each module of bot/localapi with the sibling modules it imports anywhere in its body (inside
    functions and under TYPE_CHECKING too), read from its syntax tree."""
    folder = Path(__file__).resolve().parent.parent / "bot" / "localapi"
    graph: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.localapi."):
                imported.add((node.module or "").split(".")[2])
        graph[path.stem] = imported
    return graph


def test_the_local_bot_api_modules_import_one_way() -> None:
    """Issue 19: split by job with no import circle; the driver acts on the state and the waits, never
    on the facade that composes it."""
    graph = _localapi_imports()
    assert "server" not in graph["driver"] and "server" not in graph["waits"]
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            raise AssertionError("import circle: " + " -> ".join((*path, module)))
        if module in done:
            return
        for imported in sorted(graph.get(module, set()) - {"__init__"}):
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        if module != "__init__":
            visit(module, ())
