"""Persistence on SQLite through aiosqlite: schema, migrations, repositories and the audit trail."""
