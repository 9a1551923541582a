"""The anchor bot: python-telegram-bot's minimal echo (one MessageHandler replying with the text).

Run as `python -m bench._echo` with TELEGRAM_API_URL and TELEGRAM_BOT_TOKEN set (bench/_world.py does).
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
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    application.run_polling(poll_interval=0.0, timeout=1)


if __name__ == "__main__":
    main()
