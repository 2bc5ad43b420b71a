"""Start the desk app: ``okuyami`` or ``okuyami gui [--data-dir DIR] [--rules PATH] [--clerk NAME]``."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator, qInstallMessageHandler
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from ..core.calendar import today  # $OKUYAMI_TODAY or today
from ..store.store import Store, StoreError, default_data_dir
from .main_window import MainWindow
from .printing import remove_stale_temp




def _quiet(kind, context, message) -> None:
    """Qt's own messages, minus the offscreen platform's harmless 'propagateSizeHints' notice."""
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def install_japanese(app: QApplication) -> bool:
    """Qt's own texts in Japanese (ファイル/印刷ダイアログ, メッセージボックスの「はい」「キャンセル」…): the
    ``qtbase_ja`` translation shipped inside PySide6 (``QLibraryInfo.TranslationsPath``). Returns whether it was
    loaded (if not, Qt's own buttons stay in English; everything okuyami writes is Japanese anyway)."""
    if getattr(app, "_okuyami_translator", None) is not None:
        return True
    QLocale.setDefault(QLocale(QLocale.Japanese, QLocale.Japan))  # dates, numbers and Qt's own dialogs
    folder = QLibraryInfo.path(QLibraryInfo.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load(QLocale(QLocale.Japanese, QLocale.Japan), "qtbase", "_", folder):
        return False
    app.installTranslator(translator)
    app._okuyami_translator = translator  # keep it alive
    return True


def make_app() -> QApplication:
    qInstallMessageHandler(_quiet)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("okuyami")
    app.setApplicationDisplayName("おくやみコーナー")
    install_japanese(app)
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 11.0))
    app.setFont(font)
    palette = app.palette()  # input hints in plain grey, never mistaken for something typed
    palette.setColor(QPalette.PlaceholderText, QColor("#9a9a9a"))
    app.setPalette(palette)
    return app


def build_window(data_dir: Path | None = None, rules: Path | None = None, clerk: str = "", *,
                 db: str | None = None, department: str | None = None, ask: bool = False,
                 background: bool = True) -> MainWindow | None:
    """The window for this PC: the operator and the mode from the command line, else remembered in
    ``terminal.json``, else (``ask``) chosen in the start dialog. None if the clerk cancelled. ``background``:
    store calls on the window's worker thread (the app); False runs them inline (scripted screenshots)."""
    from ..store.local_settings import TerminalSettings, display_name, installation_id

    data_dir = Path(data_dir) if data_dir else default_data_dir()
    installation_id(data_dir)  # made at the first start, kept with the settings
    settings = TerminalSettings.load(data_dir)
    operator = clerk or os.environ.get("OKUYAMI_OPERATOR") or settings.operator
    if department is None and settings.mode == "department":
        department = settings.department
    store = Store.open(db, operator=operator, data_dir=data_dir, terminal=display_name(data_dir))
    if ask and not operator:
        from ..store.rules_cache import load_rules
        from .start_dialog import StartDialog

        dialog = StartDialog(load_rules(rules, data_dir).book, store.operators(), operator=operator,
                             department=department)
        if dialog.exec() != StartDialog.Accepted:
            store.close()
            return None
        operator, department = dialog.chosen()
        store = store.with_operator(operator)
    if not operator:
        operator = os.environ.get("USERNAME") or os.environ.get("USER") or ""
        store = store.with_operator(operator)
    window = MainWindow(store, rules, data_dir, clerk=operator, today=today(), department=department,
                        background=background)
    window.remember_terminal()
    return window


def settle_memory() -> int:
    """Keep Python's full garbage collection short while the window runs: after start-up (Qt, the rulebook, the
    store, the fonts) collect once and move every object alive now out of the collector's sight (``gc.freeze``).
    Those objects live as long as the app, yet a full collection would walk all of them each time — about 100 ms
    of a stopped window after a first packet, 5 ms once they are frozen (bench/bench_gc_pause.py, medians).
    Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def run(data_dir: Path | None = None, rules: Path | None = None, clerk: str = "", *, db: str | None = None,
        department: str | None = None) -> int:
    app = make_app()
    remove_stale_temp()  # packets left by a crash or a power cut (personal data)
    try:
        window = build_window(data_dir, rules, clerk, db=db, department=department, ask=True)
    except StoreError as exc:  # the server cannot be reached, or its schema is not this version's
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "okuyami — データベース", f"{exc}\n\nokuyamiを終了します。")
        return 1
    if window is None:
        return 0
    window.show()
    app.processEvents()
    settle_memory()
    return app.exec()
