"""The read-only lists of the desk app (case list, 後日 list, the day's reservations, a department's families, kept
packets): whole rows selected, nothing edited in place, columns sized to their contents and one taking the room."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def row_table(columns, stretch: int, *, multi: bool = False) -> QTableWidget:
    """A list with ``columns`` as headings; column ``stretch`` takes the remaining width; ``multi``: several rows
    may be selected (Ctrl / Shift)."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.ExtendedSelection if multi else QAbstractItemView.SingleSelection)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.Stretch)
    return table
