"""Start the desk app: ``okuyami`` or ``okuyami gui [--data-dir DIR] [--rules PATH] [--clerk NAME]``."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from ..store.database import StoreError, default_data_dir
from ..store.store import Store
from .main_window import MainWindow


def today() -> dt.date:
    value = os.environ.get("OKUYAMI_TODAY")
    return dt.date.fromisoformat(value) if value else dt.date.today()


def _quiet(kind, context, message) -> None:
    """Qt's own messages, minus the offscreen platform's harmless 'propagateSizeHints' notice."""
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def make_app() -> QApplication:
    qInstallMessageHandler(_quiet)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("okuyami")
    app.setApplicationDisplayName("おくやみコーナー")
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 11.0))
    app.setFont(font)
    return app


def build_window(data_dir: Path | None = None, rules: Path | None = None, clerk: str = "", *,
                 db: str | None = None, department: str | None = None) -> MainWindow:
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    clerk = clerk or os.environ.get("OKUYAMI_OPERATOR") or os.environ.get("USERNAME") or os.environ.get("USER") or ""
    store = Store.open(db, operator=clerk, data_dir=data_dir)
    return MainWindow(store, rules, data_dir, clerk=clerk, today=today())


def run(data_dir: Path | None = None, rules: Path | None = None, clerk: str = "", *, db: str | None = None,
        department: str | None = None) -> int:
    app = make_app()
    try:
        window = build_window(data_dir, rules, clerk, db=db, department=department)
    except StoreError as exc:  # the server cannot be reached, or its schema is not this version's
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "okuyami — データベース", f"{exc}\n\nokuyamiを終了します。")
        return 1
    window.show()
    return app.exec()
