"""Persistence (保存): the shared case store — SQLite on one PC or the city's PostgreSQL — and the counter
workflow. No Qt here. Start at :mod:`okuyami.store.store`."""
