"""Start the desk app: ``okuyami`` or ``okuyami gui [--data-dir DIR] [--rules PATH] [--clerk NAME]``."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from ..store.db import Store, default_data_dir
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


def build_window(data_dir: Path | None = None, rules: Path | None = None, clerk: str = "") -> MainWindow:
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    store = Store(data_dir / "okuyami.sqlite3")
    return MainWindow(store, rules, data_dir, clerk=clerk or os.environ.get("USERNAME") or os.environ.get("USER") or "",
                      today=today())


def run(data_dir: Path | None = None, rules: Path | None = None, clerk: str = "") -> int:
    app = make_app()
    window = build_window(data_dir, rules, clerk)
    window.show()
    return app.exec()
