"""The domain: working days, inspection rules as data, deadlines. Pure Python, no I/O, no Telegram."""
