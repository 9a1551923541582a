"""The anchor bot: python-telegram-bot's minimal echo (one MessageHandler replying with the text).

Run as `python -m bench._echo` with TELEGRAM_API_URL and TELEGRAM_BOT_TOKEN set (bench/_world.py does).
With BENCH_ECHO_REQUEST=aiohttp it sends its requests as inspectbot does (`bot.aiohttp_request`) instead
of through PTB's default httpx: the same echo on the same transport, so a ratio to it is the cost of
inspectbot's own work (the inbox, the state, the answer), not of the HTTP library.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text, do_quote=False)


def main() -> None:
    root = os.environ["TELEGRAM_API_URL"].rstrip("/")
    builder = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
    )
    if os.environ.get("BENCH_ECHO_REQUEST") == "aiohttp":
        from bot.aiohttp_request import AiohttpRequest

        builder = builder.request(AiohttpRequest(connection_pool_size=256)).get_updates_request(
            AiohttpRequest()
        )
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    application.run_polling(poll_interval=0.0, timeout=1)


if __name__ == "__main__":
    main()
