"""Telegram handlers and conversations: parse, authorise, call workflows and store, reply."""
